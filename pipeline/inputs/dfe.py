"""Reading published DfE / ONS statistics (explore-education-statistics CSV format).

DfE suppression and availability symbols (`c`, `x`, `z`, `k`, `low`, `u`, ...) are missing
values, never zeros. Benchmarks for England and statistical neighbours come from here.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import polars as pl

from pipeline.params import RunParams

DFE_SYMBOLS = frozenset({"c", "x", "z", "k", "low", "u", ":", "..", ".", "", "~"})
NUMERIC_COLUMN = re.compile(r"(^|_)(count|percent|rate|estimate|number|value|score)(_|$)")


def to_number(col: str) -> pl.Expr:
    """A published value as Float64; DfE symbols and blanks become null."""
    c = pl.col(col).str.strip_chars()
    return (
        pl.when(c.str.to_lowercase().is_in(list(DFE_SYMBOLS)))
        .then(None)
        .otherwise(c.str.replace_all(",", ""))
        .cast(pl.Float64, strict=False)
        .alias(col)
    )


@cache
def _read(path: str) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    return ees_frame(df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns}))


def ees_frame(text: pl.DataFrame) -> pl.DataFrame:
    """An EES file read as text -> value columns as Float64 (DfE symbols null)."""
    numeric = [c for c in text.columns if NUMERIC_COLUMN.search(c.lower())]
    return text.with_columns([to_number(c) for c in numeric])


def read_ees(path: Path) -> pl.DataFrame:
    """A DfE/ONS CSV with every text column as String and value columns as Float64."""
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: published statistics file not found")
    return _read(str(Path(path).resolve()))


def _filter(df: pl.DataFrame, year: int, filters: dict[str, str]) -> pl.DataFrame:
    out = df.filter(pl.col("time_period") == str(year))
    for col, value in filters.items():
        out = out.filter(pl.col(col) == value)
    return out


def england_value(df: pl.DataFrame, *, year: int, value_col: str, **filters: str) -> float | None:
    """The national figure for one measure and year (None when not published)."""
    rows = _filter(df, year, filters).filter(pl.col("geographic_level") == "National")
    return rows[value_col][0] if rows.height else None


def la_value(
    df: pl.DataFrame, *, year: int, la_code: str, value_col: str, **filters: str
) -> float | None:
    """One local authority's figure (by old 3-digit LA code)."""
    rows = _filter(df, year, filters).filter(
        (pl.col("geographic_level") == "Local authority") & (pl.col("old_la_code") == la_code)
    )
    return rows[value_col][0] if rows.height else None


def neighbours_mean(
    df: pl.DataFrame, *, year: int, codes: list[str], value_col: str, **filters: str
) -> tuple[float | None, int]:
    """Mean over the neighbours that published a value, and how many did."""
    rows = _filter(df, year, filters).filter(
        (pl.col("geographic_level") == "Local authority") & pl.col("old_la_code").is_in(codes)
    )
    values = rows[value_col].drop_nulls()
    return (float(values.mean()) if values.len() else None, values.len())


def neighbour_codes(params: RunParams) -> list[str]:
    """Configured neighbour codes, else the ten in the DfE groupings file for `of_la_code`."""
    sn = params.statistical_neighbours
    if sn.codes:
        return list(sn.codes)
    path = params.path(sn.groupings_file)
    if path is None or not path.is_file():
        return []
    df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    df = df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns})
    target = sn.of_la_code or params.authority.old_la_code
    row = df.filter(pl.col(df.columns[0]) == target)
    if row.is_empty():
        return []
    return [row[c][0] for c in df.columns if c.startswith("SN") and c[2:].isdigit()]


def population_0_17(params: RunParams, year_end: int | None = None) -> int | None:
    """Children aged 0-17 for rates per 10,000.

    From configuration, else the ONS mid-year estimate for the calendar year before the
    reporting year ends (the convention DfE uses: 31 March 2024 rates use mid-2023).
    """
    pop = params.population
    if pop.children_0_17:
        return pop.children_0_17
    path = params.path(pop.ons_file)
    if path is None or not path.is_file():
        return None
    df = read_ees(path)
    year = (year_end or params.year_end) - 1
    code = pop.ons_la_code or params.authority.old_la_code
    rows = df.filter(
        (pl.col("time_period") == str(year))
        & (pl.col("geographic_level") == "Local authority")
        & ((pl.col("old_la_code") == code) | (pl.col("new_la_code") == code))
    )
    return int(rows["population_estimate"][0]) if rows.height else None


def per_10k(count: float | None, population: int | None) -> float | None:
    if count is None or not population:
        return None
    return count / population * 10_000
