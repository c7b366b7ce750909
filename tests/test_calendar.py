"""Working days: weekends, bank holidays, Easter, substitute and one-off days."""

import datetime as dt

import polars as pl
import pytest

from pipeline.core.calendar import (
    add_working_days,
    bank_holidays,
    is_working_day,
    within_working_days,
    working_days_between,
)

D = dt.date


def _add(start: dt.date, n: int) -> dt.date:
    return pl.select(add_working_days(pl.lit(start), n)).item()


def _between(start: dt.date, end: dt.date) -> int:
    return pl.select(working_days_between(pl.lit(start), pl.lit(end))).item()


@pytest.mark.parametrize(
    "day",
    [
        D(2020, 5, 8),  # VE Day 75: May Day moved from Monday 4 May
        D(2022, 6, 3),  # Platinum Jubilee
        D(2022, 9, 19),  # State funeral of Queen Elizabeth II
        D(2023, 5, 8),  # Coronation of Charles III
        D(2021, 12, 27),  # Christmas Day substitute (25th was a Saturday)
        D(2021, 12, 28),  # Boxing Day substitute
        D(2024, 3, 29),  # Good Friday
        D(2024, 4, 1),  # Easter Monday
    ],
)
def test_bank_holidays_include_substitute_and_one_off_days(day):
    assert day in bank_holidays()
    assert pl.select(is_working_day(pl.lit(day))).item() is False


def test_ordinary_may_day_2020_was_not_a_holiday():
    # the early May holiday moved to Friday 8 May, so Monday 4 May 2020 was a working day
    assert D(2020, 5, 4) not in bank_holidays()


def test_weekend_is_skipped():
    # Friday 1 March 2024 + 1 working day = Monday 4 March
    assert _add(D(2024, 3, 1), 1) == D(2024, 3, 4)
    assert _between(D(2024, 3, 1), D(2024, 3, 4)) == 1
    # Saturday and Sunday add nothing
    assert _between(D(2024, 3, 1), D(2024, 3, 3)) == 0


def test_easter_is_skipped():
    # Thu 28 Mar 2024; Good Friday 29, weekend 30-31, Easter Monday 1 Apr: next is Tue 2 Apr
    assert _add(D(2024, 3, 28), 1) == D(2024, 4, 2)
    # 20 working days from Thu 28 Mar: 2-5 Apr (4), 8-12 (9), 15-19 (14), 22-26 (19), 29 Apr (20)
    assert _add(D(2024, 3, 28), 20) == D(2024, 4, 29)
    assert _between(D(2024, 3, 28), D(2024, 4, 29)) == 20


def test_substitute_days_are_skipped():
    # Fri 24 Dec 2021; 25-26 weekend, 27-28 substitute days: next working day Wed 29 Dec
    assert _add(D(2021, 12, 24), 1) == D(2021, 12, 29)


def test_one_off_coronation_holiday():
    # Fri 5 May 2023; Mon 8 May coronation: next working day Tue 9 May
    assert _add(D(2023, 5, 5), 1) == D(2023, 5, 9)


def test_start_on_non_working_day_counts_the_following_working_days():
    # Saturday 2 March 2024: Monday 4 March is working day 1
    # 4-8 (5), 11-15 (10), 18-22 (15), 25-28 (19: 29 Mar is Good Friday), 2 Apr (20)
    assert _add(D(2024, 3, 2), 20) == D(2024, 4, 2)
    assert _between(D(2024, 3, 2), D(2024, 4, 2)) == 20


def test_due_date_never_lands_on_a_bank_holiday():
    # Thu 2 May 2024 + 2 working days: Fri 3, (Mon 6 May bank holiday), Tue 7
    assert _add(D(2024, 5, 2), 2) == D(2024, 5, 7)


def test_within_is_on_or_before_the_nth_working_day():
    df = pl.DataFrame(
        {
            "start": [D(2024, 3, 1)] * 3,
            "end": [D(2024, 3, 29), D(2024, 4, 2), D(2024, 4, 3)],
        }
    )
    # 20 working days after Fri 1 March 2024: 4-8 (5), 11-15 (10), 18-22 (15), 25-28 (19),
    # Good Friday and Easter Monday skipped, Tue 2 April (20)
    out = df.select(within_working_days(pl.col("start"), pl.col("end"), 20)).to_series()
    assert out.to_list() == [True, True, False]


def test_between_is_negative_when_end_is_before_start_and_null_propagates():
    assert _between(D(2024, 3, 11), D(2024, 3, 4)) == -5
    out = pl.DataFrame({"s": [None], "e": [D(2024, 3, 4)]}, schema={"s": pl.Date, "e": pl.Date})
    assert out.select(working_days_between(pl.col("s"), pl.col("e"))).item() is None
