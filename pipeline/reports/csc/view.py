"""Display frames and charts for notebooks/60_csc.ipynb, from the pub_csc_* tables only.

A group's table has one row per period (the target, the twelve months of the reporting
year, the four-year annual trend ending with this year to date) and, per indicator, its
value; a percentage also shows "n / d". Months after the quarter are blank; `c` is a
suppressed figure and an en dash means no figure. An indicator with no figure in any row
(its input absent, or nothing supplied) is not a column of dashes: it is left out and the
note below the table says why; the Target row goes when no indicator shown has a target; a
group with nothing to show, and a chart with no published point, are one sentence instead
(`present.no_figure`), never an empty table or an empty chart.
"""

from __future__ import annotations

import datetime as dt

import altair as alt
import polars as pl

from pipeline.disclosure import SUPPRESSED_SYMBOL, display_value
from pipeline.publish import charts

EN_DASH = "–"
UNIT_AXIS = {"%": "Per cent", "No.": "Number", "Rate": "Rate per 10,000 children aged 0-17"}


def _month_labels(quarter: str) -> list[str]:
    ye = int(quarter[:4]) + 1
    return [f"{ye - 1 + (3 + k) // 12:04d}-{(3 + k) % 12 + 1:02d}" for k in range(12)]


def _month_title(label: str) -> str:
    return dt.date.fromisoformat(label + "-01").strftime("%b %Y")


def _fmt(row: dict | None, unit: str, decimals: int) -> str:
    if row is None:
        return EN_DASH
    return display_value(
        row["value"], bool(row.get("is_value_suppressed")), decimals if unit != "No." else 0
    )


def _nd(row: dict | None) -> str:
    if row is None:
        return EN_DASH
    if row.get("is_supplied"):
        return "supplied"
    n = SUPPRESSED_SYMBOL if row.get("is_numerator_count_suppressed") else row["numerator_count"]
    d = (
        SUPPRESSED_SYMBOL
        if row.get("is_denominator_count_suppressed")
        else row["denominator_count"]
    )
    if n is None or d is None:
        return EN_DASH
    n = f"{n:,}" if isinstance(n, int) else n
    d = f"{d:,}" if isinstance(d, int) else d
    return f"{n} / {d}"


def group_indicators(catalogue: pl.DataFrame, group: str) -> list[dict]:
    return catalogue.filter(pl.col("group_id") == group).sort("order").rows(named=True)


def _head(ind: dict, codes: list[str]) -> str:
    """The column head: the code (explained in the note below the table), or the title for
    an indicator without a code or whose code is shared."""
    return ind["code"] if ind["code"] and codes.count(ind["code"]) == 1 else ind["title"]


def _name(ind: dict) -> str:
    """'CSC 034: title', or the title alone for an indicator without a code."""
    return f"{ind['code']}: {ind['title']}" if ind["code"] else ind["title"]


def _no_figure(cells: list[str]) -> bool:
    return all(c in ("", EN_DASH) for c in cells)


def group_table(
    values: pl.DataFrame, catalogue: pl.DataFrame, group: str, quarter: str
) -> pl.DataFrame:
    """Periods down, indicators across (with n / d for percentages), all cells as text;
    indicators with no figure in any row left out (`table_note` says so)."""
    inds = group_indicators(catalogue, group)
    months = _month_labels(quarter)
    ye = int(quarter[:4]) + 1
    years = [f"{y - 1}-{str(y)[-2:]}" for y in range(ye - 3, ye + 1)]
    q = int(quarter[-1])
    shown = set(months[: 3 * q])  # April to the end of the quarter
    index = {
        (r["indicator_id"], r["period"], r["label"]): r
        for r in values.filter(
            pl.col("indicator_id").is_in([i["indicator_id"] for i in inds])
        ).rows(named=True)
    }  # a few hundred cells
    period_col = [
        "Target",
        *[_month_title(m) for m in months],
        *years[:-1],
        f"{years[-1]} (year to date)",
    ]
    out: dict[str, list[str]] = {"Period": period_col}
    codes = [i["code"] for i in inds if i["code"]]
    for ind in inds:
        unit, dec = ind["unit"], ind["decimals"]
        month_period = "ytd" if ind["window"] == "ytd" else "month"
        target = (
            ""
            if ind["target"] is None
            else display_value(
                ind["target"], False, 0 if float(ind["target"]).is_integer() else dec
            )
        )
        cells, nds = [target], [""]
        for m in months:
            if m not in shown:
                cells.append("")  # a month after the quarter: blank, as in a printed report
                nds.append("")
                continue
            row = index.get((ind["indicator_id"], month_period, m))
            cells.append(_fmt(row, unit, dec))
            nds.append(_nd(row))
        for y in years:
            row = index.get((ind["indicator_id"], "year", y))
            cells.append(_fmt(row, unit, dec))
            nds.append(_nd(row))
        if _no_figure(cells[1:]):
            continue  # a column of dashes says nothing: the note gives the reason instead
        head = _head(ind, codes)
        if unit == "%":
            out[f"{head}: n / d"] = nds
            out[f"{head}: %"] = cells
        else:
            out[head] = cells
    frame = pl.DataFrame(out)
    if len(frame.columns) > 1 and _no_figure(list(frame.row(0)[1:])):
        frame = frame.slice(1)  # no indicator shown has a target
    return frame


def right_columns(frame: pl.DataFrame) -> list[str]:
    return [c for c in frame.columns if c != "Period"]


def _shown(ind: dict, codes: list[str], table: pl.DataFrame | None) -> bool:
    head = _head(ind, codes)
    return table is None or head in table.columns or f"{head}: %" in table.columns


def _why_no_figure(ind: dict) -> str:
    if ind.get("not_available"):  # its input is absent
        return f"not available: {ind['not_available'].rstrip('.')}"
    if ind["source"] == "supplied":
        return "no figure this year: none supplied by the service"
    return "no figure this year"


def table_note(catalogue: pl.DataFrame, group: str, table: pl.DataFrame | None = None) -> str:
    """The note below a group's table: the symbols, each code's title and definition, and
    why an indicator left out of `table` has no figure."""
    parts = []
    inds = group_indicators(catalogue, group)
    codes = [i["code"] for i in inds if i["code"]]
    for ind in inds:
        what = _name(ind)
        if ind.get("not_available") or not _shown(ind, codes, table):
            what += f" (not shown, {_why_no_figure(ind)})"
        elif ind["source"] == "supplied":
            what += " (supplied by the service)"
        elif ind["unit"] == "%" and ind["numerator"]:
            what += f" (n = {ind['numerator']}, d = {ind['denominator']})"
        parts.append(what)
    base = (
        "Monthly rows show the month (or, for year-to-date measures, 1 April to the month end); "
        "the last row is this year to the end of the quarter. c: suppressed to protect children's "
        "privacy. –: no figure. Blank: after the quarter."
    )
    return base + (" " + "; ".join(parts) + "." if parts else "")


def no_table_sentence(catalogue: pl.DataFrame, group: str) -> str:
    """Said in place of a group's table when none of its indicators has a figure."""
    parts = []
    for ind in group_indicators(catalogue, group):
        what = _name(ind)
        parts.append(f"{what} ({_why_no_figure(ind)})")
    return "No figures to show for this group: " + "; ".join(parts) + "."


def chart_data(values: pl.DataFrame, catalogue: pl.DataFrame, indicator: str) -> pl.DataFrame:
    """One indicator's month values this year (suppressed values are gaps)."""
    ind = catalogue.filter(pl.col("indicator_id") == indicator).row(0, named=True)
    period = "ytd" if ind["window"] == "ytd" else "month"
    return (
        values.filter((pl.col("indicator_id") == indicator) & (pl.col("period") == period))
        .with_columns((pl.col("label") + "-01").str.to_date().alias("month_start"))
        .sort("month_start")
        .select("month_start", "value", "is_value_suppressed")
    )


def group_chart(
    values: pl.DataFrame, catalogue: pl.DataFrame, indicator: str
) -> tuple[alt.LayerChart | alt.Chart | None, str]:
    """The line chart of an indicator this year with its target as a labelled dashed rule,
    and its alt text; (None, the sentence to show instead) when no month has a published
    figure (an empty chart would look like a chart of nothing)."""
    ind = catalogue.filter(pl.col("indicator_id") == indicator).row(0, named=True)
    data = chart_data(values, catalogue, indicator)
    title = _name(ind)
    published = data.filter(
        pl.col("value").is_not_null() & ~pl.col("is_value_suppressed").fill_null(False)
    )
    if published.height == 0:
        if data.height and data["is_value_suppressed"].fill_null(False).any():
            why = "every monthly figure this year is suppressed to protect children's privacy"
        else:
            why = _why_no_figure(ind)
        return None, f"No chart of {title}: {why}."
    line = charts.line_chart(
        data,
        x="month_start",
        y="value",
        title=title,
        x_title="Month",
        y_title=UNIT_AXIS[ind["unit"]],
    )
    fmt = "{:,.1f}" if ind["unit"] != "No." else "{:,.0f}"
    alt_text = charts.alt_text_trend(
        data, x="month_start", y="value", what=ind["title"], value_format=fmt
    )
    if ind["target"] is None:
        return line, alt_text
    target = pl.DataFrame(
        {"target": [float(ind["target"])], "label": [f"Target {ind['target']:g}"]}
    )
    rule = (
        alt.Chart(target)
        .mark_rule(strokeDash=[6, 4], color="#000000", strokeWidth=1.5)
        .encode(y=alt.Y("target:Q"))
    )
    text = (
        alt.Chart(target)
        .mark_text(align="left", dx=4, dy=-6, color="#1a1a1a")
        .encode(y=alt.Y("target:Q"), x=alt.value(0), text="label:N")
    )
    return alt.layer(
        line, rule, text
    ), alt_text + f"; the dashed line is the target of {ind['target']:g}"


def definitions_table(catalogue: pl.DataFrame) -> pl.DataFrame:
    rows = catalogue.sort("order")
    return pl.DataFrame(
        {
            "Indicator": [
                f"{c} {t}".strip() for c, t in zip(rows["code"], rows["title"], strict=True)
            ],
            "Source": rows["source"],
            "Definition": rows["definition"],
        }
    )


def supplied_table(catalogue: pl.DataFrame) -> pl.DataFrame:
    rows = catalogue.filter(pl.col("source") == "supplied").sort("order")
    return pl.DataFrame(
        {
            "Indicator": [
                f"{c} {t}".strip() for c, t in zip(rows["code"], rows["title"], strict=True)
            ],
            "Why it is supplied": rows["supplied_reason"],
        }
    )
