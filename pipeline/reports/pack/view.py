"""Display frames for notebooks/50_pack.ipynb, from the pub_pack_* tables only.

Values differ in precision row by row (a count, a rate, a percentage), so table cells are
formatted here as text at each indicator's decimals: `c` when suppressed, an en dash when
there is no figure.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.disclosure import display_value

EN_DASH = "–"


def month_columns(appendix: pl.DataFrame) -> list[str]:
    return [c for c in appendix.columns if len(c) == 7 and c[4] == "-" and c[:4].isdigit()]


def month_title(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%b %Y")


def _fmt_rows(df: pl.DataFrame, cols: list[str], months: list[str]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {c: [] for c in cols}
    for r in df.rows(named=True):  # tens of indicators
        for c in cols:
            supp = bool(r.get(f"is_{c}_suppressed")) if c in months else False
            v = r[c]
            out[c].append(
                display_value(v, supp, r["decimals"]) if v is not None or supp else EN_DASH
            )
    return out


def section_table(appendix: pl.DataFrame, section: str, n_months: int = 3) -> pl.DataFrame:
    """Indicator, good is, England, neighbours, target, last n months, DOT, RAG."""
    months = month_columns(appendix)[-n_months:]
    rows = appendix.filter(pl.col("section") == section).sort("order")
    numeric = ["england", "stat_neighbours", "target", *months]
    text = _fmt_rows(rows, numeric, months)
    return pl.DataFrame(
        {
            "Indicator": rows["title"],
            "Good is": rows["good_is"].fill_null("–"),
            "England": text["england"],
            "Statistical neighbours": text["stat_neighbours"],
            "Target": text["target"],
            **{month_title(m): text[m] for m in months},
            "DOT": rows["dot"],
            "RAG": rows["rag"],
        }
    )


TEXT_COLUMNS = ("Section", "Indicator", "Unit", "Good is", "DOT", "RAG")


def right_columns(frame: pl.DataFrame) -> list[str]:
    """The display frame's columns holding numbers as text (to right-align)."""
    return [c for c in frame.columns if c not in TEXT_COLUMNS]


def appendix_display(appendix: pl.DataFrame, sections: list[str] | None = None) -> pl.DataFrame:
    """Appendix A: section, indicator, unit, good is, England, neighbours, target, six months,
    DOT, RAG; rows grouped by section in the pack's section order when `sections` is given."""
    months = month_columns(appendix)
    if sections:
        rank = {s: i for i, s in enumerate(sections)}
        rows = appendix.sort(
            pl.col("section").replace_strict(rank, default=len(rank), return_dtype=pl.Int32),
            "order",
        )
    else:
        rows = appendix.sort("order")
    text = _fmt_rows(rows, ["england", "stat_neighbours", "target", *months], months)
    return pl.DataFrame(
        {
            "Section": rows["section"],
            "Indicator": rows["title"],
            "Unit": rows["unit"],
            "Good is": rows["good_is"].fill_null("–"),
            "England": text["england"],
            "Statistical neighbours": text["stat_neighbours"],
            "Target": text["target"],
            **{month_title(m): text[m] for m in months},
            "DOT": rows["dot"],
            "RAG": rows["rag"],
        }
    )


UNIT_TITLES = {"%": "Per cent", "No.": "Number", "Rate": "Rate", "Days": "Days"}


def axis_title(appendix: pl.DataFrame, indicator_id: str) -> str:
    """The value axis title for an indicator's chart, from its unit."""
    unit = appendix.filter(pl.col("indicator_id") == indicator_id)["unit"][0]
    return UNIT_TITLES.get(unit, unit or "Value")


def status_summary(appendix: pl.DataFrame, sections: list[str] | None = None) -> pl.DataFrame:
    """Per section: indicators reported and how many are Green/Amber/Red and Improving/Worsening.

    Counts of indicators (not of children), read from the published DOT and RAG labels.
    """
    order = sections or list(dict.fromkeys(appendix.sort("order")["section"].to_list()))

    def n(rows: pl.DataFrame, col: str, word: str) -> int:
        return rows.filter(pl.col(col).fill_null("").str.contains(word)).height

    out = []
    for section in [*order, None]:
        rows = appendix if section is None else appendix.filter(pl.col("section") == section)
        out.append(
            {
                "Section": "All sections" if section is None else section,
                "Indicators": rows.height,
                "Green": n(rows, "rag", "Green"),
                "Amber": n(rows, "rag", "Amber"),
                "Red": n(rows, "rag", "Red"),
                "Improving": n(rows, "dot", "Improving"),
                "Same": n(rows, "dot", "Same"),
                "Worsening": n(rows, "dot", "Worsening"),
            }
        )
    return pl.DataFrame(out)


def key_indicator(appendix: pl.DataFrame, section: str) -> str | None:
    """The section's chart indicator: its first with a headline, else its first."""
    rows = appendix.filter(pl.col("section") == section).sort("order")
    if rows.is_empty():
        return None
    with_head = rows.filter(pl.col("headline").is_not_null())
    return (with_head if with_head.height else rows)["indicator_id"][0]


def trend(values: pl.DataFrame, appendix: pl.DataFrame, indicator_id: str) -> pl.DataFrame:
    """One indicator's monthly values for a line chart (suppressed values are gaps)."""
    title = appendix.filter(pl.col("indicator_id") == indicator_id)["title"][0]
    return (
        values.filter(pl.col("indicator_id") == indicator_id)
        .with_columns(
            (pl.col("month") + "-01").str.to_date().alias("month_start"),
            pl.lit(title).alias("indicator"),
        )
        .sort("month")
        .select("month_start", "indicator", "value", "is_value_suppressed")
    )


def section_sources(appendix: pl.DataFrame, section: str) -> str:
    """A note naming the benchmark sources used in the section."""
    rows = appendix.filter(pl.col("section") == section)
    labels = sorted(
        {
            x
            for c in ("england_label", "stat_neighbours_label")
            for x in rows[c].drop_nulls().to_list()
            if x
        }
    )
    base = "DOT compares the latest month with the month before; RAG compares it with the target."
    return base + (" Benchmarks: " + "; ".join(labels) + "." if labels else "")
