"""The summary page: one generated sentence per group, figures from the published values.

Each group's first indicator with a `summary` template gives the sentence: its value for
the quarter (events in the quarter; a snapshot at the quarter's end), how it compares with
the target (taking account of whether high or low is good) and with the same quarter a
year earlier. A suppressed figure is never printed: the sentence says it is not published.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

SCHEMA = {"order": pl.Int64, "group_id": pl.String, "indicator_id": pl.String, "text": pl.String}


def fmt(value: float, unit: str, decimals: int) -> str:
    if unit == "%":
        return f"{value:,.{decimals}f}%"
    if unit == "Rate":
        return f"{value:,.{decimals}f} per 10,000 children"
    return f"{round(value):,}"


def target_clause(
    value: float, target: float | None, polarity: str | None, unit: str, decimals: int
) -> str:
    """', meeting the target of 90%' / ', below the target of 90%' / ', above the maximum of 5%'."""
    if target is None or polarity is None:
        return ""
    t = fmt(target, unit, 0 if float(target).is_integer() else decimals)
    shown, goal = round(value, decimals), round(target, decimals)
    if polarity == "High":
        return f", meeting the target of {t}" if shown >= goal else f", below the target of {t}"
    return (
        f", within the target of no more than {t}"
        if shown <= goal
        else f", above the target of no more than {t}"
    )


def _cell(values: pl.DataFrame, indicator: str, period: str, label: str) -> dict | None:
    rows = values.filter(
        (pl.col("indicator_id") == indicator)
        & (pl.col("period") == period)
        & (pl.col("label") == label)
    )
    return rows.row(0, named=True) if rows.height else None


def _quarter_end_label(quarter: str) -> str:
    from pipeline.reports.csc.build import parse_quarter, quarter_bounds

    _, end = quarter_bounds(*parse_quarter(quarter))
    return end.strftime("%B %Y")


def sentence(values: pl.DataFrame, ind: dict, quarter: str) -> str:
    q = quarter.split(" ")
    previous = f"{int(q[0][:4]) - 1}-{q[0][2:4]} {q[1]}"
    now = _cell(values, ind["indicator_id"], "quarter", quarter)
    before = _cell(values, ind["indicator_id"], "quarter", previous)
    title = ind["title"]
    if now is None or now["value"] is None:
        if now is not None and now.get("is_value_suppressed"):
            return f"{title}: the figure for {quarter} is not published because it relates to very few children."
        return f"{title}: no figure is available for {quarter}."
    unit, dec = ind["unit"], ind["decimals"]
    text = ind["summary"].format(
        value=fmt(now["value"], unit, dec), quarter=quarter, quarter_end=_quarter_end_label(quarter)
    )
    text = text[0].upper() + text[1:]
    text += target_clause(now["value"], ind["target"], ind["good_is"], unit, dec)
    if before is not None and before["value"] is not None:
        text += f" ({previous}: {fmt(before['value'], unit, dec)})"
    return text + "."


def summary_sentences(
    values: pl.DataFrame, catalogue: pl.DataFrame, groups: pl.DataFrame, quarter: str
) -> pl.DataFrame:
    """pub_csc_summary: one sentence per group that has a summary template, in report order."""
    out = []
    for g in groups.sort("order").rows(named=True):
        rows = catalogue.filter(
            (pl.col("group_id") == g["group_id"]) & pl.col("summary").is_not_null()
        ).sort("order")
        for ind in rows.rows(named=True)[:1]:
            out.append(
                {
                    "order": len(out),
                    "group_id": g["group_id"],
                    "indicator_id": ind["indicator_id"],
                    "text": sentence(values, ind, quarter),
                }  # fmt: skip
            )
    return pl.DataFrame(out, schema=SCHEMA)


def month_label(label: str) -> str:
    return dt.date.fromisoformat(label + "-01").strftime("%b %Y")
