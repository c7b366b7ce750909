"""`cic-reports csc --quarter '2023-24 Q2'`: the CSC report on its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.params import RunParams


def run_csc(
    params: RunParams,
    *,
    config_path: Path,
    final: bool = False,
    to: str = "html",
    renderer: str = "auto",
    say: Callable[[str], None] = print,
) -> list[Path]:
    """Process the raw folder, build the CSC tables, execute its notebook, render."""
    from pipeline.errors import InputError
    from pipeline.publish.render import render
    from pipeline.reports.csc import REPORT
    from pipeline.reports.csc.build import has_csc_data
    from pipeline.run.notebooks import run_notebooks
    from pipeline.run.stages import StageTimer, process

    timer = StageTimer(say)
    core, _ = process(params, timer)
    if not has_csc_data(core):
        raise InputError(
            "no CIN census (XML or cin_*.csv) or Annex A referrals or assessments in the raw folder",
            file=str(params.raw_dir),
        )
    with timer.stage("notebooks"):
        run_notebooks(params, list(REPORT.notebooks), config_path=config_path)
    with timer.stage("render"):
        result = render(params, REPORT.doc, to=to, final=final, renderer=renderer)
    say(f"rendered {REPORT.doc} ({params.csc_quarter}) with {result.renderer}")
    return [result.path]
