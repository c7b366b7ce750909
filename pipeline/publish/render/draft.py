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
