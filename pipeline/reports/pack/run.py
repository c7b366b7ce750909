"""`cic-reports pack`: the performance pack for one month, with or without child-level records.

An authority can start with supplied values only (no SSDA903 extract): the pack then
shows every supplied indicator and leaves the computed ones blank.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pipeline.params import RunParams

RECORD_TABLES = {"header", "episodes"}


def has_records(raw_dir: Path) -> bool:
    """True when the raw folder holds child-level SSDA903 extracts (not just supplied values)."""
    from pipeline.run.stages import data_files

    return any(p.stem.lower() in RECORD_TABLES for p in data_files(raw_dir))


def appendix_files(params: RunParams) -> list[Path]:
    """Appendix A as CSV and Excel beside the pack HTML, from the published pack table."""
    from pipeline.io import read_table
    from pipeline.publish.render import output_path
    from pipeline.reports.pack.writers import write_appendix_csv, write_appendix_xlsx

    appendix = read_table(params.processed_dir, "pub_pack_appendix")
    months = sorted(c for c in appendix.columns if _is_month(c))
    csv_path = output_path(params, "performance-pack", "csv")
    xlsx_path = output_path(params, "performance-pack", "xlsx")
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    write_appendix_csv(appendix, months, csv_path)
    write_appendix_xlsx(appendix, months, xlsx_path, title=f"Appendix A ({params.month})")
    return [csv_path, xlsx_path]


def _is_month(col: str) -> bool:
    return len(col) == 7 and col[4] == "-" and col[:4].isdigit() and col[5:].isdigit()


def run_pack(
    params: RunParams,
    *,
    config_path: Path,
    final: bool = False,
    to: str = "html",
    say: Callable[[str], None] = print,
) -> list[Path]:
    """Build the pack tables, execute the pack notebook, render, write CSV and Excel."""
    from pipeline import io
    from pipeline.publish.render import render
    from pipeline.reports.pack import build_pack, catalogue_path
    from pipeline.run.notebooks import run_notebooks
    from pipeline.run.stages import StageTimer, process, supplied_path

    timer = StageTimer(say)
    if has_records(params.raw_dir):
        process(params, timer)
    else:
        say("no child-level records: building the pack from supplied values only")
        with timer.stage("pack from supplied values"):
            pack = build_pack(
                params,
                month=params.month,
                catalogue_path=catalogue_path(params),
                supplied_path=supplied_path(params),
                core=None,
            )
            io.write_tables(params.processed_dir, pack.tables())
            io.write_tables(params.processed_dir, {"validation_supplied": pack.quarantine})
            if pack.quarantine.height:
                say(f"{pack.quarantine.height} supplied rows set aside (see the pack's data notes)")
    with timer.stage("notebooks"):
        run_notebooks(params, ["50_pack"], config_path=config_path)
    with timer.stage("render"):
        result = render(params, "performance-pack", to=to, final=final)
    say(result.summary())
    for warning in result.warnings:
        say(f"  warning ({result.renderer}): {warning}")
    return [result.path, *appendix_files(params)]
