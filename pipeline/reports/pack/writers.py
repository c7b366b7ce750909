"""Appendix A as CSV and as an Excel workbook (xlsxwriter), safe and deterministic.

Both carry exactly: indicator_id, title, section, unit, good_is, england, stat_neighbours,
target, one column per month 'YYYY-MM', dot, rag. Suppressed cells are `c`, missing cells
blank. Text that a spreadsheet would read as a formula (starting =, +, - or @) is
prefixed with an apostrophe.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipeline.disclosure import SUPPRESSED_SYMBOL
from pipeline.reports.pack.build import FIXED_COLUMNS

FORMULA_START = ("=", "+", "-", "@")
TEXT_COLUMNS = ["indicator_id", "title", "section", "unit", "good_is", "dot", "rag"]
FIXED_DATE = dt.datetime(2000, 1, 1)
RAG_FILL = {"Green": "#C6EFCE", "Amber": "#FFEB9C", "Red": "#FFC7CE"}
RAG_FONT = {"Green": "#006100", "Amber": "#7F6000", "Red": "#9C0006"}


def columns(months: list[str]) -> list[str]:
    return [*FIXED_COLUMNS, *months, "dot", "rag"]


def neutralise(text: str | None) -> str | None:
    """Prefix an apostrophe so '=HYPERLINK(...)' is shown as text, never run as a formula."""
    if text and text.startswith(FORMULA_START):
        return "'" + text
    return text


def _neutralise_expr(col: str) -> pl.Expr:
    c = pl.col(col)
    return pl.when(c.str.contains(r"^[=+\-@]")).then(pl.lit("'") + c).otherwise(c).alias(col)


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


def appendix_csv_frame(appendix: pl.DataFrame, months: list[str]) -> pl.DataFrame:
    dec = pl.col("decimals")
    return appendix.sort("order").select(
        *[_neutralise_expr(c) for c in ["indicator_id", "title", "section", "unit", "good_is"]],
        *[_number_text(c, dec, None) for c in ["england", "stat_neighbours", "target"]],
        *[_number_text(m, dec, pl.col(f"is_{m}_suppressed")) for m in months],
        _neutralise_expr("dot"),
        _neutralise_expr("rag"),
    )


def write_appendix_csv(appendix: pl.DataFrame, months: list[str], path: Path | str) -> Path:
    """Appendix A as UTF-8 CSV with exactly the published columns."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    appendix_csv_frame(appendix, months).select(columns(months)).write_csv(path)
    return path


def _num_format(unit: str, decimals: int) -> str:
    if unit == "%":
        return "0" + ("." + "0" * decimals if decimals else "") + '"%"'
    return "#,##0" + ("." + "0" * decimals if decimals else "")


def write_appendix_xlsx(
    appendix: pl.DataFrame, months: list[str], path: Path | str, *, title: str = "Appendix A"
) -> Path:
    """Appendix A workbook: frozen header, unit number formats, RAG fill plus its text."""
    import xlsxwriter

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(
        str(path),
        {"strings_to_formulas": False, "strings_to_numbers": False, "strings_to_urls": False},
    )
    wb.set_properties({"title": title, "author": "cic-reports", "created": FIXED_DATE})
    ws = wb.add_worksheet("Appendix A")
    head = wb.add_format({"bold": True, "text_wrap": True, "valign": "top", "bottom": 1})
    text_fmt = wb.add_format({"text_wrap": True, "valign": "top"})
    num_fmts: dict[str, object] = {}
    rag_fmts = {
        k: wb.add_format({"bg_color": RAG_FILL[k], "font_color": RAG_FONT[k], "bold": True})
        for k in RAG_FILL
    }
    cols = columns(months)
    numeric = {"england", "stat_neighbours", "target", *months}
    for j, name in enumerate(cols):
        ws.write_string(0, j, name, head)
    rows = appendix.sort("order").rows(named=True)  # tens of indicators
    for i, r in enumerate(rows, start=1):
        key = _num_format(r["unit"], r["decimals"])
        fmt = num_fmts.setdefault(key, wb.add_format({"num_format": key, "valign": "top"}))
        for j, name in enumerate(cols):
            v = r[name]
            if name in numeric:
                if name in months and r.get(f"is_{name}_suppressed"):
                    ws.write_string(i, j, SUPPRESSED_SYMBOL, fmt)
                elif v is None:
                    ws.write_blank(i, j, None, fmt)
                else:
                    ws.write_number(i, j, float(v), fmt)
            elif name == "rag" and v:
                status = v.split(" ", 1)[-1]
                ws.write_string(i, j, neutralise(v), rag_fmts.get(status, text_fmt))
            else:
                ws.write_string(i, j, neutralise(v) or "", text_fmt)
    ws.freeze_panes(1, 0)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 2, 22)
    ws.set_column(3, len(cols) - 1, 11)
    ws.set_column(len(cols) - 2, len(cols) - 1, 14)
    ws.autofilter(0, 0, len(rows), len(cols) - 1)
    wb.close()
    return path
