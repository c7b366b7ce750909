"""Render a staged report without Quarto: our shortcode expansion, then pandoc (+ typst).

HTML uses assets/template.html (lang, skip link, header/nav/main, one h1) with the
stylesheet, the colophon footer and the Vega bundle inlined: one file, nothing fetched.
DOCX comes from pandoc; PDF from pandoc's typst writer compiled by the `typst` package
(no LaTeX). `formats.lua` does what Quarto would: content-visible/hidden, figures from
`fig-` cells, "Figure N:"/"Table N:" captions.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from pathlib import Path

import yaml

from pipeline.publish.render.errors import RenderError
from pipeline.publish.render.shortcodes import Expander

ASSETS = Path(__file__).resolve().parent / "assets"
READER = "markdown-implicit_figures-citations-raw_html"  # untrusted text stays text
EXT = {"html": "html", "docx": "docx", "pdf": "pdf"}


def pandoc_path() -> str:
    import pypandoc

    return pypandoc.get_pandoc_path()


def _pandoc(args: list[str], stdin: str, cwd: Path, *, epoch: int) -> str:
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch)}
    proc = subprocess.run(
        [pandoc_path(), *args],
        input=stdin.encode("utf-8"),
        cwd=cwd,
        env=env,
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0:
        msg = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RenderError(f"pandoc failed: {msg[-1] if msg else proc.returncode}")
    return proc.stdout.decode("utf-8")


def _date_text(value) -> str | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
    try:
        return dt.date.fromisoformat(str(value)).strftime("%-d %B %Y")
    except ValueError:
        return str(value)


def epoch(meta: dict) -> int:
    """A fixed timestamp for pandoc (DOCX metadata) from the document date, not the clock."""
    try:
        d = dt.date.fromisoformat(str(meta.get("date")))
    except ValueError:
        d = dt.date(2000, 1, 1)
    return int(dt.datetime(d.year, d.month, d.day, tzinfo=dt.UTC).timestamp())


def _metadata(meta: dict, to: str) -> dict:
    """Only the fields the fallback understands; Quarto-only keys are dropped."""
    out: dict = {"lang": "en-GB"}
    for key in ("title", "subtitle", "author", "toc-title", "abstract", "page-layout"):
        if meta.get(key):
            out[key] = meta[key]
    date = _date_text(meta.get("date"))
    if date:
        out["date"] = date
    out.setdefault("title", "Report")
    out.setdefault("toc-title", "Contents")
    if to == "pdf":
        out["papersize"] = "a4"
        out["margin"] = {"x": "2cm", "y": "2cm"}
    return out


def version() -> str:
    """The bundled pandoc's version, e.g. "3.9" (named in the colophon)."""
    import pypandoc

    return pypandoc.get_pandoc_version()


def render(stage: Path, doc: str, to: str) -> tuple[Path, list[str]]:
    """Render `<stage>/report/<doc>.qmd` to `<stage>/_output/<doc>.<ext>`.

    Returns that path and the warnings Quarto would also give (unresolved cross-references).
    """
    main = stage / "report" / f"{doc}.qmd"
    if not main.is_file():
        raise RenderError(f"{main}: report source not found")
    work = stage / "_fallback" / to
    work.mkdir(parents=True, exist_ok=True)
    expander = Expander(root=stage, main=main, to=to, media=work / "media")
    meta, body = expander.expand()
    md_meta = _metadata(meta, to)
    md = "---\n" + yaml.safe_dump(md_meta, sort_keys=True, allow_unicode=True) + "---\n\n" + body
    (work / f"{doc}.md").write_text(md, encoding="utf-8")
    out_dir = stage / "_output"
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / f"{doc}.{EXT[to]}"
    epoch_s = epoch(meta)
    common = ["-f", READER, "--toc", "--toc-depth=2", "--wrap=none"]
    # images in embedded Markdown are linked from report/ (see embed.py), as under Quarto
    formats = [
        *("--lua-filter", str(stage / "_assets" / "formats.lua")),
        *("--lua-filter", str(stage / "_assets" / "safe.lua")),
        f"--resource-path={stage / 'report'}",
    ]
    if to == "html":
        css = (stage / "_assets" / "report.css").read_text(encoding="utf-8")
        head = work / "head.html"
        head.write_text(f"<style>\n{css}\n</style>\n", encoding="utf-8")
        html = _pandoc(
            [
                *common,
                "-t",
                "html5",
                "--standalone",
                "--section-divs",
                "--template",
                str(ASSETS / "template.html"),
                "--lua-filter",
                str(stage / "_assets" / "table-scroll.lua"),
                *formats,
                "--include-in-header",
                str(head),
                "--include-after-body",
                str(stage / "_assets" / "colophon.html"),
                "--include-after-body",
                str(stage / "_assets" / "vega-bundle.html"),
                "--html-q-tags",
                "--metadata",
                f"pagetitle={md_meta['title']}",
            ],
            md,
            work,
            epoch=epoch_s,
        )
        target.write_text(html, encoding="utf-8")
    elif to == "docx":
        _pandoc([*common, *formats, "-t", "docx", "-o", str(target)], md, work, epoch=epoch_s)
    elif to == "pdf":
        typ = work / f"{doc}.typ"
        # --extract-media: copies the images beside the .typ (typst cannot read data: URIs)
        _pandoc(
            [*common, *formats, "-t", "typst", "--standalone", "--extract-media=media"]
            + ["--lua-filter", str(stage / "_assets" / "print.lua")]
            + ["--include-in-header", str(stage / "_assets" / "print.typ")]
            + ["-o", str(typ)],
            md,
            work,
            epoch=epoch_s,
        )
        # the same `#set document(...)` as Quarto's PDF gets; last, so it overrides pandoc's
        meta_typ = (stage / "_assets" / "document.typ").read_text(encoding="utf-8")
        typ.write_text(typ.read_text(encoding="utf-8") + "\n" + meta_typ, encoding="utf-8")
        import typst

        try:
            typst.compile(str(typ), output=str(target), root=str(stage), timestamp=epoch_s)
        except Exception as exc:  # typst raises its own error types
            first = str(exc).strip().splitlines()
            raise RenderError(f"{typ}: typst failed: {first[0] if first else exc}") from None
    else:
        raise RenderError(f"unknown output format {to!r} (html, docx or pdf)")
    return target, expander.warnings
