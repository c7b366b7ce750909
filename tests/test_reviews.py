"""Review timeliness and the review measures, on hand-built fixtures (year 2023-24)."""

import datetime as dt

import polars as pl
import pytest

from pipeline.core.schemas import frame
from pipeline.disclosure import protect
from pipeline.disclosure.relations import key, table_cells
from pipeline.measures import load_all
from pipeline.params import RunParams
from pipeline.reports.iro.measures.reviews import (
    annual_table,
    direction,
    monthly_timeliness,
    quarterly_spec,
    quarterly_status,
    review_tasks,
    review_timeliness,
    reviews_annual,
    reviews_monthly,
    sw_report_quarters,
)
from tests.builders import episode

d = dt.date


def make_params(year_end=2024, threshold=5):
    return RunParams(
        authority={"name": "Test", "old_la_code": "999", "new_la_code": "E06999999"},
        year_end=year_end,
        extract_date=d(year_end, 4, 30),
        population={"children_0_17": 1000},
        disclosure_threshold=threshold,
    )


P = make_params()


def period(child, n, start, end=None, short=False):
    return dict(
        child_id=child,
        period_of_care_id=f"{child}-{n}",
        period_number=n,
        period_start_date=start,
        period_end_date=end,
        is_short_breaks_only=short,
    )


def review(child, date, code="PN1"):
    return dict(child_id=child, review_date=date, participation_code=code)


PERIODS = frame(
    "core_periods_of_care",
    [
        period("A", 1, d(2023, 4, 11)),
        period("B", 1, d(2023, 9, 4)),
        period("C", 1, d(2023, 3, 31)),
        period("D", 1, d(2023, 6, 1), d(2023, 6, 30)),
        period("D", 2, d(2023, 9, 1)),
        period("S", 1, d(2023, 5, 1), d(2023, 5, 3), short=True),
    ],
)
REVIEWS = frame(
    "core_reviews",
    [
        # A: first due 20 wd after Tue 11 Apr 2023, skipping 1 May and 8 May (coronation):
        # 12-14 Apr (3), 17-21 (8), 24-28 (13), 2-5 May (17), 9-11 May (20) -> Thu 11 May
        review("A", d(2023, 5, 11)),  # on the due date: in time
        review("A", d(2023, 8, 12)),  # due 11 Aug (3 months): one day late
        review("A", d(2024, 2, 12)),  # due 12 Aug + 6 months = 12 Feb 2024: in time
        # B: first due 20 wd after Mon 4 Sep 2023 = Mon 2 Oct; review 25 Sep in time
        review("B", d(2023, 9, 25)),
        review("B", d(2023, 12, 27)),  # due 25 Dec 2023 (a bank holiday, not moved): late
        # C: first due 20 wd after Fri 31 Mar 2023: 3-6 Apr (4), Good Friday and Easter
        # Monday skipped, 11-14 (8), 17-21 (13), 24-28 (18), 1 May skipped, 2-3 May (20)
        review("C", d(2023, 5, 3)),
        # D period 1: first due 20 wd after Thu 1 Jun 2023 = Thu 29 Jun; 15 Jun in time
        review("D", d(2023, 6, 15)),
        review("D", d(2023, 7, 15)),  # between periods: excluded
        # D period 2 (re-entered care Fri 1 Sep): first again, due 29 Sep; in time.
        # (Counted as a second review it would be due 15 Sep and late.)
        review("D", d(2023, 9, 28)),
        review("E", d(2024, 1, 1)),  # no period of care at all: excluded
        review("S", d(2023, 5, 2)),  # short breaks only: excluded
    ],
)


@pytest.fixture(scope="module")
def timeliness():
    return review_timeliness(REVIEWS, PERIODS, P).sort("child_id", "review_date")


def test_reviews_outside_periods_and_short_breaks_are_excluded(timeliness):
    assert timeliness.height == 8
    assert set(timeliness["child_id"]) == {"A", "B", "C", "D"}
    assert d(2023, 7, 15) not in timeliness.filter(pl.col("child_id") == "D")["review_date"]


def test_due_dates_and_timeliness(timeliness):
    got = timeliness.select(
        "child_id", "review_date", "review_sequence", "due_date", "is_in_timescale"
    )
    expected = [
        ("A", d(2023, 5, 11), "first", d(2023, 5, 11), True),
        ("A", d(2023, 8, 12), "second", d(2023, 8, 11), False),
        ("A", d(2024, 2, 12), "later", d(2024, 2, 12), True),
        ("B", d(2023, 9, 25), "first", d(2023, 10, 2), True),
        ("B", d(2023, 12, 27), "second", d(2023, 12, 25), False),
        ("C", d(2023, 5, 3), "first", d(2023, 5, 3), True),
        ("D", d(2023, 6, 15), "first", d(2023, 6, 29), True),
        ("D", d(2023, 9, 28), "first", d(2023, 9, 29), True),
    ]
    assert got.rows() == expected


def test_re_entry_starts_a_new_sequence(timeliness):
    dd = timeliness.filter(pl.col("child_id") == "D")
    assert dd["period_of_care_id"].to_list() == ["D-1", "D-2"]
    assert dd["review_number"].to_list() == [1, 1]


def test_month_rule_clamps_to_month_end():
    periods = frame("core_periods_of_care", [period("F", 1, d(2023, 11, 1))])
    reviews = frame(
        "core_reviews",
        [review("F", d(2023, 11, 30)), review("F", d(2024, 2, 29)), review("F", d(2024, 8, 30))],
    )
    t = review_timeliness(reviews, periods, P).sort("review_date")
    # first due 20 wd after Wed 1 Nov: 2-3 (2), 6-10 (7), 13-17 (12), 20-24 (17), 27-29 (20)
    # second: 30 Nov + 3 months has no 30 February, so the last day, 29 Feb 2024
    # later: 29 Feb + 6 months = 29 Aug 2024, so 30 Aug is a day late
    assert t["due_date"].to_list() == [d(2023, 11, 29), d(2024, 2, 29), d(2024, 8, 29)]
    assert t["is_in_timescale"].to_list() == [False, True, False]


def process(child, date, recs=None, done=None, dist=None, sw_due=None, sw_in=None):
    return dict(
        child_id=child,
        review_date=date,
        iro_id="I1",
        recommendations_issued_date=recs,
        minutes_completed_date=done,
        minutes_distributed_date=dist,
        sw_report_due_date=sw_due,
        sw_report_received_date=sw_in,
    )


PROCESS = frame(
    "core_review_process",
    [
        # A's review Thu 11 May 2023: 5 wd = 12, 15, 16, 17, 18 May -> Thu 18 May
        process(
            "A",
            d(2023, 5, 11),
            recs=d(2023, 5, 18),
            done=d(2023, 6, 1),
            dist=d(2023, 6, 8),
            sw_due=d(2023, 5, 8),
            sw_in=d(2023, 5, 8),
        ),
        # A's review Sat 12 Aug 2023: 5 wd = 14-18 Aug -> Fri 18 Aug; 19th is late.
        # 20 wd: 14-18 (5), 21-25 (10), 29 Aug-1 Sep (14; 28 Aug bank holiday),
        # 4-8 Sep (19), 11 Sep (20): distributed 12 Sep is late
        process(
            "A",
            d(2023, 8, 12),
            recs=d(2023, 8, 19),
            done=d(2023, 9, 1),
            dist=d(2023, 9, 12),
            sw_due=d(2023, 8, 1),
            sw_in=d(2023, 8, 2),
        ),
        # B's first review: process row exists but nothing recorded yet; SW report due
        # and never received (late)
        process("B", d(2023, 9, 25), sw_due=d(2023, 9, 20)),
    ],
)


def test_review_tasks_working_day_limits_and_missing_process_rows(timeliness):
    t = review_tasks(timeliness, PROCESS).sort("child_id", "review_date")
    a1, a2, a3 = t.filter(pl.col("child_id") == "A").iter_rows(named=True)
    assert (a1["is_recommendations_within_5wd"], a1["is_minutes_distributed_within_20wd"]) == (
        True,
        True,
    )
    assert (a2["is_recommendations_issued"], a2["is_recommendations_within_5wd"]) == (True, False)
    assert (a2["is_minutes_completed"], a2["is_minutes_distributed_within_20wd"]) == (True, False)
    assert (a1["is_sw_report_on_time"], a2["is_sw_report_on_time"]) == (True, False)
    # no process row: not issued, not completed, no SW report due
    assert (
        a3["is_recommendations_issued"],
        a3["is_minutes_completed"],
        a3["has_sw_report_due"],
    ) == (False, False, False)
    b1 = t.filter((pl.col("child_id") == "B") & (pl.col("review_number") == 1)).row(0, named=True)
    assert (b1["has_sw_report_due"], b1["is_sw_report_on_time"]) == (True, False)
    assert t.height == timeliness.height


def flags(n, **true_counts):
    """n reviews on 1 June; the first k of them have each named flag set."""
    cols = [
        "is_in_timescale",
        "is_recommendations_issued",
        "is_recommendations_within_5wd",
        "is_minutes_completed",
        "is_minutes_distributed_within_20wd",
    ]
    return {c: [i < true_counts.get(c, 0) for i in range(n)] for c in cols}


def annual_fixture():
    this = pl.DataFrame(
        {
            "review_date": [d(2023, 6, 1)] * 10,
            **flags(
                10,
                is_in_timescale=9,
                is_recommendations_issued=10,
                is_recommendations_within_5wd=8,
                is_minutes_completed=7,
                is_minutes_distributed_within_20wd=4,
            ),
        }
    )
    last = pl.DataFrame(
        {
            "review_date": [d(2022, 6, 1)] * 8,
            **flags(
                8,
                is_in_timescale=8,
                is_recommendations_issued=8,
                is_recommendations_within_5wd=6,
                is_minutes_completed=7,
                is_minutes_distributed_within_20wd=3,
            ),
        }
    )
    return pl.concat([this, last])


def test_annual_table_with_last_year_directions():
    out = annual_table(annual_fixture(), P)
    rows = {r["measure_code"]: r for r in out.iter_rows(named=True)}
    held = rows["reviews_held"]
    assert (held["count"], held["last_year_count"], held["pct"], held["direction"]) == (
        10,
        8,
        None,
        "up",
    )
    # 9/10 = 90.0% vs 8/8 = 100.0%: down
    assert (rows["in_timescale"]["pct"], rows["in_timescale"]["last_year_pct"]) == (90.0, 100.0)
    assert rows["in_timescale"]["direction"] == "down"
    # 10/10 vs 8/8: same
    assert rows["recommendations_issued"]["direction"] == "same"
    # 8/10 = 80.0 vs 6/8 = 75.0: up
    assert (
        rows["recommendations_within_5wd"]["pct"],
        rows["recommendations_within_5wd"]["direction"],
    ) == (80.0, "up")
    # 7/10 = 70.0 vs 7/8 = 87.5: down
    assert rows["minutes_completed"]["last_year_pct"] == 87.5
    assert rows["minutes_completed"]["direction"] == "down"
    # 4/10 = 40.0 vs 3/8 = 37.5: up
    assert rows["minutes_distributed_within_20wd"]["direction"] == "up"
    assert out.columns == [
        "measure_code",
        "measure",
        "count",
        "denominator_count",
        "pct",
        "last_year_count",
        "last_year_denominator_count",
        "last_year_pct",
        "direction",
    ]
    assert out["measure"].to_list()[:2] == ["Reviews held", "Reviews held within timescale"]
    counts = ["count", "denominator_count", "last_year_count", "last_year_denominator_count"]
    assert [out.schema[c] for c in counts] == [pl.Int64] * 4
    assert out["measure_code"].to_list() == [
        "reviews_held",
        "in_timescale",
        "recommendations_issued",
        "recommendations_within_5wd",
        "minutes_completed",
        "minutes_distributed_within_20wd",
    ]


def test_direction_is_null_when_either_figure_is_missing():
    df = pl.DataFrame(
        {
            "now": [75.0, None, None, 75.0, 70.0, 80.0],
            "before": [None, 75.0, None, 75.0, 75.0, 75.0],
        }
    )
    got = df.select(direction(pl.col("now"), pl.col("before")).alias("d"))["d"].to_list()
    assert got == [None, None, None, "same", "down", "up"]


def test_annual_table_published_suppresses_small_counts_and_their_direction():
    spec = load_all()["reviews_annual"].disclosure
    pub = protect(annual_table(annual_fixture(), P), spec, 5)
    rows = {r["measure_code"]: r for r in pub.iter_rows(named=True)}
    # 4 minutes in time this year and 3 last year are small: count, pct and direction hidden
    m = rows["minutes_distributed_within_20wd"]
    assert (m["count"], m["pct"], m["direction"], m["is_direction_suppressed"]) == (
        None,
        None,
        None,
        True,
    )
    assert rows["in_timescale"]["pct"] == 90.0


def test_monthly_has_24_months_with_zero_months_and_counts():
    t = pl.DataFrame(
        {
            "review_date": [
                d(2023, 4, 3),
                d(2023, 4, 28),
                d(2023, 4, 30),
                d(2024, 3, 31),
                d(2022, 5, 5),
            ],
            "is_in_timescale": [True, False, True, True, True],
        }
    )
    out = monthly_timeliness(t, P)
    assert out.height == 24
    apr = out.filter(pl.col("month_end_date") == d(2023, 4, 30)).row(0, named=True)
    assert (apr["reviews_count"], apr["in_timescale_count"], apr["in_timescale_pct"]) == (
        3,
        2,
        66.7,
    )
    assert apr["year_label"] == "2023-24"
    may22 = out.filter(pl.col("month_end_date") == d(2022, 5, 31)).row(0, named=True)
    assert (may22["year_label"], may22["reviews_count"]) == ("2022-23", 1)
    jun = out.filter(pl.col("month_end_date") == d(2023, 6, 30)).row(0, named=True)
    assert (jun["reviews_count"], jun["in_timescale_count"], jun["in_timescale_pct"]) == (
        0,
        0,
        None,
    )


def test_reviews_monthly_measure_runs_from_core(timeliness):
    out = reviews_monthly({"core_reviews": REVIEWS, "core_periods_of_care": PERIODS}, P)
    may = out.filter(pl.col("month_end_date") == d(2023, 5, 31)).row(0, named=True)
    # A (11 May, in time) and C (3 May, in time); S's short-break review excluded
    assert (may["reviews_count"], may["in_timescale_count"]) == (2, 2)


def test_reviews_monthly_measure_builds_periods_from_episodes_when_not_given():
    # the episodes behind PERIODS: D leaves care on 30 June and re-enters on 1 September;
    # S's only period is short breaks (V3)
    eps = frame(
        "core_episodes",
        [
            episode("A", d(2023, 4, 11)),
            episode("B", d(2023, 9, 4)),
            episode("C", d(2023, 3, 31)),
            episode("D", d(2023, 6, 1), d(2023, 6, 30), rec="E4A"),
            episode("D", d(2023, 9, 1)),
            episode("S", d(2023, 5, 1), d(2023, 5, 3), ls="V3", rec="E8"),
        ],
    )
    out = reviews_monthly({"core_reviews": REVIEWS, "core_episodes": eps}, P)
    by_month = {
        r["month_end_date"]: (r["reviews_count"], r["in_timescale_count"])
        for r in out.iter_rows(named=True)
    }
    # May: A and C in time (S excluded); June: D in time; July: D's review between periods
    # excluded; August: A a day late; September: B and D's re-entry first review in time;
    # December: B's second review late
    assert by_month[d(2023, 5, 31)] == (2, 2)
    assert by_month[d(2023, 6, 30)] == (1, 1)
    assert by_month[d(2023, 7, 31)] == (0, 0)
    assert by_month[d(2023, 8, 31)] == (1, 0)
    assert by_month[d(2023, 9, 30)] == (2, 2)
    assert by_month[d(2023, 12, 31)] == (1, 0)
    given = reviews_monthly({"core_reviews": REVIEWS, "core_periods_of_care": PERIODS}, P)
    assert out.equals(given)


def test_reviews_annual_measure_joins_the_review_process_extract():
    core = {
        "core_reviews": REVIEWS,
        "core_periods_of_care": PERIODS,
        "core_review_process": PROCESS,
    }
    rows = {r["measure_code"]: r for r in reviews_annual(core, P).iter_rows(named=True)}
    # 8 reviews in 2023-24 (A 3, B 2, C 1, D 2); with PROCESS: recommendations issued for
    # A's first two, within 5 wd for the first only; minutes completed for both, within
    # 20 wd for the first only. No reviews in 2022-23.
    got = {c: (r["count"], r["denominator_count"]) for c, r in rows.items()}
    assert got == {
        "reviews_held": (8, 8),
        "in_timescale": (6, 8),
        "recommendations_issued": (2, 8),
        "recommendations_within_5wd": (1, 8),
        "minutes_completed": (2, 8),
        "minutes_distributed_within_20wd": (1, 8),
    }
    assert rows["minutes_completed"]["pct"] == 25.0
    # against last year's 0 reviews: held is up; a percentage of none is no comparison
    assert (rows["reviews_held"]["last_year_count"], rows["reviews_held"]["direction"]) == (0, "up")
    assert (rows["in_timescale"]["last_year_pct"], rows["in_timescale"]["direction"]) == (
        None,
        None,
    )


def test_annual_table_cells_are_keyed_by_their_year():
    spec = load_all()["reviews_annual"].disclosure
    cells, _, _ = table_cells(
        "iro", "reviews_annual", annual_table(annual_fixture(), P), spec.links, P
    )
    held = {c.column: (c.key, c.value) for c in cells if c.row == 0}
    # reviews held (row 0): this year's 10 and last year's 8 are the year totals of the
    # monthly flow, so each carries its year; a key without it would be all reviews ever
    assert held["count"] == (key("reviews", period="2023-24"), 10.0)
    assert held["last_year_count"] == (key("reviews", period="2022-23"), 8.0)
    assert held["denominator_count"] == (key("reviews", period="2023-24"), 10.0)
    assert held["last_year_denominator_count"] == (key("reviews", period="2022-23"), 8.0)
    # each flag row is the "yes" part of its own yes/no split, and of no other
    flag_rows = ["timely", "recommendations", "recommendations_5wd", "minutes", "minutes_20wd"]
    for row, dim in enumerate(flag_rows, start=1):
        got = {c.column: c.key for c in cells if c.row == row}
        assert got["count"] == key("reviews", period="2023-24", **{dim: "yes"}), dim
        assert got["last_year_count"] == key("reviews", period="2022-23", **{dim: "yes"}), dim
        assert got["denominator_count"] == key("reviews", period="2023-24"), dim


def test_quarterly_status_rows_and_secondary_suppression():
    # Q1 (Apr-Jun 2023): 10 reviews, 7 in time; Q3 (Oct-Dec): 20 reviews, 20 in time.
    # Last year Q1 (2022): 4 reviews, all in time.
    t = pl.DataFrame(
        {
            "review_date": [d(2023, 5, 1)] * 10 + [d(2023, 11, 1)] * 20 + [d(2022, 4, 1)] * 4,
            "is_in_timescale": [True] * 7 + [False] * 3 + [True] * 20 + [True] * 4,
        }
    )
    out = quarterly_status(t, "is_in_timescale", P, ("Out", "In", "Total"))
    assert out.height == 12
    q1 = {r["status"]: r for r in out.filter(pl.col("quarter") == "Q1").iter_rows(named=True)}
    assert (
        q1["Out"]["reviews_count"],
        q1["In"]["reviews_count"],
        q1["Total"]["reviews_count"],
    ) == (3, 7, 10)
    assert (q1["Out"]["pct"], q1["In"]["pct"], q1["Total"]["pct"]) == (30.0, 70.0, 100.0)
    assert (q1["In"]["last_year_reviews_count"], q1["In"]["last_year_pct"]) == (4, 100.0)
    q2 = out.filter(pl.col("quarter") == "Q2")
    assert q2["reviews_count"].to_list() == [0, 0, 0] and q2["pct"].to_list() == [None] * 3

    pub = protect(out, load_all()["reviews_quarterly"].disclosure, 5)
    q1p = {r["status"]: r for r in pub.filter(pl.col("quarter") == "Q1").iter_rows(named=True)}
    # 3 out is suppressed, so 7 in is suppressed too (else 10 - 7 reveals it); total shown
    assert (
        q1p["Out"]["reviews_count"],
        q1p["In"]["reviews_count"],
        q1p["Total"]["reviews_count"],
    ) == (None, None, 10)
    assert (q1p["Out"]["pct"], q1p["In"]["pct"]) == (None, None)
    q3p = {r["status"]: r for r in pub.filter(pl.col("quarter") == "Q3").iter_rows(named=True)}
    assert (q3p["Out"]["reviews_count"], q3p["In"]["reviews_count"], q3p["In"]["pct"]) == (
        0,
        20,
        100.0,
    )


def test_quarterly_status_rows_run_out_in_total_in_each_quarter_with_both_year_labels():
    t = pl.DataFrame(
        {
            "review_date": [d(2024, 2, 1), d(2023, 8, 1), d(2023, 5, 1), d(2022, 11, 1)],
            "is_in_timescale": [True, False, True, True],
        }
    )
    out = quarterly_status(t, "is_in_timescale", P, ("Out", "In", "Total"))
    assert out.columns == [
        "year_label",
        "last_year_label",
        "quarter",
        "status",
        "reviews_count",
        "total_count",
        "pct",
        "last_year_reviews_count",
        "last_year_total_count",
        "last_year_pct",
    ]
    assert out.select("quarter", "status").rows() == [
        (q, s) for q in ("Q1", "Q2", "Q3", "Q4") for s in ("Out", "In", "Total")
    ]
    assert out["year_label"].to_list() == ["2023-24"] * 12
    assert out["last_year_label"].to_list() == ["2022-23"] * 12
    # Q1 May (in), Q2 Aug (out), Q4 Feb (in); last year Q3 Nov 2022 (in)
    assert out["reviews_count"].to_list() == [0, 1, 1, 1, 0, 1, 0, 0, 0, 0, 1, 1]
    assert out["last_year_reviews_count"].to_list() == [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0]
    # percentages of a quarter of one review: 0% and 100%, not "too few to say"
    assert out["pct"].to_list() == [0.0, 100.0, 100.0, 100.0, 0.0, 100.0] + [None] * 3 + [
        0.0,
        100.0,
        100.0,
    ]


def test_quarterly_spec_links_out_in_total_as_a_yes_no_split_of_the_quarter():
    spec = quarterly_spec("minutes_20wd")
    assert spec.counts == (
        "reviews_count",
        "total_count",
        "last_year_reviews_count",
        "last_year_total_count",
    )
    assert spec.within == ("quarter",)
    assert spec.derived == {
        "pct": ("reviews_count", "total_count"),
        "last_year_pct": ("last_year_reviews_count", "last_year_total_count"),
    }
    assert [(lk.count, lk.population, lk.sums) for lk in spec.links] == [
        ("reviews_count", "reviews", ("minutes_20wd",)),
        ("total_count", "reviews", ()),
        ("last_year_reviews_count", "reviews", ("minutes_20wd",)),
        ("last_year_total_count", "reviews", ()),
    ]
    t = pl.DataFrame(
        {
            "review_date": [d(2023, 5, 1)] * 10 + [d(2022, 5, 1)] * 4,
            "is_minutes_distributed_within_20wd": [True] * 7 + [False] * 3 + [True] * 4,
        }
    )
    out = quarterly_status(
        t,
        "is_minutes_distributed_within_20wd",
        P,
        ("Out of timescale", "In timescale", "Total held"),
    )
    cells, _, _ = table_cells("iro", "minutes_quarterly", out, spec.links, P)
    q1 = {(c.row, c.column): (c.key, c.value) for c in cells if c.row < 3}
    this, last = {"period": "2023-24 Q1"}, {"period": "2022-23 Q1"}
    assert q1 == {
        (0, "reviews_count"): (key("reviews", **this, minutes_20wd="no"), 3.0),
        (1, "reviews_count"): (key("reviews", **this, minutes_20wd="yes"), 7.0),
        (2, "reviews_count"): (key("reviews", **this), 10.0),
        **{(r, "total_count"): (key("reviews", **this), 10.0) for r in range(3)},
        (0, "last_year_reviews_count"): (key("reviews", **last, minutes_20wd="no"), 0.0),
        (1, "last_year_reviews_count"): (key("reviews", **last, minutes_20wd="yes"), 4.0),
        (2, "last_year_reviews_count"): (key("reviews", **last), 4.0),
        **{(r, "last_year_total_count"): (key("reviews", **last), 4.0) for r in range(3)},
    }


def test_sw_reports_quarters():
    t = pl.DataFrame(
        {
            "review_date": [d(2024, 1, 10)] * 8 + [d(2023, 1, 10)] * 2 + [d(2024, 2, 1)],
            "has_sw_report_due": [True] * 10 + [False],
            "is_sw_report_on_time": [True] * 6 + [False] * 2 + [True, False] + [False],
        }
    )
    out = sw_report_quarters(t, P)
    q4 = out.filter(pl.col("quarter") == "Q4").row(0, named=True)
    # this year Q4: 6 of 8 due (the review with no report due is left out) = 75.0%
    assert (q4["on_time_count"], q4["due_count"], q4["on_time_pct"]) == (6, 8, 75.0)
    assert (
        q4["last_year_on_time_count"],
        q4["last_year_due_count"],
        q4["last_year_on_time_pct"],
    ) == (1, 2, 50.0)
    assert out.filter(pl.col("quarter") == "Q1")["on_time_pct"].to_list() == [None]


def test_sw_reports_quarters_lead_with_both_year_labels():
    t = pl.DataFrame(
        {
            "review_date": [d(2024, 1, 10)],
            "has_sw_report_due": [True],
            "is_sw_report_on_time": [True],
        }
    )
    out = sw_report_quarters(t, P)
    assert out.columns == [
        "year_label",
        "last_year_label",
        "quarter",
        "on_time_count",
        "due_count",
        "on_time_pct",
        "last_year_on_time_count",
        "last_year_due_count",
        "last_year_on_time_pct",
    ]
    assert out["year_label"].to_list() == ["2023-24"] * 4
    assert out["last_year_label"].to_list() == ["2022-23"] * 4
    assert out["quarter"].to_list() == ["Q1", "Q2", "Q3", "Q4"]


def test_headline_sentences_up_down_and_suppressed():
    from pipeline.reports.iro.narrative import escalations_sentence, reviews_headline

    pub = pl.DataFrame(
        {
            "measure_code": ["reviews_held", "in_timescale"],
            "count": [1280, 1199],
            "pct": [None, 93.7],
            "last_year_pct": [None, 91.2],
            "direction": ["up", "up"],
            "is_pct_suppressed": [False, False],
        }
    )
    assert reviews_headline(pub, P) == (
        "1,280 reviews were held in 2023-24; 93.7% were within timescale, up from 91.2% in 2022-23."
    )
    same = pub.with_columns(
        last_year_pct=pl.Series([None, 93.7]), direction=pl.Series(["up", "same"])
    )
    assert "the same as 93.7% in 2022-23" in reviews_headline(same, P)
    hidden = pub.with_columns(
        pct=pl.Series([None, None], dtype=pl.Float64), is_pct_suppressed=pl.Series([False, True])
    )
    assert reviews_headline(hidden, P).endswith("not published because the numbers are small.")
    stage = pl.DataFrame(
        {
            "stage_code": ["Total"],
            "escalations_count": [None],
            "last_year_escalations_count": [40],
            "is_escalations_count_suppressed": [True],
        },
        schema_overrides={"escalations_count": pl.Int64},
    )
    res = pl.DataFrame(
        {
            "stage_group": ["All escalations"],
            "median_resolution_wd": [None],
            "is_median_resolution_wd_suppressed": [True],
            "open_at_year_end_count": [7],
        },
        schema_overrides={"median_resolution_wd": pl.Float64},
    )
    text = escalations_sentence(stage, res, P)
    assert text.startswith("A small number of escalations were concluded in 2023-24; 7 escalations")
