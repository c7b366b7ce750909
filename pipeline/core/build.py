"""Derived core_ tables, built once after validation and before measures."""

from __future__ import annotations

import polars as pl

from pipeline.core.month_end import month_end_snapshots
from pipeline.core.periods import periods_of_care
from pipeline.core.schemas import conform, empty
from pipeline.params import RunParams


def build_transforms(core: dict[str, pl.DataFrame], params: RunParams) -> dict[str, pl.DataFrame]:
    """The validated core_ tables plus core_periods_of_care and core_month_end."""
    episodes = core.get("core_episodes", empty("core_episodes"))
    out = dict(core)
    out["core_periods_of_care"] = periods_of_care(episodes)
    out["core_month_end"] = conform("core_month_end", month_end_snapshots(out, params))
    return out
