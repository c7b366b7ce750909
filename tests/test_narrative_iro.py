"""Every generated sentence of the IRO report, whole, for published, suppressed and missing
figures (pipeline/reports/iro/narrative.py). Year 2023-24; figures are invented, published
cells as the pub_ tables hold them."""

import polars as pl

from pipeline.reports.iro.narrative import (
    contact_sentence,
    escalations_sentence,
    good_practice_sentence,
    participation_sentence,
    pre_escalations_sentence,
    reviews_headline,
)
from tests.test_reviews import make_params

P = make_params()


def test_reviews_headline_with_a_last_year_note_and_with_no_reviews():
    pub = pl.DataFrame(
        {
            "measure_code": ["reviews_held", "in_timescale"],
            "count": [1280, 1199],
            "pct": [None, 93.7],
            "last_year_pct": [None, None],
            "direction": [None, None],
            "last_year_note": [None, "not comparable: the service's records start in 2023"],
        },
        schema_overrides={"last_year_pct": pl.Float64, "direction": pl.String},
    )
    assert reviews_headline(pub, P) == (
        "1,280 reviews were held in 2023-24; 93.7% were within timescale "
        "(2022-23: not comparable: the service's records start in 2023)."
    )
    empty = pub.filter(pl.col("measure_code") == "nothing")
    assert reviews_headline(empty, P) == "No reviews are recorded for 2023-24."


def test_participation_this_year_against_last_year_suppressed_and_noted():
    pub = pl.DataFrame(
        {
            "year_label": ["2023-24", "2022-23"],
            "participation_pct": [88.4, 90.0],
            "is_participation_pct_suppressed": [False, False],
            "last_year_note": [None, None],
        },
        schema_overrides={"last_year_note": pl.String},
    )
    assert participation_sentence(pub, P) == (
        "Children participated in 88.4% of their reviews in 2023-24 (reviews of children "
        "aged under 4 are not counted), down from 90.0% in 2022-23."
    )
    hidden_before = pub.with_columns(
        participation_pct=pl.Series([88.4, None]),
        is_participation_pct_suppressed=pl.Series([False, True]),
        last_year_note=pl.Series([None, "fewer than 6 reviews"]),
    )
    assert participation_sentence(hidden_before, P).endswith(
        "are not counted) (2022-23: fewer than 6 reviews)."
    )
    hidden_now = pub.with_columns(
        participation_pct=pl.Series([None, 90.0]),
        is_participation_pct_suppressed=pl.Series([True, False]),
    )
    assert participation_sentence(hidden_now, P) == (
        "The percentage of reviews in 2023-24 in which children participated is not "
        "published because the numbers are small."
    )


def test_contact_sentence_with_and_without_more_than_one_contact():
    pub = pl.DataFrame(
        {
            "measure_code": ["expected_with_contact_6m", "more_than_one_contact_6m"],
            "pct": [96.5, 71.2],
            "children_count": [388, 299],
            "denominator_count": [402, 420],
            "is_pct_suppressed": [False, False],
            "is_children_count_suppressed": [False, False],
            "is_denominator_count_suppressed": [False, False],
        }
    )
    assert contact_sentence(pub, P) == (
        "At 31 March 2024, 96.5% of the 402 children for whom IRO contact is expected had a "
        "contact with their IRO in the previous six months; 71.2% of all children in care "
        "(299 out of 420) had more than one contact."
    )
    only_first = pub.with_columns(
        pct=pl.Series([96.5, None]), is_pct_suppressed=pl.Series([False, True])
    )
    assert contact_sentence(only_first, P).endswith("in the previous six months.")
    none = pub.with_columns(
        pct=pl.Series([None, None], dtype=pl.Float64), is_pct_suppressed=pl.Series([True, True])
    )
    assert contact_sentence(none, P) == (
        "IRO contact figures at 31 March 2024 are not published because the numbers are small."
    )


def test_escalations_sentence_in_full_and_with_nothing_recorded():
    stage = pl.DataFrame(
        {"stage_code": ["Total"], "escalations_count": [52], "last_year_escalations_count": [40]}
    )
    res = pl.DataFrame(
        {
            "stage_group": ["All escalations"],
            "median_resolution_wd": [12.5],
            "resolved_within_20wd_pct": [76.9],
            "open_at_year_end_count": [9],
        }
    )
    assert escalations_sentence(stage, res, P) == (
        "52 escalations were concluded in 2023-24, up from 40 in 2022-23. Half were resolved "
        "within 12.5 working days and 76.9% within 20 working days; 9 escalations were still "
        "open at 31 March 2024."
    )
    same = stage.with_columns(last_year_escalations_count=pl.lit(52))
    assert ", the same as 52 in 2022-23." in escalations_sentence(same, res, P)
    fewer = stage.with_columns(last_year_escalations_count=pl.lit(60))
    assert ", down from 60 in 2022-23." in escalations_sentence(fewer, res, P)
    none = stage.filter(pl.col("stage_code") == "nothing")
    assert escalations_sentence(none, res, P) == "No escalations are recorded for 2023-24."


def test_pre_escalations_and_good_practice_sentences():
    pre = pl.DataFrame(
        {
            "area_code": ["P_CARE", "Total"],
            "notes_count": [20, 31],
            "children_count": [15, 22],
            "is_notes_count_suppressed": [False, False],
            "is_children_count_suppressed": [False, False],
        }
    )
    assert pre_escalations_sentence(pre, P) == (
        "IROs recorded 31 pre-escalation notes for 22 children in 2023-24."
    )
    small = pre.with_columns(
        children_count=pl.Series([None, None], dtype=pl.Int64),
        is_children_count_suppressed=pl.Series([True, True]),
    )
    assert pre_escalations_sentence(small, P) == (
        "IROs recorded 31 pre-escalation notes for a small number of children in 2023-24."
    )
    zero = pre.with_columns(notes_count=pl.Series([0, 0]))
    assert pre_escalations_sentence(zero, P) == "No pre-escalations were recorded in 2023-24."
    notes = pl.DataFrame({"period": ["Q1", "Year"], "notes_count": [4, 17]})
    assert good_practice_sentence(notes, P) == (
        "17 notes recognising good practice were recorded in 2023-24."
    )
    assert good_practice_sentence(notes.head(1), P) == (
        "No notes recognising good practice were recorded in 2023-24."
    )
