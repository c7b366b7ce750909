"""Rules that compare tables: every row's child is in the header; dates fit the child's care.

Stage 2 compares with the header after its own rules (so a child whose header row is
quarantined takes its other rows with it, as orphans, rather than losing them silently).
Stage 3 compares reviews with episodes once the episodes are clean and non-overlapping.
"""

from __future__ import annotations

import polars as pl

from pipeline.inputs.contract import tables
from pipeline.rules import Rule, add, date, rule

CHILD_TABLES = [
    name for name, spec in tables().items() if name != "header" and "CHILD" in spec.column_names
]


def _orphan(raw, ctx):
    return ~pl.col("CHILD").is_in(ctx.clean("header").get_column("CHILD").drop_nulls().implode())


for _table in CHILD_TABLES:
    add(
        Rule(
            code=f"XT01-{_table.upper()}",
            table=_table,
            fields=("CHILD",),
            message="Child not in the header, or the child's header row is quarantined",
            check=_orphan,
            stage=2,
        )
    )


def _with_header_dob(raw: pl.DataFrame, ctx) -> pl.DataFrame:
    dob = ctx.clean("header").select("CHILD", dob=date("DOB")).drop_nulls()
    return raw.join(dob, on="CHILD", how="inner")


@rule(
    code="XT02",
    table="episodes",
    fields=("CHILD", "DECOM"),
    message="Episode starts before the child's date of birth (header DOB after DECOM)",
    stage=2,
)
def xt02(raw, ctx):
    return _with_header_dob(raw, ctx).filter(pl.col("dob") > date("DECOM"))


@rule(
    code="XT03",
    table="reviews",
    fields=("CHILD", "REVIEW"),
    message="Review before the child's date of birth (header DOB after REVIEW)",
    stage=2,
)
def xt03(raw, ctx):
    return _with_header_dob(raw, ctx).filter(pl.col("dob") > date("REVIEW"))


@rule(
    code="XT04",
    table="reviews",
    fields=("CHILD", "REVIEW"),
    message="Review not inside any episode of the child (open episodes run to the extract date)",
    stage=3,
)
def xt04(raw, ctx):
    """As-of join: the child's latest episode starting on or before the review must cover it.

    Clean episodes do not overlap (EP03), so that episode is the only candidate.
    """
    eps = (
        ctx.clean("episodes")
        .select(
            "CHILD", start=date("DECOM"), end=pl.coalesce(date("DEC"), pl.lit(ctx.extract_date))
        )
        .drop_nulls(["CHILD", "start"])
        .sort("start")
    )
    reviews = raw.select("row_id", "CHILD", review=date("REVIEW")).drop_nulls().sort("review")
    matched = reviews.join_asof(
        eps,
        left_on="review",
        right_on="start",
        by="CHILD",
        strategy="backward",
        check_sortedness=False,
    )
    return matched.filter(pl.col("start").is_null() | (pl.col("review") > pl.col("end")))
