"""`cic-reports pack`: the performance pack for one month, with or without child-level records.

An authority can start with supplied values only (no SSDA903 extract): the pack then
shows every supplied indicator and leaves the computed ones blank.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

from pipeline.params import RunParams

RECORD_TABLES = {"header", "episodes"}


def has_records(raw_dir: Path) -> bool:
    """True when the raw folder holds child-level SSDA903 extracts (not just supplied values)."""
    from pipeline.run.stages import data_files

    return any(p.stem.lower() in RECORD_TABLES for p in data_files(raw_dir))


def appendix_files(
    params: RunParams, *, processed: Path | None = None, out_dir: Path | None = None
) -> list[Path]:
    """Appendix A as CSV and Excel beside the pack HTML, from the published pack table
    (a build passes its staged `processed` and `out_dir` folders)."""
    from pipeline.io import read_table
    from pipeline.publish.render import output_path
    from pipeline.reports.pack import catalogue_path, load_catalogue
    from pipeline.reports.pack.writers import write_appendix_csv, write_appendix_xlsx

    appendix = read_table(processed or params.processed_dir, "pub_pack_appendix")
    months = sorted(c for c in appendix.columns if _is_month(c))
    sections = load_catalogue(catalogue_path(params)).sections
    csv_path = output_path(params, "performance-pack", "csv")
    xlsx_path = output_path(params, "performance-pack", "xlsx")
    if out_dir is not None:
        csv_path, xlsx_path = Path(out_dir) / csv_path.name, Path(out_dir) / xlsx_path.name
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    write_appendix_csv(appendix, months, csv_path, sections)
    month = dt.date.fromisoformat(params.month + "-01").strftime("%B %Y")
    write_appendix_xlsx(
        appendix,
        months,
        xlsx_path,
        title=f"Corporate parenting performance pack, {month}",
        authority=params.authority.name,
        extract_date=params.extract_date,
        threshold=params.disclosure_threshold,
        sections=sections,
    )
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
    """The pack's stages of a build (pipeline/run/build.py): the data stages when there
    are child-level records (else the pack from supplied values alone), the pack tables,
    its notebook, its render and the appendix, reusing what has not changed."""
    from pipeline.run.build import build

    outcome = build(
        params,
        config_path=config_path,
        docs=["performance-pack"],
        formats=[to],
        final=final,
        say=say,
    )
    return outcome.paths
