"""Reviews: contract rules and no review dated after the extract date; the DfE rules on
reviews of children whose care is only short breaks, and on participation codes by age.

Review timeliness numbers each review within its period of care, so removing a review
would make the next one look late: a participation code that does not fit the child's age
only warns. Reviews of a child whose episodes are all short breaks (V3/V4) are outside the
looked-after review figures and are quarantined.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import WARNING, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import SHORT_BREAKS, header_dob, reviews, row_ids

TABLE = "reviews"
register_contract(TABLE)


@rule(
    code="RV01",
    table=TABLE,
    fields=("REVIEW",),
    message="Review date after the extract date",
    protects="Review timeliness and participation: a review cannot be in the future.",
)
def rv01(raw, ctx):
    return ctx.after_extract("REVIEW")


def short_breaks_children(ctx) -> pl.DataFrame:
    """Children all of whose episodes are short breaks (V3/V4), with their header MOTHER
    flag and whether any of their review rows has a date or a code (DfE 399)."""

    def build():
        eps = ctx.raw["episodes"].select("CHILD", "LS").filter(pl.col("CHILD").is_not_null())
        other = eps.filter(~pl.col("LS").is_in(SHORT_BREAKS).fill_null(False)).select("CHILD")
        only = eps.select("CHILD").unique().join(other, on="CHILD", how="anti")
        mother = ctx.raw["header"].filter(pl.col("MOTHER").is_not_null()).select("CHILD").unique()
        reviewed = (
            ctx.raw[TABLE]
            .filter(pl.col("REVIEW").is_not_null() | pl.col("REVIEW_CODE").is_not_null())
            .select("CHILD")
            .unique()
        )
        return only.with_columns(
            has_mother=pl.col("CHILD").is_in(mother["CHILD"].implode()),
            has_review=pl.col("CHILD").is_in(reviewed["CHILD"].implode()),
        )

    return ctx.shared("dfe_399", build)


def _399_children(ctx) -> pl.Series:
    """Short-breaks-only children with the mother field or a review completed."""
    c = short_breaks_children(ctx)
    return c.filter(pl.col("has_mother") | pl.col("has_review")).get_column("CHILD")


@rule(
    code="DFE-399",
    table=TABLE,
    fields=("REVIEW", "REVIEW_CODE"),
    message=(
        "Review recorded for a child whose care is only short breaks (legal status V3/V4): "
        "looked-after reviews do not apply"
    ),
    dfe_code="399",
    protects=(
        "Reviews and participation figures: short breaks follow their own review timescales, "
        "so these reviews would be counted wrongly."
    ),
)
def dfe_399(raw, ctx):
    children = _399_children(ctx)
    mother = short_breaks_children(ctx).filter("has_mother").get_column("CHILD")
    has_data = pl.col("REVIEW").is_not_null() | pl.col("REVIEW_CODE").is_not_null()
    return pl.col("CHILD").is_in(children.implode()) & (
        has_data | pl.col("CHILD").is_in(mother.implode())
    )


@rule(
    code="DFE-399-EPISODES",
    table="episodes",
    fields=("LS",),
    message=(
        "Mother or review information recorded for a child whose care is only short breaks "
        "(legal status V3/V4; the child's episodes)"
    ),
    dfe_code="399",
    severity=WARNING,
    protects="None: short breaks are left out of the looked-after counts already; kept.",
)
def dfe_399_episodes(raw, ctx):
    return pl.col("CHILD").is_in(_399_children(ctx).implode())


@rule(
    code="DFE-399-HEADER",
    table="header",
    fields=("MOTHER",),
    message=(
        "Mother or review information recorded for a child whose care is only short breaks "
        "(legal status V3/V4; the child's header row)"
    ),
    dfe_code="399",
    severity=WARNING,
    protects="None: the header row carries the child's other rows; kept.",
)
def dfe_399_header(raw, ctx):
    return pl.col("CHILD").is_in(_399_children(ctx).implode())


PARTICIPATION = (
    "Participation figures count the review under its recorded code; kept, because removing "
    "the review would make the child's next review look late in the timeliness figures."
)


@rule(
    code="DFE-440",
    table=TABLE,
    fields=("REVIEW_CODE", "REVIEW", "DOB"),
    message="Participation code PN0 (child under 4) is used, but the child was 4 or over at the review",
    dfe_code="440",
    severity=WARNING,
    protects=PARTICIPATION,
)
def dfe_440(raw, ctx):
    return row_ids(
        reviews(ctx), (pl.col("REVIEW_CODE") == "PN0") & (pl.col("review") > pl.col("fourth"))
    )


@rule(
    code="DFE-441",
    table=TABLE,
    fields=("REVIEW_CODE", "REVIEW", "DOB"),
    message="Participation code PN1-PN7 (child 4 or over) is used, but the child was under 4 at the review",
    dfe_code="441",
    severity=WARNING,
    protects=PARTICIPATION,
)
def dfe_441(raw, ctx):
    codes = [f"PN{i}" for i in range(1, 8)]
    return row_ids(
        reviews(ctx), pl.col("REVIEW_CODE").is_in(codes) & (pl.col("review") < pl.col("fourth"))
    )


@rule(
    code="DFE-INT17",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in the reviews table differs from the header",
    dfe_code="INT17",
    severity=WARNING,
    protects="None: review figures take ages from the header; kept and listed.",
)
def dfe_int17(raw, ctx):
    r = reviews(ctx).select("row_id", "CHILD", "own_dob").join(header_dob(ctx), on="CHILD")
    return row_ids(r, pl.col("own_dob") != pl.col("dob"))
