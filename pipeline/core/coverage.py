"""Which years a measure may show: the `core_coverage` table as small polars helpers.

A figure for a year the data does not cover would be a number from partial history (a
single return holds only the children looked after in its year, so the year before it
would look smaller than it was). Measures blank such figures and say why instead:
"not available: no return for 2019-20". With no coverage table (hand-built test data) every
year counts as covered.
"""

from __future__ import annotations

import datetime as dt

import polars as pl


def _label(year_end: int) -> str:
    return f"{year_end - 1}-{year_end % 100:02d}"


def note(year_end: int) -> str:
    return f"not available: no return for {_label(year_end)}"


def _rows(core: dict) -> pl.DataFrame | None:
    cov = core.get("core_coverage")
    return None if cov is None or cov.is_empty() else cov


def year_covered(core: dict, year_end: int) -> bool:
    """Every child looked after in the April-March year ending `year_end` is in the data."""
    cov = _rows(core)
    if cov is None:
        return True
    row = cov.filter(pl.col("year_end") == year_end)
    return bool(row["is_year_covered"][0]) if row.height else False


def march_covered(core: dict, year_end: int) -> bool:
    """Every child in care on 31 March `year_end` is in the data."""
    cov = _rows(core)
    if cov is None:
        return True
    row = cov.filter(pl.col("year_end") == year_end)
    return bool(row["is_31_march_covered"][0]) if row.height else False


def day_covered(core: dict, day: dt.date) -> bool:
    """Children in care on `day` (a month end) are all in the data."""
    year_end = day.year + (1 if day.month >= 4 else 0)
    if day.month == 3 and day.day == 31:
        return march_covered(core, day.year)
    return year_covered(core, year_end)


def year_note(core: dict, year_end: int) -> str | None:
    return None if year_covered(core, year_end) else note(year_end)


def blank(df: pl.DataFrame, when: pl.Expr, columns: list[str]) -> pl.DataFrame:
    """`columns` set to null where `when` (an uncovered year) holds."""
    return df.with_columns(
        pl.when(when).then(None).otherwise(pl.col(c)).alias(c) for c in columns if c in df.columns
    )


def blank_last_year(
    df: pl.DataFrame, core: dict, params, *, march_only: bool = False
) -> pl.DataFrame:
    """A this-year-and-last-year table with last year's figures blank when the data does not
    cover last year (`march_only`: when 31 March of last year is not fully known), and a
    `last_year_note` saying why (null when covered).

    Last year's figures are the numeric `last_year_*` columns, and the numeric columns of
    rows whose `year_label` is last year's; a `direction` against last year goes too.
    """
    prev = params.year_end - 1
    ok = march_covered(core, prev) if march_only else year_covered(core, prev)
    if ok:
        return df.with_columns(last_year_note=pl.lit(None, pl.String))
    return blank_previous(df, _label(prev), note(prev))


def blank_previous(df: pl.DataFrame, label: str, why: str) -> pl.DataFrame:
    """Last year's figures of a this-year-and-last-year table blank (the year `label`'s
    rows, the `last_year_*` columns and a `direction`), with `last_year_note` saying why."""
    numeric = [c for c, t in df.schema.items() if t.is_numeric()]
    if "year_label" in df.columns:
        df = blank(df, pl.col("year_label") == label, numeric)
    df = blank(df, pl.lit(True), [c for c in numeric if c.startswith("last_year_")])
    if "direction" in df.columns:
        df = blank(df, pl.lit(True), ["direction"])
    return df.with_columns(last_year_note=pl.lit(why))
