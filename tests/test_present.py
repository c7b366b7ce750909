"""Notebook display helpers: Markdown tables, the monthly pivot, script-free charts, alt text."""

from __future__ import annotations

import datetime as dt
import html
import json
import re

import polars as pl
import pytest

from pipeline import charts, present


def _flagged() -> pl.DataFrame:
    return pl.DataFrame(
        {
            "area": ["Health", "Education", "Contact"],
            "n": [12, None, 1234],
            "is_n_suppressed": [False, True, False],
            "pct": [50.04, None, None],
            "is_pct_suppressed": [False, True, False],
        }
    )


def test_table_markdown_suppression_alignment_caption():
    md = present.table_markdown(
        _flagged(),
        caption="Escalations by area",
        label="tbl-escalations",
        columns={"area": "Area", "n": "Escalations", "pct": "Per cent"},
        decimals={"pct": 1},
        note="One escalation can name several areas.",
    )
    lines = md.splitlines()
    assert lines[0] == "| Area | Escalations | Per cent |"
    assert lines[1] == "|:---|---:|---:|"
    assert lines[2] == "| Health | 12 | 50.0 |"
    assert lines[3] == "| Education | c | c |"  # suppressed
    assert lines[4] == "| Contact | 1,234 | – |"  # missing, not suppressed
    assert ": Escalations by area {#tbl-escalations}" in lines
    assert lines[-1] == "One escalation can name several areas."
    assert "is_n_suppressed" not in md


def test_table_defaults_hide_flags_and_escape_pipes():
    df = pl.DataFrame({"code": ["A|B"], "n": [3], "is_n_suppressed": [False]})
    md = present.table_markdown(df, caption="Codes")
    assert md.splitlines()[0] == "| code | n |"
    assert "| A\\|B | 3 |" in md
    assert md.rstrip().endswith(": Codes")


def test_table_unknown_column_is_an_error():
    with pytest.raises(KeyError, match="nope"):
        present.table_markdown(_flagged(), caption="x", columns={"nope": "Nope"})


def test_monthly_table_pivots_and_keeps_c():
    months = [dt.date(2023, 4, 30), dt.date(2023, 5, 31)]
    df = pl.DataFrame(
        {
            "reason": ["Late", "On time", "On time", "Late"],
            "month_end_date": [months[1], months[0], months[1], months[0]],
            "reviews": [None, 40, 41, 7],
            "is_reviews_suppressed": [True, False, False, False],
        }
    )
    md = present.monthly_table_markdown(
        df,
        row="reason",
        value="reviews",
        caption="Reviews by month",
        row_header="Timeliness",
        row_order=["On time", "Late"],
    )
    lines = md.splitlines()
    assert lines[0] == "| Timeliness | Apr 23 | May 23 |"
    assert lines[1] == "|:---|---:|---:|"
    assert lines[2] == "| On time | 40 | 41 |"
    assert lines[3] == "| Late | 7 | c |"


def test_monthly_table_missing_month_is_a_dash():
    df = pl.DataFrame({"r": ["a", "b"], "month_end_date": ["2023-04", "2023-05"], "v": [1.25, 2.5]})
    md = present.monthly_table_markdown(df, row="r", value="v", caption="x", decimals=1)
    assert "| a | 1.2 | – |" in md or "| a | 1.3 | – |" in md
    assert "| b | – | 2.5 |" in md


def _trend(values, flags=None) -> pl.DataFrame:
    months = [dt.date(2023, 4 + i, 1) for i in range(len(values))]
    data = {"month": months, "children": values}
    if flags:
        data["is_children_suppressed"] = flags
    return pl.DataFrame(data)


def test_chart_html_has_no_script_and_only_the_aggregated_data():
    df = _trend([433, 460, 449], [False, False, False]).with_columns(secret=pl.lit("x"))
    chart = charts.line_chart(
        df, x="month", y="children", title="Children in care", x_title="Month", y_title="Children"
    )
    out = present.chart_html(chart, alt_text="Line chart: children <in care>", label="fig-cic")
    assert "<script" not in out.lower()
    assert 'aria-label="Line chart: children &lt;in care&gt;"' in out
    assert 'id="chart-fig-cic"' in out and 'role="img"' in out
    spec = json.loads(html.unescape(re.search(r"data-spec='([^']*)'", out).group(1)))
    rows = [r for ds in spec["datasets"].values() for r in ds]
    assert len(rows) == 3
    assert {k for r in rows for k in r} == {"month", "children"}  # no flags, no other columns
    assert "http" not in json.dumps(spec)
    assert spec["usermeta"]["embedOptions"]["renderer"] == "svg"


def test_chart_id_is_deterministic_without_label():
    df = _trend([1, 2])
    c = charts.bar_chart(df, x="month", y="children", title="t", x_title="x", y_title="y")
    a = present.chart_html(c, alt_text="a")
    b = present.chart_html(c, alt_text="a")
    assert a == b
    assert re.search(r'id="chart-[0-9a-f]{12}"', a)


def test_chart_strips_flags_even_from_a_raw_chart():
    import altair as alt

    df = pl.DataFrame(
        {"x": ["a"], "n": pl.Series([None], dtype=pl.Int64), "is_n_suppressed": [True]}
    )
    spec = present.chart_spec(alt.Chart(df).mark_bar().encode(x="x:N", y="n:Q"))
    rows = [r for ds in spec["datasets"].values() for r in ds]
    assert rows == [{"x": "a", "n": None}]


def test_chart_png_is_a_png():
    c = charts.line_chart(
        _trend([1, 2, 3]), x="month", y="children", title="t", x_title="x", y_title="y"
    )
    assert present.chart_png(c)[:8] == b"\x89PNG\r\n\x1a\n"


def test_palette_meets_3_to_1_on_white():
    def lum(h):
        def f(c):
            return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

        r, g, b = (int(h[i : i + 2], 16) / 255 for i in (1, 3, 5))
        return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b)

    for colour in charts.PALETTE:
        assert 1.05 / (lum(colour) + 0.05) >= 3, colour


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([433, 440, 449], "children in care rose from 433 in April 2023 to 449 in June 2023"),
        ([449, 440, 433], "children in care fell from 449 in April 2023 to 433 in June 2023"),
        ([433, 433], "children in care stayed at 433 from April 2023 to May 2023"),
    ],
)
def test_alt_text_trend_direction(values, expected):
    text = charts.alt_text_trend(_trend(values), x="month", y="children", what="children in care")
    assert text == "Line chart: " + expected


def test_alt_text_trend_peak_in_the_middle():
    text = charts.alt_text_trend(
        _trend([433, 470, 449]), x="month", y="children", what="children in care"
    )
    assert text.endswith(", peaking at 470 in May 2023")
    ends = charts.alt_text_trend(_trend([433, 440, 449]), x="month", y="children", what="c")
    assert "peaking" not in ends


def test_alt_text_trend_ignores_suppressed_values():
    df = _trend([3, 450, 460], [True, False, False]).with_columns(
        children=pl.when(pl.col("is_children_suppressed")).then(None).otherwise(pl.col("children"))
    )
    text = charts.alt_text_trend(df, x="month", y="children", what="children")
    assert text.startswith("Line chart: children rose from 450 in May 2023")
    assert "1 value suppressed" in text


def test_alt_text_bars():
    df = pl.DataFrame(
        {
            "code": ["PN6", "PN1", "PN3"],
            "n": [201, 412, None],
            "is_n_suppressed": [False, False, True],
        }
    )
    text = charts.alt_text_bars(df, category="code", value="n", what="reviews by code")
    assert (
        text == "Bar chart of reviews by code: largest PN1 (412), then PN6 (201); suppressed: PN3"
    )


def test_bar_chart_labels_suppressed_bars_with_c():
    df = pl.DataFrame({"code": ["PN1", "PN3"], "n": [412, None], "is_n_suppressed": [False, True]})
    spec = charts.bar_chart(
        df, x="code", y="n", title="t", x_title="Code", y_title="Reviews", horizontal=True
    ).to_dict()
    assert "'c'" in json.dumps(spec)
    assert all("is_n_suppressed" not in r for ds in spec["datasets"].values() for r in ds)
