"""England and statistical-neighbour benchmarks for pack indicators.

A catalogue benchmark is a number (typed from a publication, source in the definition) or a
pointer to a measure in a published DfE file. Pointers read the latest year the file
publishes a national value for, capped at the pack's reporting year (a March 2024 pack
never shows 2025 figures); the neighbour mean uses the same year and counts only the
neighbours that published a value (DfE symbols such as `c`, `x`, `z` are missing, not
zero). The file is the configured DfE folder's, else the project's snapshot of it
(`pipeline.inputs.published`); in neither, there is no benchmark (a printed warning,
`pipeline.run.guards.benchmark_gaps`), never an error.

Two file shapes are read: explore-education-statistics CSVs (`time_period`,
`geographic_level`, `old_la_code`, value columns) and LAIT's long parquet, which is
reshaped to the same columns with the measure's short description as `measure`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import polars as pl

from pipeline.inputs.dfe import DFE_SYMBOLS, england_value, neighbours_mean, read_ees
from pipeline.reports.pack.catalogue import Indicator, Pointer


@dataclass(frozen=True)
class Benchmark:
    value: float | None
    label: (
        str  # e.g. 'England (2024)', 'Mean of 7 good and outstanding statistical neighbours (2024)'
    )
    year: int | None = None
    n_contributing: int | None = None


NONE = Benchmark(None, "")


@cache
def _read_lait(path: str) -> pl.DataFrame:
    return lait_frame(pl.read_parquet(path))


def lait_frame(df: pl.DataFrame) -> pl.DataFrame:
    """LAIT's long table reshaped to the EES columns (`measure` is its Short Desc)."""
    years = pl.col("Years").str.strip_chars()
    year = (
        pl.when(years.str.contains(r"^\d{4}-\d{2}$"))
        .then(years.str.slice(0, 2) + years.str.slice(5, 2))
        .otherwise(years.str.slice(-4))
    )
    v = pl.col("Values").cast(pl.String).str.strip_chars()
    return df.select(
        year.alias("time_period"),
        pl.when(pl.col("LA and Regions") == "England")
        .then(pl.lit("National"))
        .otherwise(pl.lit("Local authority"))
        .alias("geographic_level"),
        pl.col("LA Number").cast(pl.Int64).cast(pl.String).alias("old_la_code"),
        pl.col("Short Desc").alias("measure"),
        pl.when(v.str.to_lowercase().is_in(list(DFE_SYMBOLS)))
        .then(None)
        .otherwise(v)
        .cast(pl.Float64, strict=False)
        .alias("value"),
    )


def read_published(path: Path) -> pl.DataFrame:
    """A published file in EES shape (time_period, geographic_level, old_la_code, values)."""
    if path.suffix == ".parquet":
        if not path.is_file():
            raise FileNotFoundError(f"{path}: published statistics file not found")
        return _read_lait(str(path.resolve()))
    return read_ees(path)


def latest_year(df: pl.DataFrame, pointer: Pointer, up_to: int | None = None) -> int | None:
    """Latest year with a published national value for the measure (not after `up_to`)."""
    rows = df.filter(pl.col("geographic_level") == "National")
    for col, value in pointer.filters.items():
        rows = rows.filter(pl.col(col) == value)
    years = rows.filter(pl.col(pointer.value_col).is_not_null())["time_period"].cast(
        pl.Int64, strict=False
    )
    years = years.drop_nulls()
    if up_to is not None:
        years = years.filter(years <= up_to)
    return int(years.max()) if years.len() else None


@cache
def _from_snapshot(name: str) -> pl.DataFrame | None:
    from pipeline.inputs.dfe import ees_frame
    from pipeline.inputs.published import LAIT, snapshot_text

    text = snapshot_text(name)
    if text is None:
        return None
    return lait_frame(text) if name == LAIT else ees_frame(text)


def published_frame(
    dfe_dir: Path | None, name: str, *, snapshot: bool = True
) -> pl.DataFrame | None:
    """A published file: the configured DfE folder's, else (`snapshot`) the project's copy."""
    from pipeline.inputs.published import source

    path = source(dfe_dir, name)
    if path is not None:
        return read_published(path)
    return _from_snapshot(name) if snapshot else None


def _file(dfe_dir: Path | None, pointer: Pointer, snapshot: bool = True) -> pl.DataFrame | None:
    return published_frame(dfe_dir, pointer.file, snapshot=snapshot)


def england(
    pointer_or_value, dfe_dir: Path | None, up_to: int | None = None, *, snapshot: bool = True
) -> Benchmark:
    """The England benchmark for one indicator."""
    if pointer_or_value is None:
        return NONE
    if not isinstance(pointer_or_value, Pointer):
        return Benchmark(float(pointer_or_value), "England (published figure)")
    df = _file(dfe_dir, pointer_or_value, snapshot)
    if df is None:
        return NONE
    year = latest_year(df, pointer_or_value, up_to)
    if year is None:
        return NONE
    value = england_value(
        df, year=year, value_col=pointer_or_value.value_col, **pointer_or_value.filters
    )
    return Benchmark(value, f"England ({year})", year)


def stat_neighbours(
    pointer_or_value,
    dfe_dir: Path | None,
    codes: list[str],
    label: str = "statistical neighbours",
    up_to: int | None = None,
    *,
    snapshot: bool = True,
) -> Benchmark:
    """Mean of the neighbours that published a value, labelled with how many did."""
    if pointer_or_value is None:
        return NONE
    if not isinstance(pointer_or_value, Pointer):
        return Benchmark(float(pointer_or_value), f"Mean of {label} (published figure)")
    df = _file(dfe_dir, pointer_or_value, snapshot)
    if df is None or not codes:
        return NONE
    year = latest_year(df, pointer_or_value, up_to)
    if year is None:
        return NONE
    value, n = neighbours_mean(
        df, year=year, codes=codes, value_col=pointer_or_value.value_col, **pointer_or_value.filters
    )
    return Benchmark(value, f"Mean of {n} {label} ({year})", year, n)


def benchmarks_table(
    indicators: tuple[Indicator, ...],
    dfe_dir: Path | None,
    codes: list[str],
    label: str,
    up_to: int | None = None,
) -> pl.DataFrame:
    """indicator_id, england, england_label, stat_neighbours, stat_neighbours_label."""
    rows = []
    for ind in indicators:  # one row per catalogue entry (tens), not per child
        e = england(ind.benchmarks.england, dfe_dir, up_to)
        s = stat_neighbours(ind.benchmarks.stat_neighbours, dfe_dir, codes, label, up_to)
        rows.append(
            {
                "indicator_id": ind.id,
                "england": e.value,
                "england_label": e.label,
                "stat_neighbours": s.value,
                "stat_neighbours_label": s.label,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "indicator_id": pl.String,
            "england": pl.Float64,
            "england_label": pl.String,
            "stat_neighbours": pl.Float64,
            "stat_neighbours_label": pl.String,
        },
    )
