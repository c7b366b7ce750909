"""Summary-page sentences in the manner of the reference pack, generated from the appendix.

The first sentence is the children-in-care headline ("We have 449 children in care (rate
of 68 per 10,000), of which 53 are unaccompanied asylum-seeking children. Last month we
had 440 (67) and 54 respectively."); then one sentence per indicator that has a
`headline` template in the catalogue, in catalogue order. Every sentence says whether the
figure rose, fell or is unchanged since last month, and never prints a suppressed value.
Values are printed as the tables print them (the catalogue's decimals) and the comparison
is `rag.movement`, the DOT's own, so a sentence can never disagree with the table; where
high or low is good the sentence says whether the change is better or worse, as the DOT.
"""

from __future__ import annotations

import polars as pl

from pipeline.reports.pack.rag import dot, movement

SCHEMA = {"order": pl.Int64, "section": pl.String, "indicator_id": pl.String, "text": pl.String}
SUMMARY_IDS = ("cic_count", "cic_rate", "uasc_count")


def fmt(value: float | None, unit: str, decimals: int) -> str:
    """A value as the tables print it: the catalogue's decimals, separators, % for percentages."""
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}" if decimals else f"{round(value):,}"
    return f"{text}%" if unit == "%" else text


def _get(row: dict, month: str) -> tuple[float | None, bool]:
    return row.get(month), bool(row.get(f"is_{month}_suppressed"))


CHANGE_WORDS = {"up": "up", "down": "down"}
JUDGEMENT = {"Improving": "better", "Worsening": "worse"}


def change_clause(
    latest: float,
    previous: float | None,
    prev_suppressed: bool,
    unit: str,
    decimals: int,
    polarity: str | None = None,
) -> str:
    """' This is up from 64.0% last month, which is better.' / '... down ...' / ' ... unchanged ...'."""
    if prev_suppressed or previous is None:
        return " There is no published figure for last month to compare with."
    move = movement(latest, previous, decimals)
    if move == "same":
        return " This is unchanged from last month."
    text = f" This is {CHANGE_WORDS[move]} from {fmt(previous, unit, decimals)} last month"
    judgement = JUDGEMENT.get(dot(latest, previous, polarity, decimals))
    return text + (f", which is {judgement}." if judgement else ".")


def indicator_sentence(row: dict, latest_m: str, previous_m: str) -> str:
    """Fill the indicator's template with the latest value and say how it moved."""
    unit, dec = row["unit"], row["decimals"]
    latest, supp = _get(row, latest_m)
    previous, prev_supp = _get(row, previous_m)
    if supp:
        return f"{row['title']}: this month's figure is not published because it relates to very few children."
    if latest is None:
        return f"{row['title']}: no figure is available for this month."
    text = row["headline"].format(value=fmt(latest, unit, dec)).strip()
    text = text[0].upper() + text[1:]
    return text + change_clause(latest, previous, prev_supp, unit, dec, row.get("good_is"))


def summary_sentence(rows: dict[str, dict], latest_m: str, previous_m: str) -> str | None:
    """The children-in-care sentence; None when the pack has no children-in-care count."""
    if "cic_count" not in rows:
        return None
    n, n_s = _get(rows["cic_count"], latest_m)
    if n is None:
        return "The number of children in care is not available for this month."
    rate, rate_s = _get(rows.get("cic_rate", {}), latest_m)
    u, u_s = _get(rows.get("uasc_count", {}), latest_m)
    rate_dec = rows.get("cic_rate", {}).get("decimals") or 0
    text = f"We have {fmt(n, 'No.', 0)} children in care"
    if rate is not None:
        text += f" (rate of {fmt(rate, 'Rate', rate_dec)} per 10,000)"
    if u_s:
        text += ", of which a small number (not published, to protect privacy) are unaccompanied asylum-seeking children"
    elif u is not None:
        text += f", of which {fmt(u, 'No.', 0)} are unaccompanied asylum-seeking children"
    text += "."
    pn, _ = _get(rows["cic_count"], previous_m)
    prate, _ = _get(rows.get("cic_rate", {}), previous_m)
    pu, pu_s = _get(rows.get("uasc_count", {}), previous_m)
    if pn is None:
        return text + " There is no figure for last month to compare with."
    last = f"{fmt(pn, 'No.', 0)}" + (
        f" ({fmt(prate, 'Rate', rate_dec)})" if prate is not None else ""
    )
    if pu is not None and not u_s and u is not None:
        text += f" Last month we had {last} and {fmt(pu, 'No.', 0)} respectively"
    else:
        text += f" Last month we had {last}"
    if n == pn:
        text += ", so the number in care is unchanged."
    else:
        text += f", so the number in care has {'risen' if n > pn else 'fallen'} by {fmt(abs(n - pn), 'No.', 0)}."
    return text


def headlines(
    appendix: pl.DataFrame, latest_m: str, previous_m: str, *, sections: list[str] | None = None
) -> pl.DataFrame:
    """pub_pack_headlines: order, section, indicator_id, text (sections in pack order).

    An indicator with no figure in either month (not provided at all) gets no sentence.
    """
    rank = {s: n for n, s in enumerate(sections or [])}
    records = sorted(
        appendix.rows(named=True), key=lambda r: (rank.get(r["section"], len(rank)), r["order"])
    )  # tens of catalogue rows
    by_id = {r["indicator_id"]: r for r in records}
    out = []
    first = summary_sentence(by_id, latest_m, previous_m)
    if first:
        out.append(
            {
                "order": 0,
                "section": by_id["cic_count"]["section"],
                "indicator_id": "cic_count",
                "text": first,
            }
        )
    for r in records:
        provided = any(
            r.get(m) is not None or r.get(f"is_{m}_suppressed") for m in (latest_m, previous_m)
        )
        if r.get("headline") and r["indicator_id"] not in SUMMARY_IDS and provided:
            out.append(
                {
                    "order": len(out),
                    "section": r["section"],
                    "indicator_id": r["indicator_id"],
                    "text": indicator_sentence(r, latest_m, previous_m),
                }
            )
    return pl.DataFrame(out, schema=SCHEMA)
