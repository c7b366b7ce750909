"""Helpers for the rule tests: hand-built raw tables and 'which rows fail this rule?'."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.inputs.contract import tables
from pipeline.inputs.ingest import raw_schema

EXTRACT_DATE = dt.date(2024, 4, 30)
YEAR_END = 2024  # the collection year (2023-24) of rows without a `collection_year`
# A child in the header with one open episode, so cross-table rules pass by default.
HEADER = {"CHILD": "C1", "SEX": "1", "DOB": "01/01/2010", "ETHNIC": "WBRI"}
EPISODE = {
    "CHILD": "C1",
    "DECOM": "01/01/2020",
    "RNE": "S",
    "LS": "C2",
    "CIN": "N1",
    "PLACE": "U1",
    "PLACE_PROVIDER": "PR1",
}


def raw(table: str, rows: list[dict]) -> pl.DataFrame:
    """A raw_ table as ingest makes it: strings, file `<table>.csv`, data rows from row 2.
    A row may give its return's `collection_year` (an int); then every row has the column."""
    spec = tables()[table]
    data = [
        {
            **{c: r.get(c) for c in spec.column_names},
            "source_file": f"{table}.csv",
            "source_row": i + 2,
        }
        for i, r in enumerate(rows)
    ]
    df = pl.DataFrame(data, schema=raw_schema(spec), orient="row")
    if any("collection_year" in r for r in rows):
        years = [r.get("collection_year") for r in rows]
        df = df.with_columns(collection_year=pl.Series(years, dtype=pl.Int64))
    return df


def raw_tables(rows: dict[str, list[dict]], *, base: bool = True) -> dict[str, pl.DataFrame]:
    """raw_ tables from row dicts; `base` adds the default child and episode when absent."""
    rows = dict(rows)
    if base:
        rows.setdefault("header", [HEADER])
        rows.setdefault("episodes", [EPISODE])
    return {f"raw_{t}": raw(t, r) for t, r in rows.items()}


def failing(
    code: str,
    rows: dict[str, list[dict]],
    *,
    extract_date: dt.date = EXTRACT_DATE,
    year_end: int | None = YEAR_END,
    base: bool = True,
) -> list[int]:
    """Source rows (of the rule's own table) that fail rule `code`, running all rules in order."""
    from pipeline.rules import registry
    from pipeline.validate import prepare, run_rules

    target = registry()[code]
    raw_ = prepare(raw_tables(rows, base=base))
    # later stages cannot change an earlier stage's result: run up to the rule's own
    failures = run_rules(
        raw_,
        extract_date,
        engine="polars",
        year_end=year_end,
        select=lambda r: r.stage <= target.stage,
    )
    table = target.table
    hit = failures.filter(pl.col("rule_code") == code).select("row_id")
    return sorted(raw_[table].join(hit, on="row_id", how="semi")["source_row"].to_list())
