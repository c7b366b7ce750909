"""Notebook display helpers: Markdown tables, the monthly pivot, script-free charts, alt text."""

from __future__ import annotations

import base64
import datetime as dt
import html
import json
import re

import polars as pl
import pytest

from pipeline.publish import charts, present


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
    assert re.fullmatch(r"\|:-{3,}\|-{3,}:\|-{3,}:\|", lines[1])  # text left, numbers right
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
    assert re.fullmatch(r"\|:-{3,}\|-{3,}:\|-{3,}:\|", lines[1])
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


def test_chart_output_is_markdown_with_a_png_for_docx_and_pdf_and_no_html_output():
    """Quarto 1.7 adds require.js and jQuery from a CDN for any text/html output: none here."""
    df = _trend([433, 460, 449])
    chart = charts.line_chart(
        df, x="month", y="children", title="Children in care", x_title="Month", y_title="n"
    )
    alt = "Line chart: children [in care] rose *a lot*"
    data, metadata = present.chart_bundle(chart, alt_text=alt, label="fig-cic")
    assert set(data) == {"text/markdown", "text/plain"}
    assert data["text/plain"] == alt
    md = data["text/markdown"]
    raw, hidden = md.split("```\n\n", 1)
    assert raw.startswith('```{=html}\n<div class="vega-figure">') and "<script" not in md
    assert hidden.startswith('::: {.content-hidden when-format="html"}\n')
    image = re.search(r"!\[(.*)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", hidden)
    assert image.group(1) == r"Line chart: children \[in care\] rose \*a lot\*"
    assert base64.b64decode(image.group(2))[:8] == b"\x89PNG\r\n\x1a\n"
    # the chart's title becomes the figure caption and is not drawn twice
    assert metadata == {present.FIGURE_KEY: {"caption": "Children in care", "alt": alt}}
    spec = json.loads(html.unescape(re.search(r"data-spec='([^']*)'", md).group(1)))
    assert "title" not in spec


def test_chart_needs_alt_text_and_a_caption():
    df = _trend([1, 2])
    untitled = charts.line_chart(df, x="month", y="children", title="", x_title="x", y_title="y")
    with pytest.raises(ValueError, match="alt_text"):
        present.chart_bundle(untitled, alt_text=" ", caption="c")
    with pytest.raises(ValueError, match="caption"):
        present.chart_bundle(untitled, alt_text="a")
    _, meta = present.chart_bundle(untitled, alt_text="a", caption="Given  caption")
    assert meta[present.FIGURE_KEY]["caption"] == "Given caption"


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
    assert text.endswith("; highest 470 in May 2023")
    ends = charts.alt_text_trend(_trend([433, 440, 449]), x="month", y="children", what="c")
    assert "highest" not in ends and "direction" not in ends


def test_alt_text_trend_names_a_dip_and_every_reversal():
    """Similar ends hide a dip: the lowest point and each change of direction are named."""
    text = charts.alt_text_trend(
        _trend([450, 452, 420, 455, 451]), x="month", y="children", what="children in care"
    )
    assert "rose from 450 in April 2023 to 451 in August 2023" in text
    assert "lowest 420 in June 2023" in text and "highest 455 in July 2023" in text
    assert "a peak of 452 in May 2023" in text  # the other turn, not already named


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


def test_horizontal_bar_chart_title_reads_across_above_the_labels():
    """Rotated beside long labels, vl-convert's PNG (PDF, DOCX) drew the title over them."""
    df = pl.DataFrame({"group": ["Black, African, Caribbean or Black British"], "n": [22]})
    spec = charts.bar_chart(
        df, x="group", y="n", title="t", x_title="Ethnic group", y_title="Children", horizontal=True
    ).to_dict()
    axes = [layer["encoding"]["y"]["axis"] for layer in spec["layer"]]
    assert all(a["titleAngle"] == 0 and a["titleY"] < 0 and a["titleX"] < 0 for a in axes)
    vertical = charts.bar_chart(
        df, x="group", y="n", title="t", x_title="Ethnic group", y_title="Children"
    ).to_dict()
    assert "titleAngle" not in vertical["layer"][0]["encoding"]["x"]["axis"]


def test_column_widths_follow_the_content():
    df = pl.DataFrame({"label": ["A much longer label than the rest"], "n": [1]})
    rule = present.table_markdown(df, caption="x").splitlines()[1]
    left, right = rule.strip("|").split("|")
    assert len(left) > len(right)


def test_table_right_aligns_text_columns_relabels_and_formats_months():
    df = pl.DataFrame(
        {
            "month": [dt.date(2023, 4, 30)],
            "value": ["12.5"],
            "direction": ["up"],
        }
    )
    md = present.table_markdown(
        df,
        caption="x",
        right=["value"],
        date_format="%b %Y",
        relabel={"direction": present.DIRECTION_LABELS},
    )
    lines = md.splitlines()
    assert re.fullmatch(r"\|:-+\|-+:\|:-+\|", lines[1])
    assert lines[2] == "| Apr 2023 | 12.5 | ▲ Up |"
    with pytest.raises(KeyError, match="nope"):
        present.table_markdown(df, caption="x", right=["nope"])


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (
            ["1-4", "10-15", "16+", "5-9", "Total", "Under 1"],
            ["Under 1", "1-4", "5-9", "10-15", "16+", "Total"],
        ),
        (["37+", "0-3", "13-24", "4-6"], ["0-3", "4-6", "13-24", "37+"]),
        (
            ["Stage 2", "Total", "Informal escalation", "Stage 1"],
            ["Informal escalation", "Stage 1", "Stage 2", "Total"],
        ),
        (["Q3", "Year", "Q1", "Q2"], ["Q1", "Q2", "Q3", "Year"]),
        (
            ["V2 Section 20", "J1 Remand", "C2 Full", "E1 Placement", "C1 Interim"],
            ["C1 Interim", "C2 Full", "E1 Placement", "V2 Section 20", "J1 Remand"],
        ),
        (["White", "Total", "Mixed"], ["White", "Mixed", "Total"]),  # no vocabulary: kept
        (["12 months or more", "2.5 years or more"], ["12 months or more", "2.5 years or more"]),
    ],
)
def test_category_order(labels, expected):
    assert present.category_order(labels) == expected


def test_crosstab_pivots_orders_and_keeps_c():
    df = pl.DataFrame(
        {
            "age_band": [
                "16+",
                "16+",
                "Under 1",
                "Under 1",
                "Total",
                "Total",
                "16+",
                "Under 1",
                "Total",
            ],
            "ls": [
                "Care order",
                "Total",
                "Care order",
                "Total",
                "Care order",
                "Total",
                "S20",
                "S20",
                "S20",
            ],
            "n": [10, 12, None, 9, 13, 21, None, 6, 8],
            "is_n_suppressed": [False, False, True, False, False, False, True, False, False],
        }
    )
    md = present.crosstab_markdown(
        df, rows="age_band", columns="ls", values="n", caption="Age by status", row_header="Age"
    )
    lines = md.splitlines()
    assert lines[0] == "| Age | Care order | S20 | Total |"
    assert lines[2] == "| Under 1 | c | 6 | 9 |"
    assert lines[3] == "| 16+ | 10 | c | 12 |"
    assert lines[4] == "| Total | 13 | 8 | 21 |"
    assert ": Age by status" in lines


def test_crosstab_several_values_and_explicit_order():
    df = pl.DataFrame(
        {
            "eth": ["White", "White", "Asian", "Asian"],
            "cohort": ["UASC", "All children", "UASC", "All children"],
            "n": [0, 10, None, 7],
            "pct": [0.0, 58.8, None, 41.2],
            "is_n_suppressed": [False, False, True, False],
            "is_pct_suppressed": [False, False, True, False],
        }
    )
    md = present.crosstab_markdown(
        df,
        rows="eth",
        columns="cohort",
        values={"n": "number", "pct": "%"},
        column_order=["All children", "UASC"],
        decimals={"pct": 1},
        caption="x",
    )
    lines = md.splitlines()
    assert lines[0] == "|   | All children number | All children % | UASC number | UASC % |"
    assert lines[3] == "| Asian | 7 | 41.2 | c | c |"
    with pytest.raises(KeyError, match="columns not in order: UASC"):
        present.crosstab_markdown(
            df, rows="eth", columns="cohort", values="n", column_order=["Other"], caption="x"
        )


def test_year_on_year_chart_months_across_and_alt_text():
    dates = [dt.date(2023, 4, 30), dt.date(2023, 5, 31), dt.date(2022, 4, 30), dt.date(2022, 5, 31)]
    df = pl.DataFrame(
        {
            "month_end_date": dates,
            "year_label": ["2023-24", "2023-24", "2022-23", "2022-23"],
            "n": [10, 12, 8, 7],
            "is_n_suppressed": [False] * 4,
        }
    )
    spec = present.chart_spec(
        charts.year_on_year_chart(
            df, date="month_end_date", y="n", year="year_label", title="t", y_title="Children"
        )
    )
    assert spec["encoding"]["x"]["sort"][:2] == ["Apr", "May"]
    assert spec["encoding"]["color"]["scale"]["domain"] == ["2023-24", "2022-23"]
    assert "is_n_suppressed" not in json.dumps(spec)
    text = charts.alt_text_year_on_year(
        df, date="month_end_date", y="n", year="year_label", what="children"
    )
    assert text.startswith("Line chart comparing 2023-24 with 2022-23 month by month: in 2023-24 ")
    assert "rose from 10 in April 2023 to 12 in May 2023" in text
    assert "in 2022-23 children fell from 8 in April 2022 to 7 in May 2022" in text
