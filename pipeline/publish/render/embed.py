"""Executed notebooks made fit to embed: no run times or paths, chart captions as cell options.

Both renderers embed these copies (`<stage>/notebooks/`), never papermill's output itself,
because Quarto copies notebook and cell metadata into the HTML and the page must be the
same bytes for the same inputs:

- notebook metadata keeps only `kernelspec` and `language_info` (papermill's holds start
  and end times, durations and absolute input/output paths);
- cell metadata keeps only `tags` (papermill's per-cell times would become
  `data-quarto-private-1` attributes, in varying order); execution counts are cleared and
  cell ids come from the labels;
- stream outputs (prints, warnings) are dropped: they are not report content, and the
  fallback never published them;
- a chart cell (an output carrying `present.FIGURE_KEY`) gets `#| fig-cap:` from it, so
  Quarto's figure has the same caption the fallback shows (an author's own `fig-cap` wins);
- the PNGs that Markdown outputs carry as `data:` URIs (charts, for DOCX and PDF) are
  written to `notebooks/figures/<hash>.png` and linked as `../notebooks/figures/...`
  (paths in embedded output resolve from the document in `report/`): Quarto's Lua filters
  copy every string of the document many times, and 20 inline PNGs made its DOCX and PDF
  renders about 40 % slower.

A labelled cell holding an error output stops the render: neither renderer publishes a
traceback.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import threading
from pathlib import Path

import nbformat

from pipeline.publish.present import FIGURE_KEY, PNG_PLACEHOLDER, markdown_text
from pipeline.publish.render.errors import RenderError

LABEL = re.compile(r"^#\|\s*label:\s*(\S+)\s*$", re.MULTILINE)
OPTION = re.compile(r"^#\|\s*([A-Za-z0-9_-]+)\s*:", re.MULTILINE)
KEEP_NB_METADATA = ("kernelspec", "language_info")
DATA_PNG = re.compile(r"\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)")
FIGURES = "figures"  # beside the staged notebooks


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def cell_label(cell) -> str | None:
    m = LABEL.search(_source(cell))
    return m.group(1) if m else None


def cell_options(cell) -> set[str]:
    """Names of the `#|` options a cell sets (only the leading comment block counts)."""
    names = set()
    for line in _source(cell).splitlines():
        if not line.startswith("#|"):
            break
        if m := OPTION.match(line):
            names.add(m.group(1))
    return names


def figure_meta(cell) -> dict | None:
    """{"caption", "alt"} from the first output that carries present.FIGURE_KEY."""
    for out in cell.get("outputs", []):
        meta = (out.get("metadata") or {}).get(FIGURE_KEY)
        if isinstance(meta, dict) and meta.get("caption"):
            return meta
    return None


def _with_caption(source: str, caption: str) -> str:
    """Insert `#| fig-cap:` after the cell's option block (JSON is valid YAML)."""
    lines = source.splitlines()
    at = 0
    while at < len(lines) and lines[at].startswith("#|"):
        at += 1
    value = json.dumps(markdown_text(caption), ensure_ascii=False)
    return "\n".join([*lines[:at], f"#| fig-cap: {value}", *lines[at:]])


def _draw_png(spec_json: bytes, cache: Path | None) -> bytes:
    """A deferred chart's PNG (present.deferred_pngs), from the cache when drawn before."""
    key = hashlib.sha256(spec_json).hexdigest()
    hit = cache / f"{key}.png" if cache is not None else None
    if hit is not None and hit.is_file():
        return hit.read_bytes()
    import vl_convert as vlc

    png = vlc.vegalite_to_png(json.loads(spec_json), scale=2)
    if hit is not None:
        hit.parent.mkdir(parents=True, exist_ok=True)
        tmp = hit.with_name(f".{hit.name}.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_bytes(png)
        tmp.replace(hit)
    return png


def _png_files(
    markdown: str, figures: Path, *, pngs: bool = True, png_cache: Path | None = None
) -> str:
    """Markdown with each inline PNG written to `figures/` and linked from `report/`.

    A deferred chart (its spec in place of the PNG) is drawn now when `pngs` (DOCX, PDF);
    for HTML, which shows the chart from its spec, only the link is written (it sits in a
    block hidden from HTML, so nothing refers to the file).
    """

    def link(m: re.Match) -> str:
        data = base64.b64decode(m.group(1))
        deferred = data.startswith(PNG_PLACEHOLDER)
        if deferred:
            spec = data[len(PNG_PLACEHOLDER) :]
            name = "spec-" + hashlib.sha256(spec).hexdigest()[:20] + ".png"
        else:
            name = hashlib.sha256(data).hexdigest()[:20] + ".png"
        target = figures / name
        if (pngs or not deferred) and not target.exists():
            figures.mkdir(parents=True, exist_ok=True)
            target.write_bytes(_draw_png(spec, png_cache) if deferred else data)
        return f"](../notebooks/{FIGURES}/{name})"

    return DATA_PNG.sub(link, markdown)


def clean_notebook(
    nb: nbformat.NotebookNode,
    name: str,
    figures: Path | None = None,
    *,
    pngs: bool = True,
    png_cache: Path | None = None,
) -> nbformat.NotebookNode:
    """The embeddable copy of one executed notebook (see the module docstring).

    With `figures`, inline PNGs in Markdown outputs are moved there (`_png_files`).
    """
    nb.metadata = {k: nb.metadata[k] for k in KEEP_NB_METADATA if k in nb.metadata}
    nb.nbformat, nb.nbformat_minor = 4, max(5, nb.get("nbformat_minor", 5))  # cell ids
    seen: set[str] = set()
    for i, cell in enumerate(nb.cells):
        tags = (cell.get("metadata") or {}).get("tags")
        cell["metadata"] = {"tags": list(tags)} if tags else {}
        label = cell_label(cell) if cell.cell_type == "code" else None
        cell_id = label if label and label not in seen else f"cell-{i}"
        seen.add(cell_id)
        cell["id"] = cell_id
        if cell.cell_type != "code":
            continue
        cell["execution_count"] = None
        outputs = []
        for out in cell.get("outputs", []):
            kind = out.get("output_type")
            if kind == "stream":
                continue
            if kind == "error" and label:
                raise RenderError(
                    f"notebook {name}: cell {label} failed ({out.get('ename')}); "
                    "rerun the notebooks"
                )
            if kind == "execute_result":
                out["execution_count"] = None
            md = (out.get("data") or {}).get("text/markdown")
            if figures is not None and md is not None:
                text = "".join(md) if isinstance(md, list) else str(md)
                out["data"]["text/markdown"] = _png_files(
                    text, figures, pngs=pngs, png_cache=png_cache
                )
            outputs.append(out)
        cell["outputs"] = outputs
        meta = figure_meta(cell)
        if label and meta and "fig-cap" not in cell_options(cell):
            cell["source"] = _with_caption(_source(cell), meta["caption"])
    return nb


def prepare_notebooks(
    executed: Path,
    dest: Path,
    *,
    pngs: bool = True,
    png_cache: Path | None = None,
    only: set[str] | None = None,
) -> list[Path]:
    """Write the embeddable copy of every notebook in `executed` into `dest` (`pngs`: draw
    deferred charts' PNGs, for DOCX and PDF). An unreadable or truncated notebook is a
    one-line RenderError. `only`: just these notebooks (stems), those the report embeds."""
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.glob("*.ipynb"):
        old.unlink()
    shutil.rmtree(dest / FIGURES, ignore_errors=True)
    written = []
    for src in sorted(executed.glob("*.ipynb")) if executed.is_dir() else []:
        if only is not None and src.stem not in only:
            continue
        try:
            nb = nbformat.read(src, as_version=4)
        except Exception:  # nbformat raises NotJSONError, ValueError, ... for a broken file
            raise RenderError(
                f"{src}: not a complete notebook (truncated or damaged); run the build again"
            ) from None
        nb = clean_notebook(nb, src.stem, dest / FIGURES, pngs=pngs, png_cache=png_cache)
        target = dest / src.name
        nbformat.write(nb, target)
        written.append(target)
    return written
