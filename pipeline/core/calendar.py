"""Working days for England: weekends and England & Wales bank holidays excluded.

Bank holidays come from the maintained `holidays` package (`UnitedKingdom(subdiv="ENG")`),
which includes substitute days (e.g. 27 and 28 December 2021) and one-off holidays
(8 May 2020, 3 June 2022, 19 September 2022, 8 May 2023), so nobody keeps a hand list.

Conventions (docs/definitions-iro.md):
- `add_working_days(X, n)` is the n-th working day *after* X. X itself never counts;
  if X is a weekend or bank holiday the count starts from the next working day, so
  "20 working days from Saturday" ends on the Friday four weeks later.
- "Within n working days of X" means on or before `add_working_days(X, n)`.
- `working_days_between(X, Y)` counts the working days after X up to and including Y,
  so `working_days_between(X, add_working_days(X, n)) == n` (negative if Y is before X).
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays
import polars as pl

FIRST_YEAR, LAST_YEAR = 1990, 2060


@lru_cache(maxsize=1)
def bank_holidays() -> tuple[dt.date, ...]:
    """England & Wales bank holidays (with substitute and one-off days), sorted."""
    cal = holidays.UnitedKingdom(subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
    return tuple(sorted(cal))


def is_working_day(date_expr: pl.Expr) -> pl.Expr:
    """True on Monday-Friday that are not bank holidays."""
    return date_expr.dt.is_business_day(holidays=bank_holidays())


def add_working_days(date_expr: pl.Expr, n: int | pl.Expr) -> pl.Expr:
    """The n-th working day after the date (the date itself is day 0, whatever it is).

    A start on a non-working day rolls back to the previous working day first, which
    is the same as counting the working days that follow it.
    """
    return date_expr.dt.add_business_days(n, holidays=bank_holidays(), roll="backward")


def working_days_between(start_expr: pl.Expr, end_expr: pl.Expr) -> pl.Expr:
    """Working days after `start` up to and including `end` (start exclusive, end inclusive)."""
    one = pl.duration(days=1)
    hols = bank_holidays()
    forward = pl.business_day_count(start_expr + one, end_expr + one, holidays=hols)
    backward = -pl.business_day_count(end_expr + one, start_expr + one, holidays=hols)
    # polars' count for a reversed range is not the mirror image, so mirror it ourselves
    return pl.when(end_expr >= start_expr).then(forward).otherwise(backward).cast(pl.Int64)


def within_working_days(start_expr: pl.Expr, end_expr: pl.Expr, n: int) -> pl.Expr:
    """True when `end` is on or before the n-th working day after `start` (null if either is)."""
    return end_expr <= add_working_days(start_expr, n)
