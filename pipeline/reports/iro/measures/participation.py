"""Children's participation in their reviews (SSDA903 REVIEW_CODE PN0-PN7).

Participation = reviews coded PN1-PN6 over all reviews except PN0 (child under 4), the
DfE's convention. Reviews are those counted by `review_timeliness` (inside a period of care).
"""

from __future__ import annotations

import polars as pl

from pipeline.core.coverage import blank_last_year
from pipeline.disclosure import DisclosureSpec
from pipeline.disclosure.relations import Link, month_label, register_nest
from pipeline.inputs.contract import codes
from pipeline.measures import Core, measure
from pipeline.params import RunParams
from pipeline.reports.iro.measures.reviews import (
    REVIEWS,
    core_periods,
    in_year,
    month_end_expr,
    pct,
    review_timeliness,
)

UNDER_4 = "PN0"
PARTICIPATED = ("PN1", "PN2", "PN3", "PN4", "PN5", "PN6")
# population keys: reviews by participation code; eligible and participated are unions of codes
ELIGIBLE, PARTICIPATED_ANY = "PN1-PN7", "PN1-PN6"
register_nest("participation", ELIGIBLE, (PARTICIPATED_ANY, "PN7"))
register_nest("participation", PARTICIPATED_ANY, PARTICIPATED)
PARTICIPATION_VALUES = ("PN0", ELIGIBLE, "Not recorded")


def participation_links(period) -> tuple[Link, ...]:
    return (
        Link(
            "eligible_reviews_count",
            REVIEWS,
            {"period": period, "participation": pl.lit(ELIGIBLE)},
            complete={"participation": PARTICIPATION_VALUES},
        ),
        Link(
            "participated_count",
            REVIEWS,
            {"period": period, "participation": pl.lit(PARTICIPATED_ANY)},
        ),
    )


def participation_counts() -> list[pl.Expr]:
    code = pl.col("participation_code")
    return [
        (code != UNDER_4).sum().cast(pl.Int64).alias("eligible_reviews_count"),
        code.is_in(PARTICIPATED).sum().cast(pl.Int64).alias("participated_count"),
    ]


def with_pct(df: pl.DataFrame) -> pl.DataFrame:
    return df.with_columns(
        participation_pct=pct(pl.col("participated_count"), pl.col("eligible_reviews_count"))
    )


def monthly_participation(reviews: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """Eligible reviews, reviews where the child participated and the %, per month, two years."""
    grid = pl.concat(
        [
            pl.DataFrame(
                {
                    "month_end_date": pl.date_range(
                        p.period_start, p.period_end, "1mo", eager=True
                    ).dt.month_end(),
                    "year_label": p.year_label,
                }
            )
            for p in (params.previous, params)
        ]
    )
    agg = reviews.group_by(month_end=month_end_expr("review_date")).agg(participation_counts())
    out = grid.join(agg, left_on="month_end_date", right_on="month_end", how="left").with_columns(
        pl.col("eligible_reviews_count", "participated_count").fill_null(0)
    )
    return with_pct(out).sort("month_end_date")


def annual_participation(reviews: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """One row for this year and one for last year (last year first)."""
    rows = [
        reviews.filter(in_year("review_date", p))
        .select(participation_counts())
        .with_columns(year_label=pl.lit(p.year_label))
        for p in (params.previous, params)
    ]
    return with_pct(pl.concat(rows)).select(
        "year_label", "eligible_reviews_count", "participated_count", "participation_pct"
    )


def code_mix(reviews: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """Reviews in the year by participation code (every code listed), with a total row."""
    labels = codes("REVIEW_CODE")
    year = reviews.filter(in_year("review_date", params))
    agg = year.group_by(code="participation_code").agg(reviews_count=pl.len().cast(pl.Int64))
    mix = (
        pl.DataFrame({"code": list(labels), "label": list(labels.values())})
        .join(agg, on="code", how="left", maintain_order="left")
        .with_columns(pl.col("reviews_count").fill_null(0))
    )
    total = pl.DataFrame(
        {"code": ["Total"], "label": ["All reviews"], "reviews_count": [year.height]},
        schema=mix.schema,
    )
    return pl.concat([mix, total]).with_columns(
        pct=pct(pl.col("reviews_count"), pl.lit(year.height)),
        total_count=pl.lit(year.height, dtype=pl.Int64),
    )


DEFINITION = (
    "Reviews where the child participated (codes PN1-PN6) as a percentage of all reviews "
    "except those of children aged under 4 at the review (PN0). Reviews held inside a "
    "period of care, excluding periods made only of short breaks."
)


def _reviews(core: Core, params: RunParams) -> pl.DataFrame:
    return review_timeliness(core["core_reviews"], core_periods(core), params)


@measure(
    "participation_monthly",
    inputs=("episodes", "reviews"),
    section="participation-in-reviews",
    title="Children's participation in their reviews, by month",
    definition=DEFINITION + " By month of the review, this year and the year before.",
    disclosure=DisclosureSpec(
        links=participation_links(month_label()),
        counts=("eligible_reviews_count", "participated_count"),
        derived={"participation_pct": ("participated_count", "eligible_reviews_count")},
    ),
)
def participation_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    return blank_last_year(monthly_participation(_reviews(core, params), params), core, params)


@measure(
    "participation_annual",
    inputs=("episodes", "reviews"),
    section="participation-in-reviews",
    title="Children's participation in their reviews, this year and last year",
    definition=DEFINITION,
    disclosure=DisclosureSpec(
        links=participation_links("year_label"),
        counts=("eligible_reviews_count", "participated_count"),
        derived={"participation_pct": ("participated_count", "eligible_reviews_count")},
    ),
)
def participation_annual(core: Core, params: RunParams) -> pl.DataFrame:
    return blank_last_year(annual_participation(_reviews(core, params), params), core, params)


@measure(
    "participation_codes",
    inputs=("episodes", "reviews"),
    section="participation-in-reviews",
    title="How children participated in their reviews",
    definition=(
        "Reviews held in the reporting year by the SSDA903 participation code (PN0-PN7), "
        "as a percentage of all reviews held in the year (including PN0)."
    ),
    disclosure=DisclosureSpec(
        links=(
            Link(
                "reviews_count",
                REVIEWS,
                {"period": lambda df, p: pl.lit(p.year_label), "participation": "code"},
                # the Total row counts every review, a review with no code too
                complete={"participation": (*codes("REVIEW_CODE"), "Not recorded")},
            ),
            Link("total_count", REVIEWS, {"period": lambda df, p: pl.lit(p.year_label)}),
        ),
        counts=("reviews_count", "total_count"),
        within=(),
        derived={"pct": ("reviews_count", "total_count")},
    ),
)
def participation_codes(core: Core, params: RunParams) -> pl.DataFrame:
    return code_mix(_reviews(core, params), params)
