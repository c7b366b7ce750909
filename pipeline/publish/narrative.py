"""Sentences with figures, generated from pub_ tables so that no number is ever hand-typed.

Each function reads only published (disclosure-controlled) tables and says plainly when a
figure is suppressed rather than guessing at it.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.disclosure import flag
from pipeline.params import RunParams

SUPPRESSED = "suppressed to protect children's privacy"


def _table(pub: dict[str, pl.DataFrame], name: str) -> pl.DataFrame:
    return pub[f"pub_{name}"] if f"pub_{name}" in pub else pub[name]


def _cell(row: dict | None, col: str) -> float | None:
    """A published value, or None when missing or suppressed."""
    if row is None or row.get(flag(col)):
        return None
    return row.get(col)


def _row(df: pl.DataFrame, col: str, value) -> dict | None:
    rows = df.filter(pl.col(col) == value)
    return rows.row(0, named=True) if rows.height else None


def _n(value: float | None) -> str:
    return f"{round(value):,}"


def _date(d: dt.date) -> str:
    return d.strftime("%-d %B %Y")


def change_phrase(now: float | None, before: float | None, *, what: str = "") -> str:
    """', up from 34 a year earlier' / ', down from ...' / ', the same as a year earlier'."""
    if now is None or before is None:
        return ""
    if round(now) == round(before):
        return ", the same as a year earlier"
    direction = "up" if now > before else "down"
    return f", {direction} from {_n(before)}{what} a year earlier"


def profile_headline(pub: dict[str, pl.DataFrame], params: RunParams) -> str:
    """Children in care, rate and UASC on 31 March, with the change from a year earlier."""
    monthly = _table(pub, "cic_monthly")
    now = _row(monthly, "month_end_date", params.period_end)
    before = _row(monthly, "month_end_date", params.previous.period_end)
    on = f"On {_date(params.period_end)}"
    children = _cell(now, "children_count")
    if children is None and now is not None and now.get("coverage_note"):
        return f"{on} the number of children in care is {now['coverage_note']}."
    if children is None:
        return f"{on} the number of children in care is {SUPPRESSED}."
    text = f"{on} there were {_n(children)} children in care"
    rate = _cell(now, "rate_per_10k")
    if rate is not None:
        text += f", a rate of {_n(rate)} per 10,000 children"
    text += change_phrase(children, _cell(before, "children_count"), what=" children")
    if before is not None and before.get("coverage_note"):
        text += f" (a year earlier: {before['coverage_note']})"
    uasc, uasc_pct = _cell(now, "uasc_count"), _cell(now, "uasc_pct")
    if uasc is None:
        text += "; the number who were unaccompanied asylum-seeking children is " + SUPPRESSED
    else:
        share = f" ({_n(uasc_pct)}%)" if uasc_pct is not None else ""
        text += f"; {_n(uasc)}{share} were unaccompanied asylum-seeking children" + change_phrase(
            uasc, _cell(before, "uasc_count")
        )
    return text + "."


def data_quality_warnings(pub: dict[str, pl.DataFrame]) -> str:
    """The warnings of a build forced past a data-quality guard, as a visible paragraph
    (empty when there are none). The text is the pipeline's own (table names, shares, rule
    codes), never a value from the input files."""
    df = pub.get("pub_data_quality_warnings", pub.get("data_quality_warnings"))
    if df is None or df.is_empty():
        return ""
    items = "\n".join(f"- {w}" for w in df["warning"].to_list())
    return (
        "**Data-quality warning.** This report was produced although its input failed a "
        "data-quality check (the build was forced). Figures may be wrong or incomplete:\n\n" + items
    )


def data_quality_warnings_in(processed_dir) -> str:
    """`data_quality_warnings` of the processed folder's pub_data_quality_warnings (if any)."""
    from pathlib import Path

    path = Path(processed_dir) / "pub_data_quality_warnings.parquet"
    if not path.is_file():
        return ""
    return data_quality_warnings({"pub_data_quality_warnings": pl.read_parquet(path)})


def _rise_fall(now: float, before: float) -> str:
    if round(now) == round(before):
        return f"the same as the {_n(before)} in the year before"
    word = "more than" if now > before else "fewer than"
    return f"{_n(abs(now - before))} {word} the {_n(before)} in the year before"


def starts_leavers_sentence(pub: dict[str, pl.DataFrame], params: RunParams) -> str:
    """Children starting and ceasing to be looked after in the year, against the year before."""
    trend = _table(pub, "cic_trend_4y")
    now = _row(trend, "year_label", params.year_label)
    before = _row(trend, "year_label", params.previous.year_label)
    parts = []
    gap = before.get("coverage_note") if before is not None else None
    for col, verb in (("starts_count", "started"), ("ends_count", "ceased")):
        value, last = _cell(now, col), _cell(before, col)
        if value is None:
            parts.append(f"the number of children who {verb} to be looked after is {SUPPRESSED}")
        elif last is None and gap:
            parts.append(
                f"{_n(value)} children {verb} to be looked after "
                f"({params.previous.year_label}: {gap})"
            )
        elif last is None:
            parts.append(f"{_n(value)} children {verb} to be looked after")
        else:
            parts.append(
                f"{_n(value)} children {verb} to be looked after, {_rise_fall(value, last)}"
            )
    return f"During {params.year_label}, " + "; ".join(parts) + "."


def neighbour_names(params: RunParams) -> list[str]:
    """The configured statistical neighbours by name (DfE LA names), in the configured order;
    a code with no name in the published files is shown as its code."""
    from pathlib import Path

    from pipeline.inputs.dfe import neighbour_codes

    codes = neighbour_codes(params)
    if not codes:
        return []
    names: dict[str, str] = {}
    file = "cla_number_and_rate_per_10k_children"
    folder = params.dfe_dir
    csv = folder / f"{file}.csv" if folder else None
    if csv is not None and csv.is_file():
        from pipeline.inputs.dfe import read_ees

        df = read_ees(csv)
    else:
        df = pl.read_parquet(
            Path(__file__).parents[1] / "inputs" / "benchmarks" / f"{file}.parquet"
        )
    rows = df.filter(pl.col("old_la_code").is_in(codes)).select("old_la_code", "la_name").unique()
    for code, name in rows.iter_rows():
        if name:
            names[code] = name
    return [names.get(c, c) for c in codes]


def neighbours_sentence(params: RunParams) -> str:
    """'Statistical neighbour figures are the mean over those of the 7 configured good and
    outstanding statistical neighbours (Cornwall, East Sussex, ...) that published a figure.'
    (a mean over the neighbours with a published value: the DfE leaves some blank)"""
    names = neighbour_names(params)
    label = params.statistical_neighbours.label or "statistical neighbours"
    if not names:
        return "No statistical neighbours are configured, so no neighbour averages are shown."
    latest = (
        " England and neighbour figures are the latest the DfE has published, not this month's."
    )
    if len(names) == 1:
        return f"The statistical neighbour figure is {names[0]}'s, where it published one." + latest
    listed = ", ".join(names[:-1]) + " and " + names[-1]
    return (
        f"Statistical neighbour figures are the mean over those of the {len(names)} "
        f"configured {label} ({listed}) that published a figure." + latest
    )
