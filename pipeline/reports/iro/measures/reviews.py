"""Children in care reviews: statutory timeliness, recommendations, minutes and SW reports.

`review_timeliness` gives one row per review with its due date; the registered measures
aggregate it for the reporting year and the year before (definitions: docs/definitions-iro.md).
"""

from __future__ import annotations

import polars as pl

from pipeline.core.calendar import add_working_days, within_working_days
from pipeline.core.coverage import blank_last_year
from pipeline.core.periods import periods_of_care
from pipeline.disclosure import DisclosureSpec
from pipeline.disclosure.linked import register_flow
from pipeline.disclosure.relations import Link, month_label, quarter_label
from pipeline.measures import Core, measure
from pipeline.params import RunParams
from pipeline.shared import shared

REVIEWS = "reviews"  # population key: reviews held (each counted once, so months add up)
register_flow(REVIEWS)
YES_NO = ("yes", "no")
FIRST_REVIEW_WD = 20
RECOMMENDATIONS_WD = 5
MINUTES_WD = 20
SEQUENCE_LABELS = {1: "first", 2: "second"}
LATER = "later"


# ---------------------------------------------------------------- shared helpers
def in_year(date_col: str, params: RunParams) -> pl.Expr:
    """True when the date falls in the reporting year of `params` (1 April to 31 March)."""
    return pl.col(date_col).is_between(params.period_start, params.period_end, closed="both")


def quarter_expr(date_col: str) -> pl.Expr:
    """Financial-year quarter: Q1 April-June ... Q4 January-March."""
    m = pl.col(date_col).dt.month()
    return pl.concat_str(pl.lit("Q"), (((m - 4) % 12) // 3 + 1).cast(pl.String))


def month_end_expr(date_col: str) -> pl.Expr:
    return pl.col(date_col).dt.month_end()


def pct(numerator: pl.Expr, denominator: pl.Expr) -> pl.Expr:
    """Percentage to one decimal place; null when the denominator is zero."""
    return pl.when(denominator > 0).then((100 * numerator / denominator).round(1)).otherwise(None)


def direction(now: pl.Expr, before: pl.Expr) -> pl.Expr:
    """'up' / 'down' / 'same' comparing published values; null when either is missing."""
    return (
        pl.when(now.is_null() | before.is_null())
        .then(None)
        .when(now > before)
        .then(pl.lit("up"))
        .when(now < before)
        .then(pl.lit("down"))
        .otherwise(pl.lit("same"))
    )


def core_periods(core: Core) -> pl.DataFrame:
    if "core_periods_of_care" in core:
        return core["core_periods_of_care"]
    return periods_of_care(core["core_episodes"])


# ---------------------------------------------------------------- review timeliness
def review_timeliness(
    core_reviews: pl.DataFrame, periods_or_episodes: pl.DataFrame, params: RunParams | None = None
) -> pl.DataFrame:
    """One row per review inside a period of care, numbered within the period, with its due date.

    Rules (Care Planning Regulations 2010, reg. 33): first review within 20 working days of
    the period of care starting; second within 3 months of the first; later ones within 6
    months of the previous review. A child who re-enters care starts again at 'first'.
    A review on its due date is in time. Month rules land on the same calendar date (the
    last day of the month when that date does not exist), whether or not it is a working
    day; the working-day rule can never land on a weekend or bank holiday.
    Reviews outside every period of care are dropped here (validation quarantines them),
    as are reviews in periods made only of short breaks (V3/V4), which follow the Short
    Breaks Regulations' timescales instead. `params` is unused: the rule is statutory.
    Computed once per run and shared by every measure that uses it (`pipeline.shared`).
    """
    return _review_timeliness(core_reviews, periods_or_episodes)


@shared
def _review_timeliness(core_reviews: pl.DataFrame, periods_or_episodes: pl.DataFrame):
    if "episode_start_date" in periods_or_episodes.columns:
        periods_or_episodes = periods_of_care(periods_or_episodes)
    periods = (
        periods_or_episodes.filter(~pl.col("is_short_breaks_only").fill_null(False))
        .select("child_id", "period_of_care_id", "period_start_date", "period_end_date")
        .sort("period_start_date")
    )
    reviews = (
        core_reviews.select("child_id", "review_date", "participation_code")
        .unique(["child_id", "review_date"], keep="first", maintain_order=True)
        .sort("review_date")
    )
    matched = reviews.join_asof(
        periods,
        left_on="review_date",
        right_on="period_start_date",
        by="child_id",
        strategy="backward",
        check_sortedness=False,
    ).filter(
        pl.col("period_of_care_id").is_not_null()
        & (
            pl.col("period_end_date").is_null()
            | (pl.col("review_date") <= pl.col("period_end_date"))
        )
    )
    seq = matched.sort("child_id", "period_of_care_id", "review_date").with_columns(
        review_number=pl.col("review_date").cum_count().over("period_of_care_id").cast(pl.Int64),
        previous_review_date=pl.col("review_date").shift(1).over("period_of_care_id"),
    )
    due = (
        pl.when(pl.col("review_number") == 1)
        .then(add_working_days(pl.col("period_start_date"), FIRST_REVIEW_WD))
        .when(pl.col("review_number") == 2)
        .then(pl.col("previous_review_date").dt.offset_by("3mo"))
        .otherwise(pl.col("previous_review_date").dt.offset_by("6mo"))
    )
    return (
        seq.with_columns(
            review_sequence=pl.col("review_number").replace_strict(
                SEQUENCE_LABELS, default=LATER, return_dtype=pl.String
            ),
            due_date=due,
        )
        .with_columns(is_in_timescale=pl.col("review_date") <= pl.col("due_date"))
        .select(
            "child_id",
            "period_of_care_id",
            "period_start_date",
            "review_date",
            "review_number",
            "review_sequence",
            "previous_review_date",
            "due_date",
            "is_in_timescale",
            "participation_code",
        )
    )


@shared
def review_tasks(timeliness: pl.DataFrame, core_review_process: pl.DataFrame) -> pl.DataFrame:
    """Reviews with flags for the IRO's tasks after them, from the IRO service's extract.

    Joined on child and review date. A review with no process row counts as recommendations
    not issued, minutes not completed/distributed and no SW report due. Duplicate process
    rows for one review are collapsed to the earliest date of each task.
    """
    process = core_review_process.group_by("child_id", "review_date").agg(
        pl.col(
            "recommendations_issued_date",
            "minutes_completed_date",
            "minutes_distributed_date",
            "sw_report_due_date",
            "sw_report_received_date",
        ).min()
    )
    r = pl.col("review_date")
    return timeliness.join(process, on=["child_id", "review_date"], how="left").with_columns(
        is_recommendations_issued=pl.col("recommendations_issued_date").is_not_null(),
        is_recommendations_within_5wd=within_working_days(
            r, pl.col("recommendations_issued_date"), RECOMMENDATIONS_WD
        ).fill_null(False),
        is_minutes_completed=pl.col("minutes_completed_date").is_not_null(),
        is_minutes_distributed_within_20wd=within_working_days(
            r, pl.col("minutes_distributed_date"), MINUTES_WD
        ).fill_null(False),
        has_sw_report_due=pl.col("sw_report_due_date").is_not_null(),
        is_sw_report_on_time=(
            pl.col("sw_report_received_date") <= pl.col("sw_report_due_date")
        ).fill_null(False),
    )


def reviews_with_tasks(core: Core, params: RunParams) -> pl.DataFrame:
    return review_tasks(
        review_timeliness(core["core_reviews"], core_periods(core), params),
        core["core_review_process"],
    )


# ---------------------------------------------------------------- monthly
def monthly_timeliness(reviews: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """Reviews held and in timescale per month of this reporting year and the one before."""
    years = [params.previous, params]
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
            for p in years
        ]
    )
    counts = reviews.group_by(month_end=month_end_expr("review_date")).agg(
        reviews_count=pl.len().cast(pl.Int64),
        in_timescale_count=pl.col("is_in_timescale").sum().cast(pl.Int64),
    )
    return (
        grid.join(counts, left_on="month_end_date", right_on="month_end", how="left")
        .with_columns(pl.col("reviews_count", "in_timescale_count").fill_null(0))
        .with_columns(in_timescale_pct=pct(pl.col("in_timescale_count"), pl.col("reviews_count")))
        .sort("month_end_date")
    )


@measure(
    "reviews_monthly",
    inputs=("episodes", "reviews"),
    section="reviews-held-and-their-timeliness",
    title="Children in care reviews held and in timescale, by month",
    definition=(
        "Reviews held in each month of the reporting year and the year before, and the number "
        "and percentage held within statutory timescales (first review within 20 working days "
        "of the period of care starting, second within 3 months of the first, later reviews "
        "within 6 months of the previous one; a review on its due date is in time)."
    ),
    disclosure=DisclosureSpec(
        counts=("reviews_count", "in_timescale_count"),
        derived={"in_timescale_pct": ("in_timescale_count", "reviews_count")},
        links=(
            Link("reviews_count", REVIEWS, {"period": month_label()}),
            Link(
                "in_timescale_count",
                REVIEWS,
                {"period": month_label(), "timely": pl.lit("yes")},
                complete={"timely": YES_NO},
            ),
        ),
    ),
)
def reviews_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    timeliness = review_timeliness(core["core_reviews"], core_periods(core), params)
    return blank_last_year(monthly_timeliness(timeliness, params), core, params)


# ---------------------------------------------------------------- annual (Dorset table)
ANNUAL_ROWS: list[tuple[str, str, str | None]] = [
    ("reviews_held", "Reviews held", None),
    ("in_timescale", "Reviews held within timescale", "is_in_timescale"),
    ("recommendations_issued", "Reviews with recommendations issued", "is_recommendations_issued"),
    (
        "recommendations_within_5wd",
        "Reviews with recommendations issued within 5 working days",
        "is_recommendations_within_5wd",
    ),
    ("minutes_completed", "Reviews with minutes completed", "is_minutes_completed"),
    (
        "minutes_distributed_within_20wd",
        "Reviews with minutes distributed within 20 working days",
        "is_minutes_distributed_within_20wd",
    ),
]


#: rows of the annual table that need the IRO service's review-process extract
TASK_ROWS = tuple(code for code, _, _ in ANNUAL_ROWS[2:])


def annual_counts(reviews: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """One row per annual measure for the year of `params`: count and denominator."""
    year = reviews.filter(in_year("review_date", params))
    exprs = [
        (pl.len() if flag is None else pl.col(flag).sum()).cast(pl.Int64).alias(code)
        for code, _, flag in ANNUAL_ROWS
    ]
    return (
        year.select(exprs)
        .unpivot(variable_name="measure_code", value_name="count")
        .with_columns(denominator_count=pl.lit(year.height, dtype=pl.Int64))
    )


def annual_table(reviews: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """This year's and last year's annual counts side by side, with a direction marker.

    Direction compares the published percentage (one decimal place); for 'reviews held',
    which has no percentage, it compares the counts.
    """
    labels = pl.DataFrame(
        {
            "measure_code": [c for c, _, _ in ANNUAL_ROWS],
            "measure": [lbl for _, lbl, _ in ANNUAL_ROWS],
        }
    )
    now = annual_counts(reviews, params)
    before = annual_counts(reviews, params.previous).rename(
        {"count": "last_year_count", "denominator_count": "last_year_denominator_count"}
    )
    is_held = pl.col("measure_code") == "reviews_held"
    out = (
        labels.join(now, on="measure_code", how="left", maintain_order="left")
        .join(before, on="measure_code", how="left", maintain_order="left")
        .with_columns(
            pct=pl.when(is_held)
            .then(None)
            .otherwise(pct(pl.col("count"), pl.col("denominator_count"))),
            last_year_pct=pl.when(is_held)
            .then(None)
            .otherwise(pct(pl.col("last_year_count"), pl.col("last_year_denominator_count"))),
        )
    )
    return out.with_columns(
        direction=pl.when(is_held)
        .then(direction(pl.col("count"), pl.col("last_year_count")))
        .otherwise(direction(pl.col("pct"), pl.col("last_year_pct")))
    ).select(
        "measure_code",
        "measure",
        "count",
        "denominator_count",
        "pct",
        "last_year_count",
        "last_year_denominator_count",
        "last_year_pct",
        "direction",
    )


def _year(df: pl.DataFrame, p: RunParams) -> pl.Expr:
    return pl.lit(p.year_label)


def _last_year(df: pl.DataFrame, p: RunParams) -> pl.Expr:
    return pl.lit(p.previous.year_label)


def _flag_dim(code: str) -> pl.Expr:
    return pl.when(pl.col("measure_code") == code).then(pl.lit("yes"))


ANNUAL_DIMS = {
    "timely": _flag_dim("in_timescale"),
    "recommendations": _flag_dim("recommendations_issued"),
    "recommendations_5wd": _flag_dim("recommendations_within_5wd"),
    "minutes": _flag_dim("minutes_completed"),
    "minutes_20wd": _flag_dim("minutes_distributed_within_20wd"),
}
ANNUAL_COMPLETE = {d: YES_NO for d in ANNUAL_DIMS}


@measure(
    "reviews_annual",
    inputs=("episodes", "reviews"),
    section="reviews-held-and-their-timeliness",
    row_inputs={code: ("review_process",) for code in TASK_ROWS},
    title="Reviews, recommendations and minutes: this year and last year",
    definition=(
        "Reviews held in the reporting year; the percentage held within statutory timescales; "
        "with recommendations issued (on any date) and within 5 working days of the review; "
        "with minutes completed (on any date); and with minutes distributed within 20 working "
        "days. Recommendations and minutes come from the IRO service's review-process extract "
        "matched on child and review date; a review with no matching record counts as not "
        "issued / not completed. Figures are as at the extract date. Direction compares the "
        "percentage (the count for reviews held) with the year before."
    ),
    disclosure=DisclosureSpec(
        links=(
            Link("count", REVIEWS, {"period": _year, **ANNUAL_DIMS}, complete=ANNUAL_COMPLETE),
            Link(
                "last_year_count",
                REVIEWS,
                {"period": _last_year, **ANNUAL_DIMS},
                complete=ANNUAL_COMPLETE,
            ),
            Link("denominator_count", REVIEWS, {"period": _year}),
            Link("last_year_denominator_count", REVIEWS, {"period": _last_year}),
        ),
        counts=("count", "denominator_count", "last_year_count", "last_year_denominator_count"),
        derived={
            "pct": ("count", "denominator_count"),
            "last_year_pct": ("last_year_count", "last_year_denominator_count"),
            "direction": (
                "count",
                "denominator_count",
                "last_year_count",
                "last_year_denominator_count",
            ),
        },
    ),
)
def reviews_annual(core: Core, params: RunParams) -> pl.DataFrame:
    return blank_last_year(annual_table(reviews_with_tasks(core, params), params), core, params)


# ---------------------------------------------------------------- quarterly (B&NES tables)
QUARTERS = ["Q1", "Q2", "Q3", "Q4"]


def quarterly_status(
    reviews: pl.DataFrame, flag: str, params: RunParams, labels: tuple[str, str, str]
) -> pl.DataFrame:
    """Per quarter: rows 'out', 'in' and 'total' for a yes/no flag, this year and last year.

    Long rows (not columns) so that secondary suppression within each quarter protects a
    small 'out' count from being worked out from 'in' and the total.
    """
    out_label, in_label, total_label = labels

    def one_year(p: RunParams, prefix: str) -> pl.DataFrame:
        year = reviews.filter(in_year("review_date", p)).with_columns(
            quarter=quarter_expr("review_date")
        )
        agg = year.group_by("quarter").agg(
            _in=pl.col(flag).sum().cast(pl.Int64), _total=pl.len().cast(pl.Int64)
        )
        grid = pl.DataFrame({"quarter": QUARTERS}).join(agg, on="quarter", how="left").fill_null(0)
        rows = pl.concat(
            [
                grid.select(
                    "quarter",
                    status=pl.lit(out_label),
                    n=pl.col("_total") - pl.col("_in"),
                    t="_total",
                ),
                grid.select("quarter", status=pl.lit(in_label), n="_in", t="_total"),
                grid.select("quarter", status=pl.lit(total_label), n="_total", t="_total"),
            ]
        )
        return rows.rename(
            {"n": f"{prefix}reviews_count", "t": f"{prefix}total_count"}
        ).with_columns(
            pct(pl.col(f"{prefix}reviews_count"), pl.col(f"{prefix}total_count")).alias(
                f"{prefix}pct"
            )
        )

    order = {out_label: 0, in_label: 1, total_label: 2}
    return (
        one_year(params, "")
        .join(one_year(params.previous, "last_year_"), on=["quarter", "status"], how="left")
        .with_columns(
            year_label=pl.lit(params.year_label), last_year_label=pl.lit(params.previous.year_label)
        )
        .sort("quarter", pl.col("status").replace_strict(order, return_dtype=pl.Int64))
        .select(
            "year_label",
            "last_year_label",
            "quarter",
            "status",
            "reviews_count",
            "total_count",
            "pct",
            "last_year_reviews_count",
            "last_year_total_count",
            "last_year_pct",
        )
    )


QUARTERLY_SPEC = DisclosureSpec(
    counts=("reviews_count", "total_count", "last_year_reviews_count", "last_year_total_count"),
    within=("quarter",),
    derived={
        "pct": ("reviews_count", "total_count"),
        "last_year_pct": ("last_year_reviews_count", "last_year_total_count"),
    },
)
STATUS = {"Out of timescale": "no", "In timescale": "yes", "Total held": "Total"}


def quarterly_spec(dim: str) -> DisclosureSpec:
    """QUARTERLY_SPEC, linked: out / in / total rows are a yes/no split of the quarter's reviews."""
    links = []
    for prefix in ("", "last_year_"):
        period = {"period": quarter_label(None, prefix=prefix)}
        status = pl.col("status").replace_strict(STATUS, default=None)
        links.append(Link(f"{prefix}reviews_count", REVIEWS, {**period, dim: status}, sums=(dim,)))
        links.append(Link(f"{prefix}total_count", REVIEWS, period))
    return DisclosureSpec(
        counts=QUARTERLY_SPEC.counts,
        within=QUARTERLY_SPEC.within,
        derived=QUARTERLY_SPEC.derived,
        links=tuple(links),
    )


@measure(
    "reviews_quarterly",
    inputs=("episodes", "reviews"),
    section="reviews-held-and-their-timeliness",
    title="Quarterly timeliness of children in care reviews",
    definition=(
        "Reviews held in each quarter (Q1 April-June to Q4 January-March) that were out of "
        "and within statutory timescales, with percentages of all reviews held in the quarter; "
        "this year and the year before."
    ),
    disclosure=quarterly_spec("timely"),
)
def reviews_quarterly(core: Core, params: RunParams) -> pl.DataFrame:
    timeliness = review_timeliness(core["core_reviews"], core_periods(core), params)
    out = quarterly_status(
        timeliness,
        "is_in_timescale",
        params,
        ("Out of timescale", "In timescale", "Total held"),
    )
    return blank_last_year(out, core, params)


@measure(
    "minutes_quarterly",
    inputs=("episodes", "reviews", "review_process"),
    section="recommendations-and-minutes",
    title="Quarterly timeliness of distribution of review minutes",
    definition=(
        "Reviews held in each quarter whose minutes were distributed within 20 working days of "
        "the review (in timescale) or later or not at all by the extract date (out of "
        "timescale); this year and the year before."
    ),
    disclosure=quarterly_spec("minutes_20wd"),
)
def minutes_quarterly(core: Core, params: RunParams) -> pl.DataFrame:
    out = quarterly_status(
        reviews_with_tasks(core, params),
        "is_minutes_distributed_within_20wd",
        params,
        ("Out of timescale", "In timescale", "Total held"),
    )
    return blank_last_year(out, core, params)


def sw_report_quarters(reviews: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """Per quarter: SW reports due, received on or before the due date, and the percentage."""

    def one_year(p: RunParams, prefix: str) -> pl.DataFrame:
        due = reviews.filter(in_year("review_date", p) & pl.col("has_sw_report_due"))
        agg = due.group_by(quarter=quarter_expr("review_date")).agg(
            on_time=pl.col("is_sw_report_on_time").sum().cast(pl.Int64), due=pl.len().cast(pl.Int64)
        )
        return (
            pl.DataFrame({"quarter": QUARTERS})
            .join(agg, on="quarter", how="left")
            .fill_null(0)
            .select(
                "quarter",
                pl.col("on_time").alias(f"{prefix}on_time_count"),
                pl.col("due").alias(f"{prefix}due_count"),
                pct(pl.col("on_time"), pl.col("due")).alias(f"{prefix}on_time_pct"),
            )
        )

    return (
        one_year(params, "")
        .join(one_year(params.previous, "last_year_"), on="quarter")
        .with_columns(
            year_label=pl.lit(params.year_label), last_year_label=pl.lit(params.previous.year_label)
        )
        .select("year_label", "last_year_label", pl.all().exclude("year_label", "last_year_label"))
        .sort("quarter")
    )


@measure(
    "sw_reports_quarterly",
    inputs=("episodes", "reviews", "review_process"),
    section="social-workers-reports-before-reviews",
    title="Social workers' pre-review reports received on time, by quarter",
    definition=(
        "Of reviews held in the quarter with a social worker's pre-review report due date "
        "recorded, the number and percentage whose report was received on or before the due "
        "date (a report not received counts as late); this year and the year before."
    ),
    disclosure=DisclosureSpec(
        links=tuple(
            link
            for prefix in ("", "last_year_")
            for link in (
                Link(
                    f"{prefix}due_count",
                    REVIEWS,
                    {"period": quarter_label(None, prefix=prefix), "sw_due": pl.lit("yes")},
                    complete={"sw_due": YES_NO},
                ),
                Link(
                    f"{prefix}on_time_count",
                    REVIEWS,
                    {
                        "period": quarter_label(None, prefix=prefix),
                        "sw_due": pl.lit("yes"),
                        "sw_on_time": pl.lit("yes"),
                    },
                    complete={"sw_on_time": YES_NO},
                ),
            )
        ),
        counts=("on_time_count", "due_count", "last_year_on_time_count", "last_year_due_count"),
        derived={
            "on_time_pct": ("on_time_count", "due_count"),
            "last_year_on_time_pct": ("last_year_on_time_count", "last_year_due_count"),
        },
    ),
)
def sw_reports_quarterly(core: Core, params: RunParams) -> pl.DataFrame:
    return blank_last_year(
        sw_report_quarters(reviews_with_tasks(core, params), params), core, params
    )
