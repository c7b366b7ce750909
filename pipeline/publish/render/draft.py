"""Draft and final: what in a staged report is still unfinished, and the draft banner.

A render is a draft unless `final=True`. A draft carries a visible "Draft" banner at the
top listing what is unfinished; a final render refuses, in one line, while anything is:

- placeholder text in the narrative or commentary the report includes ("Service to edit",
  "[Service to write: ...]", "[Service commentary: ...]");
- a section whose commentary or analysis file is missing (the generated placeholder);
- a source the figures cite that is marked "to verify".

Only files the main document actually includes are read (the stage folder holds every
month's commentary), and "to verify" is looked for in the expanded report, notebooks
included.
"""

from __future__ import annotations

import re
from pathlib import Path

from pipeline.publish.present import markdown_text
from pipeline.publish.render.errors import RenderError
from pipeline.publish.render.shortcodes import FRONT, INCLUDE, Expander

#: Text that means "not written yet" in the service's files, as the sample files have it.
PLACEHOLDERS = ("Service to edit", "[Service to write", "[Service commentary", "[Service to add")
#: Placeholders the generated sources put where a file is missing.
MISSING = (
    "Commentary for this section has not been provided",
    "The service's analysis for this section has not been provided",
)
TO_VERIFY = re.compile(r"[^.;|\n]{0,80}\bto verify\b[^.;|\n]{0,40}", re.IGNORECASE)
HEADING = re.compile(r"^##\s+(.+?)\s*(?:\{#[^}]*\})?\s*$", re.MULTILINE)
BANNER_CLASS = "draft-banner"


def _included(root: Path, main: Path) -> list[Path]:
    """The main document and every file it includes, recursively, in reading order."""
    out: list[Path] = []

    def visit(path: Path) -> None:
        if path in out or not path.is_file():
            return
        out.append(path)
        for target in INCLUDE.findall(path.read_text(encoding="utf-8")):
            visit(root / target.lstrip("/") if target.startswith("/") else main.parent / target)

    visit(main)
    return out


def _plain(text: str) -> str:
    """Markdown escapes undone, so '\\[Service to write' is found as '[Service to write'."""
    return re.sub(r"\\(.)", r"\1", text)


def unfinished(root: Path, main: Path) -> list[str]:
    """What is unfinished in the staged report `main`, one short phrase each."""
    items: list[str] = []
    for path in _included(root, main):
        text = _plain(path.read_text(encoding="utf-8"))
        rel = path.relative_to(root).as_posix()
        for marker in PLACEHOLDERS:
            if marker.lower() in text.lower():
                items.append(f"{rel}: placeholder text ('{marker.strip('[')}')")
                break
        if path == main:
            body = FRONT.sub("", text, count=1)
            for missing in MISSING:
                for m in re.finditer(re.escape(missing), body):
                    heads = HEADING.findall(body[: m.start()])
                    where = heads[-1] if heads else "a section"
                    items.append(f"section '{where}': commentary not written")
    expanded = Expander(root=root, main=main, to="html", media=root / "_check")
    _, body = expanded.expand()
    seen: set[str] = set()
    for m in TO_VERIFY.finditer(_plain(body)):
        phrase = " ".join(m.group(0).split())
        if phrase not in seen:
            seen.add(phrase)
            items.append(f"a source still marked 'to verify' ({phrase})")
    return items


_ANY_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*(?:\{[^}]*\})?\s*$")


def slug(heading: str) -> str:
    """A heading as `report.omit_sections` names it: 'Social workers' reports' ->
    'social-workers-reports'."""
    text = re.sub(r"['’]", "", heading.lower())
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")


def headings(text: str) -> list[str]:
    """The slugs of every heading in a source."""
    return [slug(m.group(2)) for ln in text.splitlines() if (m := _ANY_HEADING.match(ln))]


def omit_sections(text: str, omit: set[str] | list[str]) -> str:
    """`text` without the sections whose heading's slug is in `omit`: each heading and
    everything under it up to the next heading of the same or a higher level."""
    if not omit:
        return text
    out, dropping = [], None
    for line in text.splitlines(keepends=True):
        m = _ANY_HEADING.match(line.rstrip("\n"))
        if m and dropping is not None and len(m.group(1)) <= dropping:
            dropping = None
        if m and dropping is None and slug(m.group(2)) in omit:
            dropping = len(m.group(1))
        if dropping is None:
            out.append(line)
    return "".join(out)


def staged_headings(root: Path) -> set[str]:
    """Slugs of the headings in a staged report's sources (after `omit_sections`)."""
    return {h for f in sorted(root.rglob("*.qmd")) for h in headings(f.read_text(encoding="utf-8"))}


def not_available(
    notebooks: Path, omit: set[str] | list[str], present: set[str] | None = None
) -> list[str]:
    """Sections showing 'not available' for want of an input (the figures the staged
    `notebooks` marked, present.figure) and not left out by `report.omit_sections`
    (`present`: the headings the staged report still has, so a section inside an omitted
    one is gone too): a final render refuses while there are any. Read from the executed
    notebooks, so a render says what the figures it embeds say."""
    import json

    from pipeline.publish.present import NOT_AVAILABLE_KEY

    items, seen = [], set()
    for nb in sorted(notebooks.glob("*.ipynb")):
        for cell in json.loads(nb.read_text(encoding="utf-8")).get("cells", []):
            for out in cell.get("outputs", []):
                mark = (out.get("metadata") or {}).get(NOT_AVAILABLE_KEY)
                if not isinstance(mark, dict) or mark.get("is_input_absent") is False:
                    continue  # present.no_figure: nothing to show, but nothing missing
                where = mark.get("section") or mark.get("figure")
                if where in omit or where in seen or (present is not None and where not in present):
                    continue
                seen.add(where)
                reason = str(mark.get("reason", "")).replace("`", "").rstrip(".")
                items.append(
                    f"section '{where}': {reason} (supply it, or name the section in "
                    "report.omit_sections)"
                )
    return items


def banner(items: list[str]) -> str:
    """The draft banner as Markdown (every format): what is left to do before `--final`."""
    lines = ["", f"::: {{.{BANNER_CLASS}}}"]
    if items:
        lines += [
            "**Draft: not for publication.** This is a draft rendering. Before it can be "
            "published (a final render, `--final`), the following must be finished:",
            "",
            *[f"- {markdown_text(i)}" for i in items],
        ]
    else:
        lines.append(
            "**Draft: not for publication.** This is a draft rendering. Nothing in it is "
            "marked unfinished: render it with `--final` to publish it."
        )
    lines += [":::", ""]
    return "\n".join(lines)


def with_banner(text: str, items: list[str]) -> str:
    """The staged main document with the banner right after its front matter."""
    m = FRONT.match(text)
    at = m.end() if m else 0
    return text[:at] + banner(items) + text[at:]


def check_final(doc: str, items: list[str]) -> None:
    """A final render stops, in one line, naming everything unfinished."""
    if items:
        raise RenderError(
            f"{doc}: not ready for a final render, {len(items)} unfinished: " + "; ".join(items)
        )
