"""Supplied indicator values: `indicator_id,month,value` CSV from services outside the 903.

Every row is kept or quarantined with a reason and its row number (the header is row 1),
never silently dropped: unknown id, bad month, non-numeric value, a percentage outside
0-100, or a second value for the same indicator and month (both rows are quarantined: we
cannot tell which is right).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.reports.pack.catalogue import Catalogue

COLUMNS = ("indicator_id", "month", "value")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
VALUES_SCHEMA = {"indicator_id": pl.String, "month": pl.String, "value": pl.Float64}
QUARANTINE_SCHEMA = {
    "row_number": pl.Int64,
    "indicator_id": pl.String,
    "month": pl.String,
    "value": pl.String,
    "reason": pl.String,
}


class SuppliedError(ValueError):
    """The supplied file cannot be read at all (missing columns): one-line message."""


@dataclass(frozen=True)
class Supplied:
    values: pl.DataFrame  # indicator_id, month, value
    quarantine: pl.DataFrame  # row_number, indicator_id, month, value, reason


def empty_supplied() -> Supplied:
    return Supplied(pl.DataFrame(schema=VALUES_SCHEMA), pl.DataFrame(schema=QUARANTINE_SCHEMA))


def validate_supplied(raw: pl.DataFrame, catalogue: Catalogue) -> Supplied:
    """Split raw string rows into valid values and quarantined rows with the first failing reason."""
    ids = catalogue.ids
    pct_ids = [i.id for i in catalogue.indicators if i.unit == "%"]
    df = raw.select([pl.col(c).cast(pl.String).str.strip_chars() for c in COLUMNS]).with_row_index(
        "row_number", offset=2
    )
    number = pl.col("value").str.replace_all(",", "").cast(pl.Float64, strict=False)
    df = df.with_columns(number.alias("_num"))
    dup = pl.struct("indicator_id", "month").is_duplicated()
    reason = (
        pl.when(pl.col("indicator_id").is_null() | ~pl.col("indicator_id").is_in(ids))
        .then(pl.format("unknown indicator id '{}'", pl.col("indicator_id").fill_null("")))
        .when(pl.col("month").is_null() | ~pl.col("month").str.contains(MONTH_PATTERN))
        .then(pl.format("bad month '{}' (expected YYYY-MM)", pl.col("month").fill_null("")))
        .when(pl.col("_num").is_null() | pl.col("_num").is_nan() | pl.col("_num").is_infinite())
        .then(pl.format("non-numeric value '{}'", pl.col("value").fill_null("")))
        .when(pl.col("indicator_id").is_in(pct_ids) & ~pl.col("_num").is_between(0, 100))
        .then(pl.lit("percentage outside 0-100"))
        .when(dup)
        .then(pl.lit("duplicate indicator_id and month"))
    )
    df = df.with_columns(reason.alias("reason"))
    good = df.filter(pl.col("reason").is_null()).select(
        "indicator_id", "month", pl.col("_num").alias("value")
    )
    bad = df.filter(pl.col("reason").is_not_null()).select(
        pl.col("row_number").cast(pl.Int64), "indicator_id", "month", "value", "reason"
    )
    return Supplied(good, bad)


def read_supplied(path: Path | str | None, catalogue: Catalogue) -> Supplied:
    """Read and validate the supplied CSV; no file configured means no supplied values."""
    if path is None:
        return empty_supplied()
    path = Path(path)
    if not path.is_file():
        raise SuppliedError(f"{path}: supplied indicator values file not found")
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    raw = raw.rename({c: c.lstrip("\ufeff").strip() for c in raw.columns})
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise SuppliedError(f"{path}: missing column(s) {', '.join(missing)}")
    return validate_supplied(raw, catalogue)


def _plausible(unit: str, target: float | None, rng: random.Random, n: int) -> list[float]:
    """A gentle random walk around a centre that suits the unit (or the target)."""
    if unit == "%":
        centre = target if target is not None else rng.uniform(30, 90)
        spread, lo, hi = 4.0, 0.0, 100.0
    elif unit == "Rate":
        centre = target if target is not None else rng.uniform(0.8, 1.5)
        spread, lo, hi = centre * 0.05, 0.0, math.inf
    else:
        centre = target if target is not None else rng.uniform(0, 20)
        spread, lo, hi = max(1.0, centre * 0.1), 0.0, math.inf
    out, v = [], centre + rng.uniform(-spread, spread)
    for _ in range(n):
        v = min(hi, max(lo, v + rng.uniform(-spread, spread) * 0.6))
        out.append(v)
    return out


def sample_supplied(catalogue: Catalogue, months: list[str], seed: int = 903) -> pl.DataFrame:
    """Deterministic plausible values for every supplied indicator and month (sample only)."""
    rows = []
    for ind in catalogue.indicators:
        if ind.is_computed:
            continue
        rng = random.Random(f"{seed}:{ind.id}")
        values = _plausible(ind.unit, ind.target, rng, len(months))
        for month, v in zip(months, values, strict=True):
            value = round(v) if ind.unit == "No." else round(v, ind.decimals or 2)
            rows.append({"indicator_id": ind.id, "month": month, "value": float(value)})
    return pl.DataFrame(rows, schema=VALUES_SCHEMA)


def write_sample_supplied(
    path: Path | str, catalogue: Catalogue, months: list[str], seed: int = 903
) -> Path:
    """Write `sample_supplied(...)` as the supplied CSV."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    sample_supplied(catalogue, months, seed).write_csv(path)
    return path
