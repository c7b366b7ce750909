"""Generated sentences: figures come from pub_ tables; rises, falls, no change, suppression."""

import datetime as dt

import polars as pl

from pipeline.params import RunParams
from pipeline.publish.narrative import (
    SUPPRESSED,
    neighbours_sentence,
    profile_headline,
    starts_leavers_sentence,
)

d = dt.date


def params(**settings):
    return RunParams.model_validate(
        dict(
            authority=dict(name="Test", old_la_code="999", new_la_code="E06999999"),
            year_end=2024,
            extract_date=d(2024, 4, 30),
            population=dict(children_0_17=66_000),
            **settings,
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


GAP = "not covered by the data (no return for 2022-23)"


def with_notes(pub, now_note=None, before_note=None):
    df = pub["pub_cic_monthly"].with_columns(
        coverage_note=pl.Series([before_note, now_note], dtype=pl.String)
    )
    return {"pub_cic_monthly": df}


def test_headline_when_this_years_count_is_not_covered_or_suppressed():
    uncovered = with_notes(monthly((None, None, None, None), (433, 65.6, 34, 7.9)), GAP)
    assert profile_headline(uncovered, params()) == (
        f"On 31 March 2024 the number of children in care is {GAP}."
    )
    suppressed = monthly((3, 0.5, 0, 0.0), (433, 65.6, 34, 7.9))
    suppressed["pub_cic_monthly"] = suppressed["pub_cic_monthly"].with_columns(
        children_count=pl.lit(None, pl.Int64), is_children_count_suppressed=pl.lit(True)
    )
    assert profile_headline(suppressed, params()) == (
        f"On 31 March 2024 the number of children in care is {SUPPRESSED}."
    )


def test_headline_without_a_rate_or_a_year_earlier_says_only_what_it_has():
    # no population configured: no rate; the year before not covered: its note, no change
    pub = with_notes(monthly((449, None, 54, None), (None, None, None, None)), before_note=GAP)
    assert profile_headline(pub, params()) == (
        f"On 31 March 2024 there were 449 children in care (a year earlier: {GAP}); "
        "54 were unaccompanied asylum-seeking children."
    )


def trend(now, before, *, suppress_starts=False, before_note=None):
    df = pl.DataFrame(
        {
            "year_label": ["2022-23", "2023-24"],
            "starts_count": [before[0], now[0]],
            "ends_count": [before[1], now[1]],
            "is_starts_count_suppressed": [False, suppress_starts],
            "is_ends_count_suppressed": [False, False],
            "coverage_note": pl.Series([before_note, None], dtype=pl.String),
        }
    )
    return {"pub_cic_trend_4y": df}


def test_starts_and_leavers_when_this_year_is_suppressed_and_the_last_not_covered():
    pub = trend((None, 40), (None, None), suppress_starts=True, before_note=GAP)
    assert starts_leavers_sentence(pub, params()) == (
        f"During 2023-24, the number of children who started to be looked after is {SUPPRESSED}; "
        f"40 children ceased to be looked after (2022-23: {GAP})."
    )


def test_starts_and_leavers_with_no_row_for_the_year_before():
    pub = trend((79, 63), (95, 63))
    pub["pub_cic_trend_4y"] = pub["pub_cic_trend_4y"].filter(pl.col("year_label") == "2023-24")
    assert starts_leavers_sentence(pub, params()) == (
        "During 2023-24, 79 children started to be looked after; "
        "63 children ceased to be looked after."
    )


def test_neighbours_sentence_names_them_in_order_and_says_when_there_are_none():
    assert neighbours_sentence(params()) == (
        "No statistical neighbours are configured, so no neighbour averages are shown."
    )
    # names from the shipped DfE snapshot; a code it does not know is shown as the code
    two = params(statistical_neighbours=dict(codes=["908", "845", "998"], label="neighbours"))
    assert neighbours_sentence(two) == (
        "Statistical neighbour figures are the mean over those of the 3 configured neighbours (Cornwall, "
        "East Sussex and 998) that published a figure. England and neighbour figures are the "
        "latest the DfE has published, not this month's."
    )
    one = params(statistical_neighbours=dict(codes=["908"]))
    assert neighbours_sentence(one).startswith(
        "The statistical neighbour figure is Cornwall's, where it published one. England"
    )
