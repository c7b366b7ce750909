"""Rules generated from the data contract: required, code list, date, whole number, unique key.

Each `GX-<TABLE>-<COLUMN>-<CHECK>` rule is one Great Expectations expectation (its `gx`
spec) and has a polars twin with identical results, so tests and `engine="polars"` runs
need not import GX. A `<TABLE>-<COLUMN>-REAL-DATE` rule (polars only) catches values that
look like dates but are not (31/02/2024).
"""

from __future__ import annotations

import re

import polars as pl

from pipeline.inputs.contract import ColumnSpec, codes, tables, year_limited
from pipeline.inputs.ingest import DATE_PATTERN, INT_PATTERN
from pipeline.rules import Rule, add, date


def codes_pattern(code_list: str) -> str:
    """Regex for a ';'-separated list of codes from `code_list` (e.g. escalation AREAS)."""
    alts = "|".join(re.escape(c) for c in sorted(codes(code_list), key=len, reverse=True))
    return rf"^(?:{alts})(?:\s*;\s*(?:{alts}))*$"


def _not_null(col: str):
    return lambda raw, ctx: pl.col(col).is_null()


def _in_set(col: str, values: list[str]):
    return lambda raw, ctx: pl.col(col).is_not_null() & ~pl.col(col).is_in(values)


def _no_match(col: str, pattern: str):
    return lambda raw, ctx: pl.col(col).is_not_null() & ~pl.col(col).str.contains(pattern)


def _unique(col: str):
    return lambda raw, ctx: pl.col(col).is_not_null() & pl.col(col).is_duplicated()


def _wrong_year(col: str, code_list: str):
    """A code that exists but not in the row's collection year (its return's year; the
    run's reporting year where the row's return is unknown)."""
    limited = year_limited(code_list)

    def check(raw, ctx):
        year = pl.lit(ctx.year_end, pl.Int64)
        if "collection_year" in raw.columns:
            year = pl.coalesce(pl.col("collection_year"), year)
        bad = pl.lit(False)
        for code, c in limited.items():
            outside = pl.lit(False)
            if c.first_year is not None:
                outside = outside | (year < c.first_year)
            if c.last_year is not None:
                outside = outside | (year > c.last_year)
            bad = bad | ((pl.col(col) == code) & outside)
        return bad

    return check


def _real_date(col: str):
    return lambda raw, ctx: pl.col(col).str.contains(DATE_PATTERN) & date(col).is_null()


def column_rules(table: str, c: ColumnSpec) -> list[Rule]:
    t = table.upper()
    code = f"GX-{t}-{re.sub(r'[^A-Za-z0-9_]+', '_', c.name)}"
    out: list[Rule] = []

    def mk(suffix, message, check, gx, stage_code=None):
        out.append(
            Rule(
                code=stage_code or f"{code}-{suffix}",
                table=table,
                fields=(c.name,),
                message=message,
                check=check,
                gx=gx,
            )
        )

    if c.required:
        mk(
            "NOT-NULL",
            f"{c.name} is blank (required)",
            _not_null(c.name),
            ("ExpectColumnValuesToNotBeNull", {"column": c.name}),
        )
    if c.type == "code" and c.codes:
        values = list(codes(c.codes))
        mk(
            "IN-SET",
            f"{c.name} is not in the {c.codes} code list",
            _in_set(c.name, values),
            ("ExpectColumnValuesToBeInSet", {"column": c.name, "value_set": values}),
        )
    if c.type == "code" and c.codes and year_limited(c.codes):
        mk(
            "CODE-YEAR",
            f"{c.name} is a {c.codes} code not valid in the row's collection year",
            _wrong_year(c.name, c.codes),
            None,
            stage_code=f"{t}-{c.name}-CODE-YEAR",
        )
    if c.type == "codes" and c.codes:
        pattern = codes_pattern(c.codes)
        mk(
            "IN-SET",
            f"{c.name} has a code not in the {c.codes} code list (';'-separated)",
            _no_match(c.name, pattern),
            ("ExpectColumnValuesToMatchRegex", {"column": c.name, "regex": pattern}),
        )
    if c.type == "date":
        mk(
            "DATE-FORMAT",
            f"{c.name} is not a date (dd/mm/YYYY or YYYY-MM-DD)",
            _no_match(c.name, DATE_PATTERN),
            ("ExpectColumnValuesToMatchRegex", {"column": c.name, "regex": DATE_PATTERN}),
        )
        mk(
            "REAL-DATE",
            f"{c.name} is not a real calendar date",
            _real_date(c.name),
            None,
            stage_code=f"{t}-{code.split('-', 2)[2]}-REAL-DATE",
        )
    if c.type == "int":
        mk(
            "INT-FORMAT",
            f"{c.name} is not a whole number",
            _no_match(c.name, INT_PATTERN),
            ("ExpectColumnValuesToMatchRegex", {"column": c.name, "regex": INT_PATTERN}),
        )
    return out


def register_contract(table: str) -> None:
    """Register the contract rules of one table (called by its rules module)."""
    spec = tables()[table]
    for c in spec.columns:
        for r in column_rules(table, c):
            add(r)
    if len(spec.key) == 1:
        key = spec.key[0]
        add(
            Rule(
                code=f"GX-{table.upper()}-{key}-UNIQUE",
                table=table,
                fields=(key,),
                message=f"{key} appears more than once (every copy quarantined)",
                check=_unique(key),
                gx=("ExpectColumnValuesToBeUnique", {"column": key}),
            )
        )
    elif spec.key:
        raise NotImplementedError(f"{table}: compound keys are not supported yet")
