"""Stage a report build: `_quarto.yml`, `report/`, assets and embeddable notebooks.

`build/<authority>/<year>/notebooks/` holds papermill's executed notebooks; the render
project is `build/<authority>/<year>/stage/`, with the repository's relative layout so
`report/*.qmd` can embed `../notebooks/<name>.ipynb#<label>` under Quarto and the fallback:

    _quarto.yml  _variables.yml  _assets/  report/  notebooks/ (cleaned copies, embed.py)
    _output/ (what the renderer wrote: emptied before every render)

`{{< var name >}}` in staged .qmd/.md files is replaced by the run's values here, so
both renderers see literal text; `_variables.yml` is written too for Quarto users.
"""

from __future__ import annotations

import html
import re
import shutil
from pathlib import Path

import yaml

from pipeline.params import RunParams
from pipeline.publish.present import markdown_text
from pipeline.publish.render import vega
from pipeline.publish.render.draft import omit_sections
from pipeline.publish.render.embed import prepare_notebooks
from pipeline.publish.render.errors import RenderError

ASSETS = Path(__file__).resolve().parent / "assets"
#: Copied into `<stage>/_assets/` for both renderers (filters named in _quarto.yml or
#: passed to pandoc by fallback.py).
ASSET_FILES = (
    "report.css",
    "table-scroll.lua",
    "table-widths.lua",
    "print.lua",
    "print.typ",
    "safe.lua",
    "untrusted.lua",
    "neutralise.lua",
    "formats.lua",
    "docx-floats.lua",
)
#: Quarto puts the title block and the contents inside <main>, so its skip link goes to a
#: mark at the start of the body text (`CONTENT_START`), past the contents.
SKIP_LINK = '<a class="skip-link" href="#report-content">Skip to main content</a>\n'
CONTENT_START = '\n```{=html}\n<div id="report-content"></div>\n```\n'
VAR = re.compile(r"\{\{<\s*var\s+([A-Za-z0-9_.-]+)\s*>\}\}")


def _long_date(d) -> str:
    return d.strftime("%-d %B %Y")


def variables(params: RunParams) -> dict[str, str]:
    """Values for `{{< var >}}`: all derived from the config, never from the clock."""
    import datetime as dt

    month = dt.date.fromisoformat(params.month + "-01")
    return {
        "authority": params.authority.name,
        "service_name": params.authority.service_name,
        "la_code": params.authority.new_la_code,
        "year_label": params.year_label,
        "year_start": _long_date(params.period_start),
        "year_end": _long_date(params.period_end),
        "month": params.month,
        "month_label": month.strftime("%B %Y"),
        "quarter": params.csc_quarter,
        "extract_date": params.extract_date.isoformat(),
        "extract_date_label": _long_date(params.extract_date),
        "disclosure_threshold": str(params.disclosure_threshold),
        "disclosure_notice": disclosure_notice(params),
    }


def disclosure_notice(params: RunParams) -> str:
    """A notice on every page when the config sets `disclosure: none` (else nothing)."""
    if params.disclosure != "none":
        return ""
    return (
        "::: {.callout-warning}\n**These figures are not suppressed.** The configuration sets "
        "`disclosure: none`: small numbers are shown as they are, so this document must not "
        "be published.\n:::"
    )


def stage_dir(params: RunParams) -> Path:
    return params.build_dir / params.slug / params.year_label / "stage"


#: How a run id appears in a rendered file (the first 12 hex digits of its digest).
RUN_ID_LENGTH = 12


def colophon_text(params: RunParams, renderer: str, run_id: str | None = None) -> str:
    """The one line that says where the document came from and what rendered it (and,
    from a build, the id of the run: the same id is in data/processed/run.json)."""
    values = variables(params)
    run = f"; run {run_id[:RUN_ID_LENGTH]}" if run_id else ""
    return (
        f"Produced by cic-reports from {values['authority']}\u2019s records extracted "
        f"{values['extract_date_label']}; rendered with {renderer}{run}."
    )


def colophon_html(text: str) -> str:
    return (
        '<footer class="report-footer colophon">\n'
        f"<p><strong>About this document.</strong> {html.escape(text)}</p>\n"
        "</footer>\n"
    )


def colophon_markdown(text: str) -> str:
    """For DOCX and PDF (HTML has the footer): appended to the main document."""
    return (
        '\n\n::: {.content-hidden when-format="html"}\n'
        f"**About this document.** {markdown_text(text)}\n"
        ":::\n"
    )


def finish_main(text: str, colophon: str) -> str:
    """The staged main document with the content-start mark after its front matter and the
    colophon (DOCX/PDF) at its end. Raw HTML: dropped from the other formats."""
    from pipeline.publish.render.shortcodes import FRONT

    m = FRONT.match(text)
    at = m.end() if m else 0
    return text[:at] + CONTENT_START + text[at:] + colophon_markdown(colophon)


def _typst_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def document_typst(meta: dict) -> str:
    """`#set document(...)` so the PDF carries its title (Quarto 1.7's typst template does not)."""
    parts = []
    title = " \u2013 ".join(str(meta[k]) for k in ("title", "subtitle") if meta.get(k))
    if title:
        parts.append(f"title: {_typst_string(title)}")
    author = meta.get("author")
    if author:
        authors = author if isinstance(author, list) else [author]
        parts.append("author: (" + ", ".join(_typst_string(str(a)) for a in authors) + ",)")
    return f"#set document({', '.join(parts)})\n" if parts else ""


def _yaml_quoted(text: str) -> str:
    """Text for inside a double-quoted YAML string (the front matter's values)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def substitute_vars(text: str, values: dict[str, str], where: str) -> str:
    """Replace `{{< var name >}}` by the configured value, as literal text: a value is
    Markdown-escaped (an authority or service name holding `<img onerror=...>` or
    `[x](javascript:...)` is shown as typed), and quoted for YAML in the front matter."""
    from pipeline.publish.render.shortcodes import FRONT

    def sub(part: str, in_yaml: bool) -> str:
        def repl(m: re.Match) -> str:
            key = m.group(1)
            if key not in values:
                raise RenderError(f"{where}: unknown variable {key!r} in {{{{< var {key} >}}}}")
            value = markdown_text(values[key])
            return _yaml_quoted(value) if in_yaml else value

        return VAR.sub(repl, part)

    m = FRONT.match(text)
    at = m.end() if m else 0
    return sub(text[:at], True) + sub(text[at:], False)


HTML_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)


def plain_markdown(files: list[Path], filter_path: Path) -> None:
    """Re-write edited Markdown files as Markdown without raw HTML, raw blocks, event
    attributes, unsafe links or images (assets/untrusted.lua), in place. HTML comments
    (guidance for whoever edits the file) are removed first, not shown."""
    import subprocess

    from pipeline.publish.render.fallback import pandoc_path

    for f in files:
        text = HTML_COMMENT.sub("", f.read_text(encoding="utf-8"))
        proc = subprocess.run(
            [
                pandoc_path(),
                "-f",
                "markdown-raw_html-raw_attribute-raw_tex-yaml_metadata_block",
                "-t",
                "markdown-raw_html-raw_attribute-raw_tex",
                "--wrap=preserve",
                "--lua-filter",
                str(filter_path),
            ],
            input=text.encode("utf-8"),
            capture_output=True,
            check=False,
        )
        if proc.returncode != 0:
            msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
            raise RenderError(f"{f}: could not read as Markdown: {msg[-1] if msg else ''}")
        f.write_text(proc.stdout.decode("utf-8"), encoding="utf-8")


def _copy_tree(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".*", "__pycache__", "_output"))


def write_assets(folder: Path, colophon: str) -> None:
    """CSS, Lua filters, Vega bundle, skip link and colophon into `<stage>/_assets/`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ASSET_FILES:
        shutil.copyfile(ASSETS / name, folder / name)
    vega.write_include(folder / "vega-bundle.html")
    (folder / "skip-link.html").write_text(SKIP_LINK, encoding="utf-8")
    (folder / "colophon.html").write_text(colophon_html(colophon), encoding="utf-8")
    (folder / "document.typ").write_text("", encoding="utf-8")


def inline_not_available(report: Path, notebooks: Path) -> None:
    """Each embed of a figure not computed for want of an input (present.figure) replaced by
    its sentence, or by nothing: a table or chart label would make an empty numbered float."""
    import json

    from pipeline.publish.present import NOT_AVAILABLE_KEY
    from pipeline.publish.render.embed import cell_label
    from pipeline.publish.render.shortcodes import EMBED

    said: dict[tuple[str, str], str] = {}
    for nb in sorted(notebooks.glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8")).get("cells", []):
            for o in cell.get("outputs", []):
                if (o.get("metadata") or {}).get(NOT_AVAILABLE_KEY):
                    md = (o.get("data") or {}).get("text/markdown", "")
                    said[(nb.stem, cell_label(cell) or "")] = "".join(md)
    if not said:
        return

    def sub(m: re.Match) -> str:
        path, _, label = m.group(1).partition("#")
        return said.get((Path(path).stem, label), m.group(0))

    for f in sorted(report.rglob("*.qmd")):
        text = f.read_text(encoding="utf-8")
        new = EMBED.sub(sub, text)
        if new != text:
            f.write_text(new, encoding="utf-8")


def stage(
    params: RunParams,
    sources: Path,
    *,
    colophon: str,
    to: str | None = None,
    notebooks: Path | None = None,
    folder: Path | None = None,
    png_cache: Path | None = None,
    only_notebooks: set[str] | None = None,
) -> Path:
    """Copy one report's Quarto sources and the service's narrative and commentary into
    the build folder's `report/`; return the stage folder.

    `notebooks`: the executed notebooks (default: the build folder's); `folder`: the stage
    folder (default `stage_dir`); `to` "html" leaves deferred chart PNGs undrawn."""
    root = params.root.resolve()
    out = folder or stage_dir(params)
    out.mkdir(parents=True, exist_ok=True)
    config = root / "_quarto.yml"
    if not config.is_file():
        raise RenderError(f"{config}: not found")
    shutil.copyfile(config, out / "_quarto.yml")
    if not sources.is_dir():
        raise RenderError(f"{sources}: report sources not found")
    _copy_tree(sources, out / "report")
    # The prose the service edits (config paths, by default under report/) is staged
    # beside the sources, where `{{< include /report/narrative/... >}}` finds it.
    edited: list[Path] = []
    for key, dest in (
        ("narrative", "narrative"),
        ("commentary", "commentary"),
        ("analysis", "csc-analysis"),
    ):
        src = params.path(getattr(params.paths, key))
        if src and src.is_dir():
            _copy_tree(src, out / "report" / dest)
            edited += sorted((out / "report" / dest).rglob("*.md"))
    values = variables(params)
    (out / "_variables.yml").write_text(
        yaml.safe_dump(values, sort_keys=True, allow_unicode=True), encoding="utf-8"
    )
    for f in sorted((out / "report").rglob("*")):
        if f.suffix in (".qmd", ".md") and f.is_file():
            text = f.read_text(encoding="utf-8")
            # comments are notes to whoever edits the file; without raw HTML they would show
            new = substitute_vars(HTML_COMMENT.sub("", text), values, str(f.relative_to(out)))
            if f.suffix == ".qmd":  # sections the configuration leaves out, heading and all
                new = omit_sections(new, params.report.omit_sections)
            if new != text:
                f.write_text(new, encoding="utf-8")
    write_assets(out / "_assets", colophon)
    plain_markdown(edited, out / "_assets" / "untrusted.lua")
    from pipeline.run.notebooks import executed_dir

    prepare_notebooks(
        notebooks or executed_dir(params),
        out / "notebooks",
        pngs=to != "html",
        png_cache=png_cache or params.build_dir / params.slug / "cache" / "png",
        only=only_notebooks,
    )
    inline_not_available(out / "report", out / "notebooks")
    # Nothing from an earlier render may be mistaken for this one's output.
    for leftover in ("_output", "_fallback"):
        shutil.rmtree(out / leftover, ignore_errors=True)
    return out
