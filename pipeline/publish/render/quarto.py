"""Render a staged report with the Quarto CLI (1.7), when it is installed.

Quarto writes `<stage>/_output/report/<doc>.<ext>` (the project renders `report/*.qmd`
into `_output/`); that exact file is published, after the stage has emptied `_output/`,
so an earlier render can never be copied in its place. Quarto's warnings are returned
for the CLI to show, less the known-harmless ones listed in `HARMLESS`.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from pipeline.publish.render.errors import RenderError

FORMATS = {"html": ("html", "html"), "docx": ("docx", "docx"), "pdf": ("typst", "pdf")}
ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
WARNING = re.compile(r"^\s*(?:\[WARNING\]|WARNING\b)[:\s]*(?:\([^)]*\)\s*)?(?P<text>.*)$")
ERROR = re.compile(r"^\s*(?:\[ERROR\]|ERROR\b)[:\s]*(?P<text>.*)$")

#: Warnings Quarto (or the pandoc and typst it runs) prints that say nothing about the
#: report: (pattern, why it is safe to hide). Anything else is shown on the CLI. None is
#: known for Quarto 1.7.34 with these sources (the real reports render without a warning,
#: tests/test_end_to_end.py holds that): the ones the first renders gave were real
#: problems and are fixed (e.g. "Unable to parse table from raw html block", from the
#: Vega bundle, is gone with `html-table-processing: none`). Add one only with its reason.
HARMLESS: tuple[tuple[re.Pattern[str], str], ...] = ()


@dataclass(frozen=True)
class QuartoRun:
    path: Path  # the file Quarto wrote for this render
    warnings: tuple[str, ...]  # shown on the CLI
    seconds: float


def available() -> bool:
    return shutil.which("quarto") is not None


@functools.lru_cache(maxsize=1)
def version() -> str:
    """`quarto --version`, e.g. "1.7.34" (named in the colophon)."""
    proc = subprocess.run(["quarto", "--version"], capture_output=True, text=True, check=False)
    return proc.stdout.strip() or "unknown version"


def output_file(stage: Path, doc: str, to: str) -> Path:
    """Where Quarto writes `report/<doc>.qmd` for a format, given `output-dir: _output`."""
    return stage / "_output" / "report" / f"{doc}.{FORMATS[to][1]}"


def warnings_in(log: str) -> tuple[list[str], list[str]]:
    """(shown, hidden) warning lines from Quarto's console output, colours removed."""
    shown: list[str] = []
    hidden: list[str] = []
    for raw in ANSI.sub("", log).splitlines():
        line = raw.strip()
        m = WARNING.match(line)
        text = m.group("text").strip() if m else None
        if not text:
            continue
        if any(p.search(text) for p, _ in HARMLESS):
            hidden.append(text)
        elif text not in shown:
            shown.append(text)
    return shown, hidden


def _error_line(log: str, code: int) -> str:
    lines = [ln.strip() for ln in ANSI.sub("", log).splitlines() if ln.strip()]
    for ln in lines:
        if m := ERROR.match(ln):
            return m.group("text") or ln
    return lines[-1] if lines else f"exit code {code}"


#: Attributes Quarto 1.7 leaves on each embedded cell's div when `notebook-links` is off:
#: the notebook's absolute path (the build folder) and title, used only for notebook links.
EMBED_DIV = re.compile(r'<div class="quarto-embed-nb-cell"[^>]*>')


def tidy_html(text: str) -> str:
    """Drop build paths from Quarto's HTML, so the same inputs give the same bytes anywhere."""
    return EMBED_DIV.sub('<div class="quarto-embed-nb-cell">', text)


def render(stage: Path, doc: str, to: str, *, epoch: int) -> QuartoRun:
    """`quarto render report/<doc>.qmd --to <fmt>` in the stage folder."""
    fmt = FORMATS[to][0]
    src = Path("report") / f"{doc}.qmd"
    target = output_file(stage, doc, to)
    shutil.rmtree(stage / "_output", ignore_errors=True)
    # SOURCE_DATE_EPOCH: pandoc's DOCX and the typst CLI date the file from it, not the clock
    env = {**os.environ, "SOURCE_DATE_EPOCH": str(epoch), "NO_COLOR": "1"}
    start = time.perf_counter()
    proc = subprocess.run(
        ["quarto", "render", str(src), "--to", fmt, "--no-execute"],
        cwd=stage,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    log = (proc.stderr or "") + "\n" + (proc.stdout or "")
    if proc.returncode != 0:
        raise RenderError(
            f"quarto render {src} --to {fmt} failed: {_error_line(log, proc.returncode)}"
        )
    if not target.is_file():
        raise RenderError(
            f"quarto render {src} --to {fmt}: it wrote no {target.relative_to(stage)}"
        )
    if to == "html":
        text = target.read_text(encoding="utf-8")
        tidy = tidy_html(text)
        if tidy != text:
            target.write_text(tidy, encoding="utf-8")
    shown, _ = warnings_in(log)
    return QuartoRun(target, tuple(shown), seconds)
