"""The quarterly children's social care performance report (docs/csc-indicators.md).

From the CIN census (pipeline/inputs/cin.py), Ofsted Annex A (pipeline/inputs/annex_a.py),
the SSDA903 and the visits extracts: indicators.yml (catalogue: groups and indicators);
indicators (computed functions); catalogue (validation); build (periods, values, supplied
values, disclosure) -> pub_csc_* tables; narrative (summary sentences); view (display
frames for the notebook); sources (the per-quarter qmd and the notebook); run
(`cic-reports csc --quarter ...`).
"""

from pathlib import Path

from pipeline.reports import Report

FOLDER = Path(__file__).resolve().parent
DEFAULT_CATALOGUE = FOLDER / "indicators.yml"

REPORT = Report(
    doc="csc-performance-report",
    title="Children's social care performance report",
    period="quarter",
    folder=FOLDER,
    notebooks=("60_csc",),
    sources_generator="pipeline.reports.csc.sources:csc_sources",
)
