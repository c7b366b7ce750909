"""Absent is not zero: which input tables a run has, and which figures they allow.

Every figure declares the input tables it needs (`Measure.inputs`, a pack indicator
function's `inputs`). `inputs_table` says, per input table, whether a file was supplied,
how many rows it had and were used, and which dates its rows span (`core_inputs`);
`unavailable` turns that into the one sentence a report shows instead of a figure whose
input is absent, empty or has no rows in the figure's year ("No IRO escalation records
were supplied for 2023-24 (`escalations.csv`, see the data contract)"). A figure whose
inputs are all there is computed as before, so a real zero is still published as 0.

With no `core_inputs` table (hand-built test data) every input counts as supplied, as
`pipeline.core.coverage` treats every year as covered.
"""

from __future__ import annotations

import datetime as dt
from pathlib import PurePosixPath

import polars as pl

#: what a reader calls each input table's records (the sentence's subject)
LABELS: dict[str, str] = {
    "header": "SSDA903 header (child) records",
    "episodes": "SSDA903 episode records",
    "reviews": "SSDA903 review records",
    "uasc": "SSDA903 UASC records",
    "missing": "SSDA903 missing and away-from-placement records",
    "oc2": "SSDA903 OC2 (outcomes for children in care) records",
    "oc3": "SSDA903 OC3 (care leavers) records",
    "ad1": "SSDA903 AD1 (adoption) records",
    "placed_for_adoption": "SSDA903 placed-for-adoption records",
    "previous_permanence": "SSDA903 previous permanence records",
    "review_process": "IRO review-process records",
    "escalations": "IRO escalation records",
    "contacts": "IRO contact records",
    "practice_notes": "IRO practice notes",
    "ssd_cp_visits": "child protection visit records",
    "ssd_cla_visits": "children in care visit records",
    "aa_contacts": "Annex A contact records (list 1)",
    "aa_early_help": "Annex A early help records (list 2)",
}

#: the core_ table of each input table, and the date columns that place its rows in a
#: year (an input with dates but none in the figure's year does not cover it)
CORE_OF: dict[str, str] = {
    "header": "core_children",
    "episodes": "core_episodes",
    "reviews": "core_reviews",
    "uasc": "core_uasc",
    "missing": "core_missing",
    "oc2": "core_oc2",
    "oc3": "core_oc3",
    "ad1": "core_ad1",
    "placed_for_adoption": "core_placed_for_adoption",
    "previous_permanence": "core_previous_permanence",
    "review_process": "core_review_process",
    "escalations": "core_escalations",
    "contacts": "core_contacts",
    "practice_notes": "core_practice_notes",
    "ssd_cp_visits": "core_cp_visits",
    "ssd_cla_visits": "core_cla_visits",
    "aa_contacts": "core_aa_contacts",
    "aa_early_help": "core_aa_early_help",
}
DATES: dict[str, tuple[str, ...]] = {
    "reviews": ("review_date",),
    "review_process": ("review_date",),
    "escalations": ("raised_date", "resolved_date"),
    "contacts": ("contact_date",),
    "practice_notes": ("note_date",),
    "missing": ("missing_start_date",),
}
#: inputs checked for the figure's year: the IRO service's extracts, which an authority
#: often holds for recent years only (the SSDA903 tables' years are `core_coverage`'s)
YEARLY = ("review_process", "escalations", "contacts", "practice_notes")

#: inputs that are a sheet of a workbook, not a file of their own
SHEETS = {"aa_contacts": "Annex A list 1", "aa_early_help": "Annex A list 2"}

SCHEMA = {
    "input": pl.String,
    "file": pl.String,
    "is_supplied": pl.Boolean,
    "rows_in": pl.Int64,
    "rows_used": pl.Int64,
    "first_date": pl.Date,
    "last_date": pl.Date,
}


def _span(df: pl.DataFrame, cols: tuple[str, ...]) -> tuple[dt.date | None, dt.date | None]:
    present = [df[c] for c in cols if c in df.columns]
    if not df.height or not present:
        return None, None
    dates = pl.concat(present).drop_nulls()
    return (None, None) if dates.is_empty() else (dates.min(), dates.max())


def year_rows(core: dict, name: str, start: dt.date, end: dt.date) -> int:
    """Rows of input `name` dated in [start, end] (any of its date columns)."""
    df = core.get(CORE_OF[name])
    if df is None or df.is_empty():
        return 0
    cols = [c for c in DATES.get(name, ()) if c in df.columns]
    if not cols:
        return df.height
    return df.filter(pl.any_horizontal(pl.col(c).is_between(start, end) for c in cols)).height


def inputs_table(
    core: dict, summary: pl.DataFrame | None = None, files: pl.DataFrame | None = None
) -> pl.DataFrame:
    """`core_inputs`: one row per input table (SSDA903 and IRO): the file supplied (or the
    contract's name when none was), whether one was, rows in and used, and the dates its
    rows span. `summary` is validation's row accounting, `files` the files read."""
    rows_in = (
        {} if summary is None else dict(zip(summary["table"], summary["rows_in"], strict=True))
    )
    named: dict[str, str] = {}
    if files is not None:
        for file, table in zip(files["validation_file"], files["table"], strict=True):
            named.setdefault(table, PurePosixPath(str(file).replace("\\", "/")).name)
    out = []
    for name, core_name in CORE_OF.items():
        df = core.get(core_name, pl.DataFrame())
        first, last = _span(df, DATES.get(name, ()))
        # a file read for the table (an Annex A workbook's sheets are one file: rows tell)
        supplied = name in named or int(rows_in.get(name, 0)) > 0 or df.height > 0
        out.append(
            {
                "input": name,
                "file": SHEETS.get(name) or named.get(name, f"{name}.csv"),
                "is_supplied": supplied,
                "rows_in": int(rows_in.get(name, df.height)),
                "rows_used": df.height,
                "first_date": first,
                "last_date": last,
            }
        )
    return pl.DataFrame(out, schema=SCHEMA)


def _month(d: dt.date) -> str:
    return f"{d:%B %Y}"


def reason(
    inputs: tuple[str, ...] | list[str],
    core: dict,
    *,
    year_label: str,
    start: dt.date,
    end: dt.date,
) -> str | None:
    """Why a figure needing `inputs` cannot be computed for the year `start`-`end`, as one
    sentence; None when every input is there (so its figure, even 0, is published)."""
    table = core.get("core_inputs")
    if table is None or table.is_empty():
        return None
    info = {r["input"]: r for r in table.iter_rows(named=True)}
    for name in inputs:
        row = info.get(name)
        if row is None:
            continue
        label, file = LABELS.get(name, f"{name} records"), row["file"]
        if not row["is_supplied"]:
            return f"No {label} were supplied for {year_label} (`{file}`, see the data contract)."
        if not row["rows_used"]:
            return (
                f"The {label} supplied (`{file}`) had no usable rows, so no figure is given "
                "(About the data says why rows were set aside)."
            )
        if name in YEARLY and not year_rows(core, name, start, end):
            span = (
                f"; the file's records run from {_month(row['first_date'])} to "
                f"{_month(row['last_date'])}"
                if row["first_date"]
                else ""
            )
            return f"No {label} were supplied for {year_label} (`{file}`{span})."
    return None


def unavailable(inputs, core: dict, params) -> str | None:
    """`reason` for the reporting year of `params`."""
    return reason(
        inputs,
        core,
        year_label=params.year_label,
        start=params.period_start,
        end=params.period_end,
    )


AVAILABILITY_SCHEMA = {
    "report": pl.String,
    "figure": pl.String,
    "section": pl.String,
    "inputs": pl.String,
    "is_partial": pl.Boolean,
    "reason": pl.String,
}
INPUTS_SCHEMA = {
    "report": pl.String,
    "input": pl.String,
    "records": pl.String,
    "file": pl.String,
    "status": pl.String,
    "is_found": pl.Boolean,
}


def availability_frame(rows: list[dict]) -> pl.DataFrame:
    """`pub_availability`: the figures not computed (or computed in part), per report, with
    the section they belong to and the sentence said instead. Names and text only."""
    return pl.DataFrame(rows, schema=AVAILABILITY_SCHEMA).sort("report", "figure")


def report_inputs(core: dict, needs: dict[str, set[str]], params) -> pl.DataFrame:
    """`pub_inputs`: per report, each input table its figures need, found or missing (and
    why). Names and text only: row counts are the validation summary's (disclosure-controlled)."""
    table = core.get("core_inputs")
    info = {} if table is None else {r["input"]: r for r in table.iter_rows(named=True)}
    rows = []
    for report, names in sorted(needs.items()):
        for name in sorted(names, key=list(CORE_OF).index):
            row = info.get(name)
            why = reason(
                (name,),
                core,
                year_label=params.year_label,
                start=params.period_start,
                end=params.period_end,
            )
            if row is None:
                status = "found"
            elif not row["is_supplied"]:
                status = "missing: not supplied"
            elif not row["rows_used"]:
                status = "missing: no usable rows"
            elif why:
                status = f"missing: no records for {params.year_label}"
            else:
                status = "found"
            rows.append(
                {
                    "report": report,
                    "input": name,
                    "records": LABELS.get(name, name),
                    "file": (row or {}).get("file") or f"{name}.csv",
                    "status": status,
                    "is_found": status == "found",
                }
            )
    return pl.DataFrame(rows, schema=INPUTS_SCHEMA)


def summary_lines(pub_inputs: pl.DataFrame) -> list[str]:
    """What `validate` and `build` print: per report, the inputs found and those missing."""
    from pipeline.reports import registry

    titles = {doc: r.title for doc, r in registry().items()}
    lines = []
    for report in pub_inputs["report"].unique(maintain_order=True).to_list():
        rows = pub_inputs.filter(pl.col("report") == report)
        found = rows.filter(pl.col("is_found"))["file"].to_list()
        missing = rows.filter(~pl.col("is_found"))
        lines.append(f"inputs for the {titles.get(report, report)}:")
        lines.append("  found: " + (", ".join(found) or "none"))
        if missing.height:
            lines.append(
                "  missing: "
                + ", ".join(
                    f"{r['file']} ({r['status'].removeprefix('missing: ')})"
                    for r in missing.iter_rows(named=True)
                )
                + " — those figures say so instead of showing 0"
            )
    return lines
