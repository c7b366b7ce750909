"""Rules that compare tables: every row's child is in the header; dates fit the child's care.

Stage 2 compares with the header after its own rules (so a child whose header row is
quarantined takes its other rows with it, as orphans, rather than losing them silently).
Stage 3 compares reviews with episodes once the episodes are clean and non-overlapping.
"""

from __future__ import annotations

import polars as pl

from pipeline.inputs.contract import tables
from pipeline.rules import WARNING, Rule, add, date, rule
from pipeline.rules.dfe import children_with_episodes

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
            protects=(
                "Every figure: a row of a child not in the (clean) header cannot be placed. "
                "Covers DfE INT01-INT09 (which compare with the raw header)."
            ),
        )
    )


def _no_episodes(raw, ctx):
    return pl.col("CHILD").is_not_null() & ~pl.col("CHILD").is_in(
        children_with_episodes(ctx).implode()
    )


# DfE 1012: rows of these tables for a child with no episode at all
for _table in ("placed_for_adoption", "missing", "reviews", "ad1", "previous_permanence", "oc2"):
    add(
        Rule(
            code=f"DFE-1012-{_table.upper()}",
            table=_table,
            fields=("CHILD",),
            message="No other data should be returned for a child who had no episodes",
            check=_no_episodes,
            severity=WARNING,
            dfe_code="1012",
            protects=(
                "None: every figure starts from the child's episodes, so these rows are not "
                "counted (reviews outside every episode are quarantined by XT04); listed."
            ),
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
    protects="Ages and time in care: an episode cannot start before birth (stricter than DfE 302: every episode).",
)
def xt02(raw, ctx):
    return _with_header_dob(raw, ctx).filter(pl.col("dob") > date("DECOM"))


@rule(
    code="XT03",
    table="reviews",
    fields=("CHILD", "REVIEW"),
    message="Review before the child's date of birth (header DOB after REVIEW)",
    stage=2,
    protects="Review timeliness and participation: a review cannot be before birth.",
)
def xt03(raw, ctx):
    return _with_header_dob(raw, ctx).filter(pl.col("dob") > date("REVIEW"))


@rule(
    code="XT04",
    table="reviews",
    fields=("CHILD", "REVIEW"),
    message="Review not inside any episode of the child (open episodes run to the extract date)",
    stage=3,
    protects="Review timeliness and participation: a review outside care cannot be placed in a period of care.",
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
