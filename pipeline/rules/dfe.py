"""Shared pieces of the DfE SSDA903 rules: episodes in order, ages, the collection year,
"continuously looked after for 12 months", periods of care. No rules are registered here.

The DfE rules compare values as the DfE validator does: a comparison with a missing or
unreadable date is false (so it never fails a row), codes are compared exactly (ingest
normalises their case), "aged N on date d" means `DOB + N years <= d` with 29 February + 1
year = 28 February. Every frame here is built once per run (`RuleContext.shared`) from the
raw tables, sorted once, with neighbours taken by `shift` over the child: linear after the
sort, no self-joins that grow with a child's number of rows.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import OnFrame, RuleContext, date

TEMPORARY = ("T0", "T1", "T2", "T3", "T4")
SHORT_BREAKS = ("V3", "V4")
ADOPTION_PLACEMENTS = ("A3", "A4", "A5", "A6")
FOSTER = ("U1", "U2", "U3", "U4", "U5", "U6")
ADOPTED = ("E11", "E12")
# reasons episode ceased that end care (everything but X1, "a new episode begins")
CEASED_CARE = (
    *("E2", "E3", "E4A", "E4B", "E5", "E6", "E7", "E8", "E9", "E11", "E12", "E13", "E14"),
    *("E15", "E16", "E17", "E41", "E45", "E46", "E47", "E48"),
)
PLACEMENT_FIELDS = ("PLACE", "PL_POST", "URN", "PLACE_PROVIDER")
# what the rules compare with the previous episode (and the next one's start)
PREVIOUS_FIELDS = ("dec", "REC", "LS", "CIN", *PLACEMENT_FIELDS)
OC2_ITEMS = (
    "CONVICTED",
    "HEALTH_CHECK",
    "IMMUNISATIONS",
    "TEETH_CHECK",
    "HEALTH_ASSESSMENT",
    "SUBSTANCE_MISUSE",
    "INTERVENTION_RECEIVED",
    "INTERVENTION_OFFERED",
)
OC3_ITEMS = ("IN_TOUCH", "ACTIV", "ACCOM")
AD1_ITEMS = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")


def same_child_before(steps: int = 1) -> pl.Expr:
    """On a frame sorted by CHILD: the row `steps` above is the same child's."""
    return (pl.col("CHILD") == pl.col("CHILD").shift(steps)).fill_null(False)


def plus_years(d: pl.Expr, years: int) -> pl.Expr:
    """`d` + `years` calendar years (29 February + 1 year = 28 February, as the DfE does)."""
    return d.dt.offset_by(f"{years}y")


def any_set(*columns: str) -> pl.Expr:
    return pl.any_horizontal([pl.col(c).is_not_null() for c in columns])


def row_ids(frame: pl.DataFrame, condition: pl.Expr) -> OnFrame:
    """The rows of `frame` where `condition` holds (null counts as false): evaluated by the
    runner together with every other condition on the same frame, in one pass."""
    return OnFrame(frame, condition)


# ---------------------------------------------------------------- episodes in order
def episodes(ctx: RuleContext) -> pl.DataFrame:
    """Raw episodes with parsed dates (`decom`, `dec`), the header DOB (`dob`), the
    collection year bounds (`cstart`, `cend`), sorted by child and start, with the
    previous episode's fields the rules compare (`prev_<F>`, null at a child's first), the
    next episode's start (`next_decom`), `is_first`/`is_last`, and the placement two
    episodes back (`prev2_PLACE`, `prev2_PL_POST`). Rows without a readable start date take
    no part in the order (the contract rules quarantine them)."""

    def build() -> pl.DataFrame:
        eps = (
            episode_dates(ctx)
            .filter(pl.col("decom").is_not_null() & pl.col("CHILD").is_not_null())
            .join(header_dob(ctx), on="CHILD", how="left")
            .sort("CHILD", "decom", "row_id")
        )
        # sorted by child: a neighbour is the next row when it is the same child's (a plain
        # shift with a mask is many times faster than a window per child)
        child = pl.col("CHILD")
        has_prev, has_next = child == child.shift(1), child == child.shift(-1)
        has_prev2 = child == child.shift(2)
        shifted = [pl.when(has_next).then(pl.col("decom").shift(-1)).alias("next_decom")]
        for f in PREVIOUS_FIELDS:
            shifted.append(pl.when(has_prev).then(pl.col(f).shift(1)).alias(f"prev_{f}"))
        return eps.with_columns(
            *shifted,
            pl.when(has_prev2).then(pl.col("PLACE").shift(2)).alias("prev2_PLACE"),
            pl.when(has_prev2).then(pl.col("PL_POST").shift(2)).alias("prev2_PL_POST"),
            is_first=~has_prev.fill_null(False),
            is_last=~has_next.fill_null(False),
            has_prev2=has_prev2.fill_null(False),
        )

    return ctx.shared("dfe_episodes", build)


def episode_dates(ctx: RuleContext) -> pl.DataFrame:
    """Every raw episode (in file order) with its dates parsed once (`decom`, `dec`) and
    its collection year (`ye`, `cstart`, `cend`)."""

    def build() -> pl.DataFrame:
        raw = ctx.raw["episodes"]
        return raw.with_columns(
            decom=date("DECOM"), dec=date("DEC"), ye=ctx.year_end_expr(raw)
        ).with_columns(cstart=pl.date(pl.col("ye") - 1, 4, 1), cend=pl.date(pl.col("ye"), 3, 31))

    return ctx.shared("dfe_episode_dates", build)


def reviews(ctx: RuleContext) -> pl.DataFrame:
    """Raw reviews with the review date, the row's own date of birth and its 4th birthday."""

    def build() -> pl.DataFrame:
        return (
            ctx.raw["reviews"]
            .select("row_id", "CHILD", "REVIEW_CODE", review=date("REVIEW"), own_dob=date("DOB"))
            .with_columns(fourth=plus_years(pl.col("own_dob"), 4))
        )

    return ctx.shared("dfe_reviews", build)


def header_dob(ctx: RuleContext) -> pl.DataFrame:
    """CHILD -> date of birth from the raw header (the first row of a duplicated CHILD)."""

    def build() -> pl.DataFrame:
        return (
            ctx.raw["header"]
            .select("CHILD", dob=date("DOB"))
            .drop_nulls("CHILD")
            .unique("CHILD", keep="first", maintain_order=True)
        )

    return ctx.shared("dfe_header_dob", build)


def children_with_episodes(ctx: RuleContext) -> pl.Series:
    return ctx.shared(
        "dfe_children_with_episodes",
        lambda: ctx.raw["episodes"].select(pl.col("CHILD").drop_nulls().unique()),
    ).get_column("CHILD")


# ---------------------------------------------------------------- continuously looked after
def cla12(ctx: RuleContext, rows: pl.DataFrame) -> pl.DataFrame:
    """`rows` (with CHILD and `ye`) plus `is_cla12`: looked after continuously for the 12
    months to 31 March of year `ye`, as the DfE defines it for OC2 and AD1 (an episode
    touches the year; none starts a period in it after 1 April, ends care in it before
    31 March, or is a short break touching it). Children without episodes are not."""
    years = rows.get_column("ye").drop_nulls().unique().sort().to_list()
    flags = pl.concat([_cla12_in(ctx, y) for y in years]) if years else None
    if flags is None:
        return rows.with_columns(is_cla12=pl.lit(False))
    return rows.join(flags, on=["CHILD", "ye"], how="left").with_columns(
        pl.col("is_cla12").fill_null(False)
    )


def _cla12_in(ctx: RuleContext, year: int) -> pl.DataFrame:
    """CHILD, ye, is_cla12 for every child with episodes, for one collection year (once)."""

    def build() -> pl.DataFrame:
        import datetime as dt

        start, end = pl.lit(dt.date(year - 1, 4, 1)), pl.lit(dt.date(year, 3, 31))
        decom, dec = pl.col("decom"), pl.col("dec")
        touches = (decom <= end) & (dec.is_null() | (dec >= start))
        enters = (pl.col("RNE") == "S") & (decom > start) & (decom <= end)
        leaves = (pl.col("REC").is_null() | (pl.col("REC") != "X1")) & (dec >= start) & (dec < end)
        short = pl.col("LS").is_in(SHORT_BREAKS) & touches
        return (
            episodes(ctx)
            .group_by("CHILD")
            .agg(
                touches=touches.fill_null(False).any(),
                broken=(enters | leaves | short).fill_null(False).any(),
            )
            .select(
                "CHILD",
                ye=pl.lit(year, pl.Int64),
                is_cla12=pl.col("touches") & ~pl.col("broken"),
            )
        )

    return ctx.shared(f"dfe_cla12_{year}", build)


def table_year(ctx: RuleContext, table: str) -> pl.DataFrame:
    """A raw table with its collection year `ye` and the bounds `cstart`, `cend`."""
    raw = ctx.raw[table]
    return raw.with_columns(ye=ctx.year_end_expr(raw)).with_columns(
        cstart=pl.date(pl.col("ye") - 1, 4, 1), cend=pl.date(pl.col("ye"), 3, 31)
    )


# ---------------------------------------------------------------- periods of care (DfE)
def dfe_periods(ctx: RuleContext) -> pl.DataFrame:
    """Periods of care as the DfE missing rules build them: a child's episodes in order,
    a new period wherever an episode starts after the previous one ended. One row per
    period: CHILD, `pstart`, `pend` (the last episode's end; null when it is open)."""

    def build() -> pl.DataFrame:
        eps = episodes(ctx).select("CHILD", "decom", "dec", "prev_dec", "is_first")
        # an open episode followed by another does not end its period (as the DfE builds them)
        new = pl.col("is_first") | (pl.col("decom") > pl.col("prev_dec")).fill_null(False)
        return (
            # every child's first episode starts a period, so one running count numbers them
            eps.with_columns(period=new.cast(pl.Int32).cum_sum())
            .group_by("CHILD", "period", maintain_order=True)
            .agg(pstart=pl.col("decom").first(), pend=pl.col("dec").last())
        )

    return ctx.shared("dfe_periods", build)


# ---------------------------------------------------------------- shared checks
def duplicated_per_year(ctx: RuleContext, raw: pl.DataFrame) -> pl.Expr:
    """True on every row of a child listed more than once in one return (one collection year)."""
    year = ctx.year_end_expr(raw)
    return pl.col("CHILD").is_not_null() & (pl.len().over(pl.col("CHILD"), year) > 1)


def dob_differs_from_header(ctx: RuleContext, raw: pl.DataFrame) -> pl.DataFrame:
    """Rows whose own DOB and the header's DOB are both valid dates and differ."""
    df = raw.select("row_id", "CHILD", own=date("DOB")).join(
        header_dob(ctx), on="CHILD", how="inner"
    )
    return row_ids(df, pl.col("own") != pl.col("dob"))
