"""Computed pack indicators: one polars function per indicator, from core_ tables.

Each function is `f(core, months) -> DataFrame(month_end_date, value, numerator_count,
denominator_count)` with one row per requested month end, registered by name so the
catalogue can point at it (`source: {computed: <name>}`). Counts give the count as
numerator and no denominator; percentages and rates give both, so disclosure control can
suppress a value computed over few children. Rates per 10,000 also take the 0-17
population (`population=`), which `build_pack` passes from `pipeline.inputs.dfe.population_0_17`.

Conventions (docs/indicators.md):
- "In care at month end" is a row of core_month_end for that month end.
- A window of N months ending at a month end runs from the day after the month end N
  months earlier up to and including the month end ("in month" is N = 1).
- UASC: core_month_end.is_uasc at month end; for starters, core_children.is_uasc with no
  UASC end date on or before the start of care.
- Short-breaks-only periods of care are not care entries or exits.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from pipeline.shared import shared

Core = dict[str, pl.DataFrame]
ME = "month_end_date"
OUT_SCHEMA = {
    ME: pl.Date,
    "value": pl.Float64,
    "numerator_count": pl.Int64,
    "denominator_count": pl.Int64,
}

FOSTER = ["U1", "U2", "U3", "U4", "U5", "U6"]
LONG_TERM_FOSTER = ["U1", "U4"]
CONNECTED_FOSTER = ["U1", "U2", "U3"]
MAINSTREAM_FOSTER = ["U4", "U5", "U6"]
ADOPTED = ["E11", "E12"]
RETURNED_HOME_WITH_PR = ["E4A", "E4B"]
SGO = ["E45", "E46", "E47", "E48"]
EET = ["F1", "P1", "F2", "P2", "F4", "P4", "F5", "P5"]
# one definition across products: the IRO report's stages (pre-escalation notes, PRE, are
# not escalations)
from pipeline.reports.iro.measures.escalations import FORMAL as _FORMAL  # noqa: E402
from pipeline.reports.iro.measures.escalations import INFORMAL as _INFORMAL  # noqa: E402
from pipeline.reports.iro.measures.escalations import STAGES as ESCALATION_STAGES  # noqa: E402

FORMAL_ESCALATION = list(_FORMAL)
ADOPTIVE_PLACEMENTS = ["A3", "A4", "A5", "A6"]  # placed for adoption
INFORMAL_ESCALATION = list(_INFORMAL)
PLACEMENT_ORDER = ["E1", "D1"]
H5_ENDED = dt.date(2023, 10, 28)  # H5 replaced by K3 supported accommodation


@dataclass(frozen=True)
class IndicatorFunction:
    name: str
    definition: str
    func: Callable[..., pl.DataFrame]
    uses_population: bool = False
    # the input tables it needs (pipeline.inputs.availability); without one it is not
    # computed and the pack shows it as not available, never as 0
    inputs: tuple[str, ...] = ("header", "episodes")


REGISTRY: dict[str, IndicatorFunction] = {}


def indicator(
    name: str,
    definition: str,
    *,
    population: bool = False,
    inputs: tuple[str, ...] = ("header", "episodes"),
):
    """Register `func(core, months[, population])` under `name` with its published
    definition and the input tables it needs (by default the SSDA903 header and episodes)."""

    def register(func):
        if name in REGISTRY:
            raise ValueError(f"indicator function {name!r} registered twice")
        REGISTRY[name] = IndicatorFunction(name, definition, func, population, tuple(inputs))
        return func

    return register


def compute(
    name: str, core: Core, months: list[dt.date], population: int | None = None
) -> pl.DataFrame:
    """Run one registered indicator function."""
    spec = REGISTRY[name]
    if spec.uses_population:
        return spec.func(core, months, population=population)
    return spec.func(core, months)


# ------------------------------------------------------------------ months and windows
def month_end(month: str) -> dt.date:
    """'2024-03' -> 2024-03-31."""
    y, m = (int(p) for p in month.split("-"))
    nxt = dt.date(y + (m == 12), m % 12 + 1, 1)
    return nxt - dt.timedelta(days=1)


def month_ends(month: str, n: int) -> list[dt.date]:
    """The n month ends up to and including `month`, oldest first."""
    y, m = (int(p) for p in month.split("-"))
    out = []
    for k in range(n - 1, -1, -1):
        idx = y * 12 + (m - 1) - k
        out.append(month_end(f"{idx // 12:04d}-{idx % 12 + 1:02d}"))
    return out


def _months(months: list[dt.date]) -> pl.DataFrame:
    return pl.DataFrame({ME: months}, schema={ME: pl.Date})


def _window_start(n_months: int) -> pl.Expr:
    """Exclusive lower bound of an n-month window ending at the month end."""
    return pl.col(ME).dt.offset_by(f"-{n_months}mo").dt.month_end()


def _in_window(date_col: str, n_months: int) -> pl.Expr:
    d = pl.col(date_col)
    return d.is_not_null() & (d > _window_start(n_months)) & (d <= pl.col(ME))


def _table(core: Core, name: str) -> pl.DataFrame:
    from pipeline.core.schemas import empty

    df = core.get(name)
    return empty(name) if df is None else df


def _finish(agg: pl.DataFrame, months: list[dt.date], *, count: bool) -> pl.DataFrame:
    """One row per month; counts of nothing are 0, percentages of nothing are null."""
    out = _months(months).join(agg, on=ME, how="left")
    if count:
        out = out.with_columns(pl.col("numerator_count").fill_null(0))
    return out.select(
        pl.col(ME),
        pl.col("value").cast(pl.Float64)
        if "value" in out.columns
        else pl.col("numerator_count").cast(pl.Float64).alias("value"),
        pl.col("numerator_count").cast(pl.Int64),
        (pl.col("denominator_count") if "denominator_count" in out.columns else pl.lit(None))
        .cast(pl.Int64)
        .alias("denominator_count"),
    )


def _count(df: pl.DataFrame, months: list[dt.date], key: str = "child_id") -> pl.DataFrame:
    """Distinct `key` per month end (df already has month_end_date)."""
    agg = df.group_by(ME).agg(pl.col(key).n_unique().alias("numerator_count"))
    return _finish(agg, months, count=True)


def _pct(df: pl.DataFrame, months: list[dt.date], numerator: pl.Expr) -> pl.DataFrame:
    """Percentage of rows per month end meeting `numerator` (one row per child)."""
    agg = df.group_by(ME).agg(
        numerator.fill_null(False).sum().alias("numerator_count"),
        pl.len().alias("denominator_count"),
    )
    agg = agg.with_columns(
        pl.when(pl.col("denominator_count") > 0)
        .then(100 * pl.col("numerator_count") / pl.col("denominator_count"))
        .alias("value")
    )
    return _finish(agg, months, count=False)


def _mean(df: pl.DataFrame, months: list[dt.date], col: str) -> pl.DataFrame:
    """Mean of `col` per month end over rows with a value; n is the number of children."""
    agg = (
        df.filter(pl.col(col).is_not_null())
        .group_by(ME)
        .agg(pl.col(col).mean().alias("value"), pl.len().alias("numerator_count"))
        .with_columns(pl.col("numerator_count").alias("denominator_count"))
    )
    return _finish(agg, months, count=False)


@shared
def _cross(df: pl.DataFrame, months: list[dt.date]) -> pl.DataFrame:
    return _months(months).join(df, how="cross")


# ------------------------------------------------------------------ month-end snapshot
@shared
def _at_month_end(core: Core, months: list[dt.date]) -> pl.DataFrame:
    """core_month_end rows at `months`; snapshots computed from the episodes for months the
    run's core_month_end does not cover (a pack month after the run's year end), so a month
    outside the window is never counted as zero children."""
    if "core_episodes" in core and months:
        from pipeline.core.month_end import month_end_between

        me = month_end_between(core, min(months), max(months))
    else:
        me = _table(core, "core_month_end")
    return me.filter(pl.col(ME).is_in(months))


def _excl_uasc(df: pl.DataFrame) -> pl.DataFrame:
    return df.filter(~pl.col("is_uasc").fill_null(False))


@indicator(
    "cic_count", "Children in care at the end of the month (SSDA903 episodes open at month end)."
)
def cic_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_at_month_end(core, months), months)


@indicator(
    "uasc_count",
    "Children in care at the end of the month who are unaccompanied asylum-seeking children.",
    inputs=("header", "episodes", "uasc"),
)
def uasc_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_at_month_end(core, months).filter(pl.col("is_uasc").fill_null(False)), months)


@indicator(
    "uasc_pct",
    "Unaccompanied asylum-seeking children as a percentage of all children in care at month end.",
    inputs=("header", "episodes", "uasc"),
)
def uasc_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_at_month_end(core, months), months, pl.col("is_uasc"))


def _rate(counts: pl.DataFrame, population: int | None) -> pl.DataFrame:
    pop = float(population) if population else None
    return counts.with_columns(
        (pl.col("numerator_count") / pl.lit(pop) * 10_000).cast(pl.Float64).alias("value"),
        pl.lit(population, dtype=pl.Int64).alias("denominator_count"),
    )


@indicator(
    "cic_rate",
    "Children in care at month end per 10,000 children aged 0-17 (ONS mid-year estimate).",
    population=True,
)
def cic_rate(core: Core, months: list[dt.date], population: int | None = None) -> pl.DataFrame:
    return _rate(cic_count(core, months), population)


@indicator(
    "cic_rate_excl_uasc",
    "Children in care at month end, excluding UASC, per 10,000 children aged 0-17.",
    population=True,
    inputs=("header", "episodes", "uasc"),
)
def cic_rate_excl_uasc(
    core: Core, months: list[dt.date], population: int | None = None
) -> pl.DataFrame:
    return _rate(_count(_excl_uasc(_at_month_end(core, months)), months), population)


@indicator(
    "placed_with_parents_count",
    "Children in care at month end placed with parent(s) or others with parental responsibility (placement P1).",
)
def placed_with_parents_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_at_month_end(core, months).filter(pl.col("placement_code") == "P1"), months)


@indicator(
    "foster_pct",
    "Children in care at month end in foster placements (U1-U6), as a percentage of all children in care.",
)
def foster_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_at_month_end(core, months), months, pl.col("placement_code").is_in(FOSTER))


@indicator(
    "foster_excl_uasc_pct",
    "As for the % of children in care living in foster placements, excluding UASC from numerator and denominator.",
    inputs=("header", "episodes", "uasc"),
)
def foster_excl_uasc_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(
        _excl_uasc(_at_month_end(core, months)), months, pl.col("placement_code").is_in(FOSTER)
    )


@indicator(
    "private_provision_pct",
    "Children in care at month end whose placement provider is private (PR4), as a percentage of all children in care.",
)
def private_provision_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_at_month_end(core, months), months, pl.col("placement_provider_code") == "PR4")


@indicator(
    "private_provision_excl_uasc_pct",
    "As for the % of children in care in private provision, excluding UASC.",
    inputs=("header", "episodes", "uasc"),
)
def private_provision_excl_uasc_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(
        _excl_uasc(_at_month_end(core, months)), months, pl.col("placement_provider_code") == "PR4"
    )


@indicator(
    "long_term_fostering_pct",
    "Children in care at month end in a long-term foster placement (U1 or U4: long-term fostering "
    "agreed as the plan and in place), as a percentage of all children in care.",
)
def long_term_fostering_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(
        _at_month_end(core, months), months, pl.col("placement_code").is_in(LONG_TERM_FOSTER)
    )


@indicator(
    "long_term_fostering_excl_uasc_pct",
    "As for the % of children in care with long-term fostering as their plan and achieved permanence, excluding UASC.",
    inputs=("header", "episodes", "uasc"),
)
def long_term_fostering_excl_uasc_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(
        _excl_uasc(_at_month_end(core, months)),
        months,
        pl.col("placement_code").is_in(LONG_TERM_FOSTER),
    )


def _unregulated() -> pl.Expr:
    pc = pl.col("placement_code")
    return pc.is_in(["P2", "R1"]) | ((pc == "H5") & (pl.col(ME) < H5_ENDED))


@indicator(
    "unregulated_count",
    "Children in care at month end in P2 or R1 placements, or H5 before 28 October 2023 (when supported accommodation became regulated).",
)
def unregulated_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_at_month_end(core, months).filter(_unregulated()), months)


@indicator(
    "unregulated_excl_uasc_count",
    "As for children in unregulated placements (P2, R1; H5 before November 2023), excluding UASC.",
    inputs=("header", "episodes", "uasc"),
)
def unregulated_excl_uasc_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_excl_uasc(_at_month_end(core, months)).filter(_unregulated()), months)


@indicator(
    "in_house_mainstream_fostering_count",
    "Children in care at month end with the authority's own mainstream foster carers (U4-U6, provider PR1).",
)
def in_house_mainstream_fostering_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    df = _at_month_end(core, months).filter(
        pl.col("placement_code").is_in(MAINSTREAM_FOSTER)
        & (pl.col("placement_provider_code") == "PR1")
    )
    return _count(df, months)


@indicator(
    "in_house_connected_fostering_count",
    "Children in care at month end with the authority's own connected (family and friends) foster carers (U1-U3, provider PR1).",
)
def in_house_connected_fostering_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    df = _at_month_end(core, months).filter(
        pl.col("placement_code").is_in(CONNECTED_FOSTER)
        & (pl.col("placement_provider_code") == "PR1")
    )
    return _count(df, months)


@indicator(
    "long_term_stability_pct",
    "Of children in care at month end aged under 16 who have been in care continuously for at "
    "least 2.5 years, the percentage who have been in the same placement for at least 2 years.",
)
def long_term_stability_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    df = _at_month_end(core, months).filter(
        (pl.col("age_years") < 16)
        & (pl.col("period_start_date") <= pl.col(ME).dt.offset_by("-30mo"))
    )
    return _pct(df, months, pl.col("placement_start_date") <= pl.col(ME).dt.offset_by("-24mo"))


def _latest_per_child(df: pl.DataFrame) -> pl.DataFrame:
    """One row per child: the latest collection year's (OC2/OC3 are per-year snapshots)."""
    if "collection_year" in df.columns:
        df = df.sort("collection_year", nulls_last=False, maintain_order=True)
    return df.unique("child_id", keep="last", maintain_order=True)


# ------------------------------------------------------------------ distance from home
TWENTY_MILES = 20.0


@shared
def placed_at(core: Core, months: list[dt.date]) -> pl.DataFrame:
    """Children in care at month end (UASC excluded) with the distance from home and the
    placement's district of the episode open then (core_episodes, from HOME_POST/PL_POST)."""
    me = _excl_uasc(_at_month_end(core, months)).select(ME, "child_id")
    ep = _table(core, "core_episodes").select(
        "child_id",
        "episode_start_date",
        "episode_end_date",
        "placement_distance_miles",
        "placement_la_code",
    )
    return (
        me.join(ep, on="child_id")
        .filter(
            (pl.col("episode_start_date") <= pl.col(ME))
            & (pl.col("episode_end_date").is_null() | (pl.col("episode_end_date") > pl.col(ME)))
        )
        .sort("episode_start_date")
        .unique([ME, "child_id"], keep="last")
    )


@indicator(
    "over_20_miles_excl_uasc_pct",
    "Of children in care at month end with a known distance (both postcodes found in the ONS "
    "Postcode Directory; UASC excluded, as the DfE excludes them), the percentage placed more "
    "than 20 miles from home (straight line between HOME_POST and PL_POST).",
    inputs=("header", "episodes", "uasc"),
)
def over_20_miles_excl_uasc_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    df = placed_at(core, months).filter(pl.col("placement_distance_miles").is_not_null())
    return _pct(df, months, pl.col("placement_distance_miles") > TWENTY_MILES)


# ------------------------------------------------------------------ OC2 health (in care 12 months+)
@shared
def _oc2_cohort(core: Core, months: list[dt.date]) -> pl.DataFrame:
    """Children in care at month end for 12 months or more, with their OC2 record."""
    me = _at_month_end(core, months).filter(
        pl.col("period_start_date") <= pl.col(ME).dt.offset_by("-12mo")
    )
    # stacked returns hold one OC2 per child per year: use the child's latest
    oc2 = _latest_per_child(_table(core, "core_oc2"))
    return me.join(oc2, on="child_id", how="inner")


@indicator(
    "immunisations_pct",
    "Children in care for 12 months or more at month end (with an OC2 record) whose immunisations are up to date.",
    inputs=("header", "episodes", "oc2"),
)
def immunisations_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_oc2_cohort(core, months), months, pl.col("has_immunisations"))


@indicator(
    "dental_check_pct",
    "Children in care for 12 months or more at month end (with an OC2 record) who had their teeth checked by a dentist in the last 12 months.",
    inputs=("header", "episodes", "oc2"),
)
def dental_check_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_oc2_cohort(core, months), months, pl.col("has_teeth_check"))


@indicator(
    "health_assessment_pct",
    "Children in care for 12 months or more at month end (with an OC2 record) whose annual health assessment is up to date.",
    inputs=("header", "episodes", "oc2"),
)
def health_assessment_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_oc2_cohort(core, months), months, pl.col("has_health_assessment"))


def _sdq_cohort(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _oc2_cohort(core, months).filter(pl.col("age_years").is_between(4, 16))


@indicator(
    "sdq_completed_pct",
    "Children aged 4-16 in care for 12 months or more at month end (with an OC2 record) with an SDQ score recorded.",
    inputs=("header", "episodes", "oc2"),
)
def sdq_completed_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_sdq_cohort(core, months), months, pl.col("sdq_score").is_not_null())


@indicator(
    "sdq_average_score",
    "Average SDQ score (0-40; lower is better) of children aged 4-16 in care for 12 months or more at month end with a score.",
    inputs=("header", "episodes", "oc2"),
)
def sdq_average_score(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _mean(_sdq_cohort(core, months), months, "sdq_score")


# ------------------------------------------------------------------ care leavers (OC3, 19-21)
def _oc3_19_21(core: Core, months: list[dt.date]) -> pl.DataFrame:
    """OC3 care leavers aged 19-21 at the month end, excluding those who have died."""
    oc3 = _cross(_latest_per_child(_table(core, "core_oc3")), months)
    before_birthday = (pl.col(ME).dt.month() < pl.col("birth_date").dt.month()) | (
        (pl.col(ME).dt.month() == pl.col("birth_date").dt.month())
        & (pl.col(ME).dt.day() < pl.col("birth_date").dt.day())
    )
    age = pl.col(ME).dt.year() - pl.col("birth_date").dt.year() - before_birthday.cast(pl.Int32)
    return oc3.with_columns(age.alias("age_years")).filter(
        pl.col("age_years").is_between(19, 21) & (pl.col("in_touch_code").fill_null("") != "DIED")
    )


@indicator(
    "care_leavers_in_touch_pct",
    "Care leavers aged 19-21 at month end (OC3, excluding those who have died) with whom the authority is in touch (IN_TOUCH = YES).",
    inputs=("header", "episodes", "oc3"),
)
def care_leavers_in_touch_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_oc3_19_21(core, months), months, pl.col("in_touch_code") == "YES")


@indicator(
    "care_leavers_suitable_pct",
    "Care leavers aged 19-21 at month end (OC3) whose accommodation is recorded as suitable (accommodation code ending 1); no information counts as not suitable.",
    inputs=("header", "episodes", "oc3"),
)
def care_leavers_suitable_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_oc3_19_21(core, months), months, pl.col("accommodation_code").str.ends_with("1"))


@indicator(
    "care_leavers_eet_pct",
    "Care leavers aged 19-21 at month end (OC3) in education, employment or training (activity F1, P1, F2, P2, F4, P4, F5, P5).",
    inputs=("header", "episodes", "oc3"),
)
def care_leavers_eet_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_oc3_19_21(core, months), months, pl.col("activity_code").is_in(EET))


@indicator(
    "care_leavers_eet_oc3_pct",
    "As for the % of care leavers aged 19-21 in education, employment or training, reported only at 31 March (the OC3 return's reference date, as DfE publishes it).",
    inputs=("header", "episodes", "oc3"),
)
def care_leavers_eet_oc3_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    out = care_leavers_eet_pct(core, months)
    is_year_end = pl.col(ME).dt.month() == 3
    return out.with_columns(
        [
            pl.when(is_year_end).then(pl.col(c)).otherwise(None).alias(c)
            for c in ("value", "numerator_count", "denominator_count")
        ]
    )


# ------------------------------------------------------------------ entries and exits
@shared
def _periods(core: Core) -> pl.DataFrame:
    p = _table(core, "core_periods_of_care")
    return p.filter(~pl.col("is_short_breaks_only").fill_null(False))


def _with_start_uasc(core: Core, periods: pl.DataFrame) -> pl.DataFrame:
    ch = (
        _table(core, "core_children")
        .select("child_id", "is_uasc", "uasc_ceased_date")
        .unique("child_id")
    )
    return periods.join(ch, on="child_id", how="left").with_columns(
        (
            pl.col("is_uasc").fill_null(False)
            & (
                pl.col("uasc_ceased_date").is_null()
                | (pl.col("uasc_ceased_date") > pl.col("period_start_date"))
            )
        ).alias("is_uasc_at_start")
    )


@indicator(
    "started_count",
    "Children who started a period of care in the month (short-breaks-only care excluded).",
)
def started_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_cross(_periods(core), months).filter(_in_window("period_start_date", 1)), months)


@indicator(
    "started_excl_uasc_count",
    "As for children who started to be looked after in the month, excluding children who were UASC when they started.",
    inputs=("header", "episodes", "uasc"),
)
def started_excl_uasc_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    p = _with_start_uasc(core, _periods(core)).filter(~pl.col("is_uasc_at_start"))
    return _count(_cross(p, months).filter(_in_window("period_start_date", 1)), months)


@indicator(
    "ceased_count",
    "Children whose period of care ended in the month (short-breaks-only care excluded).",
)
def ceased_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_cross(_periods(core), months).filter(_in_window("period_end_date", 1)), months)


@shared
def _leavers(core: Core, months: list[dt.date], n_months: int) -> pl.DataFrame:
    """Children who left care in the n-month window, one row per child (their last exit)."""
    p = _cross(_periods(core), months).filter(_in_window("period_end_date", n_months))
    return p.sort("period_end_date").unique([ME, "child_id"], keep="last")


def _leaver_pct(core: Core, months: list[dt.date], reasons: list[str]) -> pl.DataFrame:
    return _pct(_leavers(core, months, 6), months, pl.col("end_reason_code").is_in(reasons))


@indicator(
    "permanence_returned_home_pct",
    "Of children who left care in the 6 months to month end, the percentage who returned home to live with parents or others with parental responsibility (E4A, E4B).",
)
def permanence_returned_home_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _leaver_pct(core, months, RETURNED_HOME_WITH_PR)


@indicator(
    "permanence_adoption_pct",
    "Of children who left care in the 6 months to month end, the percentage who were adopted (E11, E12).",
)
def permanence_adoption_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _leaver_pct(core, months, ADOPTED)


@indicator(
    "permanence_sgo_pct",
    "Of children who left care in the 6 months to month end, the percentage who left on a special guardianship order (E45-E48).",
)
def permanence_sgo_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _leaver_pct(core, months, SGO)


# ------------------------------------------------------------------ adoption
@shared
def _adopted(core: Core, months: list[dt.date], n_months: int = 12) -> pl.DataFrame:
    return _cross(_periods(core), months).filter(
        _in_window("period_end_date", n_months) & pl.col("end_reason_code").is_in(ADOPTED)
    )


@indicator(
    "adopted_12m_count",
    "Children adopted (period of care ended E11 or E12) in the 12 months to month end.",
)
def adopted_12m_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _count(_adopted(core, months), months)


def _days_mean(df: pl.DataFrame, months: list[dt.date], start: str, end: str) -> pl.DataFrame:
    days = (pl.col(end) - pl.col(start)).dt.total_days()
    return _mean(df.with_columns(days.alias("_days")).filter(pl.col("_days") >= 0), months, "_days")


@indicator(
    "placement_order_to_match_days",
    "For children adopted in the 12 months to month end: average days from the placement order "
    "(start of their first E1/D1 legal status in the period of care) to the match with adopters (AD1 DATE_MATCH).",
    inputs=("header", "episodes", "ad1"),
)
def placement_order_to_match_days(core: Core, months: list[dt.date]) -> pl.DataFrame:
    adopted = _adopted(core, months)
    ep = _table(core, "core_episodes").filter(pl.col("legal_status_code").is_in(PLACEMENT_ORDER))
    po = (
        adopted.join(ep.select("child_id", "episode_start_date"), on="child_id", how="inner")
        .filter(
            pl.col("episode_start_date").is_between(
                pl.col("period_start_date"), pl.col("period_end_date")
            )
        )
        .group_by(ME, "child_id")
        .agg(
            pl.col("episode_start_date").min().alias("placement_order_date"),
            pl.col("period_end_date").first(),
        )
    )
    ad1 = _table(core, "core_ad1").select("child_id", "match_date").drop_nulls()
    matched = (
        po.join(ad1, on="child_id", how="inner")
        .filter(pl.col("match_date") <= pl.col("period_end_date"))
        .sort("match_date")
        .unique([ME, "child_id"], keep="last")
    )
    return _days_mean(matched, months, "placement_order_date", "match_date")


@indicator(
    "entry_to_adoptive_placement_days",
    "For children adopted in the 12 months to month end: average days from entering care to moving in "
    "with the adoptive family (the start of the first placement for adoption, A3-A6, in the period "
    "of care; for foster carer adoptions, the start of the foster placement with those carers). "
    "The SSDA903's DATE_PLACED is the decision that the child should be placed, not the move.",
    inputs=("header", "episodes", "ad1"),
)
def entry_to_adoptive_placement_days(core: Core, months: list[dt.date]) -> pl.DataFrame:
    adopted = _adopted(core, months).select(ME, "child_id", "period_start_date", "period_end_date")
    adoptive = (
        _table(core, "core_episodes")
        .filter(pl.col("placement_code").is_in(ADOPTIVE_PLACEMENTS))
        .select("child_id", pl.col("episode_start_date").alias("placed_date"))
    )
    placed = (
        adopted.join(adoptive, on="child_id")
        .filter(
            pl.col("placed_date").is_between(pl.col("period_start_date"), pl.col("period_end_date"))
        )
        .sort("placed_date")
        .unique([ME, "child_id"], keep="first")
    )
    fca = (
        _table(core, "core_ad1")
        .filter(pl.col("is_foster_carer_adoption").fill_null(False))
        .select("child_id")
        .unique()
    )
    foster_starts = (
        _table(core, "core_episodes")
        .filter(pl.col("placement_code").is_in(FOSTER) & (pl.col("new_episode_reason_code") != "L"))
        .select("child_id", pl.col("episode_start_date").alias("foster_start_date"))
    )
    fc_moved = (
        placed.join(fca, on="child_id", how="semi")
        .join(foster_starts, on="child_id")
        .filter(
            pl.col("foster_start_date").is_between(
                pl.col("period_start_date"), pl.col("placed_date")
            )
        )
        .group_by(ME, "child_id")
        .agg(pl.col("foster_start_date").max())
    )
    moved = placed.join(fc_moved, on=[ME, "child_id"], how="left").with_columns(
        pl.coalesce("foster_start_date", "placed_date").alias("moved_in_date")
    )
    return _days_mean(moved, months, "period_start_date", "moved_in_date")


# ------------------------------------------------------------------ placement moves
@indicator(
    "placements_3plus_pct",
    "Children in care at month end who had 3 or more placements in the 12 months to month end "
    "(the placement at the start of the window plus each new placement; legal-status-only changes "
    "and temporary placements T0-T4 are not new placements).",
)
def placements_3plus_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(_placement_counts(core, months), months, pl.col("placements_count") >= 3)


@indicator(
    "placements_3plus_excl_uasc_pct",
    "As for the % of children in care with 3 or more placements in the last 12 months, excluding UASC.",
    inputs=("header", "episodes", "uasc"),
)
def placements_3plus_excl_uasc_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _pct(
        _excl_uasc(_placement_counts(core, months)), months, pl.col("placements_count") >= 3
    )


@shared
def _placement_counts(core: Core, months: list[dt.date]) -> pl.DataFrame:
    """Month-end children with the number of placements they had in the 12 months to month end."""
    me = _at_month_end(core, months).select(ME, "child_id", "is_uasc")
    ep = _table(core, "core_episodes").select(
        "child_id",
        "episode_start_date",
        "episode_end_date",
        "new_episode_reason_code",
        "placement_code",
    )
    lower = _window_start(12)
    overlap = (
        me.join(ep, on="child_id", how="inner")
        .filter(
            (pl.col("episode_start_date") <= pl.col(ME))
            & (pl.col("episode_end_date").is_null() | (pl.col("episode_end_date") > lower))
        )
        .sort(ME, "child_id", "episode_start_date")
    )
    is_first = pl.col("episode_start_date").rank("ordinal").over(ME, "child_id") == 1
    is_new = (pl.col("new_episode_reason_code") != "L") & ~pl.col("placement_code").str.starts_with(
        "T"
    ).fill_null(False)
    counted = overlap.with_columns((is_first | is_new.fill_null(False)).alias("_new"))
    counts = counted.group_by(ME, "child_id").agg(pl.col("_new").sum().alias("placements_count"))
    return me.join(counts, on=[ME, "child_id"], how="left").with_columns(
        pl.col("placements_count").fill_null(0)
    )


# ------------------------------------------------------------------ missing
@shared
def _in_care_during(core: Core, months: list[dt.date], n_months: int) -> pl.DataFrame:
    """Children in care at any point in the n-month window (one row per child per month end)."""
    p = _cross(_periods(core), months).filter(
        (pl.col("period_start_date") <= pl.col(ME))
        & (
            pl.col("period_end_date").is_null()
            | (pl.col("period_end_date") > _window_start(n_months))
        )
    )
    return p.select(ME, "child_id").unique()


@shared
def _missing_episodes(core: Core, months: list[dt.date], n_months: int) -> pl.DataFrame:
    m = _table(core, "core_missing").filter(pl.col("missing_type_code") == "M")
    return (
        _cross(m, months)
        .filter(_in_window("missing_start_date", n_months))
        .group_by(ME, "child_id")
        .agg(pl.len().alias("missing_count"))
    )


def _missing_pct(core: Core, months: list[dt.date], n_months: int, at_least: int) -> pl.DataFrame:
    cohort = _in_care_during(core, months, n_months).join(
        _missing_episodes(core, months, n_months), on=[ME, "child_id"], how="left"
    )
    return _pct(cohort, months, pl.col("missing_count").fill_null(0) >= at_least)


@indicator(
    "missing_more_than_one_6m_pct",
    "Children in care at any point in the 6 months to month end who had more than one missing episode (type M) starting in those 6 months, as a percentage of them.",
    inputs=("header", "episodes", "missing"),
)
def missing_more_than_one_6m_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _missing_pct(core, months, 6, 2)


@indicator(
    "missing_any_12m_pct",
    "Children in care at any point in the 12 months to month end who had at least one missing episode (type M) starting in those 12 months, as a percentage of them.",
    inputs=("header", "episodes", "missing"),
)
def missing_any_12m_pct(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _missing_pct(core, months, 12, 1)


# ------------------------------------------------------------------ IRO escalations
def _escalations_in_month(
    core: Core, months: list[dt.date], date_col: str, stages: list[str] | None
) -> pl.DataFrame:
    esc = _table(core, "core_escalations")
    if stages is not None:
        esc = esc.filter(pl.col("stage_code").is_in(stages))
    return _count(_cross(esc, months).filter(_in_window(date_col, 1)), months, key="escalation_id")


@indicator(
    "iro_escalations_informal_count",
    "IRO escalations raised in the month at the informal stage (INF); pre-escalation notes "
    "are not escalations and are not counted.",
    inputs=("escalations",),
)
def iro_escalations_informal_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _escalations_in_month(core, months, "raised_date", INFORMAL_ESCALATION)


@indicator(
    "iro_escalations_formal_count",
    "IRO escalations raised in the month at a formal stage (S1-S5).",
    inputs=("escalations",),
)
def iro_escalations_formal_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _escalations_in_month(core, months, "raised_date", FORMAL_ESCALATION)


@indicator(
    "iro_escalations_closed_count",
    "IRO escalations concluded (resolved) in the month at the informal stage or a formal "
    "stage (INF, S1-S5), each stage counted once, as the IRO annual report counts them; "
    "pre-escalation notes are not counted.",
    inputs=("escalations",),
)
def iro_escalations_closed_count(core: Core, months: list[dt.date]) -> pl.DataFrame:
    return _escalations_in_month(core, months, "resolved_date", list(ESCALATION_STAGES))
