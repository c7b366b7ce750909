"""Generated sentences: figures come from pub_ tables; rises, falls, no change, suppression."""

import datetime as dt

import polars as pl

from pipeline.params import RunParams
from pipeline.publish.narrative import profile_headline, starts_leavers_sentence

d = dt.date


def params():
    return RunParams.model_validate(
        dict(
            authority=dict(name="Test", old_la_code="999", new_la_code="E06999999"),
            year_end=2024,
            extract_date=d(2024, 4, 30),
            population=dict(children_0_17=66_000),
        )
    )


def monthly(now, before, *, suppress_uasc=False):
    """now/before: (children, rate, uasc, uasc_pct) at 31 March 2024 / 2023."""
    rows = [(d(2023, 3, 31), *before), (d(2024, 3, 31), *now)]
    df = pl.DataFrame(
        rows,
        schema=["month_end_date", "children_count", "rate_per_10k", "uasc_count", "uasc_pct"],
        orient="row",
    ).with_columns(
        is_children_count_suppressed=pl.lit(False),
        is_uasc_count_suppressed=pl.lit(suppress_uasc),
        is_uasc_pct_suppressed=pl.lit(suppress_uasc),
    )
    if suppress_uasc:
        df = df.with_columns(uasc_count=pl.lit(None, pl.Int64), uasc_pct=pl.lit(None, pl.Float64))
    return {"pub_cic_monthly": df}


def test_headline_rising_uasc():
    pub = monthly((449, 68.03, 54, 12.03), (433, 65.6, 34, 7.9))
    assert profile_headline(pub, params()) == (
        "On 31 March 2024 there were 449 children in care, a rate of 68 per 10,000 children, "
        "up from 433 children a year earlier; 54 (12%) were unaccompanied asylum-seeking "
        "children, up from 34 a year earlier."
    )


def test_headline_falling_and_unchanged():
    pub = monthly((400, 60.6, 30, 7.5), (400, 60.6, 41, 10.3))
    text = profile_headline(pub, params())
    assert "there were 400 children in care, a rate of 61 per 10,000 children, the same as" in text
    assert (
        "30 (8%) were unaccompanied asylum-seeking children, down from 41 a year earlier." in text
    )


def test_headline_says_when_a_figure_is_suppressed():
    pub = monthly((12, 1.8, None, None), (10, 1.5, None, None), suppress_uasc=True)
    text = profile_headline(pub, params())
    assert "there were 12 children in care" in text
    assert "unaccompanied asylum-seeking children is suppressed" in text
    assert "None" not in text


def test_starts_and_leavers_sentence():
    trend = pl.DataFrame(
        {
            "year_label": ["2022-23", "2023-24"],
            "starts_count": [95, 79],
            "ends_count": [63, 63],
            "is_starts_count_suppressed": [False, False],
            "is_ends_count_suppressed": [False, False],
        }
    )
    assert starts_leavers_sentence({"pub_cic_trend_4y": trend}, params()) == (
        "During 2023-24, 79 children started to be looked after, 16 fewer than the 95 in the "
        "year before; 63 children ceased to be looked after, the same as the 63 in the year "
        "before."
    )
