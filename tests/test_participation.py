"""Participation: PN1-PN6 over all reviews except PN0 (children under 4)."""

import datetime as dt

import polars as pl

from pipeline.disclosure import protect
from pipeline.measures import load_all
from pipeline.reports.iro.measures.participation import (
    annual_participation,
    code_mix,
    monthly_participation,
)
from tests.test_reviews import make_params

d = dt.date
P = make_params()

# April 2023: PN0, PN1, PN1, PN5, PN7 -> eligible 4 (PN0 left out), participated 3 = 75.0%
# May 2023: PN7, PN0 -> eligible 1, participated 0 = 0.0%
# June 2022 (last year): PN2, PN6 -> 2 of 2
REVIEWS = pl.DataFrame(
    {
        "review_date": [d(2023, 4, 5)] * 5 + [d(2023, 5, 9)] * 2 + [d(2022, 6, 1)] * 2,
        "participation_code": ["PN0", "PN1", "PN1", "PN5", "PN7", "PN7", "PN0", "PN2", "PN6"],
    }
)


def test_monthly_excludes_pn0_from_the_denominator():
    out = monthly_participation(REVIEWS, P)
    assert out.height == 24
    apr = out.filter(pl.col("month_end_date") == d(2023, 4, 30)).row(0, named=True)
    assert (apr["eligible_reviews_count"], apr["participated_count"], apr["participation_pct"]) == (
        4,
        3,
        75.0,
    )
    may = out.filter(pl.col("month_end_date") == d(2023, 5, 31)).row(0, named=True)
    assert (may["eligible_reviews_count"], may["participated_count"], may["participation_pct"]) == (
        1,
        0,
        0.0,
    )
    jul = out.filter(pl.col("month_end_date") == d(2023, 7, 31)).row(0, named=True)
    assert jul["participation_pct"] is None


def test_annual_this_year_and_last_year():
    out = annual_participation(REVIEWS, P)
    # this year: eligible 4 + 1 = 5, participated 3 = 60.0%; last year 2 of 2
    assert out.rows() == [("2022-23", 2, 2, 100.0), ("2023-24", 5, 3, 60.0)]


def test_code_mix_lists_every_code_and_a_total():
    out = code_mix(REVIEWS, P)
    got = dict(zip(out["code"], out["reviews_count"], strict=True))
    assert got == {
        "PN0": 2,
        "PN1": 2,
        "PN2": 0,
        "PN3": 0,
        "PN4": 0,
        "PN5": 1,
        "PN6": 0,
        "PN7": 2,
        "Total": 7,
    }
    # 2 of the 7 reviews this year were PN0: 28.6%
    assert out.filter(pl.col("code") == "PN0")["pct"].item() == 28.6
    assert out.filter(pl.col("code") == "Total")["pct"].item() == 100.0


def test_published_code_mix_suppresses_small_counts():
    pub = protect(code_mix(REVIEWS, P), load_all()["participation_codes"].disclosure, 5)
    # every non-zero count here is 1..5 (total 7 survives primary suppression), zeros stay
    assert pub.filter(pl.col("code") == "PN2")["reviews_count"].item() == 0
    assert pub.filter(pl.col("code") == "PN1")["reviews_count"].item() is None
    assert pub.filter(pl.col("code") == "PN1")["pct"].item() is None
