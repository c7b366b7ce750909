"""Episodes: dates in order, not in the future, and no two episodes of a child overlapping."""

from __future__ import annotations

import polars as pl

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLE = "episodes"
register_contract(TABLE)


@rule(
    code="EP01",
    table=TABLE,
    fields=("DECOM", "DEC"),
    message="Episode ends before it starts (DEC before DECOM)",
)
def ep01(raw, ctx):
    return date("DEC") < date("DECOM")


@rule(
    code="EP02", table=TABLE, fields=("DECOM", "DEC"), message="Episode date after the extract date"
)
def ep02(raw, ctx):
    return ctx.after_extract("DECOM", "DEC")


@rule(
    code="EP03",
    table=TABLE,
    fields=("CHILD", "DECOM", "DEC"),
    message="Episode starts before the child's previous episode ends (overlap; the later episode is quarantined)",
    stage=2,
)
def ep03(raw, ctx):
    """Sorted by child and start: overlap if the start is before the latest end so far.

    Compared among episodes that passed the single-table rules; an open episode runs
    to the extract date, so any later episode of the same child overlaps it. Linear
    after the sort (no self-join), so it scales to national files.
    """
    far = pl.lit(ctx.extract_date) + pl.duration(days=1)
    eps = (
        ctx.clean(TABLE)
        .select("row_id", "CHILD", start=date("DECOM"), end=pl.coalesce(date("DEC"), far))
        .drop_nulls(["CHILD", "start"])
        .sort("CHILD", "start", "end", "row_id")
    )
    latest_end_before = pl.col("end").cum_max().shift(1).over("CHILD")
    return eps.filter(pl.col("start") < latest_end_before)
