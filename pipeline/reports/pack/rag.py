"""Direction of travel (DOT) and RAG status: always a word plus a shape, never colour alone.

DOT compares the latest month with the month before, using the indicator's polarity
('High' or 'Low' is good), after rounding both to the indicator's published decimals (so
two values that display the same are 'Same'):
  Improving ▲ / Worsening ▼ / Same ▬.
No polarity -> no DOT (blank: a count such as UASC is context, not performance).
Latest or previous month missing or suppressed -> 'n/a' (nothing to compare).

RAG compares the latest month with the target, also after rounding:
  Green ●  at or better than target (exactly on target is Green);
  Amber ◆  worse than target by no more than the tolerance;
  Red ■    worse than target by more than the tolerance.
'Better' follows polarity (Low is good: below target is better). Tolerance is in the
indicator's own unit; when the catalogue gives none it is 5% of the target (so 4.5
percentage points for a 90% target, 21 children for a target of 420, 0 for a target of 0).
No target or no polarity -> no RAG (blank); latest value missing or suppressed -> 'n/a'.
"""

from __future__ import annotations

import polars as pl

DEFAULT_TOLERANCE_SHARE = 0.05

DOT_ICONS = {"Improving": "▲", "Worsening": "▼", "Same": "▬", "n/a": "–"}
RAG_ICONS = {"Green": "●", "Amber": "◆", "Red": "■", "n/a": "–"}


def dot(
    latest: float | None, previous: float | None, polarity: str | None, decimals: int = 2
) -> str:
    """'Improving', 'Worsening', 'Same', 'n/a' (a month missing) or '' (no polarity)."""
    if polarity not in ("High", "Low"):
        return ""
    if latest is None or previous is None:
        return "n/a"
    a, b = round(latest, decimals), round(previous, decimals)
    if a == b:
        return "Same"
    rose = a > b
    return "Improving" if rose == (polarity == "High") else "Worsening"


def tolerance_for(target: float, tolerance: float | None) -> float:
    return tolerance if tolerance is not None else abs(target) * DEFAULT_TOLERANCE_SHARE


def rag(
    latest: float | None,
    target: float | None,
    polarity: str | None,
    tolerance: float | None = None,
    decimals: int = 2,
) -> str:
    """'Green', 'Amber', 'Red', 'n/a' (no latest value) or '' (no target or polarity)."""
    if target is None or polarity not in ("High", "Low"):
        return ""
    if latest is None:
        return "n/a"
    value = round(latest, decimals)
    shortfall = (target - value) if polarity == "High" else (value - target)
    if shortfall <= 0:
        return "Green"
    # compare with a little slack so 94.5 vs 90 +/- 4.5 is not lost to float error
    if shortfall <= tolerance_for(target, tolerance) + 1e-9:
        return "Amber"
    return "Red"


def with_icon(status: str, icons: dict[str, str]) -> str:
    """'Improving' -> '▲ Improving'; blank stays blank."""
    return f"{icons[status]} {status}" if status else ""


def dot_text(status: str) -> str:
    return with_icon(status, DOT_ICONS)


def rag_text(status: str) -> str:
    return with_icon(status, RAG_ICONS)


def status_columns(appendix: pl.DataFrame, latest: str, previous: str) -> pl.DataFrame:
    """Add `dot` and `rag` text columns from the month columns and catalogue columns.

    The appendix has tens of rows (one per indicator), so the rules run per row on plain
    Python values, which keeps them identical to the truth-tabled functions above.
    """
    cols = ["good_is", "target", "tolerance", "decimals", latest, previous]
    rows = appendix.select(cols).rows(named=True)
    dots = [dot_text(dot(r[latest], r[previous], r["good_is"], r["decimals"])) for r in rows]
    rags = [
        rag_text(rag(r[latest], r["target"], r["good_is"], r["tolerance"], r["decimals"]))
        for r in rows
    ]
    return appendix.with_columns(
        pl.Series("dot", dots, pl.String), pl.Series("rag", rags, pl.String)
    )
