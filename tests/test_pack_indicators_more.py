"""The computed pack indicators that were tested only for columns and row count (issue 16),
each on a hand-built fixture with its value worked out in a comment. At 31 March 2024."""

import datetime as dt

from pipeline.core.schemas import frame
from pipeline.reports.pack.indicators import compute
from tests.test_pack_indicators import MAR, _me, _row

D = dt.date


def _value(name, core, **kw):
    out = _row(compute(name, core, [MAR], **kw))
    return out["value"], out.get("numerator_count"), out.get("denominator_count")


# a: U4 PR1, b: UASC K2 PR4, c: U1 PR1, d: U6 PR4, e: P2 PR4 (unregulated), f: UASC H5
# (H5 stopped counting as unregulated on 28 Oct 2023), g: UASC R1 PR4, h: U2 PR3
ME = frame(
    "core_month_end",
    [
        _me(child_id="a", placement_code="U4", placement_provider_code="PR1"),
        _me(child_id="b", placement_code="K2", placement_provider_code="PR4", is_uasc=True),
        _me(child_id="c", placement_code="U1", placement_provider_code="PR1"),
        _me(child_id="d", placement_code="U6", placement_provider_code="PR4"),
        _me(child_id="e", placement_code="P2", placement_provider_code="PR4"),
        _me(child_id="f", placement_code="H5", placement_provider_code="PR0", is_uasc=True),
        _me(child_id="g", placement_code="R1", placement_provider_code="PR4", is_uasc=True),
        _me(child_id="h", placement_code="U2", placement_provider_code="PR3"),
    ],
)
CORE = {"core_month_end": ME}


def test_private_provision_excluding_uasc():
    # not UASC: a, c, d, e, h (5); of them PR4: d, e -> 2/5 = 40%
    assert _value("private_provision_excl_uasc_pct", CORE) == (40.0, 2, 5)


def test_long_term_fostering_with_and_without_uasc():
    # U1 or U4: a, c -> 2 of all 8 = 25%; of the 5 not UASC = 40%
    assert _value("long_term_fostering_pct", CORE) == (25.0, 2, 8)
    assert _value("long_term_fostering_excl_uasc_pct", CORE) == (40.0, 2, 5)


def test_unregulated_counts_h5_only_before_28_october_2023():
    # 31 Mar 2024: P2 (e) and R1 (g); H5 (f) no longer counts -> 2; excluding UASC: e -> 1
    assert _value("unregulated_count", CORE)[0] == 2
    assert _value("unregulated_excl_uasc_count", CORE)[0] == 1
    # at 30 Sep 2023 the same H5 placement was unregulated: e, f, g -> 3
    sep = D(2023, 9, 30)
    me = frame(
        "core_month_end",
        [r | {"month_end_date": sep} for r in ME.rows(named=True) if r["child_id"] in "efg"],
    )
    out = compute("unregulated_count", {"core_month_end": me}, [sep])
    assert out.filter(out["month_end_date"] == sep)["value"].item() == 3


def test_in_house_connected_fostering():
    # U1-U3 with provider PR1: c (U1 PR1); h is U2 but PR3 (not in house) -> 1
    assert _value("in_house_connected_fostering_count", CORE)[0] == 1


def test_health_assessment_of_children_in_care_12_months():
    # cohort: in care 12 months+ at 31 Mar 2024 (period start on or before 31 Mar 2023)
    # with an OC2: a (annual health assessment), b (none); c started 1 Jun 2023 -> out.
    # 1 of 2 = 50%. HEALTH_CHECK (the under-5s surveillance check) is the other way round and
    # must not count.
    me = frame(
        "core_month_end",
        [_me(child_id="a"), _me(child_id="b"), _me(child_id="c", period_start_date=D(2023, 6, 1))],
    )
    oc2 = frame(
        "core_oc2",
        [
            {"child_id": "a", "has_health_assessment": True, "has_health_check": False},
            {"child_id": "b", "has_health_assessment": False, "has_health_check": True},
            {"child_id": "c", "has_health_assessment": True},
        ],
    )
    assert _value("health_assessment_pct", {"core_month_end": me, "core_oc2": oc2}) == (50.0, 1, 2)


def test_permanence_returned_home_and_sgo_among_leavers_in_6_months():
    # left in the 6 months to 31 Mar 2024: p (E4A), q (E45), r (E13), s (E4B) -> 4 leavers;
    # t left in June 2023 (outside the window); u is still in care.
    # returned home (E4A, E4B): p, s -> 2/4 = 50%; SGO (E45-E48): q -> 1/4 = 25%
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
        [
            left("p", D(2024, 3, 31), "E4A"),
            left("q", D(2023, 11, 1), "E45"),
            left("r", D(2024, 1, 15), "E13"),
            left("s", D(2024, 2, 1), "E4B"),
            left("t", D(2023, 6, 1), "E4A"),
            {"child_id": "u", "period_start_date": D(2022, 1, 1), "is_short_breaks_only": False},
        ],
    )
    core = {"core_periods_of_care": periods}
    assert _value("permanence_returned_home_pct", core) == (50.0, 2, 4)
    assert _value("permanence_sgo_pct", core) == (25.0, 1, 4)


def test_three_or_more_placements_excluding_uasc():
    # a: 3 placements in the year (U4, U6 from 1 Jun 2023, K2 from 1 Sep 2023); b the same
    # but UASC; c: one placement. Excluding UASC: a of a, c -> 1/2 = 50%
    me = frame(
        "core_month_end", [_me(child_id="a"), _me(child_id="b", is_uasc=True), _me(child_id="c")]
    )

    def ep(child, start, end, rne, place):
        return {
            "child_id": child,
            "episode_start_date": start,
            "episode_end_date": end,
            "new_episode_reason_code": rne,
            "placement_code": place,
        }

    eps = []
    for c in ("a", "b"):
        eps += [
            ep(c, D(2022, 1, 1), D(2023, 6, 1), "S", "U4"),
            ep(c, D(2023, 6, 1), D(2023, 9, 1), "P", "U6"),
            ep(c, D(2023, 9, 1), None, "P", "K2"),
        ]
    eps.append(ep("c", D(2022, 1, 1), None, "S", "U4"))
    core = {"core_month_end": me, "core_episodes": frame("core_episodes", eps)}
    assert _value("placements_3plus_excl_uasc_pct", core) == (50.0, 1, 2)
    assert _value("placements_3plus_pct", core) == (200 / 3, 2, 3)
