"""Boundary tests, one per bug that was planted in a copy of the code and survived the suite
(issue 16; docs/testing.md says which test here catches which planted bug).

Every expected value is worked out by hand in a comment beside it. Year 2023-24 (1 April
2023 to 31 March 2024) unless a test says otherwise; the disclosure threshold is 5.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipeline.core.month_end import age_years, snapshot_at, whole_months
from pipeline.core.periods import periods_of_care
from pipeline.core.schemas import frame
from pipeline.disclosure import DisclosureSpec, protect
from pipeline.inputs.ingest import _tidy
from pipeline.reports.iro.measures.escalations import resolution, stage_counts
from pipeline.reports.iro.measures.reviews import (
    QUARTERLY_SPEC,
    annual_counts,
    in_year,
    quarterly_status,
    review_tasks,
    review_timeliness,
)
from pipeline.reports.pack.rag import dot, rag
from pipeline.rules.testing import EPISODE, EXTRACT_DATE, HEADER, raw_tables
from pipeline.validate import prepare, run_rules
from tests.builders import escalation, pack_from
from tests.test_month_end import at, child, core, ep
from tests.test_reviews import make_params

d = dt.date
P = make_params()  # 2023-24, threshold 5
ROOT = Path(__file__).parents[1]


# ================================================================ disclosure: secondary
def test_secondary_suppression_protects_every_count_column_not_only_the_first():
    # Q1 this year: out 20, in 30, total 50 (nothing small); last year: out 3, in 7, total 10.
    # Primary hides last year's out (3 <= 5). Were secondary suppression run on the first
    # count column only, last year's in (7) would stay and out = 10 - 7 = 3 would leak;
    # it must hide the next smallest non-zero cell in the quarter: 7 (< 10).
    rows = [
        ("Out of timescale", 20, 50, 3, 10),
        ("In timescale", 30, 50, 7, 10),
        ("Total held", 50, 50, 10, 10),
    ]
    df = pl.DataFrame(
        [
            dict(
                quarter="Q1",
                status=s,
                reviews_count=n,
                total_count=t,
                pct=100 * n / t,
                last_year_reviews_count=ln,
                last_year_total_count=lt,
                last_year_pct=100 * ln / lt,
            )
            for s, n, t, ln, lt in rows
        ]
    )
    out = protect(df, QUARTERLY_SPEC, 5)
    assert out["reviews_count"].to_list() == [20, 30, 50]
    assert out["last_year_reviews_count"].to_list() == [None, None, 10]
    assert out["is_last_year_reviews_count_suppressed"].to_list() == [True, True, False]
    # percentages of suppressed counts are suppressed too
    assert out["last_year_pct"].to_list() == [None, None, 100.0]


def test_secondary_suppression_repeats_until_no_row_or_column_has_a_single_hidden_cell():
    # A 3x3 cross-table whose row and column totals are both published:
    #        c1  c2  c3
    #   r1    3  10  20
    #   r2    8  50   9
    #   r3   40   7  60
    # pass 1, rows:    r1 has 3 hidden -> hide r1's next smallest, c2=10
    # pass 1, columns: c1 has only r1 hidden -> hide r2 c1=8 (8 < 40);
    #                  c2 has only r1 hidden -> hide r3 c2=7 (7 < 50)
    #   now r2 (only c1) and r3 (only c2) each have ONE hidden cell: 8 = 67 - 50 - 9 leaks.
    # pass 2, rows:    r2 -> hide c3=9 (9 < 50); r3 -> hide c1=40 (40 < 60)
    # pass 2, columns: c3 has only r2 hidden -> hide r1 c3=20 (20 < 60)
    # pass 3: every row and column has 0 or >= 2 hidden cells: stable.
    grid = {"r1": (3, 10, 20), "r2": (8, 50, 9), "r3": (40, 7, 60)}
    df = pl.DataFrame(
        [dict(r=r, c=f"c{i + 1}", n=v) for r, vals in grid.items() for i, v in enumerate(vals)]
    )
    spec = DisclosureSpec(counts=("n",), within=("r",), also_within=(("c",),))
    out = protect(df, spec, 5)
    published = {(r, c): n for r, c, n in out.select("r", "c", "n").rows() if n is not None}
    assert published == {("r2", "c2"): 50, ("r3", "c3"): 60}
    hidden = out.filter(pl.col("is_n_suppressed"))
    for key in ("r", "c"):
        per_group = hidden.group_by(key).len()["len"].to_list()
        assert 1 not in per_group


# ================================================================ pack: disclosure
PACK_CATALOGUE = {
    "sections": ["Profile"],
    "indicators": [
        {
            "id": "cic_count",
            "title": "No. of CIC",
            "section": "Profile",
            "unit": "No.",
            "polarity": "Low",
            "source": {"computed": "cic_count"},
        },
        {
            "id": "sup_count",
            "title": "Supplied count of children",
            "section": "Profile",
            "unit": "No.",
            "source": "supplied",
        },
    ],
}


def _month_end_rows(month_end, n):
    return [
        dict(child_id=f"{month_end:%m}-{i}", month_end_date=month_end, age_years=10, is_uasc=False)
        for i in range(n)
    ]


def _values(pack, indicator):
    rows = pack.values.filter(pl.col("indicator_id") == indicator).sort("month")
    return {
        m: ("c" if s else v)
        for m, v, s in rows.select("month", "value", "is_value_suppressed").rows()
        if v is not None or s
    }


def test_pack_computed_counts_pass_disclosure_control(tmp_path):
    # children in care at the month end: Jan 2024 6, Feb 2024 5, Mar 2024 3.
    # threshold 5: 3 and 5 are hidden ('c'), 6 is published.
    me = frame(
        "core_month_end",
        _month_end_rows(d(2024, 1, 31), 6)
        + _month_end_rows(d(2024, 2, 29), 5)
        + _month_end_rows(d(2024, 3, 31), 3),
    )
    pack = pack_from(tmp_path, PACK_CATALOGUE, "indicator_id,month,value\n", {"core_month_end": me})
    got = _values(pack, "cic_count")
    assert (got["2024-01"], got["2024-02"], got["2024-03"]) == (6, "c", "c")


def test_pack_supplied_count_equal_to_the_threshold_is_suppressed(tmp_path):
    # a supplied count of children: 0 and 6 publish; 1 and 5 (= the threshold) do not
    csv = (
        "indicator_id,month,value\n"
        "sup_count,2023-12,0\nsup_count,2024-01,1\nsup_count,2024-02,5\nsup_count,2024-03,6\n"
    )
    got = _values(pack_from(tmp_path, PACK_CATALOGUE, csv, None), "sup_count")
    assert got == {"2023-12": 0, "2024-01": "c", "2024-02": "c", "2024-03": 6}


# ================================================================ reviews: the year's edges
def _flags(date, **flags):
    base = dict(
        review_date=date,
        is_in_timescale=True,
        is_recommendations_issued=True,
        is_recommendations_within_5wd=True,
        is_minutes_completed=True,
        is_minutes_distributed_within_20wd=True,
    )
    return {**base, **flags}


EDGE_REVIEWS = pl.DataFrame(
    [
        _flags(d(2023, 3, 31)),  # last day of 2022-23 (Q4)
        _flags(d(2023, 4, 1), is_in_timescale=False),  # first day of 2023-24 (Q1)
        _flags(d(2024, 3, 31)),  # last day of 2023-24 (Q4)
        _flags(d(2024, 4, 1)),  # first day of 2024-25: in neither year
    ]
)


def test_in_year_includes_1_april_and_31_march():
    got = EDGE_REVIEWS.select(in_year("review_date", P))["review_date"].to_list()
    assert got == [False, True, True, False]


def test_annual_counts_include_31_march_and_1_april():
    # 2023-24: 1 Apr 2023 and 31 Mar 2024 -> held 2, in timescale 1 (1 Apr was late)
    # 2022-23: 31 Mar 2023 only -> held 1, in timescale 1
    now = dict(annual_counts(EDGE_REVIEWS, P).select("measure_code", "count").rows())
    before = dict(annual_counts(EDGE_REVIEWS, P.previous).select("measure_code", "count").rows())
    assert (now["reviews_held"], now["in_timescale"]) == (2, 1)
    assert (before["reviews_held"], before["in_timescale"]) == (1, 1)


def test_quarterly_tables_put_31_march_in_q4_and_1_april_in_q1():
    # this year: Q1 has 1 Apr 2023 (out of timescale), Q4 has 31 Mar 2024 (in timescale);
    # last year: Q4 has 31 Mar 2023 (in). 1 Apr 2024 is in neither year.
    q = quarterly_status(
        EDGE_REVIEWS, "is_in_timescale", P, ("Out of timescale", "In timescale", "Total held")
    )
    total = q.filter(pl.col("status") == "Total held")
    assert total["reviews_count"].to_list() == [1, 0, 0, 1]  # Q1..Q4
    assert total["last_year_reviews_count"].to_list() == [0, 0, 0, 1]
    q1_out = q.filter((pl.col("quarter") == "Q1") & (pl.col("status") == "Out of timescale"))
    assert q1_out["reviews_count"].item() == 1


def _periods(*rows):
    return frame(
        "core_periods_of_care",
        [
            dict(
                child_id=c,
                period_of_care_id=f"{c}-1",
                period_number=1,
                period_start_date=s,
                period_end_date=e,
                is_short_breaks_only=False,
            )
            for c, s, e in rows
        ],
    )


def _reviews(*rows):
    return frame(
        "core_reviews", [dict(child_id=c, review_date=r, participation_code="PN1") for c, r in rows]
    )


def test_a_review_on_the_day_the_period_of_care_ends_counts():
    # period 1 Jun 2023 - 30 Jun 2023: a review on 30 Jun is inside it; 1 Jul is not
    t = review_timeliness(
        _reviews(("A", d(2023, 6, 30)), ("A", d(2023, 7, 1))),
        _periods(("A", d(2023, 6, 1), d(2023, 6, 30))),
    )
    assert t["review_date"].to_list() == [d(2023, 6, 30)]
    # first review due 20 working days after Thu 1 Jun 2023: June has no bank holiday,
    # 2 Jun (1), 5-9 (6), 12-16 (11), 19-23 (16), 26-29 (20) -> Thu 29 Jun; 30 Jun is late
    assert t["due_date"].to_list() == [d(2023, 6, 29)]
    assert t["is_in_timescale"].to_list() == [False]


def test_duplicate_review_rows_are_one_review():
    # the contract has no unique key on reviews: the same review twice is one review, so
    # the next one is the second (due 3 months after the first), not the third (6 months)
    t = review_timeliness(
        _reviews(("A", d(2023, 6, 20)), ("A", d(2023, 6, 20)), ("A", d(2023, 9, 20))),
        _periods(("A", d(2023, 6, 1), None)),
    )
    assert t["review_number"].to_list() == [1, 2]
    # second review due 20 Jun + 3 months = 20 Sep 2023: held on the day, in time
    assert t["due_date"].to_list()[1] == d(2023, 9, 20)
    assert t["is_in_timescale"].to_list() == [True, True]


def test_duplicate_review_process_rows_take_the_earliest_date():
    # review Mon 3 Jul 2023; recommendations recorded twice: Fri 7 Jul (4 wd: 4, 5, 6, 7 Jul)
    # and Wed 12 Jul (7 wd). The earliest counts -> issued within 5 working days.
    t = review_timeliness(_reviews(("A", d(2023, 7, 3))), _periods(("A", d(2023, 6, 1), None)))
    process = frame(
        "core_review_process",
        [
            dict(child_id="A", review_date=d(2023, 7, 3), recommendations_issued_date=day)
            for day in (d(2023, 7, 12), d(2023, 7, 7))
        ],
    )
    out = review_tasks(t, process)
    assert out.height == 1
    assert out["recommendations_issued_date"].item() == d(2023, 7, 7)
    assert out["is_recommendations_within_5wd"].item() is True


# ================================================================ periods: short breaks
def test_a_period_that_starts_with_short_breaks_and_becomes_care_is_not_short_breaks_only():
    # child A: V3 1 Jan - 1 Mar 2023, then V2 from 1 Mar 2023 (same day: one period of care);
    # child B: V3 then V4, both short breaks -> short breaks only
    eps = frame(
        "core_episodes",
        [
            ep("A", d(2023, 1, 1), d(2023, 3, 1), rne="S", ls="V3", rec="X1"),
            ep("A", d(2023, 3, 1), None, rne="L", ls="V2"),
            ep("B", d(2023, 1, 1), d(2023, 3, 1), rne="S", ls="V3", rec="X1"),
            ep("B", d(2023, 3, 1), None, rne="L", ls="V4"),
        ],
    )
    periods = periods_of_care(eps)
    flags = dict(periods.select("child_id", "is_short_breaks_only").rows())
    assert flags == {"A": False, "B": True}
    # A's review is kept (a looked-after period); B's follows the short-breaks timescales
    t = review_timeliness(_reviews(("A", d(2023, 5, 1)), ("B", d(2023, 5, 1))), periods)
    assert t["child_id"].to_list() == ["A"]


# ================================================================ month ends
def test_age_on_a_birthday_that_falls_on_a_month_end_and_the_16th_birthday_band():
    # born 31 Mar 2008: 15 on 29 Feb 2024 (band 13-15); 16 on 31 Mar 2024 itself (16+)
    c = core([ep("A", d(2023, 4, 1), None)], [child("A", d(2008, 3, 31))])
    snap = snapshot_at(c, d(2024, 2, 1), d(2024, 3, 31))
    feb, mar = at(snap, "A", d(2024, 2, 29)), at(snap, "A", d(2024, 3, 31))
    assert (feb["age_years"], feb["age_band"]) == (15, "13-15")
    assert (mar["age_years"], mar["age_band"]) == (16, "16+")


def test_a_29_february_birthday_counts_from_1_march():
    # born 29 Feb 2008: on 28 Feb 2023 still 14; on 31 Mar 2023 15; on 29 Feb 2024 16
    df = pl.DataFrame(
        {"b": [d(2008, 2, 29)] * 3, "on": [d(2023, 2, 28), d(2023, 3, 31), d(2024, 2, 29)]}
    )
    assert df.select(age_years("b", "on").alias("age"))["age"].to_list() == [14, 15, 16]


def test_a_month_end_completes_a_short_month():
    # from 31 Jan 2024: 29 Feb is a whole month (no 31 Feb exists); 30 Mar is not yet two
    # months (31 Mar would be); from 31 Mar 2023: 30 Apr 2023 is one month
    df = pl.DataFrame(
        {
            "s": [d(2024, 1, 31), d(2024, 1, 31), d(2024, 1, 31), d(2023, 3, 31), d(2024, 1, 15)],
            "on": [d(2024, 2, 29), d(2024, 3, 30), d(2024, 3, 31), d(2023, 4, 30), d(2024, 2, 14)],
        }
    )
    assert df.select(whole_months("s", "on").alias("m"))["m"].to_list() == [1, 1, 2, 1, 0]
    # and in the snapshot: a period starting 31 Jan 2024 is 1 month old at 29 Feb 2024
    c = core([ep("A", d(2024, 1, 31), None)], [child("A", d(2010, 1, 1))])
    snap = snapshot_at(c, d(2024, 1, 1), d(2024, 2, 29))
    assert at(snap, "A", d(2024, 1, 31))["months_in_care"] == 0
    assert at(snap, "A", d(2024, 2, 29))["months_in_care"] == 1


@pytest.mark.parametrize("later_first", [False, True], ids=["in-date-order", "later-first"])
def test_overlapping_episodes_at_a_month_end_keep_the_latest_starting(later_first):
    # two open episodes overlap (validation would quarantine one): at 29 Feb 2024 the child
    # is counted once, in the episode that started later (15 Feb, placement U4), whichever
    # row comes first in the table
    episodes = [
        ep("A", d(2024, 1, 10), None, place="U1"),
        ep("A", d(2024, 2, 15), None, place="U4"),
    ]
    c = core(episodes[::-1] if later_first else episodes, [child("A", d(2010, 1, 1))])
    snap = snapshot_at(c, d(2024, 1, 1), d(2024, 2, 29))
    assert at(snap, "A", d(2024, 1, 31))["placement_code"] == "U1"
    assert at(snap, "A", d(2024, 2, 29))["placement_code"] == "U4"
    assert snap.height == 2


# ================================================================ pack: RAG and DOT
@pytest.mark.parametrize(
    "latest, target, polarity, tolerance, decimals, expected",
    [
        # 89.996 rounds to 90.00 at 2 decimals: on target -> Green (unrounded would be Amber)
        (89.996, 90, "High", None, 2, "Green"),
        # 89.994 rounds to 89.99: 0.01 short, within 5% of 90 = 4.5 -> Amber
        (89.994, 90, "High", None, 2, "Amber"),
        # 85.5: 4.5 short = exactly the tolerance -> Amber; 85.49 -> 4.51 short -> Red
        (85.5, 90, "High", None, 2, "Amber"),
        (85.49, 90, "High", None, 2, "Red"),
        # at 1 decimal 85.46 displays 85.5 -> Amber; 85.44 displays 85.4 -> Red
        (85.46, 90, "High", None, 1, "Amber"),
        (85.44, 90, "High", None, 1, "Red"),
        # Low is good, target 420, tolerance 5% = 21: 441 -> Amber, 442 -> Red, 420.4 -> 420
        (441, 420, "Low", None, 0, "Amber"),
        (442, 420, "Low", None, 0, "Red"),
        (420.4, 420, "Low", None, 0, "Green"),
        # an explicit tolerance of 2: 88 -> Amber, 87.99 -> Red
        (88, 90, "High", 2, 2, "Amber"),
        (87.99, 90, "High", 2, 2, "Red"),
    ],
)
def test_rag_at_the_published_decimals_and_the_tolerance_edge(
    latest, target, polarity, tolerance, decimals, expected
):
    assert rag(latest, target, polarity, tolerance, decimals) == expected


def test_dot_compares_the_published_values():
    # 66.564 and 66.561 both display 66.56 -> Same; 66.566 displays 66.57 -> up, Low is good
    assert dot(66.564, 66.561, "Low", 2) == "Same"
    assert dot(66.566, 66.561, "Low", 2) == "Worsening"
    assert dot(66.566, 66.561, "High", 2) == "Improving"


# ================================================================ escalations at 31 March
EDGE_ESC = frame(
    "core_escalations",
    [
        escalation(
            "a", "a", "INF", d(2024, 3, 31)
        ),  # raised on 31 Mar, unresolved: open at year end
        escalation(
            "b", "b", "S1", d(2024, 3, 1), d(2024, 3, 31)
        ),  # resolved 31 Mar: concluded, not open
        escalation(
            "c", "c", "S1", d(2024, 3, 1), d(2024, 4, 1)
        ),  # resolved 1 Apr: open, not concluded
        escalation("d", "d", "INF", d(2024, 4, 1)),  # raised 1 Apr 2024: next year, not open
        escalation(
            "e", "e", "PRE", d(2023, 6, 1), d(2023, 6, 5)
        ),  # a pre-escalation: never concluded
        escalation("f", "f", "S2", d(2023, 3, 31), d(2023, 4, 1)),  # resolved 1 Apr 2023: this year
    ],
)


def test_escalations_open_and_concluded_on_31_march_and_1_april():
    # open at 31 Mar 2024: a (INF), c (S1) -> Informal 1, Formal 1, all 2
    # concluded in 2023-24: b (S1, 31 Mar 2024), f (S2, 1 Apr 2023) -> Formal 2, Informal 0
    # (e is a pre-escalation: not counted)
    r = resolution(EDGE_ESC, P)
    got = {
        g: (n, o)
        for g, n, o in r.select("stage_group", "concluded_count", "open_at_year_end_count").rows()
    }
    assert got == {"Informal": (0, 1), "Formal (stages 1-5)": (2, 1), "All escalations": (2, 2)}
    # last year (2022-23): nothing resolved in it; f (raised 31 Mar 2023, resolved 1 Apr) open
    r0 = resolution(EDGE_ESC, P.previous)
    all0 = r0.filter(pl.col("stage_group") == "All escalations").row(0, named=True)
    assert (all0["concluded_count"], all0["open_at_year_end_count"]) == (0, 1)


def test_concluded_escalations_by_stage_leave_out_pre_escalations():
    # 2023-24: S1 1 (b), S2 1 (f), total 2; the pre-escalation e resolved in the year is not
    # an escalation; 2022-23: none
    s = stage_counts(EDGE_ESC, P)
    got = dict(s.select("stage_code", "escalations_count").rows())
    assert (got["S1"], got["S2"], got["INF"], got["Total"]) == (1, 1, 0, 2)
    assert "PRE" not in got
    assert s["last_year_escalations_count"].sum() == 0


# ================================================================ ingest: Excel tidy-up
def test_excel_tidy_up_drops_only_a_zero_fraction():
    raw = [
        "12.0",
        "12.5",
        "12.50",
        "-3.00",
        "7",
        " 4.0 ",
        "2023-04-01 00:00:00",
        "2023-04-01 10:30:00",
        "",
    ]
    got = pl.DataFrame({"v": raw}).select(_tidy(pl.col("v")).alias("t"))["t"].to_list()
    assert got == ["12", "12.5", "12.50", "-3", "7", "4", "2023-04-01", "2023-04-01 10:30:00", None]


# ================================================================ rules: EP03
def test_ep03_an_open_episode_runs_past_the_extract_date():
    # extract date 30 Apr 2024. An open episode (1 Jan 2024) is still running on the extract
    # date, so another episode starting on 30 Apr 2024 overlaps it. In a full run DfE 142
    # (stage 1) quarantines the open episode first, so EP03's own logic is checked alone:
    # the open episode's end counts as 1 May 2024 (the day after the extract), 30 Apr < 1 May.
    rows = {
        "episodes": [
            {**EPISODE, "DECOM": "01/01/2024", "RNE": "S"},
            {**EPISODE, "DECOM": "30/04/2024", "RNE": "P"},
            # another child: an episode ending 30 Apr then one starting 30 Apr: no overlap
            {**EPISODE, "CHILD": "C2", "DECOM": "01/01/2024", "DEC": "30/04/2024", "REC": "X1"},
            {**EPISODE, "CHILD": "C2", "DECOM": "30/04/2024", "RNE": "P"},
        ],
        "header": [HEADER, {**HEADER, "CHILD": "C2"}],
    }
    raw_ = prepare(raw_tables(rows))
    hit = run_rules(raw_, EXTRACT_DATE, engine="polars", select=lambda r: r.code == "EP03")
    flagged = raw_["episodes"].join(hit.select("row_id"), on="row_id", how="semi")
    assert flagged["source_row"].to_list() == [3]


# ================================================================ validate: reconciliation
def _sample_raw():
    rows = {
        "episodes": [
            {**EPISODE, "DECOM": "01/06/2023"},
            {**EPISODE, "CHILD": "C2", "DECOM": "01/07/2023"},
            {**EPISODE, "CHILD": "C3", "DECOM": "31/13/2023"},  # unreadable date: quarantined
        ],
        "header": [HEADER, {**HEADER, "CHILD": "C2"}, {**HEADER, "CHILD": "C3"}],
    }
    return raw_tables(rows)


def test_validate_raises_when_a_clean_row_goes_missing(monkeypatch):
    # The accounting must be checked, not true by construction: if building the core
    # tables lost a clean episode (simulated by dropping one), validation stops.
    import pipeline.validate as v

    real = v.build_core

    def losing_a_row(clean, **kw):
        out = real(clean, **kw)
        out["core_episodes"] = out["core_episodes"].head(out["core_episodes"].height - 1)
        return out

    ok = v.validate(_sample_raw(), P, engine="polars")
    s = ok.summary.filter(pl.col("table") == "episodes").row(0, named=True)
    # 3 episode rows in: C3's (row 4, 31/13/2023) quarantined, 2 clean, 2 core rows
    assert (s["rows_in"], s["rows_clean"], s["rows_quarantined"]) == (3, 2, 1)
    assert ok.core["core_episodes"].height == 2
    monkeypatch.setattr(v, "build_core", losing_a_row)
    with pytest.raises(AssertionError, match="core_episodes"):
        v.validate(_sample_raw(), P, engine="polars")


def test_assert_reconciles_rejects_a_summary_that_does_not_add_up():
    from pipeline.validate import _assert_reconciles

    def summary(rows_in, clean, quarantined, superseded=0, out_of_scope=0):
        return pl.DataFrame(
            {
                "table": ["episodes"],
                "rows_in": [rows_in],
                "rows_clean": [clean],
                "rows_quarantined": [quarantined],
                "rows_superseded": [superseded],
                "rows_out_of_scope": [out_of_scope],
            }
        )

    with pytest.raises(AssertionError, match="episodes"):
        # 10 in, 6 clean + 3 quarantined = 9: one row unaccounted for
        _assert_reconciles(summary(10, 6, 3), {})
    with pytest.raises(AssertionError, match="episodes"):
        # 10 in, 6 + 3 + 1 superseded + 1 out of scope = 11: one row counted twice
        _assert_reconciles(summary(10, 6, 3, 1, 1), {})


def test_pack_months_after_the_runs_month_end_snapshots_are_counted_not_zero():
    # found by the end-to-end appendix check: a build for 2022-23 rebuilt the 2024-03 pack
    # from a core_month_end ending 31 Mar 2023 and published 0 children in care. Here
    # core_month_end stops at 31 Mar 2023, but the episodes say A (from 1 Jan 2023, open)
    # and B (1 Jun 2023 - 15 Mar 2024) were in care: 2 at 29 Feb 2024, 1 at 31 Mar 2024.
    from pipeline.core.month_end import snapshot_at
    from pipeline.reports.pack.indicators import compute

    c = core(
        [ep("A", d(2023, 1, 1), None), ep("B", d(2023, 6, 1), d(2024, 3, 15), rec="E13")],
        [child("A", d(2010, 1, 1)), child("B", d(2012, 5, 5))],
    )
    c["core_month_end"] = snapshot_at(c, d(2023, 1, 1), d(2023, 3, 31))
    out = compute("cic_count", c, [d(2023, 3, 31), d(2024, 2, 29), d(2024, 3, 31)])
    assert dict(out.select("month_end_date", "value").rows()) == {
        d(2023, 3, 31): 1,
        d(2024, 2, 29): 2,
        d(2024, 3, 31): 1,
    }
