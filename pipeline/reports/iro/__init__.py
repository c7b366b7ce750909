"""The Independent Reviewing Officer (IRO) annual report.

measures/: the report's tables (profile, reviews, participation, contact, escalations);
narrative.py: its generated sentences; notebooks/: display cells; report/: Quarto sources.
"""

from pathlib import Path

from pipeline.reports import Report

REPORT = Report(
    doc="iro-annual-report",
    title="Independent Reviewing Officer annual report",
    period="year",
    folder=Path(__file__).resolve().parent,
    notebooks=("10_validate", "20_profile", "30_reviews", "40_escalations"),
    measures="pipeline.reports.iro.measures",
)
