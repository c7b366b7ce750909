"""Appendix A as CSV and as a workbook to the GSS standard, safe and deterministic.

CSV: exactly indicator_id, title, section, unit, good_is, england, stat_neighbours, target,
one column per month 'YYYY-MM', dot, rag; suppressed cells `c`, missing cells blank.

Workbook (xlsxwriter), following the Analysis Function's "Releasing statistics in
spreadsheets": a cover sheet, a contents sheet, a notes sheet, then one table per sheet,
each with its title in cell A1 and a line saying what the sheet holds above the table
(an Excel table with a header row; no merged cells, no blank rows or columns inside it).
Figures are numbers; a cell with no figure holds a symbol in brackets, explained on the
notes sheet: [c] suppressed to protect children's privacy, [x] not available, [z] not
applicable. Rows are in the HTML appendix's order (sections in pack order).

Text that a spreadsheet would read as a formula (starting =, +, -, @, a tab or a carriage
return) is prefixed with an apostrophe, in the CSV and in the workbook alike; numbers
are never changed.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipeline.disclosure import SUPPRESSED_SYMBOL
from pipeline.reports.pack.build import FIXED_COLUMNS

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
TEXT_COLUMNS = ["indicator_id", "title", "section", "unit", "good_is", "dot", "rag"]
FIXED_DATE = dt.datetime(2000, 1, 1)
SUPPRESSED = "[c]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
UNIT_WORDS = {"%": "Per cent", "No.": "Number", "Rate": "Rate per 10,000", "Days": "Days"}


def columns(months: list[str]) -> list[str]:
    return [*FIXED_COLUMNS, *months, "dot", "rag"]


def neutralise(text: str | None) -> str | None:
    """Prefix an apostrophe so '=HYPERLINK(...)' is shown as text, never run as a formula."""
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def _neutralise_expr(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + c).otherwise(c).alias(col)


def _number_text(col: str, decimals: pl.Expr, suppressed: pl.Expr | None) -> pl.Expr:
    """A numeric cell as text at the indicator's decimals; `c` when suppressed."""
    c = pl.col(col)
    text = pl.when(decimals == 0).then(c.round(0).cast(pl.Int64).cast(pl.String))
    for d in range(1, 5):
        text = text.when(decimals == d).then(c.round(d).cast(pl.String))
    out = text.otherwise(c.cast(pl.String))
    if suppressed is not None:
        out = pl.when(suppressed).then(pl.lit(SUPPRESSED_SYMBOL)).otherwise(out)
    return out.alias(col)


def ordered(appendix: pl.DataFrame, sections: list[str] | None = None) -> pl.DataFrame:
    """Rows as the HTML appendix has them: by section in pack order, then catalogue order."""
    if not sections:
        sections = list(dict.fromkeys(appendix.sort("order")["section"].to_list()))
    rank = {s: i for i, s in enumerate(sections)}
    return appendix.sort(
        pl.col("section").replace_strict(rank, default=len(rank), return_dtype=pl.Int32), "order"
    )


def appendix_csv_frame(
    appendix: pl.DataFrame, months: list[str], sections: list[str] | None = None
) -> pl.DataFrame:
    dec = pl.col("decimals")
    return ordered(appendix, sections).select(
        *[_neutralise_expr(c) for c in ["indicator_id", "title", "section", "unit", "good_is"]],
        *[_number_text(c, dec, None) for c in ["england", "stat_neighbours", "target"]],
        *[_number_text(m, dec, pl.col(f"is_{m}_suppressed")) for m in months],
        _neutralise_expr("dot"),
        _neutralise_expr("rag"),
    )


def write_appendix_csv(
    appendix: pl.DataFrame,
    months: list[str],
    path: Path | str,
    sections: list[str] | None = None,
) -> Path:
    """Appendix A as UTF-8 CSV with exactly the published columns, rows in the HTML's order."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    appendix_csv_frame(appendix, months, sections).select(columns(months)).write_csv(path)
    return path


def _num_format(unit: str, decimals: int) -> str:
    return "#,##0" + ("." + "0" * decimals if decimals and unit != "No." else "")


def _month_label(m: str) -> str:
    return dt.date.fromisoformat(m + "-01").strftime("%B %Y")


def write_appendix_xlsx(
    appendix: pl.DataFrame,
    months: list[str],
    path: Path | str,
    *,
    title: str = "Appendix A",
    authority: str = "",
    extract_date: dt.date | None = None,
    threshold: int = 5,
    sections: list[str] | None = None,
) -> Path:
    """The pack's indicators as a GSS-style workbook: cover, contents, notes, two tables."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = ordered(appendix, sections).rows(named=True)  # tens of indicators
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    wb.set_properties({"title": title, "author": "cic-reports", "created": FIXED_DATE})
    h1 = wb.add_format({"bold": True, "font_size": 16})
    h2 = wb.add_format({"bold": True, "font_size": 12})
    wrap = wb.add_format({"text_wrap": True, "valign": "top"})
    link = wb.add_format({"font_color": "#0000FF", "underline": 1})
    extract = f"{extract_date:%-d %B %Y}" if extract_date else "the extract date"
    latest = _month_label(months[-1])
    where = f" for {authority}" if authority else ""

    # ---- cover
    cover = wb.add_worksheet("Cover")
    cover.set_column(0, 0, 110)
    lines = [
        (title + where, h1),
        (
            "This workbook holds the indicators of the corporate parenting performance pack"
            f"{where} for {latest}, with the five months before, and their definitions.",
            wrap,
        ),
        ("Source", h2),
        (
            "Indicators marked 'computed' are worked out from the authority's SSDA903 records "
            f"extracted {extract}; the others are supplied monthly by the teams named in table 2.",
            wrap,
        ),
        ("Benchmarks", h2),
        (
            "England and statistical neighbour figures are the latest the Department for "
            "Education has published, not this month's.",
            wrap,
        ),
        ("Privacy", h2),
        (
            f"Counts of 1 to {threshold} children, and figures from which such a count could be "
            "worked out, are replaced by [c]. See the Notes sheet for every symbol.",
            wrap,
        ),
        ("Contents", h2),
        ("The Contents sheet lists the tables in this workbook.", wrap),
    ]
    for i, (text, fmt) in enumerate(lines):
        cover.write_string(i, 0, text, fmt)

    # ---- tables (written first so the contents can describe them)
    tables = [
        ("Table_1", f"Table 1: Indicators, {latest} and the five months before"),
        ("Table_2", "Table 2: Definitions and sources of the indicators"),
    ]
    contents = wb.add_worksheet("Contents")
    notes = wb.add_worksheet("Notes")

    contents.write_string(0, 0, "Contents", h1)
    contents.write_string(1, 0, "This worksheet contains one table.")
    contents.set_column(0, 0, 16)
    contents.set_column(1, 1, 80)
    data = [[name, text] for name, text in tables]
    contents.add_table(
        3,
        0,
        3 + len(data),
        1,
        {
            "name": "contents",
            "style": "Table Style Light 1",
            "autofilter": False,
            "columns": [{"header": "Sheet name"}, {"header": "Table title"}],
        },
    )
    for i, (name, text) in enumerate(tables, start=4):
        contents.write_url(i, 0, f"internal:'{name}'!A1", link, name)
        contents.write_string(i, 1, text)

    note_rows = [
        (
            "[c]",
            f"Suppressed to protect children's privacy: a count of 1 to {threshold} "
            "children, or a figure from which one could be worked out.",
        ),
        (
            "[x]",
            "Not available: no figure was computed or supplied for this month, or the "
            "England or neighbour figure is not published.",
        ),
        (
            "[z]",
            "Not applicable: the indicator has no target, no direction of travel (neither "
            "high nor low is better) or no year to date.",
        ),
        (
            "Units",
            "Per cent: percentages (0 to 100). Number: counts, whole numbers. Rate: per "
            "10,000 children aged 0 to 17. Days: averages in days. Score: an average score.",
        ),
        (
            "DOT",
            "Direction of travel: the arrow shows whether the latest month is up or down "
            "on the month before; the word whether that is better or worse.",
        ),
        (
            "RAG",
            "Green: at or better than target. Amber: worse by no more than the tolerance "
            "(5% of the target unless set). Red: worse by more than that.",
        ),
    ]
    notes.write_string(0, 0, "Notes", h1)
    notes.write_string(1, 0, "This worksheet contains one table: the symbols and terms used.")
    notes.set_column(0, 0, 14)
    notes.set_column(1, 1, 100)
    notes.add_table(
        3,
        0,
        3 + len(note_rows),
        1,
        {
            "name": "notes",
            "style": "Table Style Light 1",
            "autofilter": False,
            "columns": [{"header": "Symbol or term"}, {"header": "Meaning"}],
        },
    )
    for i, (sym, text) in enumerate(note_rows, start=4):
        notes.write_string(i, 0, sym)
        notes.write_string(i, 1, text, wrap)

    # ---- table 1: indicators
    ws = wb.add_worksheet("Table_1")
    ws.write_string(0, 0, tables[0][1], h1)
    ws.write_string(
        1,
        0,
        f"This worksheet contains one table of {len(rows)} indicators, in the order of the "
        "pack. Symbols such as [c] are explained on the Notes sheet.",
    )
    ws.write_string(2, 0, f"Source: SSDA903 records extracted {extract}, and supplied figures.")
    month_headers = [_month_label(m) for m in months]
    headers = [
        "Indicator ID",
        "Indicator",
        "Section",
        "Unit",
        "Good is",
        "Source",
        "England",
        "Statistical neighbours",
        "Target",
        *month_headers,
        "Direction of travel",
        "RAG",
        f"Same month last year ({_month_label(_year_before(months[-1]))})",
        "Year to date",
        "Latest numerator",
        "Latest denominator",
    ]
    first = 4
    ws.add_table(
        first,
        0,
        first + len(rows),
        len(headers) - 1,
        {
            "name": "indicators",
            "style": "Table Style Light 1",
            "autofilter": False,
            "columns": [{"header": h} for h in headers],
        },
    )
    num_fmts: dict[str, object] = {}
    for i, r in enumerate(rows, start=first + 1):
        key = _num_format(r["unit"], r["decimals"])
        fmt = num_fmts.setdefault(key, wb.add_format({"num_format": key}))
        text = [
            r["indicator_id"],
            r["title"],
            r["section"],
            UNIT_WORDS.get(r["unit"], r["unit"]),
            r["good_is"] or "Neither",
            "Computed"
            if r["source"] == "computed"
            else f"Supplied: {r.get('supplied_by') or 'the service'}",
        ]
        for j, v in enumerate(text):
            ws.write_string(i, j, neutralise(v) or "")
        j = len(text)
        for c in ("england", "stat_neighbours"):
            _number(ws, i, j, r[c], False, fmt, NOT_AVAILABLE)
            j += 1
        _number(ws, i, j, r["target"], False, fmt, NOT_APPLICABLE)
        j += 1
        for m in months:
            _number(ws, i, j, r[m], bool(r.get(f"is_{m}_suppressed")), fmt, NOT_AVAILABLE)
            j += 1
        ws.write_string(i, j, neutralise(r["dot"]) or NOT_APPLICABLE)
        ws.write_string(i + 0, j + 1, neutralise(r["rag"]) or NOT_APPLICABLE)
        _number(
            ws,
            i,
            j + 2,
            r.get("same_month_last_year"),
            bool(r.get("is_same_month_last_year_suppressed")),
            fmt,
            NOT_AVAILABLE,
        )
        if r.get("ytd"):
            _number(
                ws,
                i,
                j + 3,
                r.get("ytd_value"),
                bool(r.get("is_ytd_value_suppressed")),
                fmt,
                NOT_AVAILABLE,
            )
        else:
            ws.write_string(i, j + 3, NOT_APPLICABLE)
        count_fmt = num_fmts.setdefault("#,##0", wb.add_format({"num_format": "#,##0"}))
        for k, c in enumerate(("numerator_count", "denominator_count")):
            _number(
                ws,
                i,
                j + 4 + k,
                r.get(c),
                False,
                count_fmt,
                NOT_AVAILABLE if r["unit"] == "%" else NOT_APPLICABLE,
            )
    ws.set_column(0, 0, 28)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 5, 18)
    ws.set_column(6, len(headers) - 1, 14)
    ws.freeze_panes(first + 1, 2)

    # ---- table 2: definitions
    ws2 = wb.add_worksheet("Table_2")
    ws2.write_string(0, 0, tables[1][1], h1)
    ws2.write_string(1, 0, f"This worksheet contains one table of {len(rows)} indicators.")
    heads2 = ["Indicator ID", "Indicator", "Section", "Definition", "Unit", "Good is", "Source"]
    ws2.add_table(
        3,
        0,
        3 + len(rows),
        len(heads2) - 1,
        {
            "name": "definitions",
            "style": "Table Style Light 1",
            "autofilter": False,
            "columns": [{"header": h} for h in heads2],
        },
    )
    for i, r in enumerate(rows, start=4):
        values = [
            r["indicator_id"],
            r["title"],
            r["section"],
            r["definition"] or NOT_AVAILABLE,
            UNIT_WORDS.get(r["unit"], r["unit"]),
            r["good_is"] or "Neither",
            f"Computed from the SSDA903 records extracted {extract}"
            if r["source"] == "computed"
            else f"Supplied monthly by {r.get('supplied_by') or 'the service'}",
        ]
        for j, v in enumerate(values):
            ws2.write_string(i, j, neutralise(v) or "", wrap)
    ws2.set_column(0, 0, 28)
    ws2.set_column(1, 1, 50)
    ws2.set_column(2, 2, 18)
    ws2.set_column(3, 3, 80)
    ws2.set_column(4, 6, 24)
    wb.close()
    return path


def _year_before(month: str) -> str:
    y, m = (int(p) for p in month.split("-"))
    return f"{y - 1:04d}-{m:02d}"


def _number(ws, i: int, j: int, value, suppressed: bool, fmt, missing: str) -> None:
    """A figure as a number; a symbol when there is none (never a blank, never text digits)."""
    if suppressed:
        ws.write_string(i, j, SUPPRESSED)
    elif value is None:
        ws.write_string(i, j, missing)
    else:
        ws.write_number(i, j, float(value), fmt)
