"""Render the reports: stage sources beside the executed notebooks, then Quarto or pandoc.

`render(params, "iro-annual-report", to="html")` -> output/<authority>/<doc>-<period>.html.
See docs/rendering.md.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.params import RunParams
from pipeline.publish.render import draft, fallback, quarto
from pipeline.publish.render.errors import RenderError
from pipeline.publish.render.shortcodes import Expander, split_front_matter
from pipeline.publish.render.stage import colophon_text, document_typst, finish_main, stage

__all__ = ["RenderError", "RenderResult", "render", "output_path"]

FORMATS = ("html", "docx", "pdf")
RENDERERS = ("auto", "quarto", "pandoc")


def check_options(formats: list[str], renderer: str) -> None:
    """Refuse an unknown format or renderer in one line, before any work (a typo is named
    as such, not found after a build or reported as a missing one)."""
    for to in formats:
        if to not in FORMATS:
            raise RenderError(f"unknown output format {to!r} (one of {', '.join(FORMATS)})")
    if renderer not in RENDERERS:
        raise RenderError(f"unknown renderer {renderer!r} (one of {', '.join(RENDERERS)})")


PLACEHOLDER = "Service to edit"


@dataclass(frozen=True)
class RenderResult:
    path: Path  # output/<authority>/<doc>-<period>.<ext>
    renderer: str  # "quarto" or "pandoc"
    built: Path  # what that renderer wrote in the stage folder (copied to `path`)
    seconds: float  # how long the renderer took
    why: str  # why this renderer was used
    warnings: tuple[str, ...] = ()  # Quarto's warnings, less the known-harmless ones

    def summary(self) -> str:
        """One line for the CLI: what was rendered, with what, why and how long it took."""
        return (
            f"rendered {self.path.name} with {self.renderer} ({self.why}) in {self.seconds:.1f} s"
        )


def output_path(params: RunParams, doc: str, to: str) -> Path:
    from pipeline.reports import get

    kind = get(doc).period
    if kind == "quarter":
        period = params.csc_quarter.replace(" ", "-")
    else:
        period = params.year_label if kind == "year" else params.month
    return params.output_dir / params.slug / f"{doc}-{period}.{to}"


def _stage_generated_sources(params: RunParams, report, stage_dir: Path, final: bool) -> None:
    """Sources a report generates per run (the pack's qmd follows its month and catalogue)."""
    from pipeline.publish.render.stage import HTML_COMMENT, substitute_vars, variables

    if report.sources_generator is None:
        return
    values = variables(params)
    for rel, text in report.generate_sources(params, final).items():
        target = stage_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        text = HTML_COMMENT.sub("", text)
        target.write_text(substitute_vars(text, values, rel), encoding="utf-8")


def render(
    params: RunParams,
    doc: str,
    *,
    to: str = "html",
    renderer: str = "auto",
    final: bool = False,
    sources: Path | None = None,
    notebooks: Path | None = None,
    out_dir: Path | None = None,
    run_id: str | None = None,
    stage_folder: Path | None = None,
    only_notebooks: set[str] | None = None,
) -> RenderResult:
    """Render one report to html/docx/pdf; Quarto if installed (or asked for), else pandoc.

    A draft (the default) carries a banner listing what is unfinished (draft.py);
    `final=True` fails, in one line, while anything is. `sources` replaces
    the report's own Quarto sources folder (its `report/`), e.g. for a test fixture.
    A build renders from its staged `notebooks` into its staged `out_dir` (published with
    the rest of the run, pipeline/run/publish.py) and names its `run_id` in the colophon;
    otherwise the file replaces `output_path(...)` atomically (written beside it, renamed).
    """
    from pipeline.reports import get

    report = get(doc)
    check_options([to], renderer)
    if renderer == "quarto" and not quarto.available():
        raise RenderError("renderer 'quarto' requested but the Quarto CLI is not installed")
    use_quarto = renderer == "quarto" or (renderer == "auto" and quarto.available())
    if use_quarto:
        name, label = "quarto", f"Quarto {quarto.version()}"
        why = "asked for" if renderer == "quarto" else "Quarto is on PATH"
    else:
        name, label = "pandoc", f"pandoc {fallback.version()}"
        why = "asked for" if renderer == "pandoc" else "Quarto not installed"
    colophon = colophon_text(params, label, run_id)
    stage_dir = stage(
        params,
        sources or report.source_dir,
        colophon=colophon,
        to=to,
        notebooks=notebooks,
        folder=stage_folder,
        only_notebooks=only_notebooks,
    )
    _stage_generated_sources(params, report, stage_dir, final)
    main = stage_dir / "report" / f"{doc}.qmd"
    if not main.is_file():
        raise RenderError(f"{main}: report source not found")
    todo = draft.unfinished(stage_dir, main) + draft.not_available(
        stage_dir / "notebooks",
        params.report.omit_sections,
        draft.staged_headings(stage_dir / "report"),
    )
    text = main.read_text(encoding="utf-8")
    meta, _ = split_front_matter(text, str(main.relative_to(stage_dir)))
    if final:
        draft.check_final(doc, todo)
    else:
        text = draft.with_banner(text, todo)
    main.write_text(finish_main(text, colophon), encoding="utf-8")
    (stage_dir / "_assets" / "document.typ").write_text(document_typst(meta), encoding="utf-8")
    start = time.perf_counter()
    warnings: tuple[str, ...] = ()
    if use_quarto:
        # Resolve every include and embed first, for the fallback's one-line errors
        # (Quarto's name neither the section nor the notebook)
        Expander(root=stage_dir, main=main, to="html", media=stage_dir / "_check").expand()
        run = quarto.render(stage_dir, doc, to, epoch=fallback.epoch(meta))
        built, warnings = run.path, run.warnings
    else:
        built, found = fallback.render(stage_dir, doc, to)
        warnings = tuple(found)
    seconds = time.perf_counter() - start
    dest = output_path(params, doc, to)
    if out_dir is not None:
        dest = Path(out_dir) / dest.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.tmp")
    shutil.copyfile(built, tmp)
    os.replace(tmp, dest)  # never a half-written file under its published name
    return RenderResult(dest, name, built, seconds, why, warnings)
