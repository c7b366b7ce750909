"""Episodes -> periods of care.

A period of care is an unbroken run of episodes for one child: a new period starts at the
child's first episode, at an episode whose reason for new episode is `S` (started to be
looked after), or wherever an episode does not begin on the day the previous one ended.
"""

from __future__ import annotations

import polars as pl

from pipeline.core.schemas import conform
from pipeline.shared import shared

SHORT_BREAK_LEGAL_STATUSES = ("V3", "V4")


@shared
def periods_of_care(core_episodes: pl.DataFrame) -> pl.DataFrame:
    """One row per period of care, numbered 1.. per child in date order."""
    eps = _numbered(core_episodes)
    periods = (
        eps.group_by("child_id", "period_number", maintain_order=True)
        .agg(
            pl.col("episode_start_date").first().alias("period_start_date"),
            # open if the last episode is open
            pl.col("episode_end_date").last().alias("period_end_date"),
            pl.col("legal_status_code").first().alias("start_legal_status_code"),
            pl.col("need_code").first().alias("start_need_code"),
            pl.col("placement_code").first().alias("start_placement_code"),
            pl.col("reason_ceased_code").last().alias("end_reason_code"),
            pl.col("legal_status_code")
            .is_in(SHORT_BREAK_LEGAL_STATUSES)
            .all()
            .alias("is_short_breaks_only"),
        )
        .with_columns(period_of_care_id=_period_id())
    )
    return conform("core_periods_of_care", periods)


@shared
def episodes_with_period(core_episodes: pl.DataFrame) -> pl.DataFrame:
    """Episodes with their `period_of_care_id` and `period_number` attached."""
    return _numbered(core_episodes).with_columns(period_of_care_id=_period_id())


def _period_id() -> pl.Expr:
    return pl.concat_str(pl.col("child_id"), pl.lit("-"), pl.col("period_number").cast(pl.String))


@shared
def _numbered(core_episodes: pl.DataFrame) -> pl.DataFrame:
    # the previous end is its own column first: a window nested in another window is
    # evaluated several times slower by polars
    eps = core_episodes.sort("child_id", "episode_start_date").with_columns(
        _prev_end=pl.col("episode_end_date").shift(1).over("child_id")
    )
    prev_end = pl.col("_prev_end")
    is_new = (
        prev_end.is_null()
        | (pl.col("new_episode_reason_code") == "S")
        | (pl.col("episode_start_date") != prev_end)
    )
    # the first episode of a child has prev_end null -> new period
    return eps.with_columns(
        period_number=is_new.fill_null(True).cast(pl.Int64).cum_sum().over("child_id")
    ).drop("_prev_end")
