"""Display frames for the pack notebook, from the pub_pack_* tables only.

Values differ in precision row by row (a count, a rate, a percentage), so table cells are
formatted here as text at each indicator's decimals: `c` when suppressed, an en dash when
there is no figure. Counts are whole numbers; targets and benchmarks are shown to the
indicator's decimals but no further than they were set or published (England's rate of
69 is "69", not "69.0").

Tables lead with what a reader scans for: the indicator, its latest value, DOT and RAG
(so on a phone they are the first columns), then the comparisons.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.disclosure import display_value

EN_DASH = "–"
NBSP = "\u00a0"
ND_HEADER = "Number / total"


def month_columns(appendix: pl.DataFrame) -> list[str]:
    return [c for c in appendix.columns if len(c) == 7 and c[4] == "-" and c[:4].isdigit()]


def month_title(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%b %Y")


def last_year_month(month: str) -> str:
    y, m = (int(p) for p in month.split("-"))
    return f"{y - 1:04d}-{m:02d}"


def _own_decimals(value: float, decimals: int) -> int:
    """The fewest decimals (up to `decimals`) that show `value` exactly: 69.0 -> 0."""
    for d in range(decimals + 1):
        if round(value, d) == round(value, decimals):
            return d
    return decimals


def value_text(value, suppressed: bool, unit: str, decimals: int, *, own: bool = False) -> str:
    """One cell: `c`, an en dash, or the value (counts whole; `own`: no padding zeros)."""
    if suppressed:
        return display_value(None, True)
    if value is None:
        return EN_DASH
    dec = 0 if unit == "No." else decimals
    if own:
        dec = _own_decimals(float(value), dec)
    return display_value(value, False, dec)


def nd_text(row: dict) -> str:
    """'321 / 337' when both are published, else an en dash."""
    n, d = row.get("numerator_count"), row.get("denominator_count")
    if n is None or d is None:
        return EN_DASH
    return f"{n:,}{NBSP}/{NBSP}{d:,}"


def _cells(row: dict, months: list[str]) -> dict[str, str]:
    unit, dec = row["unit"], row["decimals"]
    out = {m: value_text(row[m], bool(row.get(f"is_{m}_suppressed")), unit, dec) for m in months}
    for c in ("england", "stat_neighbours", "target"):
        out[c] = value_text(row[c], False, unit, dec, own=True)
    out["last_year"] = value_text(
        row.get("same_month_last_year"),
        bool(row.get("is_same_month_last_year_suppressed")),
        unit,
        dec,
    )
    out["ytd"] = (
        value_text(row.get("ytd_value"), bool(row.get("is_ytd_value_suppressed")), unit, dec)
        if row.get("ytd")
        else EN_DASH
    )
    out["nd"] = nd_text(row)
    return out


def _rows(appendix: pl.DataFrame, sections: list[str] | None) -> list[dict]:
    rank = {s: i for i, s in enumerate(sections or [])}
    return sorted(
        appendix.rows(named=True), key=lambda r: (rank.get(r["section"], len(rank)), r["order"])
    )  # tens of indicators


def section_table(appendix: pl.DataFrame, section: str, n_months: int = 3) -> pl.DataFrame:
    """Indicator, latest value, its numerator/denominator, DOT, RAG, target, last month,
    the same month last year, year to date, England and statistical neighbours."""
    months = month_columns(appendix)
    latest, previous = months[-1], months[-2]
    rows = [r for r in _rows(appendix, None) if r["section"] == section]
    cells = [_cells(r, months) for r in rows]
    from pipeline.publish.present import rag_span

    return pl.DataFrame(
        {
            "Indicator": [r["title"] for r in rows],
            month_title(latest): [c[latest] for c in cells],
            "DOT": [r["dot"] or EN_DASH for r in rows],
            "RAG": [rag_span(r["rag"]) or EN_DASH for r in rows],
            ND_HEADER: [
                c["nd"] if r["unit"] == "%" else EN_DASH for c, r in zip(cells, rows, strict=True)
            ],
            "Target": [c["target"] for c in cells],
            month_title(previous): [c[previous] for c in cells],
            month_title(last_year_month(latest)): [c["last_year"] for c in cells],
            "Year to date": [c["ytd"] for c in cells],
            "England": [c["england"] for c in cells],
            "Statistical neighbours": [c["stat_neighbours"] for c in cells],
        },
        schema={k: pl.String for k in _section_columns(latest, previous)},
    )


def _section_columns(latest: str, previous: str) -> list[str]:
    return [
        "Indicator",
        month_title(latest),
        "DOT",
        "RAG",
        ND_HEADER,
        "Target",
        month_title(previous),
        month_title(last_year_month(latest)),
        "Year to date",
        "England",
        "Statistical neighbours",
    ]


TEXT_COLUMNS = ("Section", "Indicator", "Unit", "Good is", "DOT", "RAG", "Source")
MARKUP_COLUMNS = ("RAG",)


def right_columns(frame: pl.DataFrame) -> list[str]:
    """The display frame's columns holding numbers as text (to right-align)."""
    return [c for c in frame.columns if c not in TEXT_COLUMNS]


def appendix_display(appendix: pl.DataFrame, sections: list[str] | None = None) -> pl.DataFrame:
    """Appendix A: indicator, the latest month, DOT, RAG, target, England, neighbours, the
    five months before (oldest first), unit, good is, section; rows by section in pack order."""
    months = month_columns(appendix)
    rows = _rows(appendix, sections)
    cells = [_cells(r, months) for r in rows]
    from pipeline.publish.present import rag_span

    data: dict[str, list[str]] = {
        "Indicator": [r["title"] for r in rows],
        month_title(months[-1]): [c[months[-1]] for c in cells],
        "DOT": [r["dot"] or EN_DASH for r in rows],
        "RAG": [rag_span(r["rag"]) or EN_DASH for r in rows],
        "Target": [c["target"] for c in cells],
        "England": [c["england"] for c in cells],
        "Statistical neighbours": [c["stat_neighbours"] for c in cells],
    }
    for m in months[:-1]:
        data[month_title(m)] = [c[m] for c in cells]
    data["Unit"] = [r["unit"] for r in rows]
    data["Good is"] = [r["good_is"] or EN_DASH for r in rows]
    data["Section"] = [r["section"] for r in rows]
    return pl.DataFrame(data, schema={k: pl.String for k in data})


def source_text(row: dict, extract_label: str) -> str:
    if row.get("not_available"):  # an input it needs is absent: no figure, and why
        return f"Not available: {row['not_available']}"
    if row["source"] == "computed":
        return f"Computed from the SSDA903 records extracted {extract_label}"
    who = row.get("supplied_by") or "the service"
    return f"Supplied monthly by {who}"


def definitions(
    appendix: pl.DataFrame, sections: list[str] | None, extract_label: str
) -> pl.DataFrame:
    """Appendix B: per indicator its section, definition, unit, good is, source, target."""
    rows = _rows(appendix, sections)
    return pl.DataFrame(
        {
            "Section": [r["section"] for r in rows],
            "Indicator": [r["title"] for r in rows],
            "Definition": [r["definition"] or EN_DASH for r in rows],
            "Unit": [UNIT_WORDS.get(r["unit"], r["unit"]) for r in rows],
            "Good is": [r["good_is"] or "Neither" for r in rows],
            "Source": [source_text(r, extract_label) for r in rows],
        },
        schema={
            k: pl.String
            for k in ("Section", "Indicator", "Definition", "Unit", "Good is", "Source")
        },
    )


UNIT_WORDS = {
    "%": "Per cent",
    "No.": "Number",
    "Rate": "Rate",
    "Days": "Days",
    "Score": "Score",
}
UNIT_TITLES = {"%": "Per cent", "No.": "Number", "Rate": "Rate", "Days": "Days", "Score": "Score"}


def axis_title(appendix: pl.DataFrame, indicator_id: str) -> str:
    """The value axis title for an indicator's chart, from its unit."""
    unit = appendix.filter(pl.col("indicator_id") == indicator_id)["unit"][0]
    return UNIT_TITLES.get(unit, unit or "Value")


def status_summary(appendix: pl.DataFrame, sections: list[str] | None = None) -> pl.DataFrame:
    """Per section: indicators reported and how many are Green/Amber/Red and Better/Worse.

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
                "Better": n(rows, "dot", "Better"),
                "Same": n(rows, "dot", "Same"),
                "Worse": n(rows, "dot", "Worse"),
            }
        )
    return pl.DataFrame(out)


def chart_indicators(appendix: pl.DataFrame, section: str, limit: int = 3) -> list[str]:
    """The section's charted indicators: those with a headline (up to `limit`), else its first."""
    rows = appendix.filter(pl.col("section") == section).sort("order")
    if rows.is_empty():
        return []
    with_head = rows.filter(pl.col("headline").is_not_null())["indicator_id"].to_list()
    return with_head[:limit] or [rows["indicator_id"][0]]


def key_indicator(appendix: pl.DataFrame, section: str) -> str | None:
    """The section's first charted indicator (None for an empty section)."""
    ids = chart_indicators(appendix, section)
    return ids[0] if ids else None


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


def references(appendix: pl.DataFrame, indicator_id: str) -> dict[str, float]:
    """The lines drawn across an indicator's chart: its target and England, where known."""
    row = appendix.filter(pl.col("indicator_id") == indicator_id).row(0, named=True)
    out = {}
    if row["target"] is not None:
        out["Target"] = float(row["target"])
    if row["england"] is not None:
        out["England"] = float(row["england"])
    return out


def section_sources(appendix: pl.DataFrame, section: str, extract_label: str) -> str:
    """A note under a section's table: sources of the figures and of the benchmarks."""
    rows = appendix.filter(pl.col("section") == section)
    computed = rows.filter(pl.col("source") == "computed").height
    teams = sorted(
        {
            r["supplied_by"] or "the service"
            for r in rows.filter(pl.col("source") == "supplied").rows(named=True)
        }
    )
    parts = []
    if computed:
        parts.append(
            f"{computed} indicator{'s' if computed != 1 else ''} computed from the SSDA903 "
            f"records extracted {extract_label}"
        )
    if teams:
        parts.append("supplied by " + ", ".join(teams))
    labels = sorted(
        {
            x
            for c in ("england_label", "stat_neighbours_label")
            for x in rows[c].drop_nulls().to_list()
            if x
        }
    )
    text = "Source: " + "; ".join(parts) + "." if parts else ""
    if labels:
        text += " Benchmarks: " + "; ".join(labels) + "."
    text += (
        f" {ND_HEADER}: the latest percentage's numerator and denominator, where both can be "
        "published. Year to date: April to the latest month, where defined."
    )
    return text.strip()
