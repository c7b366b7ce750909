"""Children previously in care: an earlier period in the records, or previous permanence."""

import datetime as dt

import polars as pl

from pipeline.core.schemas import frame
from pipeline.params import load_params
from pipeline.reports.iro.measures.history import (
    FIRST,
    PREVIOUSLY,
    previously_in_care,
    previously_in_care_monthly,
)

d = dt.date


MARCH_2024 = d(2024, 3, 31)


def me_row(child, period_id, month=MARCH_2024):
    return dict(month_end_date=month, child_id=child, period_of_care_id=period_id)


def test_second_period_or_previous_permanence_counts_as_previously_in_care():
    me = frame(
        "core_month_end",
        [me_row("A", "A-1"), me_row("B", "B-2"), me_row("C", "C-1"), me_row("D", "D-1")],
    )
    prev = frame(
        "core_previous_permanence",
        [
            dict(child_id="C", previous_permanence_code="P2"),  # SGO before: counts
            dict(child_id="D", previous_permanence_code="Z1"),  # unknown: does not
        ],
    )
    out = previously_in_care(me, prev).sort("child_id")
    assert out["is_previously_in_care"].to_list() == [False, True, True, False]


def test_monthly_measure_counts_and_percentages():
    params = load_params("config/sample.yml", disclosure="none")
    rows = [me_row(c, f"{c}-{n}") for c, n in [("A", 1), ("B", 2), ("C", 1), ("E", 3)]]
    rows.append(me_row("A", "A-1", d(2023, 4, 30)))  # snapshots cover the whole year
    core = {
        "core_month_end": frame("core_month_end", rows),
        "core_previous_permanence": frame("core_previous_permanence", []),
    }
    out = previously_in_care_monthly(core, params)
    march = out.filter(pl.col("month_end_date") == d(2024, 3, 31))
    got = dict(zip(march["category"], march["children_count"], strict=True))
    assert got == {PREVIOUSLY: 2, FIRST: 2}
    assert march["children_pct"].to_list() == [50.0, 50.0]
    # every month of the reporting year is present, zeros included
    assert out["month_end_date"].n_unique() == 12
