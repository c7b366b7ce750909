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
    """The CSC report's stages of a build (pipeline/run/build.py): the data stages, its
    notebook and its render, reusing what has not changed, staged and published at once
    (pipeline/run/publish.py) like `build`, so a crash never leaves a mixed set. No CIN
    census or Annex A lists in the raw folder is an input error."""
    from pipeline.reports.csc import REPORT
    from pipeline.run.build import build

    outcome = build(
        params,
        config_path=config_path,
        docs=[REPORT.doc],
        formats=[to],
        final=final,
        renderer=renderer,
        say=say,
    )
    return outcome.paths
