"""Computed indicators on hand-built core_ fixtures with hand-worked values."""

import datetime as dt

from pipeline.core.schemas import frame
from pipeline.reports.pack.indicators import REGISTRY, compute, month_ends

D = dt.date
MAR, FEB = D(2024, 3, 31), D(2024, 2, 29)


def _row(out, month=MAR):
    return out.filter(out["month_end_date"] == month).row(0, named=True)


def _me(**kw):
    base = {
        "month_end_date": MAR,
        "period_start_date": D(2020, 1, 1),
        "placement_start_date": D(2021, 1, 1),
        "age_years": 10,
        "is_uasc": False,
        "placement_code": "U4",
        "placement_provider_code": "PR1",
    }
    return {**base, **kw}


MONTH_END = frame(
    "core_month_end",
    [
        _me(child_id="a"),
        _me(
            child_id="b",
            is_uasc=True,
            placement_code="K2",
            placement_provider_code="PR4",
            age_years=16,
        ),
        _me(
            child_id="c",
            placement_code="P1",
            placement_provider_code="PR0",
            placement_start_date=D(2023, 6, 1),
        ),
        _me(
            child_id="d",
            placement_code="U6",
            placement_provider_code="PR4",
            period_start_date=D(2023, 12, 1),
        ),
        _me(child_id="a", month_end_date=FEB),
    ],
)
CORE = {"core_month_end": MONTH_END}


def test_month_ends():
    assert month_ends("2024-03", 3) == [D(2024, 1, 31), D(2024, 2, 29), D(2024, 3, 31)]


def test_counts_rates_and_percentages_at_month_end():
    months = [FEB, MAR]
    assert _row(compute("cic_count", CORE, months))["value"] == 4
    assert _row(compute("cic_count", CORE, months), FEB)["value"] == 1
    rate = _row(compute("cic_rate", CORE, months, population=20_000))
    assert rate["value"] == 2.0 and rate["denominator_count"] == 20_000  # 4 / 20,000 x 10,000
    assert (
        round(_row(compute("cic_rate_excl_uasc", CORE, months, population=20_000))["value"], 9)
        == 1.5
    )
    assert _row(compute("uasc_pct", CORE, months))["value"] == 25.0
    assert _row(compute("foster_pct", CORE, months))["value"] == 50.0  # a, d
    assert round(_row(compute("foster_excl_uasc_pct", CORE, months))["value"], 2) == 66.67  # 2 of 3
    assert _row(compute("private_provision_pct", CORE, months))["value"] == 50.0  # b, d
    assert _row(compute("placed_with_parents_count", CORE, months))["value"] == 1
    assert (
        _row(compute("in_house_mainstream_fostering_count", CORE, months))["value"] == 1
    )  # a (d is PR4)


def test_long_term_stability():
    # under 16 and in care since 30 Sept 2021 or earlier: a, c (b is 16, d started 2023)
    # same placement since 31 March 2022 or earlier: a only
    out = _row(compute("long_term_stability_pct", CORE, [MAR]))
    assert (out["numerator_count"], out["denominator_count"], out["value"]) == (1, 2, 50.0)


def test_started_and_ceased_excluding_uasc_and_short_breaks():
    periods = frame(
        "core_periods_of_care",
        [
            {"child_id": "x", "period_start_date": D(2024, 3, 1), "is_short_breaks_only": False},
            {"child_id": "y", "period_start_date": D(2024, 3, 31), "is_short_breaks_only": False},
            {"child_id": "z", "period_start_date": D(2024, 3, 10), "is_short_breaks_only": True},
            {
                "child_id": "w",
                "period_start_date": D(2023, 1, 1),
                "period_end_date": D(2024, 3, 5),
                "end_reason_code": "E11",
            },
        ],
    )
    children = frame("core_children", [{"child_id": "y", "is_uasc": True}])
    core = {"core_periods_of_care": periods, "core_children": children}
    assert _row(compute("started_count", core, [MAR]))["value"] == 2
    assert _row(compute("started_excl_uasc_count", core, [MAR]))["value"] == 1
    assert _row(compute("ceased_count", core, [MAR]))["value"] == 1
    assert _row(compute("adopted_12m_count", core, [MAR]))["value"] == 1
    assert _row(compute("permanence_adoption_pct", core, [MAR]))["value"] == 100.0


def test_three_or_more_placements():
    me = frame("core_month_end", [_me(child_id="a"), _me(child_id="b")])
    ep = frame(
        "core_episodes",
        [
            {
                "child_id": "a",
                "episode_start_date": D(2022, 1, 1),
                "episode_end_date": D(2023, 6, 1),
                "new_episode_reason_code": "S",
                "placement_code": "U4",
            },
            {
                "child_id": "a",
                "episode_start_date": D(2023, 6, 1),
                "episode_end_date": D(2023, 9, 1),
                "new_episode_reason_code": "P",
                "placement_code": "U6",
            },
            {
                "child_id": "a",
                "episode_start_date": D(2023, 9, 1),
                "new_episode_reason_code": "P",
                "placement_code": "K2",
            },
            {
                "child_id": "b",
                "episode_start_date": D(2022, 1, 1),
                "episode_end_date": D(2023, 6, 1),
                "new_episode_reason_code": "S",
                "placement_code": "U4",
            },
            {
                "child_id": "b",
                "episode_start_date": D(2023, 6, 1),
                "episode_end_date": D(2023, 9, 1),
                "new_episode_reason_code": "L",
                "placement_code": "U4",
            },
            {
                "child_id": "b",
                "episode_start_date": D(2023, 9, 1),
                "new_episode_reason_code": "P",
                "placement_code": "U6",
            },
        ],
    )
    out = _row(compute("placements_3plus_pct", {"core_month_end": me, "core_episodes": ep}, [MAR]))
    assert (out["numerator_count"], out["denominator_count"]) == (1, 2)  # a: 3 placements; b: 2


def test_missing_cohorts():
    periods = frame(
        "core_periods_of_care",
        [{"child_id": c, "period_start_date": D(2022, 1, 1)} for c in ("a", "b", "c", "d")],
    )
    missing = frame(
        "core_missing",
        [
            {"child_id": "a", "missing_type_code": "M", "missing_start_date": D(2024, 1, 5)},
            {"child_id": "a", "missing_type_code": "M", "missing_start_date": D(2024, 2, 5)},
            {
                "child_id": "b",
                "missing_type_code": "M",
                "missing_start_date": D(2023, 6, 5),
            },  # outside 6 months
            {
                "child_id": "c",
                "missing_type_code": "A",
                "missing_start_date": D(2024, 2, 5),
            },  # away, not missing
        ],
    )
    core = {"core_periods_of_care": periods, "core_missing": missing}
    assert _row(compute("missing_more_than_one_6m_pct", core, [MAR]))["value"] == 25.0  # a of 4
    assert _row(compute("missing_any_12m_pct", core, [MAR]))["value"] == 50.0  # a, b of 4


def test_oc2_health_and_sdq():
    me = frame(
        "core_month_end",
        [
            _me(child_id="a"),
            _me(child_id="b", age_years=3),
            _me(child_id="c", period_start_date=D(2023, 6, 1)),
        ],
    )
    oc2 = frame(
        "core_oc2",
        [
            {
                "child_id": "a",
                "sdq_score": 14,
                "has_immunisations": True,
                "has_teeth_check": False,
                "has_health_check": True,
                "has_health_assessment": False,
            },
            {
                "child_id": "b",
                "has_immunisations": False,
                "has_teeth_check": True,
                "has_health_check": True,
                "has_health_assessment": True,
            },
            {
                "child_id": "c",
                "sdq_score": 30,
                "has_immunisations": True,
            },  # in care < 12 months: out
        ],
    )
    core = {"core_month_end": me, "core_oc2": oc2}
    assert _row(compute("immunisations_pct", core, [MAR]))["value"] == 50.0
    assert _row(compute("dental_check_pct", core, [MAR]))["value"] == 50.0
    # the annual health assessment (OC2 HEALTH_ASSESSMENT), not the under-5s health
    # surveillance check (HEALTH_CHECK, true for both): b only, 1 of 2
    assert _row(compute("health_assessment_pct", core, [MAR]))["value"] == 50.0
    assert _row(compute("sdq_completed_pct", core, [MAR]))["value"] == 100.0  # a only is 4-16
    assert _row(compute("sdq_average_score", core, [MAR]))["value"] == 14.0


def test_care_leavers_19_to_21():
    oc3 = frame(
        "core_oc3",
        [
            {
                "child_id": "a",
                "birth_date": D(2004, 3, 31),
                "in_touch_code": "YES",
                "activity_code": "F4",
                "accommodation_code": "U1",
            },  # 20
            {
                "child_id": "b",
                "birth_date": D(2005, 4, 1),
                "in_touch_code": "NO",
                "activity_code": "G5",
                "accommodation_code": "U2",
            },  # 18: out
            {
                "child_id": "c",
                "birth_date": D(2003, 1, 1),
                "in_touch_code": "NO",
                "activity_code": "0",
                "accommodation_code": "0",
            },  # 21
            {"child_id": "d", "birth_date": D(2003, 1, 1), "in_touch_code": "DIED"},  # excluded
        ],
    )
    core = {"core_oc3": oc3}
    assert _row(compute("care_leavers_in_touch_pct", core, [MAR]))["value"] == 50.0
    assert _row(compute("care_leavers_eet_pct", core, [MAR]))["value"] == 50.0
    assert _row(compute("care_leavers_suitable_pct", core, [MAR]))["value"] == 50.0
    assert _row(compute("care_leavers_eet_oc3_pct", core, [FEB, MAR]), FEB)["value"] is None


def test_adoption_timeliness():
    periods = frame(
        "core_periods_of_care",
        [
            {
                "child_id": "a",
                "period_start_date": D(2022, 1, 1),
                "period_end_date": D(2024, 1, 10),
                "end_reason_code": "E11",
            },
            {
                "child_id": "b",
                "period_start_date": D(2022, 1, 1),
                "period_end_date": D(2024, 2, 10),
                "end_reason_code": "E12",
            },
        ],
    )
    ep = frame(
        "core_episodes",
        [
            {
                "child_id": "a",
                "episode_start_date": D(2022, 1, 1),
                "legal_status_code": "C2",
                "placement_code": "U6",
                "new_episode_reason_code": "S",
            },
            {
                "child_id": "a",
                "episode_start_date": D(2023, 1, 1),
                "legal_status_code": "E1",
                "placement_code": "U6",
                "new_episode_reason_code": "L",
            },
            {
                "child_id": "b",
                "episode_start_date": D(2022, 1, 1),
                "legal_status_code": "C2",
                "placement_code": "U4",
                "new_episode_reason_code": "S",
            },
            {
                "child_id": "b",
                "episode_start_date": D(2022, 7, 1),
                "legal_status_code": "C2",
                "placement_code": "U6",
                "new_episode_reason_code": "P",
            },
            {
                "child_id": "b",
                "episode_start_date": D(2023, 1, 1),
                "legal_status_code": "E1",
                "placement_code": "U6",
                "new_episode_reason_code": "L",
            },
            # moving in with the adopters: the first adoptive placement (A3-A6) in the period
            {
                "child_id": "a",
                "episode_start_date": D(2023, 4, 1),
                "legal_status_code": "E1",
                "placement_code": "A6",
                "new_episode_reason_code": "P",
            },
            {
                "child_id": "b",
                "episode_start_date": D(2023, 6, 1),
                "legal_status_code": "E1",
                "placement_code": "A5",
                "new_episode_reason_code": "P",
            },
        ],
    )
    ad1 = frame(
        "core_ad1",
        [
            {
                "child_id": "a",
                "match_date": D(2023, 3, 2),
                "is_foster_carer_adoption": False,
            },  # 60 days after E1
            {
                "child_id": "b",
                "match_date": D(2023, 5, 1),
                "is_foster_carer_adoption": True,
            },  # 120 days
        ],
    )
    pfa = frame(
        "core_placed_for_adoption",
        [
            {"child_id": "a", "placed_date": D(2023, 4, 1)},  # 455 days after 1 Jan 2022
            {
                "child_id": "b",
                "placed_date": D(2023, 6, 1),
            },  # FC adoption: moved in 1 July 2022 = 181 days
        ],
    )
    core = {
        "core_periods_of_care": periods,
        "core_episodes": ep,
        "core_ad1": ad1,
        "core_placed_for_adoption": pfa,
    }
    assert (
        _row(compute("placement_order_to_match_days", core, [MAR]))["value"] == 90.0
    )  # (60 + 120) / 2
    assert (
        _row(compute("entry_to_adoptive_placement_days", core, [MAR]))["value"] == 318.0
    )  # (455 + 181) / 2


def test_escalations_in_month():
    esc = frame(
        "core_escalations",
        [
            {
                "escalation_id": "1",
                "raised_date": D(2024, 3, 2),
                "stage_code": "INF",
                "resolved_date": D(2024, 3, 20),
            },
            {"escalation_id": "2", "raised_date": D(2024, 3, 3), "stage_code": "S1"},
            {
                "escalation_id": "3",
                "raised_date": D(2024, 3, 4),
                "stage_code": "S3",
                "resolved_date": D(2024, 4, 1),
            },
            {
                "escalation_id": "4",
                "raised_date": D(2024, 2, 4),
                "stage_code": "INF",
                "resolved_date": D(2024, 3, 1),
            },
        ],
    )
    core = {"core_escalations": esc}
    assert _row(compute("iro_escalations_informal_count", core, [MAR]))["value"] == 1
    assert _row(compute("iro_escalations_formal_count", core, [MAR]))["value"] == 2
    assert _row(compute("iro_escalations_closed_count", core, [MAR]))["value"] == 2


def test_every_function_runs_on_empty_core_with_one_row_per_month():
    months = month_ends("2024-03", 2)
    for name in REGISTRY:
        out = compute(name, {}, months, population=1000)
        assert out.columns == ["month_end_date", "value", "numerator_count", "denominator_count"], (
            name
        )
        assert out.height == 2, name
