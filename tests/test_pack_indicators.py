"""Computed indicators on hand-built core_ fixtures with hand-worked values."""

import datetime as dt

import pytest

from pipeline.core.schemas import frame
from pipeline.reports.pack.indicators import OUT_SCHEMA, REGISTRY, compute, month_ends

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


# ------------------------------------------------------------------ boundaries (issue 16)
JAN, APR = D(2024, 1, 31), D(2024, 4, 30)


def _v(out, month=MAR):
    r = _row(out, month)
    return r["value"], r["numerator_count"], r["denominator_count"]


def test_month_ends_across_a_year_end_and_a_leap_february():
    # December's end is in the same year (2023-12 -> 31 Dec 2023, not 2024); February 2024
    # has 29 days
    assert month_ends("2024-02", 4) == [D(2023, 11, 30), D(2023, 12, 31), D(2024, 1, 31), FEB]


def test_no_months_gives_no_rows_of_the_output_types():
    out = compute("cic_count", CORE, [])
    assert out.height == 0
    assert dict(out.schema) == dict(OUT_SCHEMA)


def test_a_month_with_no_one_counts_zero_and_its_percentages_are_null():
    # CORE has no row at 31 Jan 2024: a count of nobody is 0 children, a percentage of
    # nobody is no figure (value, numerator and denominator all null)
    months = [JAN, FEB, MAR]
    assert _v(compute("cic_count", CORE, months), JAN) == (0.0, 0, None)
    assert _v(compute("cic_count", CORE, months), FEB) == (1.0, 1, None)  # a
    assert _v(compute("foster_pct", CORE, months), JAN) == (None, None, None)


def test_rates_without_a_population_are_null_and_the_denominator_is_int64():
    # no population: no rate (not a division by zero); with 20,000: 4 / 20,000 x 10,000 = 2
    out = compute("cic_rate", CORE, [MAR], population=None)
    assert _v(out) == (None, 4, None)
    assert dict(out.schema) == dict(OUT_SCHEMA)
    out = compute("cic_rate", CORE, [MAR], population=20_000)
    assert _v(out) == (2.0, 4, 20_000)
    assert dict(out.schema) == dict(OUT_SCHEMA)


def test_indicator_registers_name_definition_function_population_and_inputs_once(monkeypatch):
    from pipeline.reports.pack import indicators as ind

    monkeypatch.setattr(ind, "REGISTRY", {})

    def f(core, months):
        return core

    assert ind.indicator("x", "The x.")(f) is f
    assert ind.REGISTRY["x"] == ind.IndicatorFunction(
        "x", "The x.", f, False, ("header", "episodes")
    )
    ind.indicator("y", "The y.", population=True, inputs=["header", "oc2"])(f)
    assert ind.REGISTRY["y"] == ind.IndicatorFunction("y", "The y.", f, True, ("header", "oc2"))
    with pytest.raises(ValueError, match="indicator function 'x' registered twice"):
        ind.indicator("x", "Again.")(f)
    assert ind.REGISTRY["x"].definition == "The x."


def test_sdq_cohort_is_4_to_16_and_health_flags_left_blank_are_not_up_to_date():
    # all in care since 1 Jan 2020 (12 months+ at 31 Mar 2024), each with an OC2:
    # age 3 (score 5), 4 (10), 10 (no score), 16 (20), 17 (40)
    ages = {"a3": (3, 5), "a4": (4, 10), "a10": (10, None), "a16": (16, 20), "a17": (17, 40)}
    me = frame("core_month_end", [_me(child_id=c, age_years=a) for c, (a, _) in ages.items()])
    # immunisations: yes for a4, a16; no for a3; blank (null) for a10, a17
    imm = {"a3": False, "a4": True, "a10": None, "a16": True, "a17": None}
    oc2 = frame(
        "core_oc2",
        [
            {"child_id": c, "sdq_score": s, "has_immunisations": imm[c]}
            for c, (_, s) in ages.items()
        ],
    )
    core = {"core_month_end": me, "core_oc2": oc2}
    # 4-16: a4, a10, a16; scored: a4, a16 -> 2/3; mean (10 + 20) / 2 = 15 over 2 children
    assert _v(compute("sdq_completed_pct", core, [MAR])) == (200 / 3, 2, 3)
    assert _v(compute("sdq_average_score", core, [MAR])) == (15.0, 2, 2)
    # a blank flag is not up to date: a4, a16 of all 5 -> 40%
    assert _v(compute("immunisations_pct", core, [MAR])) == (40.0, 2, 5)
    # nobody at 31 Jan 2024: no mean and no percentage, not a count of 0
    assert _v(compute("sdq_average_score", core, [JAN, MAR]), JAN) == (None, None, None)
    assert _v(compute("sdq_completed_pct", core, [JAN, MAR]), JAN) == (None, None, None)


def test_oc2_uses_each_childs_latest_collection_year_and_an_unknown_year_as_the_oldest():
    # a: 2024 (yes) listed before 2023 (no); b: 2024 (yes) and an unknown year (no);
    # c: 2023 (no) then 2024 (yes). Latest of each is 2024's: 3 of 3 up to date
    rows = [("a", 2024, True), ("a", 2023, False), ("b", 2024, True), ("b", None, False)]
    rows += [("c", 2023, False), ("c", 2024, True)]
    oc2 = frame(
        "core_oc2",
        [{"child_id": c, "collection_year": y, "has_immunisations": v} for c, y, v in rows],
    )
    me = frame("core_month_end", [_me(child_id=c) for c in "abc"])
    out = compute("immunisations_pct", {"core_month_end": me, "core_oc2": oc2}, [MAR])
    assert _v(out) == (100.0, 3, 3)


def test_care_leavers_age_turns_on_the_birthday():
    # at 31 Mar 2024: e (born 31 Mar 2005) is 19 that day, f (1 Apr 2005) 18, g (1 Apr 2002)
    # still 21, h (31 Mar 2002) 22 that day, i (1 Jan 2004) 20 with IN_TOUCH blank.
    # 19-21: e, g, i; in touch (YES): e -> 1/3
    # at 30 Apr 2024: e 19 (birthday 31 Mar passed), f 19 (1 Apr), g and h 22, i 20:
    # e, f, i; in touch: e -> 1/3
    born = {
        "e": (D(2005, 3, 31), "YES"),
        "f": (D(2005, 4, 1), "NO"),
        "g": (D(2002, 4, 1), "NO"),
        "h": (D(2002, 3, 31), "NO"),
        "i": (D(2004, 1, 1), None),
    }
    oc3 = frame(
        "core_oc3",
        [{"child_id": c, "birth_date": b, "in_touch_code": t} for c, (b, t) in born.items()],
    )
    out = compute("care_leavers_in_touch_pct", {"core_oc3": oc3}, [MAR, APR])
    assert _v(out, MAR) == (100 / 3, 1, 3)
    assert _v(out, APR) == (100 / 3, 1, 3)


def test_starters_on_the_window_edges_and_uasc_ceasing_on_the_start_date():
    # March 2024 runs from 1 Mar to 31 Mar; r started on 29 Feb (the previous month end).
    # p: UASC until 20 Mar, started 10 Mar -> UASC at the start (excluded)
    # q: UASC ceased 10 Mar, started 10 Mar -> ceased on the start: not UASC (counted)
    # t: UASC ceased 1 Jan, started 5 Mar -> counted; s: not UASC, started 1 Mar -> counted
    starts = {"p": D(2024, 3, 10), "q": D(2024, 3, 10), "r": D(2024, 2, 29)}
    starts |= {"s": D(2024, 3, 1), "t": D(2024, 3, 5)}
    periods = frame(
        "core_periods_of_care",
        [
            {"child_id": c, "period_start_date": d, "is_short_breaks_only": False}
            for c, d in starts.items()
        ],
    )
    ceased = {"p": D(2024, 3, 20), "q": D(2024, 3, 10), "t": D(2024, 1, 1)}
    children = frame(
        "core_children",
        [{"child_id": c, "is_uasc": True, "uasc_ceased_date": d} for c, d in ceased.items()]
        + [{"child_id": c, "is_uasc": False} for c in "rs"],
    )
    core = {"core_periods_of_care": periods, "core_children": children}
    assert _row(compute("started_count", core, [FEB, MAR]))["value"] == 4  # p, q, s, t
    assert _row(compute("started_count", core, [FEB, MAR]), FEB)["value"] == 1  # r
    assert _row(compute("started_excl_uasc_count", core, [MAR]))["value"] == 3  # q, s, t


def test_leavers_window_of_6_months_starts_the_day_after_30_september():
    # to 31 Mar 2024 the 6 months run from 1 Oct 2023: a (left 30 Sep, E4A) is out;
    # b (1 Oct, E11) and c (31 Mar, E13) are in. Adopted: b -> 1/2; returned home: 0/2
    def left(child, end, reason):
        return {
            "child_id": child,
            "period_start_date": D(2022, 1, 1),
            "period_end_date": end,
            "end_reason_code": reason,
            "is_short_breaks_only": False,
        }

    periods = frame(
        "core_periods_of_care",
        [left("a", D(2023, 9, 30), "E4A"), left("b", D(2023, 10, 1), "E11")]
        + [left("c", D(2024, 3, 31), "E13")],
    )
    core = {"core_periods_of_care": periods}
    assert _v(compute("permanence_adoption_pct", core, [MAR])) == (50.0, 1, 2)
    assert _v(compute("permanence_returned_home_pct", core, [MAR])) == (0.0, 0, 2)


def test_a_match_on_the_day_of_the_placement_order_is_0_days():
    # both adopted in the year to 31 Mar 2024, placement order (E1) from 1 Jan 2023;
    # a matched the same day (0 days), b on 2 Mar 2023 (31 + 28 + 1 = 60 days): (0 + 60) / 2
    periods = frame(
        "core_periods_of_care",
        [
            {
                "child_id": c,
                "period_start_date": D(2022, 1, 1),
                "period_end_date": D(2024, 1, 10),
                "end_reason_code": "E11",
            }
            for c in "ab"
        ],
    )
    ep = frame(
        "core_episodes",
        [
            {"child_id": c, "episode_start_date": D(2023, 1, 1), "legal_status_code": "E1"}
            for c in "ab"
        ],
    )
    ad1 = frame(
        "core_ad1",
        [
            {"child_id": "a", "match_date": D(2023, 1, 1)},
            {"child_id": "b", "match_date": D(2023, 3, 2)},
        ],
    )
    core = {"core_periods_of_care": periods, "core_episodes": ep, "core_ad1": ad1}
    assert _v(compute("placement_order_to_match_days", core, [MAR])) == (30.0, 2, 2)
