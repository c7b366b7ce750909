"""Each CSC indicator function pinned on a hand-built fixture; expected values worked out by
hand here (working days count out weekends and England & Wales bank holidays)."""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.core.schemas import frame
from pipeline.reports.csc import indicators as ind

D = dt.date


def run(name: str, core: dict) -> list[tuple]:
    """(event_date, is_numerator) pairs, sorted."""
    out = ind.REGISTRY[name].func(core)
    return sorted(zip(out["event_date"], out["is_numerator"], strict=True))


def test_assessment_on_the_45th_working_day_is_in_time_counting_out_bank_holidays():
    # from Wed 3 May 2023, with the bank holidays of 8 and 29 May, the 45th working day
    # is Fri 7 July 2023 (without them it would be Wed 5 July)
    rows = [
        {
            "child_id": "A",
            "assessment_start_date": D(2023, 5, 3),
            "assessment_authorised_date": D(2023, 7, 7),
        },
        {
            "child_id": "B",
            "assessment_start_date": D(2023, 5, 3),
            "assessment_authorised_date": D(2023, 7, 10),
        },
        {
            "child_id": "C",
            "assessment_start_date": D(2023, 5, 3),
            "assessment_authorised_date": D(2023, 6, 23),
        },
        {
            "child_id": "D",
            "assessment_start_date": D(2023, 5, 3),
            "assessment_authorised_date": None,
        },
    ]
    core = {"core_cin_episodes": frame("core_cin_episodes", [{"child_id": "A"}]),
            "core_cin_assessments": frame("core_cin_assessments", rows)}  # fmt: skip
    assert run("assessments_45wd_pct", core) == [
        (D(2023, 6, 23), True),
        (D(2023, 7, 7), True),
        (D(2023, 7, 10), False),
    ]  # the open assessment is not an event yet
    assert ind.REGISTRY["assessments_completed_count"].func(core).height == 3


def test_icpc_within_15_working_days_of_the_strategy_discussion_excluding_transfer_ins():
    # S47 from Mon 21 Aug 2023 (28 Aug a bank holiday): the 15th working day is 12 Sep 2023
    s = {"child_id": "A", "s47_start_date": D(2023, 8, 21)}
    rows = [
        {**s, "icpc_date": D(2023, 9, 12)},
        {**s, "child_id": "B", "icpc_date": D(2023, 9, 13)},
        {**s, "child_id": "C", "icpc_date": None, "is_icpc_not_required": True},
        {**s, "child_id": "E", "icpc_date": D(2023, 8, 18)},  # before the S47: not measured
    ]
    core = {
        "core_cin_episodes": frame(
            "core_cin_episodes", [{"child_id": "A", "icpc_date": D(2023, 9, 1)}]
        ),
        "core_cin_section47": frame("core_cin_section47", rows),
    }
    # the episode-level ICPC (no section 47: a transfer-in) is not among the events
    assert run("icpc_15wd_pct", core) == [(D(2023, 9, 12), True), (D(2023, 9, 13), False)]


def test_re_referral_at_exactly_12_months_counts_one_day_later_does_not():
    eps = [
        {"child_id": "A", "referral_date": D(2022, 6, 15)},
        {"child_id": "A", "referral_date": D(2023, 6, 15)},  # 12 months to the day
        {"child_id": "B", "referral_date": D(2022, 6, 15)},
        {"child_id": "B", "referral_date": D(2023, 6, 16)},  # a day more than 12 months
        {"child_id": "C", "referral_date": D(2023, 7, 1)},
        {"child_id": "C", "referral_date": D(2023, 9, 1)},
    ]
    core = {"core_cin_episodes": frame("core_cin_episodes", eps)}
    got = run("re_referrals_pct", core)
    assert [n for _, n in got] == [False, False, True, False, False, True]
    assert sorted(ind.REGISTRY["re_referrals_count"].func(core)["event_date"]) == [
        D(2023, 6, 15),
        D(2023, 9, 1),
    ]


def test_annex_a_is_the_source_without_a_cin_census():
    aa = frame("core_aa_referrals", [{"child_id": "X", "referral_date": D(2023, 4, 3)}])
    core = {"core_aa_referrals": aa, "core_cin_episodes": frame("core_cin_episodes", [])}
    assert ind.REGISTRY["referrals_count"].func(core)["event_date"].to_list() == [D(2023, 4, 3)]
    core["core_cin_episodes"] = frame(
        "core_cin_episodes", [{"child_id": "Y", "referral_date": D(2023, 5, 3)}]
    )
    assert ind.REGISTRY["referrals_count"].func(core)["event_date"].to_list() == [D(2023, 5, 3)]


def test_referral_decisions_within_1_and_over_3_working_days():
    # Fri 5 May 2023; Mon 8 May a bank holiday: 1 WD = Tue 9 May, 3 WD = Thu 11 May
    c = {"child_id": "A", "contact_date": D(2023, 5, 5)}
    rows = [{**c, "decision_date": D(2023, 5, 9)}, {**c, "decision_date": D(2023, 5, 10)},
            {**c, "decision_date": D(2023, 5, 11)}, {**c, "decision_date": D(2023, 5, 12)},
            {**c, "decision_date": None}]  # fmt: skip
    core = {"core_aa_contacts": frame("core_aa_contacts", rows)}
    assert [n for _, n in run("referral_decided_1wd_pct", core)] == [True, False, False, False]
    assert [n for _, n in run("referral_decided_over_3wd_pct", core)] == [False, False, False, True]


def _plans(rows):
    return {"core_cin_episodes": frame("core_cin_episodes", [{"child_id": "A"}]),
            "core_cp_plans": frame("core_cp_plans", rows)}  # fmt: skip


def test_children_on_a_plan_at_month_end():
    rows = [
        {"child_id": "A", "plan_start_date": D(2023, 9, 5), "plan_end_date": None},
        {
            "child_id": "B",
            "plan_start_date": D(2023, 9, 30),
            "plan_end_date": D(2023, 10, 31),
        },  # ends on 31 Oct
        {"child_id": "C", "plan_start_date": D(2023, 10, 1), "plan_end_date": D(2023, 10, 2)},
    ]
    out = ind.cp_children_count(_plans(rows), [D(2023, 9, 30), D(2023, 10, 31)])
    assert out.select("month_end_date", "numerator_count").rows() == [
        (D(2023, 9, 30), 2),
        (D(2023, 10, 31), 1),
    ]


def test_plans_ending_after_two_years_and_second_plans_within_two_years():
    rows = [
        {
            "child_id": "A",
            "plan_start_date": D(2021, 9, 5),
            "plan_end_date": D(2023, 9, 5),
        },  # exactly 2 years
        {"child_id": "B", "plan_start_date": D(2021, 9, 5), "plan_end_date": D(2023, 9, 4)},
        {"child_id": "C", "plan_start_date": D(2020, 1, 1), "plan_end_date": D(2021, 9, 10)},
        {
            "child_id": "C",
            "plan_start_date": D(2023, 9, 10),
            "plan_end_date": None,
        },  # 2 years to the day
        {"child_id": "E", "plan_start_date": D(2020, 1, 1), "plan_end_date": D(2021, 9, 10)},
        {
            "child_id": "E",
            "plan_start_date": D(2023, 9, 11),
            "plan_end_date": None,
            "previous_plans_count": 1,
        },
        {
            "child_id": "F",
            "plan_start_date": D(2023, 9, 12),
            "plan_end_date": None,
            "previous_plans_count": 2,
        },
    ]
    core = _plans(rows)
    ended = dict(run("cp_ceased_2y_pct", core))
    assert ended[D(2023, 9, 5)] is True and ended[D(2023, 9, 4)] is False
    within = dict(run("cp_second_within_2y_pct", core))
    assert (within[D(2023, 9, 10)], within[D(2023, 9, 11)], within[D(2023, 9, 12)]) == (
        True,
        False,
        False,
    )
    ever = dict(run("cp_second_ever_pct", core))
    assert (ever[D(2023, 9, 10)], ever[D(2023, 9, 11)], ever[D(2023, 9, 12)]) == (True, True, True)
    assert ever[D(2021, 9, 5)] is False


def test_cp_reviews_first_within_3_months_then_6():
    r = {"child_id": "A", "plan_start_date": D(2023, 9, 5)}
    ok = [{**r, "review_date": D(2023, 12, 5)}, {**r, "review_date": D(2024, 6, 5)}]
    late = [
        {**r, "child_id": "B", "review_date": D(2023, 12, 6)},
        {**r, "child_id": "B", "review_date": D(2024, 6, 7)},
    ]
    core = {"core_cp_reviews": frame("core_cp_reviews", ok + late)}
    got = dict(((e, n), None) for e, n in run("cp_reviews_in_time_pct", core))
    assert list(got) == [
        (D(2023, 12, 5), True),
        (D(2023, 12, 6), False),
        (D(2024, 6, 5), True),
        (D(2024, 6, 7), False),
    ]


def test_cp_visits_within_10_working_days_of_the_previous_or_the_plan_start():
    # from Wed 3 May 2023 (8 May a bank holiday) the 10th working day is Thu 18 May
    visits = [{"visit_id": f"V{i}", "child_id": "A", "visit_date": d} for i, d in
              enumerate([D(2023, 5, 3), D(2023, 5, 18), D(2023, 6, 2)])]  # fmt: skip
    core = _plans([{"child_id": "A", "plan_start_date": D(2023, 4, 17)}])
    core["core_cp_visits"] = frame("core_cp_visits", visits)
    # first visit from the plan start 17 Apr: the 10th working day is 2 May -> 3 May is late
    # 18 May: in time; 2 Jun from 18 May: 19,22,23,24,25,26,30,31 May,1,2 Jun = the 10th (29 May a bank holiday)
    assert run("cp_visits_10wd_pct", core) == [
        (D(2023, 5, 3), False),
        (D(2023, 5, 18), True),
        (D(2023, 6, 2), True),
    ]


def test_cla_visits_within_six_weeks():
    periods = frame("core_periods_of_care", [{"child_id": "A", "period_of_care_id": "A-1", "period_number": 1,
                                              "period_start_date": D(2023, 1, 1), "is_short_breaks_only": False}])  # fmt: skip
    visits = [{"visit_id": "1", "child_id": "A", "visit_date": D(2023, 2, 12)},
              {"visit_id": "2", "child_id": "A", "visit_date": D(2023, 3, 27)}]  # fmt: skip
    core = {"core_periods_of_care": periods, "core_cla_visits": frame("core_cla_visits", visits)}
    # 1 Jan + 42 days = 12 Feb (in time); 12 Feb + 42 days = 26 Mar, so 27 Mar is late
    assert run("cla_visits_in_time_pct", core) == [(D(2023, 2, 12), True), (D(2023, 3, 27), False)]


def test_ceasing_care_by_reason_and_age():
    def p(child, end, reason, n=1):
        return {"child_id": child, "period_of_care_id": f"{child}-{n}", "period_number": n,
                "period_start_date": D(2020, 1, 1), "period_end_date": end, "end_reason_code": reason,
                "is_short_breaks_only": False}  # fmt: skip

    periods = frame("core_periods_of_care", [
        p("H", D(2023, 6, 1), "E4A"), p("S", D(2023, 6, 2), "E45"), p("AD", D(2023, 6, 3), "E11"),
        p("L", D(2023, 6, 4), "E5"), p("U", D(2023, 6, 5), "E5"), p("O", D(2023, 6, 6), "E9"),
        p("Z", None, None),
    ])  # fmt: skip
    children = frame("core_children", [
        {"child_id": "L", "birth_date": D(2005, 6, 4)},  # 18 on the day care ended
        {"child_id": "U", "birth_date": D(2005, 1, 1), "is_uasc": True},
        {"child_id": "O", "birth_date": D(2006, 1, 1)},
    ])  # fmt: skip
    core = {"core_periods_of_care": periods, "core_children": children}
    ended = {name: ind.REGISTRY[name].func(core)["event_date"].to_list() for name in (
        "ceased_home_count", "ceased_sgo_cao_count", "ceased_adopted_count", "ceased_leaver_18_count",
        "ceased_uasc_18_count", "ceased_other_under_18_count")}  # fmt: skip
    assert ended == {
        "ceased_home_count": [D(2023, 6, 1)],
        "ceased_sgo_cao_count": [D(2023, 6, 2)],
        "ceased_adopted_count": [D(2023, 6, 3)],
        "ceased_leaver_18_count": [D(2023, 6, 4)],
        "ceased_uasc_18_count": [D(2023, 6, 5)],
        "ceased_other_under_18_count": [D(2023, 6, 6)],
    }
    assert ind.REGISTRY["cic_ceased_count"].func(core).height == 6


def test_placed_more_than_20_miles_and_outside_the_authority_at_month_end():
    me = D(2023, 9, 30)
    snap = frame("core_month_end", [
        {"month_end_date": me, "child_id": c, "is_uasc": c == "U"} for c in ("A", "B", "C", "U")
    ])  # fmt: skip
    eps = frame("core_episodes", [
        {"child_id": "A", "episode_start_date": D(2023, 1, 1), "placement_distance_miles": 20.0, "placement_la_code": "E06999999"},
        {"child_id": "B", "episode_start_date": D(2023, 1, 1), "placement_distance_miles": 20.1, "placement_la_code": "E06000001"},
        {"child_id": "C", "episode_start_date": D(2023, 1, 1), "placement_distance_miles": None, "placement_la_code": None},
        {"child_id": "U", "episode_start_date": D(2023, 1, 1), "placement_distance_miles": 90.0, "placement_la_code": "E06000001"},
    ])  # fmt: skip
    core = {"core_month_end": snap, "core_episodes": eps,
            "_area_codes": pl.DataFrame({"code": ["E06999999"]})}  # fmt: skip
    # UASC excluded; C has no distance; of A (exactly 20.0) and B only B is more than 20 miles
    assert ind.compute_snapshot("pack_over_20_miles_excl_uasc_pct", core, [me], None).select(
        "numerator_count", "denominator_count"
    ).row(0) == (1, 2)
    assert ind.placed_outside_la_pct(core, [me]).select("numerator_count", "denominator_count").row(
        0
    ) == (1, 2)


def test_early_help_assessments_by_external_agencies():
    rows = [{"child_id": str(i), "assessment_start_date": D(2023, 5, 1), "organisation": o} for i, o in
            enumerate(["Wessex Vale Council", "wessex vale council early help", "Local authority", "Valley Academy", None])]  # fmt: skip
    core = {"core_aa_early_help": frame("core_aa_early_help", rows),
            "_authority_name": pl.DataFrame({"name": ["Wessex Vale Council"]})}  # fmt: skip
    out = ind.REGISTRY["eha_external_pct"].func(core)
    assert out["is_numerator"].to_list() == [False, False, False, True, False]  # blank: not known


def test_missing_episodes_while_placed_more_than_20_miles_away():
    eps = frame("core_episodes", [
        {"child_id": "A", "episode_start_date": D(2023, 1, 1), "episode_end_date": D(2023, 6, 1), "placement_distance_miles": 25.0},
        {"child_id": "A", "episode_start_date": D(2023, 6, 1), "placement_distance_miles": 3.0},
    ])  # fmt: skip
    missing = frame("core_missing", [
        {"child_id": "A", "missing_type_code": "M", "missing_start_date": D(2023, 5, 31)},  # far placement
        {"child_id": "A", "missing_type_code": "M", "missing_start_date": D(2023, 6, 1)},  # moved nearer that day
        {"child_id": "A", "missing_type_code": "A", "missing_start_date": D(2023, 5, 1)},  # away, not missing
    ])  # fmt: skip
    out = ind.REGISTRY["missing_cic_20_miles_episodes_count"].func(
        {"core_episodes": eps, "core_missing": missing}
    )
    assert out["event_date"].to_list() == [D(2023, 5, 31)]
