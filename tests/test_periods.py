"""Episodes -> periods of care."""

import datetime as dt

from pipeline.core.periods import episodes_with_period, periods_of_care
from pipeline.core.schemas import frame
from tests.builders import episode as ep

d = dt.date


def test_continuous_episodes_form_one_period_and_a_gap_starts_another():
    eps = frame(
        "core_episodes",
        [
            ep("7", d(2020, 1, 1), d(2020, 5, 1), "S", "C1", rec="X1"),
            ep("7", d(2020, 5, 1), d(2021, 1, 1), "L", "C2", rec="E4A"),
            ep("7", d(2022, 1, 1), None, "S", "V2"),
            ep("8", d(2023, 6, 1), None, "S", "V2"),
        ],
    )
    p = periods_of_care(eps)
    assert p["period_of_care_id"].to_list() == ["7-1", "7-2", "8-1"]
    assert p["period_start_date"].to_list() == [d(2020, 1, 1), d(2022, 1, 1), d(2023, 6, 1)]
    assert p["period_end_date"].to_list() == [d(2021, 1, 1), None, None]
    assert p["start_legal_status_code"].to_list() == ["C1", "V2", "V2"]
    assert p["end_reason_code"].to_list() == ["E4A", None, None]


def test_rne_s_starts_a_new_period_even_without_a_gap():
    eps = frame(
        "core_episodes",
        [
            ep("1", d(2020, 1, 1), d(2020, 2, 1), "S", rec="E4A"),
            ep("1", d(2020, 2, 1), None, "S"),
        ],
    )
    assert episodes_with_period(eps)["period_number"].to_list() == [1, 2]


def test_short_breaks_only_period_is_flagged():
    eps = frame("core_episodes", [ep("2", d(2020, 1, 1), d(2020, 1, 3), "S", "V3", rec="E8")])
    assert periods_of_care(eps)["is_short_breaks_only"].to_list() == [True]
