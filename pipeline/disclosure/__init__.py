"""Disclosure control: the one stage every published table and chart dataset passes through.

Rules (docs/disclosure.md):
1. Primary: a count from 1 to the threshold is suppressed (shown as the DfE symbol `c`).
2. Secondary: within a group whose counts add up to a published total, if exactly one
   cell is suppressed, the next smallest non-zero cell is suppressed too, so the total
   cannot reveal it. Zeros are published (a zero discloses nothing about a child).
3. Derived: a percentage, rate, mean or median is suppressed when its numerator or its
   denominator (the number of children or events it is computed over) is suppressed
   or is itself 1..threshold.

Suppressed cells become null and `is_<column>_suppressed` is True, so a null that means
"suppressed" is never confused with "no data".
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

SUPPRESSED_SYMBOL = "c"


@dataclass(frozen=True)
class DisclosureSpec:
    """How one out_ table is protected.

    counts: count columns subject to primary suppression.
    within: columns that identify a group whose counts sum to a published total
        (secondary suppression runs inside each group, for each count column).
        None: no secondary suppression (each count is its own total).
    also_within: further groupings with published totals, e.g. the columns of a
        cross-table; all groupings are applied repeatedly until nothing changes.
    derived: derived column -> the count columns it is computed from; suppressed if
        any of them is suppressed or small.
    links: how the counts relate to other tables' (pipeline.disclosure.relations.Link):
        the population keys of its cells, the dimensions it lists completely, the yes/no
        splits whose complements are cells too. Read by the linked protection and the audit.
    ratios: published percentages and rates (pipeline.disclosure.relations.RatioLink).
    """

    counts: tuple[str, ...] = ()
    within: tuple[str, ...] | None = None
    derived: dict[str, tuple[str, ...]] = field(default_factory=dict)
    also_within: tuple[tuple[str, ...], ...] = ()
    links: tuple = ()
    ratios: tuple = ()

    @property
    def groupings(self) -> list[tuple[str, ...]]:
        """Every grouping whose totals are published (rows, and columns of a cross-table)."""
        first = [] if self.within is None else [self.within]
        return first + list(self.also_within)


def flag(col: str) -> str:
    return f"is_{col}_suppressed"


def _is_small(col: str, threshold: int) -> pl.Expr:
    c = pl.col(col)
    return c.is_not_null() & (c >= 1) & (c <= threshold)


def _secondary(df: pl.DataFrame, col: str, within: tuple[str, ...]) -> pl.DataFrame:
    """Within each group with exactly one suppressed cell, suppress the next smallest non-zero."""
    f = flag(col)
    if not within:
        df = df.with_columns(pl.lit(0).alias("_grp"))
        by = ["_grp"]
    else:
        by = list(within)
    ranked = df.with_row_index("_row").with_columns(
        pl.col(f).sum().over(by).alias("_n_supp"),
        pl.when(~pl.col(f) & (pl.col(col) > 0))
        .then(pl.col(col))
        .otherwise(None)
        .rank("ordinal")
        .over(by)
        .alias("_rank"),
    )
    ranked = ranked.with_columns(
        (pl.col(f) | ((pl.col("_n_supp") == 1) & (pl.col("_rank") == 1)).fill_null(False)).alias(f)
    )
    return ranked.sort("_row").drop(
        [c for c in ("_row", "_n_supp", "_rank", "_grp") if c in ranked.columns]
    )


def protect(df: pl.DataFrame, spec: DisclosureSpec, threshold: int) -> pl.DataFrame:
    """Apply primary, secondary and derived suppression; return the publishable table."""
    if threshold <= 0 or df.is_empty():
        return df.with_columns(
            [pl.lit(False).alias(flag(c)) for c in (*spec.counts, *spec.derived)]
        )
    out = df.with_columns([_is_small(c, threshold).alias(flag(c)) for c in spec.counts])
    for c in spec.counts:
        # repeat until stable: suppressing in one grouping can expose a cell in another
        for _ in range(10):
            before = out[flag(c)].sum()
            for grouping in spec.groupings:
                out = _secondary(out, c, grouping)
            if out[flag(c)].sum() == before:
                break
    derived_flags = []
    for col, sources in spec.derived.items():
        cond = pl.lit(False)
        for s in sources:
            if flag(s) in out.columns:
                cond = cond | pl.col(flag(s))
            cond = cond | _is_small(s, threshold)
        derived_flags.append(cond.alias(flag(col)))
    if derived_flags:
        out = out.with_columns(derived_flags)
    return out.with_columns(
        [
            pl.when(pl.col(flag(c))).then(None).otherwise(pl.col(c)).alias(c)
            for c in (*spec.counts, *spec.derived)
        ]
    )


def display_value(value: float | int | None, suppressed: bool, decimals: int = 0) -> str:
    """Text for a published cell: the number, `c` when suppressed, an en dash when missing."""
    if suppressed:
        return SUPPRESSED_SYMBOL
    if value is None:
        return "–"
    if decimals == 0:
        return f"{round(value):,}"
    return f"{value:,.{decimals}f}"
