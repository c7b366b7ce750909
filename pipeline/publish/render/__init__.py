"""Render the reports: stage sources beside the executed notebooks, then Quarto or pandoc.

`render(params, "iro-annual-report", to="html")` -> output/<authority>/<doc>-<period>.html.
See docs/rendering.md.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from pipeline.params import RunParams
from pipeline.publish.render import fallback, quarto
from pipeline.publish.render.errors import RenderError
from pipeline.publish.render.stage import stage

__all__ = ["RenderError", "RenderResult", "render", "output_path"]

FORMATS = ("html", "docx", "pdf")
RENDERERS = ("auto", "quarto", "pandoc")
PLACEHOLDER = "Service to edit"


@dataclass(frozen=True)
class RenderResult:
    path: Path
    renderer: str  # "quarto" or "pandoc"


def output_path(params: RunParams, doc: str, to: str) -> Path:
    from pipeline.reports import get

    period = params.year_label if get(doc).period == "year" else params.month
    return params.output_dir / params.slug / f"{doc}-{period}.{to}"


def _check_final(stage_dir: Path) -> None:
    """A final render refuses narrative that still carries the placeholder marker."""
    for f in sorted((stage_dir / "report").rglob("*.md")) + sorted(
        (stage_dir / "report").rglob("*.qmd")
    ):
        if PLACEHOLDER.lower() in f.read_text(encoding="utf-8").lower():
            rel = f.relative_to(stage_dir)
            raise RenderError(f"{rel}: still has placeholder text ({PLACEHOLDER!r}); edit it first")


def _stage_generated_sources(params: RunParams, report, stage_dir: Path, final: bool) -> None:
    """Sources a report generates per run (the pack's qmd follows its month and catalogue)."""
    from pipeline.publish.render.stage import substitute_vars, variables

    if report.sources_generator is None:
        return
    values = variables(params)
    for rel, text in report.generate_sources(params, final).items():
        target = stage_dir / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(substitute_vars(text, values, rel), encoding="utf-8")


def render(
    params: RunParams,
    doc: str,
    *,
    to: str = "html",
    renderer: str = "auto",
    final: bool = False,
    sources: Path | None = None,
) -> RenderResult:
    """Render one report to html/docx/pdf; Quarto if installed (or asked for), else pandoc.

    `final=True` fails while any narrative still has placeholder text. `sources` replaces
    the report's own Quarto sources folder (its `report/`), e.g. for a test fixture.
    """
    from pipeline.reports import get

    report = get(doc)
    if to not in FORMATS:
        raise RenderError(f"unknown output format {to!r} (one of {', '.join(FORMATS)})")
    if renderer not in RENDERERS:
        raise RenderError(f"unknown renderer {renderer!r} (one of {', '.join(RENDERERS)})")
    if renderer == "quarto" and not quarto.available():
        raise RenderError("renderer 'quarto' requested but the Quarto CLI is not installed")
    use_quarto = renderer == "quarto" or (renderer == "auto" and quarto.available())
    if use_quarto:
        note = "Rendered with Quarto"
    elif renderer == "pandoc":
        note = "Rendered with pandoc fallback (chosen with renderer=pandoc)"
    else:
        note = "Rendered with pandoc fallback (Quarto not installed)"
    stage_dir = stage(params, sources or report.source_dir, renderer_note=note)
    _stage_generated_sources(params, report, stage_dir, final)
    if final:
        _check_final(stage_dir)
    if use_quarto:
        built, name = quarto.render(stage_dir, doc, to), "quarto"
    else:
        built, name = fallback.render(stage_dir, doc, to, renderer_note=note), "pandoc"
    dest = output_path(params, doc, to)
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(built, dest)
    return RenderResult(dest, name)
