"""Render a staged report with the Quarto CLI (1.7), when it is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from pipeline.publish.render.errors import RenderError

FORMATS = {"html": ("html", "html"), "docx": ("docx", "docx"), "pdf": ("typst", "pdf")}


def available() -> bool:
    return shutil.which("quarto") is not None


def render(stage: Path, doc: str, to: str) -> Path:
    """`quarto render report/<doc>.qmd --to <fmt>` in the stage folder; return the output."""
    fmt, ext = FORMATS[to]
    src = Path("report") / f"{doc}.qmd"
    proc = subprocess.run(
        ["quarto", "render", str(src), "--to", fmt, "--no-execute"],
        cwd=stage,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        lines = [ln for ln in (proc.stderr or proc.stdout).strip().splitlines() if ln.strip()]
        raise RenderError(f"quarto render {src} failed: {lines[-1] if lines else proc.returncode}")
    found = sorted((stage / "_output").rglob(f"{doc}.{ext}"))
    if not found:
        raise RenderError(f"quarto render {src}: no {doc}.{ext} under {stage / '_output'}")
    return found[0]
