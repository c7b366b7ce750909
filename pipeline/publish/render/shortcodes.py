"""The pandoc fallback's reading of Quarto sources: front matter, include, embed, meta.

Quarto semantics are kept: an include is a textual paste, so relative paths inside an
included file resolve against the MAIN document's folder; a leading `/` means the
project (stage) root. Shortcodes the fallback cannot honour are mapped or dropped.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import yaml

from pipeline.publish.render.errors import RenderError
from pipeline.yaml_errors import not_valid_yaml

INCLUDE = re.compile(r"^[ \t]*\{\{<\s*include\s+(\S+?)\s*>\}\}[ \t]*$", re.MULTILINE)
EMBED = re.compile(r"\{\{<\s*embed\s+(\S+?)(?:\s+[^>]*?)?\s*>\}\}")
META = re.compile(r"\{\{<\s*meta\s+([A-Za-z0-9_.-]+)\s*>\}\}")
PAGEBREAK = re.compile(r"^[ \t]*\{\{<\s*pagebreak\s*>\}\}[ \t]*$", re.MULTILINE)
OTHER = re.compile(r"\{\{<\s*[^>]*?>\}\}")
XREF = re.compile(r"(?<![\w@\[])@((tbl|fig|sec)-[A-Za-z0-9_-]+)")
LABEL = re.compile(r"^#\|\s*label:\s*(\S+)", re.MULTILINE)
FRONT = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*\n", re.DOTALL)

PAGEBREAKS = {
    "html": '```{=html}\n<div class="page-break"></div>\n```',
    "docx": '```{=openxml}\n<w:p><w:r><w:br w:type="page"/></w:r></w:p>\n```',
    "pdf": "```{=typst}\n#pagebreak()\n```",
}
XREF_WORDS = {"tbl": "Table", "fig": "Figure", "sec": "Section"}
ANCHOR = re.compile(r"\{#((?:tbl|fig|sec)-[A-Za-z0-9_-]+)[\s}]")


def split_front_matter(text: str, where: str = "") -> tuple[dict, str]:
    """(metadata, body) of a .qmd; no front matter gives ({}, text). Errors name `where`
    (the source file) in one line."""
    m = FRONT.match(text)
    if not m:
        return {}, text
    at = f"{where}: " if where else ""
    try:
        meta = yaml.safe_load(m.group(1)) or {}
    except yaml.YAMLError as exc:
        line, problem = not_valid_yaml(exc, first_line=2)  # after the opening ---
        raise RenderError(f"{at}front matter{line}: {problem}") from None
    if not isinstance(meta, dict):
        raise RenderError(f"{at}front matter is not a mapping")
    return meta, text[m.end() :]


@dataclass
class Expander:
    """Expands one main document for one output format."""

    root: Path  # stage folder (project root)
    main: Path  # the main .qmd
    to: str  # html | docx | pdf
    media: Path  # where PNGs for docx/pdf go
    meta: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)  # as Quarto would warn
    _notebooks: dict[Path, nbformat.NotebookNode] = field(default_factory=dict)
    _labels: set[str] = field(default_factory=set)

    def rel(self, p: Path) -> str:
        try:
            return str(p.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return str(p)

    def resolve(self, ref: str) -> Path:
        ref = ref.strip("\"'")
        return (self.root / ref.lstrip("/")) if ref.startswith("/") else (self.main.parent / ref)

    # ---------------------------------------------------------------- include
    def expand_file(self, path: Path, stack: tuple[Path, ...] = ()) -> str:
        text = path.read_text(encoding="utf-8")
        where = self.rel(path)
        if path != self.main:
            _, text = split_front_matter(text, where)

        def include(m: re.Match) -> str:
            target = self.resolve(m.group(1))
            if not target.is_file():
                raise RenderError(
                    f"{where}: include {m.group(1)}: file not found ({self.rel(target)})"
                )
            if target.resolve() in stack:
                raise RenderError(f"{where}: include {m.group(1)}: includes itself")
            return "\n" + self.expand_file(target, (*stack, target.resolve())) + "\n"

        text = INCLUDE.sub(include, text)
        return EMBED.sub(lambda m: self.embed(m.group(1), where), text)

    # ---------------------------------------------------------------- embed
    def notebook(self, path: Path) -> nbformat.NotebookNode:
        key = path.resolve()
        if key not in self._notebooks:
            self._notebooks[key] = nbformat.read(path, as_version=4)
        return self._notebooks[key]

    def embed(self, ref: str, where: str) -> str:
        if "#" not in ref:
            raise RenderError(f"{where}: embed {ref}: name a cell (notebook.ipynb#label)")
        nb_ref, label = ref.split("#", 1)
        nb_path = self.resolve(nb_ref)
        if not nb_path.is_file():
            raise RenderError(
                f"{where}: embed {ref}: notebook {self.rel(nb_path)} not found "
                "(run the notebooks first)"
            )
        cell = find_cell(self.notebook(nb_path), label)
        if cell is None:
            raise RenderError(f"{where}: embed {ref}: no cell labelled {label!r} in {nb_path.name}")
        self._labels.add(label)
        body = self.outputs(cell, f"{nb_path.stem}-{label}", where, ref)
        caption = cell_options(cell).get("fig-cap")
        if label.startswith("fig-") and caption:
            # As Quarto makes a `fig-` cell with a `fig-cap` a figure (formats.lua builds it)
            body = f"::::: {{#{label} .cic-figure}}\n{body}\n\n{str(caption).strip()}\n:::::"
        elif label.startswith("tbl-"):
            body = f"::::: {{#{label}}}\n{body}\n:::::"  # the anchor Quarto's float has
        return "\n" + body + "\n"

    def outputs(self, cell, stem: str, where: str, ref: str) -> str:
        parts: list[str] = []
        for i, out in enumerate(cell.get("outputs", [])):
            kind = out.get("output_type")
            if kind == "error":
                raise RenderError(f"{where}: embed {ref}: the cell raised {out.get('ename')}")
            if kind not in ("display_data", "execute_result"):
                continue  # streams (prints, warnings) are not published
            data = out.get("data", {})
            alt = _text(data.get("text/plain", "")).strip()
            if self.to == "html" and "text/html" in data:
                parts.append("```{=html}\n" + _text(data["text/html"]).strip() + "\n```")
            elif "text/markdown" in data:
                parts.append(_text(data["text/markdown"]).strip())
            elif "image/png" in data:
                parts.append(self.image(data["image/png"], alt, f"{stem}-{i}"))
            elif "text/plain" in data:
                parts.append("```\n" + alt + "\n```")
        return "\n\n".join(parts)

    def image(self, b64: str, alt: str, stem: str) -> str:
        alt = alt.replace("[", "(").replace("]", ")").replace("\n", " ") or "Chart"
        if self.to == "html":
            return f'![{alt}](data:image/png;base64,{"".join(b64.split())}){{width="100%"}}'
        self.media.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_-]+", "-", stem) + ".png"
        (self.media / name).write_bytes(base64.b64decode(b64))
        # relative to the working folder: pandoc runs there and typst resolves from the .typ
        return f'![{alt}]({self.media.name}/{name}){{width="100%"}}'

    # ---------------------------------------------------------------- whole document
    def expand(self) -> tuple[dict, str]:
        meta, _ = split_front_matter(self.main.read_text(encoding="utf-8"), self.rel(self.main))
        self.meta = meta
        _, body = split_front_matter(self.expand_file(self.main, (self.main.resolve(),)))
        body = META.sub(lambda m: _meta_text(meta, m.group(1)), body)
        body = PAGEBREAK.sub(PAGEBREAKS[self.to], body)
        body = OTHER.sub("", body)  # unsupported shortcodes: dropped, not printed
        anchors = self._labels | set(ANCHOR.findall(body))
        for m in XREF.finditer(body):
            if m.group(1) not in anchors and f"Unable to resolve crossref @{m.group(1)}" not in (
                self.warnings
            ):
                self.warnings.append(f"Unable to resolve crossref @{m.group(1)}")
        body = XREF.sub(lambda m: f"[{XREF_WORDS[m.group(2)]}](#{m.group(1)})", body)
        return meta, body


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _meta_text(meta: dict, key: str) -> str:
    value: object = meta
    for part in key.split("."):
        value = value.get(part, "") if isinstance(value, dict) else ""
    return str(value)


def cell_options(cell) -> dict:
    """The cell's leading `#|` options (Quarto's YAML cell options), e.g. label, fig-cap."""
    lines = []
    for line in _text(cell.get("source", "")).splitlines():
        if not line.startswith("#|"):
            break
        lines.append(line[2:].removeprefix(" "))
    if not lines:
        return {}
    try:
        options = yaml.safe_load("\n".join(lines))
    except yaml.YAMLError:
        return {}
    return options if isinstance(options, dict) else {}


def find_cell(nb: nbformat.NotebookNode, label: str):
    """The code cell with Quarto label `label` (`#| label:`), or tag, or cell id."""
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        m = LABEL.search(_text(cell.source))
        if (m and m.group(1) == label) or label in cell.get("metadata", {}).get("tags", []):
            return cell
    for cell in nb.cells:
        if cell.cell_type == "code" and cell.get("id") == label:
            return cell
    return None
