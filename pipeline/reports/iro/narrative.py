"""Generated sentences for the IRO report, from published (pub_) tables only.

Every figure in a sentence is a published cell, so a suppressed cell can never leak into
prose: a suppressed count reads "a small number of", a suppressed percentage is left out.
"""

from __future__ import annotations

import polars as pl

from pipeline.disclosure import flag
from pipeline.params import RunParams

DIRECTION_WORDS = {"up": "up from", "down": "down from", "same": "the same as"}


def _row(df: pl.DataFrame, key: str, value: str) -> dict | None:
    rows = df.filter(pl.col(key) == value)
    return rows.row(0, named=True) if rows.height else None


def _hidden(row: dict, col: str) -> bool:
    return bool(row.get(flag(col))) or row.get(col) is None


def count_text(row: dict, col: str) -> str:
    if row.get(flag(col)):
        return "a small number of"
    value = row.get(col)
    return "no" if value in (None, 0) else f"{value:,}"


def pct_text(value: float) -> str:
    return f"{value:.1f}%"


def compare(now: float | None, before: float | None, direction: str | None = None) -> str | None:
    """'up from 91.2%' etc.; None when either side is unpublished."""
    if now is None or before is None:
        return None
    if direction is None:
        direction = "up" if now > before else "down" if now < before else "same"
    return f"{DIRECTION_WORDS[direction]} {pct_text(before)}"


def reviews_headline(pub_reviews_annual: pl.DataFrame, params: RunParams) -> str:
    held = _row(pub_reviews_annual, "measure_code", "reviews_held")
    timely = _row(pub_reviews_annual, "measure_code", "in_timescale")
    if held is None or timely is None:
        return f"No reviews are recorded for {params.year_label}."
    n = count_text(held, "count")
    text = f"{n[0].upper()}{n[1:]} reviews were held in {params.year_label}"
    if _hidden(timely, "pct"):
        return (
            text
            + "; the percentage within timescale is not published because the numbers are small."
        )
    text += f"; {pct_text(timely['pct'])} were within timescale"
    cmp = None
    if not _hidden(timely, "last_year_pct") and not _hidden(timely, "direction"):
        cmp = compare(timely["pct"], timely["last_year_pct"], timely["direction"])
    if cmp:
        text += f", {cmp} in {params.previous.year_label}"
    elif timely.get("last_year_note"):
        text += f" ({params.previous.year_label}: {timely['last_year_note']})"
    return text + "."


def participation_sentence(pub_participation_annual: pl.DataFrame, params: RunParams) -> str:
    now = _row(pub_participation_annual, "year_label", params.year_label)
    before = _row(pub_participation_annual, "year_label", params.previous.year_label)
    if now is None or _hidden(now, "participation_pct"):
        return (
            f"The percentage of reviews in {params.year_label} in which children participated "
            "is not published because the numbers are small."
        )
    text = (
        f"Children participated in {pct_text(now['participation_pct'])} of their reviews in "
        f"{params.year_label} (reviews of children aged under 4 are not counted)"
    )
    if before is not None and not _hidden(before, "participation_pct"):
        text += f", {compare(now['participation_pct'], before['participation_pct'])} in {params.previous.year_label}"
    elif before is not None and before.get("last_year_note"):
        text += f" ({params.previous.year_label}: {before['last_year_note']})"
    return text + "."


def contact_sentence(pub_iro_contact: pl.DataFrame, params: RunParams) -> str:
    date = f"{params.period_end.day} {params.period_end:%B %Y}"
    expected = _row(pub_iro_contact, "measure_code", "expected_with_contact_6m")
    more = _row(pub_iro_contact, "measure_code", "more_than_one_contact_6m")
    if expected is None or _hidden(expected, "pct"):
        return f"IRO contact figures at {date} are not published because the numbers are small."
    text = (
        f"At {date}, {pct_text(expected['pct'])} of the {count_text(expected, 'denominator_count')} "
        "children for whom IRO contact is expected had a contact with their IRO in the previous "
        "six months"
    )
    if more is not None and not _hidden(more, "pct") and not _hidden(more, "children_count"):
        text += (
            f"; {pct_text(more['pct'])} of all children in care ({more['children_count']:,} out of "
            f"{more['denominator_count']:,}) had more than one contact"
        )
    return text + "."


def escalations_sentence(
    pub_escalations_by_stage: pl.DataFrame,
    pub_escalation_resolution: pl.DataFrame,
    params: RunParams,
) -> str:
    total = _row(pub_escalations_by_stage, "stage_code", "Total")
    if total is None:
        return f"No escalations are recorded for {params.year_label}."
    n = count_text(total, "escalations_count")
    text = f"{n[0].upper()}{n[1:]} escalations were concluded in {params.year_label}"
    if not _hidden(total, "escalations_count") and not _hidden(
        total, "last_year_escalations_count"
    ):
        now, before = total["escalations_count"], total["last_year_escalations_count"]
        word = "up from" if now > before else "down from" if now < before else "the same as"
        text += f", {word} {before:,} in {params.previous.year_label}"
    every = _row(pub_escalation_resolution, "stage_group", "All escalations")
    if every is not None and not _hidden(every, "median_resolution_wd"):
        text += f". Half were resolved within {every['median_resolution_wd']:g} working days"
        if not _hidden(every, "resolved_within_20wd_pct"):
            text += f" and {pct_text(every['resolved_within_20wd_pct'])} within 20 working days"
    if every is not None:
        text += f"; {count_text(every, 'open_at_year_end_count')} escalations were still open at {params.period_end.day} {params.period_end:%B %Y}"
    return text + "."


def pre_escalations_sentence(pub_pre_escalations_by_type: pl.DataFrame, params: RunParams) -> str:
    total = _row(pub_pre_escalations_by_type, "area_code", "Total")
    if total is None or (total.get("notes_count") == 0 and not total.get(flag("notes_count"))):
        return f"No pre-escalations were recorded in {params.year_label}."
    return (
        f"IROs recorded {count_text(total, 'notes_count')} pre-escalation notes for "
        f"{count_text(total, 'children_count')} children in {params.year_label}."
    )


def good_practice_sentence(pub_good_practice_notes: pl.DataFrame, params: RunParams) -> str:
    year = _row(pub_good_practice_notes, "period", "Year")
    if year is None:
        return f"No notes recognising good practice were recorded in {params.year_label}."
    if year.get("notes_count") is None and not year.get(flag("notes_count")):
        return f"Notes recognising good practice were not collected in {params.year_label}."
    n = count_text(year, "notes_count")
    return f"{n[0].upper()}{n[1:]} notes recognising good practice were recorded in {params.year_label}."
