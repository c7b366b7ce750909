"""Small vectorised helpers: dates as int day numbers, weighted draws, postcodes, CSV writing."""

from __future__ import annotations

import datetime as dt
from functools import cache
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.core.calendar import bank_holidays
from pipeline.inputs.contract import tables

EPOCH = dt.date(1970, 1, 1)
NONE = -(10**8)  # "no date" sentinel for int day arrays (far in the past)
OPEN = 10**8  # "still open" sentinel for end dates (far in the future)


def day(d: dt.date) -> int:
    """A date as days since 1970-01-01 (the representation used throughout the generator)."""
    return (d - EPOCH).days


def add_months(days: np.ndarray, months: np.ndarray | int) -> np.ndarray:
    """Calendar month arithmetic (31 Jan + 1 month = 29 Feb), vectorised."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    m = d.astype("datetime64[M]")
    dom = (d - m.astype("datetime64[D]")).astype("int64")
    m2 = m + np.asarray(months, dtype="int64")
    month_len = ((m2 + 1).astype("datetime64[D]") - m2.astype("datetime64[D]")).astype("int64")
    return m2.astype("datetime64[D]").astype("int64") + np.minimum(dom, month_len - 1)


def add_years(days: np.ndarray, years: int) -> np.ndarray:
    """Birthdays: the same calendar date `years` later (29 Feb -> 28 Feb)."""
    return add_months(days, 12 * years)


def month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month 1..12 of each day number."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    return (d.astype("datetime64[M]").astype("int64") % 12) + 1


def age_years(dob: np.ndarray, on: np.ndarray | int) -> np.ndarray:
    """Completed years of age on a date (birthday counts), vectorised."""
    d = np.asarray(dob, dtype="int64").astype("datetime64[D]")
    o = (np.zeros_like(dob) + np.asarray(on, dtype="int64")).astype("datetime64[D]")
    ym_d, ym_o = d.astype("datetime64[M]"), o.astype("datetime64[M]")
    months = ym_o.astype("int64") - ym_d.astype("int64")
    dom_d = (d - ym_d.astype("datetime64[D]")).astype("int64")
    dom_o = (o - ym_o.astype("datetime64[D]")).astype("int64")
    months = months - (dom_o < dom_d)
    return months // 12


@cache
def _bank_holidays() -> np.ndarray:
    return np.array(bank_holidays(), dtype="datetime64[D]")


def busday_add(days: np.ndarray, n: np.ndarray | int) -> np.ndarray:
    """The n-th working day after each date, as `pipeline.core.calendar.add_working_days` counts:
    same bank holidays, and a weekend or holiday start counts from the working day before."""
    d = np.asarray(days, dtype="int64").astype("datetime64[D]")
    out = np.busday_offset(
        d, np.asarray(n, dtype="int64"), roll="backward", holidays=_bank_holidays()
    )
    return out.astype("int64")


def pick(rng: np.random.Generator, codes: dict[str, float], size: int) -> np.ndarray:
    """Weighted draw of codes (weights need not sum to 1)."""
    keys = np.array(list(codes), dtype=object)
    w = np.array(list(codes.values()), dtype=float)
    return keys[rng.choice(len(keys), size=size, p=w / w.sum())]


def pick_by_group(
    rng: np.random.Generator, group: np.ndarray, tables_: dict[object, dict[str, float]]
) -> np.ndarray:
    """Weighted draw where the weights depend on a group label per row."""
    out = np.empty(group.shape[0], dtype=object)
    u = rng.random(group.shape[0])
    for g, codes in tables_.items():
        mask = group == g
        keys = np.array(list(codes), dtype=object)
        cw = np.cumsum(np.array(list(codes.values()), dtype=float))
        out[mask] = keys[np.searchsorted(cw / cw[-1], u[mask], side="right").clip(0, len(keys) - 1)]
    return out


_INWARD = np.array(list("ABDEFGHJLNPQRSTUWXYZ"))


def postcodes(rng: np.random.Generator, size: int, area: np.ndarray | str) -> np.ndarray:
    """Valid-format but fictional postcodes: areas WX (in the authority) and YX (elsewhere)."""
    district = rng.integers(1, 24, size).astype(str)
    sector = rng.integers(0, 10, size).astype(str)
    unit = _INWARD[rng.integers(0, len(_INWARD), size)].astype(object) + _INWARD[
        rng.integers(0, len(_INWARD), size)
    ].astype(object)
    return np.asarray(area, dtype=object) + district.astype(object) + " " + sector + unit


def date_col(days: np.ndarray) -> pl.Series:
    """Int day numbers -> 'dd/mm/YYYY' strings; sentinels become null (written as '')."""
    d = np.asarray(days, dtype="int64")
    absent = (d <= NONE) | (d >= OPEN)
    s = pl.Series(np.where(absent, 0, d)).cast(pl.Int32).cast(pl.Date).dt.strftime("%d/%m/%Y")
    return s.scatter(np.flatnonzero(absent), None)


def frame(table: str, cols: dict[str, object]) -> pl.DataFrame:
    """A string frame with exactly the contract's columns, in contract order."""
    names = tables()[table].column_names
    assert set(cols) <= set(names), set(cols) - set(names)
    height = len(next(iter(cols.values())))
    out = {}
    for name in names:
        v = cols.get(name)
        if v is None:
            out[name] = pl.Series(name, [None] * height, dtype=pl.String)
        elif isinstance(v, pl.Series):
            out[name] = v.cast(pl.String).alias(name)
        else:
            arr = np.asarray(v, dtype=object)
            out[name] = pl.Series(name, arr.tolist(), dtype=pl.String)
    return pl.DataFrame(out)


def write(df: pl.DataFrame, path: Path) -> int:
    """UTF-8 CSV with a header row; missing values as empty strings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    df.write_csv(path, null_value="", line_terminator="\n")
    return df.height
