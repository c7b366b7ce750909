"""Direction of travel (DOT) and RAG status: always a word plus a shape, never colour alone.

DOT compares the latest month with the month before, using the indicator's polarity
('High' or 'Low' is good), after rounding both to the indicator's published decimals (so
two values that display the same are 'Same'): Improving / Worsening / Same. `movement` is
the one comparison: the DOT, the summary sentences ("up from ... last month") and the
status counts all use it, so a sentence can never disagree with the table.
The text shows the way the figure moved by its arrow and whether that is good by its
word: '▲ Better' (a high-is-good figure rose), '▼ Better' (a low-is-good figure fell),
'▲ Worse', '▼ Worse', '▬ Same'. No polarity -> the movement only ('▲ Up', '▼ Down',
'▬ Same': a count such as UASC is context, not performance).
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
ARROWS = {"up": "▲", "down": "▼", "same": "▬"}
DOT_WORDS = {"Improving": "Better", "Worsening": "Worse", "Same": "Same"}
MOVE_WORDS = {"up": "Up", "down": "Down", "same": "Same"}
NBSP = "\u00a0"  # icon and word never split over two lines


def movement(latest: float | None, previous: float | None, decimals: int = 2) -> str | None:
    """'up', 'down' or 'same' at the published decimals; None when a month is missing."""
    if latest is None or previous is None:
        return None
    a, b = round(latest, decimals), round(previous, decimals)
    if a == b:
        return "same"
    return "up" if a > b else "down"


def dot(
    latest: float | None, previous: float | None, polarity: str | None, decimals: int = 2
) -> str:
    """'Improving', 'Worsening', 'Same', 'n/a' (a month missing) or '' (no polarity)."""
    if polarity not in ("High", "Low"):
        return ""
    move = movement(latest, previous, decimals)
    if move is None:
        return "n/a"
    if move == "same":
        return "Same"
    return "Improving" if (move == "up") == (polarity == "High") else "Worsening"


def dot_label(
    latest: float | None, previous: float | None, polarity: str | None, decimals: int = 2
) -> str:
    """The DOT as published: arrow for the movement, word for better or worse."""
    move = movement(latest, previous, decimals)
    if move is None:
        return f"{DOT_ICONS['n/a']}{NBSP}n/a" if polarity in ("High", "Low") else ""
    status = dot(latest, previous, polarity, decimals)
    word = DOT_WORDS[status] if status else MOVE_WORDS[move]
    return f"{ARROWS[move]}{NBSP}{word}"


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
    """'Green' -> '● Green' (a no-break space between); blank stays blank."""
    return f"{icons[status]}{NBSP}{status}" if status else ""


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
    dots = [dot_label(r[latest], r[previous], r["good_is"], r["decimals"]) for r in rows]
    rags = [
        rag_text(rag(r[latest], r["target"], r["good_is"], r["tolerance"], r["decimals"]))
        for r in rows
    ]
    return appendix.with_columns(
        pl.Series("dot", dots, pl.String), pl.Series("rag", rags, pl.String)
    )
