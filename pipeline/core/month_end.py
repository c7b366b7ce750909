"""Episodes -> month-end snapshots (core_month_end): who was in care at each month end.

Monthly profile tables, 31 March tables and trends all count children from this one
table, so a child is "in care on a date" in exactly one way everywhere:

- in care at month end M = an episode with start <= M and (end is null or end > M);
  an episode that ends on M does not count (the child left that day);
- episodes under legal status V3/V4 (agreed series of short breaks) are left out, as
  DfE leaves them out of looked-after counts.

Built with an interval explode (one row per episode per month end it covers), so the
cost is linear in child-months: 85k children x 60 months is ~5M rows.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.core.periods import SHORT_BREAK_LEGAL_STATUSES, episodes_with_period
from pipeline.core.schemas import conform, empty
from pipeline.inputs.contract import codes
from pipeline.params import RunParams

# a new placement starts at an episode with these reasons for new episode
NEW_PLACEMENT_RNE = ("S", "P", "T", "U", "B")

AGE_BANDS = ("0-4", "5-9", "10-12", "13-15", "16+")
DFE_AGE_BANDS = ("Under 1", "1-4", "5-9", "10-15", "16+")
DURATION_BANDS = ("0-3", "4-6", "7-12", "13-24", "25-36", "37+")


# ---------------------------------------------------------------- small expressions
def age_years(birth: str | pl.Expr, on: str | pl.Expr) -> pl.Expr:
    """Age in whole years on a date (a 29 February birthday counts from 1 March)."""
    b = pl.col(birth) if isinstance(birth, str) else birth
    d = pl.col(on) if isinstance(on, str) else on
    # dt.month()/dt.day() are Int8: widen before arithmetic
    md = d.dt.month().cast(pl.Int32) * 100 + d.dt.day().cast(pl.Int32)
    mb = b.dt.month().cast(pl.Int32) * 100 + b.dt.day().cast(pl.Int32)
    return (d.dt.year() - b.dt.year() - (md < mb).cast(pl.Int32)).cast(pl.Int64)


def whole_months(start: str | pl.Expr, on: str | pl.Expr) -> pl.Expr:
    """Whole calendar months from `start` to `on` (a month end completes a short month)."""
    s = pl.col(start) if isinstance(start, str) else start
    d = pl.col(on) if isinstance(on, str) else on
    diff = (d.dt.year() - s.dt.year()).cast(pl.Int32) * 12 + (
        d.dt.month().cast(pl.Int32) - s.dt.month().cast(pl.Int32)
    )
    incomplete = (d.dt.day() < s.dt.day()) & (d != d.dt.month_end())
    return (diff - incomplete.cast(pl.Int32)).cast(pl.Int64)


def age_band(age: str | pl.Expr = "age_years") -> pl.Expr:
    """Dorset-style bands: 0-4, 5-9, 10-12, 13-15, 16+."""
    a = pl.col(age) if isinstance(age, str) else age
    return (
        pl.when(a.is_null())
        .then(None)
        .when(a <= 4)
        .then(pl.lit("0-4"))
        .when(a <= 9)
        .then(pl.lit("5-9"))
        .when(a <= 12)
        .then(pl.lit("10-12"))
        .when(a <= 15)
        .then(pl.lit("13-15"))
        .otherwise(pl.lit("16+"))
    )


def dfe_age_band(age: str | pl.Expr = "age_years") -> pl.Expr:
    """DfE published bands: Under 1, 1-4, 5-9, 10-15, 16+."""
    a = pl.col(age) if isinstance(age, str) else age
    return (
        pl.when(a.is_null())
        .then(None)
        .when(a < 1)
        .then(pl.lit("Under 1"))
        .when(a <= 4)
        .then(pl.lit("1-4"))
        .when(a <= 9)
        .then(pl.lit("5-9"))
        .when(a <= 15)
        .then(pl.lit("10-15"))
        .otherwise(pl.lit("16+"))
    )


def duration_band(months: str | pl.Expr = "months_in_care") -> pl.Expr:
    """Whole months in the current period of care: 0-3, 4-6, 7-12, 13-24, 25-36, 37+."""
    m = pl.col(months) if isinstance(months, str) else months
    return (
        pl.when(m.is_null())
        .then(None)
        .when(m <= 3)
        .then(pl.lit("0-3"))
        .when(m <= 6)
        .then(pl.lit("4-6"))
        .when(m <= 12)
        .then(pl.lit("7-12"))
        .when(m <= 24)
        .then(pl.lit("13-24"))
        .when(m <= 36)
        .then(pl.lit("25-36"))
        .otherwise(pl.lit("37+"))
    )


def grouped(col: str, code_list: str) -> pl.Expr:
    """A code mapped through a grouping list in codes.yml (unknown codes -> null)."""
    return pl.col(col).replace_strict(codes(code_list), default=None, return_dtype=pl.String)


# ---------------------------------------------------------------- month ends
def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every month end from the month of `first` to the month of `last`."""
    starts = pl.date_range(first.replace(day=1), last.replace(day=1), "1mo", eager=True)
    return starts.dt.month_end().to_list()


def window(params: RunParams) -> tuple[dt.date, dt.date]:
    """April of (year_end - history_years) to March of year_end: trends and last year."""
    return dt.date(params.year_end - params.history_years, 4, 30), params.period_end


# ---------------------------------------------------------------- the snapshot
def _placement_runs(eps: pl.DataFrame) -> pl.DataFrame:
    """Start date of the run of episodes in the same placement, within a period of care."""
    is_new = pl.col("new_episode_reason_code").is_in(NEW_PLACEMENT_RNE).fill_null(False)
    # its own column first: a window nested in another window is several times slower
    first_in_period = (
        pl.col("episode_start_date").shift(1).over("period_of_care_id").is_null().alias("_first")
    )
    return (
        eps.sort("child_id", "episode_start_date")
        .with_columns(first_in_period)
        .with_columns(
            _placement_number=(is_new | pl.col("_first")).cast(pl.Int64).cum_sum().over("child_id")
        )
        .drop("_first")
        .with_columns(
            placement_start_date=pl.col("episode_start_date")
            .first()
            .over("child_id", "_placement_number")
        )
        .drop("_placement_number")
    )


def _counted_episodes(
    core_episodes: pl.DataFrame, first: dt.date | None = None, last: dt.date | None = None
) -> pl.DataFrame:
    """Episodes that count towards 'looked after', with period and placement start attached.

    With `first`/`last`, only children with an episode touching [first, last] are kept
    (everything here is per child, so their rows are exactly as without the filter).
    """
    eps = episodes_with_period(core_episodes)
    if first is not None and last is not None:
        touching = eps.filter(
            (pl.col("episode_start_date") <= last)
            & (pl.col("episode_end_date").is_null() | (pl.col("episode_end_date") >= first))
        ).select(pl.col("child_id").unique())
        eps = eps.join(touching, on="child_id", how="semi", maintain_order="left")
    eps = _placement_runs(eps)
    counted = eps.filter(
        ~pl.col("legal_status_code").is_in(SHORT_BREAK_LEGAL_STATUSES).fill_null(True)
    )
    # the period starts at its first counted episode (short breaks before it do not count)
    return counted.with_columns(
        period_start_date=pl.col("episode_start_date").min().over("period_of_care_id")
    )


def _explode_month_ends(eps: pl.DataFrame, first: dt.date, last: dt.date) -> pl.DataFrame:
    """One row per episode per month end M in [first, last] with start <= M < end."""
    lo = pl.col("episode_start_date").dt.month_end()
    # the last month end strictly before the end date
    hi = pl.col("episode_end_date").dt.month_start().dt.offset_by("-1d")
    lo = pl.max_horizontal(lo, pl.lit(first)).dt.month_start()
    hi = pl.min_horizontal(hi.fill_null(pl.lit(last)), pl.lit(last)).dt.month_start()
    return (
        eps.with_columns(_lo=lo, _hi=hi)
        .filter(pl.col("_lo") <= pl.col("_hi"))
        .with_columns(month_end_date=pl.date_ranges("_lo", "_hi", "1mo"))
        .explode("month_end_date")
        .with_columns(pl.col("month_end_date").dt.month_end())
        .drop("_lo", "_hi")
    )


def _uasc(core: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """child_id -> (is_uasc ever recorded, date UASC status ceased)."""
    children = core.get("core_children", empty("core_children"))
    uasc = core.get("core_uasc", empty("core_uasc"))
    from_children = children.filter(pl.col("is_uasc").fill_null(False)).select(
        "child_id", "uasc_ceased_date"
    )
    return (
        pl.concat([uasc.select("child_id", "uasc_ceased_date"), from_children])
        .group_by("child_id")
        .agg(pl.col("uasc_ceased_date").max(), pl.lit(True).alias("_was_uasc"))
    )


def _one_episode_per_month_end(df: pl.DataFrame) -> pl.DataFrame:
    """Overlapping episodes (should not pass validation): keep the latest-starting one.

    The sort this needs is the costliest step at national scale, so it only runs when some
    child really has two episodes at one month end (the rows are sorted afterwards anyway).
    """
    keys = ["child_id", "month_end_date"]
    if not df.select(pl.struct(keys).is_duplicated().any()).item():
        return df
    return df.sort(*keys, "episode_start_date").unique(keys, keep="last", maintain_order=True)


def snapshot_at(core: dict[str, pl.DataFrame], first: dt.date, last: dt.date) -> pl.DataFrame:
    """core_month_end rows for every month end from `first` to `last` (inclusive months)."""
    first, last = first.replace(day=1), month_ends(last, last)[0]
    eps = core.get("core_episodes", empty("core_episodes"))
    children = core.get("core_children", empty("core_children"))
    snap = (
        _counted_episodes(eps, first, last)
        .pipe(_explode_month_ends, first, last)
        .pipe(_one_episode_per_month_end)
        .join(
            children.select(
                "child_id",
                "sex",
                "birth_date",
                "ethnicity_code",
                "ethnicity_group",
                "is_white_british",
            ),
            on="child_id",
            how="left",
        )
        .join(_uasc(core), on="child_id", how="left")
    )
    m = pl.col("month_end_date")
    out = snap.with_columns(
        age_years=age_years("birth_date", m),
        legal_status_group=grouped("legal_status_code", "LS_GROUP"),
        placement_group=grouped("placement_code", "PLACE_GROUP"),
        ethnicity_group=pl.coalesce(
            pl.col("ethnicity_group"), grouped("ethnicity_code", "ETHNIC_GROUP")
        ),
        is_uasc=pl.col("_was_uasc").fill_null(False)
        & (pl.col("uasc_ceased_date").is_null() | (pl.col("uasc_ceased_date") > m)),
        months_in_care=whole_months("period_start_date", m),
    ).with_columns(age_band=age_band("age_years"), duration_band=duration_band("months_in_care"))
    return conform("core_month_end", out.sort("month_end_date", "child_id"))


def month_end_snapshots(core: dict[str, pl.DataFrame], params: RunParams) -> pl.DataFrame:
    """core_month_end over the run's window (see `window`)."""
    return snapshot_at(core, *window(params))


def month_end_between(core: dict[str, pl.DataFrame], first: dt.date, last: dt.date) -> pl.DataFrame:
    """Snapshots for [first, last]: from core_month_end when it covers them, else computed."""
    first_me, last_me = month_ends(first, first)[0], month_ends(last, last)[0]
    me = core.get("core_month_end")
    if me is not None and me.height:
        lo, hi = me["month_end_date"].min(), me["month_end_date"].max()
        if lo <= first_me and hi >= last_me:
            return me.filter(pl.col("month_end_date").is_between(first_me, last_me))
    return snapshot_at(core, first_me, last_me)
