"""Computed CSC indicators: one polars function per indicator, from core_ tables.

Two kinds, so that the same function gives the month, the year to date, the quarter and
each year of the trend (`pipeline.reports.csc.build` does the periods):

* **events** `f(core) -> DataFrame(event_date, unit_id[, is_numerator])`: one row per event
  (a referral, an assessment completed, an ICPC held ...) dated by `event_date`. A count
  indicator counts distinct `unit_id` (a child, or the event itself) in the period; a
  percentage is `100 * sum(is_numerator) / events` over the events in the period (n / d).
* **snapshot** `f(core, dates) -> DataFrame(month_end_date, value, numerator_count,
  denominator_count)`: a state at each date (children on a CP plan at month end ...),
  the shape of the performance pack's indicator functions, several of which are reused.

Sources: the CIN census (core_cin_*, core_cp_*) when it is supplied, else the Ofsted
Annex A lists (core_aa_*); the SSDA903 core tables for children in care; the visits
extracts (core_cp_visits, core_cla_visits). Working days: `pipeline.core.calendar`
(England & Wales bank holidays): "within n working days of X" is on or before the n-th
working day after X. Definitions are published (docs/csc-indicators.md).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from pipeline.core.calendar import add_working_days
from pipeline.shared import shared

Core = dict[str, pl.DataFrame]
EVENT_SCHEMA = {"event_date": pl.Date, "unit_id": pl.String, "is_numerator": pl.Boolean}
ASSESSMENT_WD = 45
ICPC_WD = 15
RETURNED_HOME = ["E4A", "E4B"]
SGO_CAO = ["E41", "E43", "E44", "E45", "E46", "E47", "E48"]
ADOPTED = ["E11", "E12"]
NEET = ["G4", "G5", "G6"]


@dataclass(frozen=True)
class IndicatorFunction:
    name: str
    kind: str  # "events" or "snapshot"
    definition: str
    func: Callable[..., pl.DataFrame]
    # input tables it needs besides the report's own CIN census or Annex A (which the
    # report needs to be built at all): without one it is not computed, never shown as 0
    inputs: tuple[str, ...] = ()


REGISTRY: dict[str, IndicatorFunction] = {}


def indicator(name: str, definition: str, *, kind: str = "events", inputs: tuple[str, ...] = ()):
    """Register an events (`f(core)`) or snapshot (`f(core, dates)`) indicator function that
    needs the input tables `inputs` (pipeline.inputs.availability) besides the CIN census or
    Annex A."""

    def register(func):
        if name in REGISTRY:
            raise ValueError(f"CSC indicator function {name!r} registered twice")
        REGISTRY[name] = IndicatorFunction(name, kind, definition, func, tuple(inputs))
        return func

    return register


def _table(core: Core, name: str) -> pl.DataFrame:
    from pipeline.core.schemas import empty

    df = core.get(name)
    return empty(name) if df is None else df


def events(df: pl.DataFrame, date: str | pl.Expr, unit: str | pl.Expr | None = None,
           numerator: pl.Expr | None = None) -> pl.DataFrame:  # fmt: skip
    """The events frame: `unit` None counts each event once (its row)."""
    d = pl.col(date) if isinstance(date, str) else date
    if unit is None:
        u = pl.int_range(pl.len()).cast(pl.String)
    else:
        u = pl.col(unit) if isinstance(unit, str) else unit
    n = pl.lit(None, pl.Boolean) if numerator is None else numerator.fill_null(False)
    out = df.select(
        d.alias("event_date"), u.cast(pl.String).alias("unit_id"), n.alias("is_numerator")
    )
    return out.filter(pl.col("event_date").is_not_null()).cast(EVENT_SCHEMA)  # type: ignore[arg-type]


def has_cin(core: Core) -> bool:
    """True when a CIN census was supplied (it is then the source of front-door measures)."""
    return _table(core, "core_cin_episodes").height > 0


# ------------------------------------------------------------------ unified sources
@shared
def referrals(core: Core) -> pl.DataFrame:
    """child_id, referral_date: CIN episodes (every referral), else Annex A list 3."""
    df = _table(core, "core_cin_episodes") if has_cin(core) else _table(core, "core_aa_referrals")
    return df.select("child_id", "referral_date").filter(pl.col("referral_date").is_not_null())


@shared
def assessments(core: Core) -> pl.DataFrame:
    """child_id, assessment_start_date, assessment_authorised_date (CIN, else Annex A list 4)."""
    name = "core_cin_assessments" if has_cin(core) else "core_aa_assessments"
    return _table(core, name).select(
        "child_id", "assessment_start_date", "assessment_authorised_date"
    )


@shared
def section47(core: Core) -> pl.DataFrame:
    """child_id, s47_start_date, icpc_date (S47-led ICPCs only), is_icpc_not_required."""
    name = "core_cin_section47" if has_cin(core) else "core_aa_section47"
    return _table(core, name).select(
        "child_id", "s47_start_date", "icpc_date", "is_icpc_not_required"
    )


@shared
def cp_plans(core: Core) -> pl.DataFrame:
    """child_id, plan_start_date, plan_end_date, previous_plans_count (CIN, else Annex A list 7)."""
    name = "core_cp_plans" if has_cin(core) else "core_aa_child_protection"
    return _table(core, name).select(
        "child_id", "plan_start_date", "plan_end_date", "previous_plans_count"
    )


# ------------------------------------------------------------------ referrals
def _decisions(core: Core) -> pl.DataFrame:
    return _table(core, "core_aa_contacts").filter(
        pl.col("decision_date").is_not_null() & (pl.col("decision_date") >= pl.col("contact_date"))
    )


@indicator(
    "referral_decided_1wd_pct",
    "Of contacts decided in the period (Annex A list 1 with the LA's decision date), the "
    "percentage decided within 1 working day of the contact.",
    inputs=("aa_contacts",),
)
def referral_decided_1wd_pct(core: Core) -> pl.DataFrame:
    df = _decisions(core)
    return events(
        df,
        "decision_date",
        numerator=pl.col("decision_date") <= add_working_days(pl.col("contact_date"), 1),
    )


@indicator(
    "referral_decided_over_3wd_pct",
    "Of contacts decided in the period, the percentage decided more than 3 working days after the contact.",
    inputs=("aa_contacts",),
)
def referral_decided_over_3wd_pct(core: Core) -> pl.DataFrame:
    df = _decisions(core)
    return events(
        df,
        "decision_date",
        numerator=pl.col("decision_date") > add_working_days(pl.col("contact_date"), 3),
    )


@indicator("referrals_count", "Referrals received in the period (each referral counts).")
def referrals_count(core: Core) -> pl.DataFrame:
    return events(referrals(core), "referral_date")


@shared
def _with_previous(core: Core) -> pl.DataFrame:
    """Each referral with the date of the child's previous referral (any earlier return)."""
    return (
        referrals(core)
        .unique(["child_id", "referral_date"])
        .sort("child_id", "referral_date")
        .with_columns(previous_date=pl.col("referral_date").shift(1).over("child_id"))
    )


def _is_re_referral() -> pl.Expr:
    """DfE: a referral within 12 months of the child's previous referral (12 months to the
    day counts: the previous referral is on or after the same date a year earlier)."""
    return pl.col("previous_date").is_not_null() & (
        pl.col("previous_date") >= pl.col("referral_date").dt.offset_by("-12mo")
    )


@indicator(
    "re_referrals_count",
    "Referrals in the period of a child with a previous referral within the 12 months before "
    "(DfE definition, on referral dates; 12 months to the day counts).",
)
def re_referrals_count(core: Core) -> pl.DataFrame:
    return events(_with_previous(core).filter(_is_re_referral()), "referral_date")


@indicator(
    "re_referrals_pct",
    "Re-referrals (a previous referral within 12 months) as a percentage of all referrals in the period.",
)
def re_referrals_pct(core: Core) -> pl.DataFrame:
    return events(_with_previous(core), "referral_date", numerator=_is_re_referral())


# ------------------------------------------------------------------ early help (Annex A list 2)
@indicator(
    "eha_started_count",
    "Early help assessments started in the period (Annex A list 2, including those by external agencies).",
    inputs=("aa_early_help",),
)
def eha_started_count(core: Core) -> pl.DataFrame:
    return events(_table(core, "core_aa_early_help"), "assessment_start_date")


def _external(authority: str) -> pl.Expr:
    org = pl.col("organisation").str.to_lowercase()
    own = org.str.contains(authority.lower(), literal=True) | org.str.contains(
        r"^(the )?(local authority|la|council)\b"
    )
    return org.is_not_null() & ~own


@indicator(
    "eha_external_pct",
    "Of early help assessments started in the period, the percentage completed by an external "
    "agency (the organisation named is not the local authority).",
    inputs=("aa_early_help",),
)
def eha_external_pct(core: Core) -> pl.DataFrame:
    authority = core.get("_authority_name", pl.DataFrame({"name": ["local authority"]}))["name"][0]
    df = _table(core, "core_aa_early_help")
    return events(df, "assessment_start_date", numerator=_external(authority))


# ------------------------------------------------------------------ assessments
@indicator(
    "assessments_completed_count",
    "Children and families assessments completed (authorised) in the period.",
)
def assessments_completed_count(core: Core) -> pl.DataFrame:
    return events(assessments(core), "assessment_authorised_date")


@indicator(
    "assessments_45wd_pct",
    "Of assessments completed in the period, the percentage authorised within 45 working days "
    "of their start (CIN census AssessmentActualStartDate to AssessmentAuthorisationDate).",
)
def assessments_45wd_pct(core: Core) -> pl.DataFrame:
    a = assessments(core)
    deadline = add_working_days(pl.col("assessment_start_date"), ASSESSMENT_WD)
    return events(
        a, "assessment_authorised_date", numerator=pl.col("assessment_authorised_date") <= deadline
    )


# ------------------------------------------------------------------ section 47 and ICPC
@indicator(
    "s47_children_count",
    "Children with a section 47 enquiry started in the period (each child once; CIN census is child-level).",
)
def s47_children_count(core: Core) -> pl.DataFrame:
    return events(section47(core), "s47_start_date", "child_id")


@indicator(
    "s47_children_on_cpp_count",
    "Children with a section 47 enquiry started in the period who were already on a child protection plan that day.",
)
def s47_children_on_cpp_count(core: Core) -> pl.DataFrame:
    s = section47(core).select("child_id", "s47_start_date")
    plans = cp_plans(core).select("child_id", "plan_start_date", "plan_end_date")
    on_plan = s.join(plans, on="child_id").filter(
        (pl.col("plan_start_date") < pl.col("s47_start_date"))
        & (pl.col("plan_end_date").is_null() | (pl.col("plan_end_date") > pl.col("s47_start_date")))
    )
    return events(on_plan.unique(["child_id", "s47_start_date"]), "s47_start_date", "child_id")


@indicator(
    "icpc_15wd_pct",
    "Of initial child protection conferences held in the period after a section 47 enquiry "
    "(transfer-in conferences, which have no section 47, excluded), the percentage held within "
    "15 working days of the strategy discussion that started the enquiry.",
)
def icpc_15wd_pct(core: Core) -> pl.DataFrame:
    s = section47(core).filter(
        pl.col("icpc_date").is_not_null() & (pl.col("icpc_date") >= pl.col("s47_start_date"))
    )
    deadline = add_working_days(pl.col("s47_start_date"), ICPC_WD)
    return events(s, "icpc_date", numerator=pl.col("icpc_date") <= deadline)


# ------------------------------------------------------------------ child protection plans
def _on_plan_at(core: Core, dates: list[dt.date]) -> pl.DataFrame:
    me = pl.DataFrame({"month_end_date": dates}, schema={"month_end_date": pl.Date})
    return (
        me.join(cp_plans(core), how="cross")
        .filter(
            (pl.col("plan_start_date") <= pl.col("month_end_date"))
            & (
                pl.col("plan_end_date").is_null()
                | (pl.col("plan_end_date") > pl.col("month_end_date"))
            )
        )
        .group_by("month_end_date")
        .agg(pl.col("child_id").n_unique().alias("numerator_count"))
    )


def _snapshot_counts(agg: pl.DataFrame, dates: list[dt.date]) -> pl.DataFrame:
    me = pl.DataFrame({"month_end_date": dates}, schema={"month_end_date": pl.Date})
    out = me.join(agg, on="month_end_date", how="left").with_columns(
        pl.col("numerator_count").fill_null(0).cast(pl.Int64)
    )
    return out.select(
        "month_end_date",
        pl.col("numerator_count").cast(pl.Float64).alias("value"),
        "numerator_count",
        pl.lit(None, pl.Int64).alias("denominator_count"),
    )


@indicator(
    "cp_children_count",
    "Children subject to a child protection plan at the end of the month (plan started on or "
    "before the date and not ended by it).",
    kind="snapshot",
)
def cp_children_count(core: Core, dates: list[dt.date]) -> pl.DataFrame:
    return _snapshot_counts(_on_plan_at(core, dates), dates)


@indicator(
    "cp_plans_started_count",
    "Child protection plans started in the period.",
)
def cp_plans_started_count(core: Core) -> pl.DataFrame:
    return events(cp_plans(core), "plan_start_date")


@shared
def _review_timeliness(core: Core) -> pl.DataFrame:
    """Each CP review with its due date: the first within 3 months of the plan starting
    (the ICPC), each later one within 6 months of the previous (Working Together)."""
    r = (
        _table(core, "core_cp_reviews")
        .unique(["child_id", "plan_start_date", "review_date"])
        .sort("child_id", "plan_start_date", "review_date")
        .with_columns(previous=pl.col("review_date").shift(1).over("child_id", "plan_start_date"))
    )
    due = (
        pl.when(pl.col("previous").is_null())
        .then(pl.col("plan_start_date").dt.offset_by("3mo"))
        .otherwise(pl.col("previous").dt.offset_by("6mo"))
    )
    return r.with_columns(due_date=due)


@indicator(
    "cp_reviews_in_time_pct",
    "Of child protection review conferences held in the period, the percentage held in "
    "timescale: the first within 3 months of the plan starting, later ones within 6 months "
    "of the previous review (on the due date counts as in time).",
)
def cp_reviews_in_time_pct(core: Core) -> pl.DataFrame:
    r = _review_timeliness(core)
    return events(r, "review_date", numerator=pl.col("review_date") <= pl.col("due_date"))


@indicator(
    "cp_ceased_2y_pct",
    "Of child protection plans that ended in the period, the percentage that had lasted 2 years or more.",
)
def cp_ceased_2y_pct(core: Core) -> pl.DataFrame:
    p = cp_plans(core)
    long = pl.col("plan_end_date") >= pl.col("plan_start_date").dt.offset_by("24mo")
    return events(p, "plan_end_date", numerator=long)


@indicator(
    "cp_open_2y_count",
    "Children on a child protection plan at the end of the month that started 2 years or more before.",
    kind="snapshot",
)
def cp_open_2y_count(core: Core, dates: list[dt.date]) -> pl.DataFrame:
    me = pl.DataFrame({"month_end_date": dates}, schema={"month_end_date": pl.Date})
    agg = (
        me.join(cp_plans(core), how="cross")
        .filter(
            (pl.col("plan_start_date") <= pl.col("month_end_date").dt.offset_by("-24mo"))
            & (
                pl.col("plan_end_date").is_null()
                | (pl.col("plan_end_date") > pl.col("month_end_date"))
            )
        )
        .group_by("month_end_date")
        .agg(pl.col("child_id").n_unique().alias("numerator_count"))
    )
    return _snapshot_counts(agg, dates)


@shared
def _plans_with_previous(core: Core) -> pl.DataFrame:
    return (
        cp_plans(core)
        .unique(["child_id", "plan_start_date"])
        .sort("child_id", "plan_start_date")
        .with_columns(previous_end=pl.col("plan_end_date").shift(1).over("child_id"))
    )


@indicator(
    "cp_second_within_2y_pct",
    "Of child protection plans started in the period, the percentage for a child whose previous "
    "plan (in the authority's returns) ended within the 2 years before the new plan started.",
)
def cp_second_within_2y_pct(core: Core) -> pl.DataFrame:
    p = _plans_with_previous(core)
    within = pl.col("previous_end").is_not_null() & (
        pl.col("previous_end") >= pl.col("plan_start_date").dt.offset_by("-24mo")
    )
    return events(p, "plan_start_date", numerator=within)


@indicator(
    "cp_second_ever_pct",
    "Of child protection plans started in the period, the percentage for a child who had been "
    "on a plan before at any time (NumberOfPreviousCPP above 0, or an earlier plan in the returns).",
)
def cp_second_ever_pct(core: Core) -> pl.DataFrame:
    p = _plans_with_previous(core)
    ever = (pl.col("previous_plans_count").fill_null(0) > 0) | pl.col("previous_end").is_not_null()
    return events(p, "plan_start_date", numerator=ever)


# ------------------------------------------------------------------ statutory visits
def _visit_intervals(visits: pl.DataFrame, starts: pl.DataFrame | None) -> pl.DataFrame:
    """Each visit with the date it was measured from: the child's previous visit, or for
    the first visit the start date given in `starts` (child_id, start_date), if any."""
    v = visits.select("child_id", "visit_date").unique().sort("child_id", "visit_date")
    v = v.with_columns(previous=pl.col("visit_date").shift(1).over("child_id"))
    if starts is not None and starts.height:
        latest_start = (
            v.join(starts, on="child_id", how="left")
            .filter(pl.col("start_date").is_null() | (pl.col("start_date") <= pl.col("visit_date")))
            .group_by("child_id", "visit_date")
            .agg(pl.col("start_date").max())
        )
        v = v.join(latest_start, on=["child_id", "visit_date"], how="left").with_columns(
            previous=pl.max_horizontal("previous", "start_date")
        )
    return v.filter(pl.col("previous").is_not_null())


def _cp_visits(core: Core, wd: int) -> pl.DataFrame:
    starts = cp_plans(core).select("child_id", pl.col("plan_start_date").alias("start_date"))
    v = _visit_intervals(_table(core, "core_cp_visits"), starts)
    return events(
        v, "visit_date", numerator=pl.col("visit_date") <= add_working_days(pl.col("previous"), wd)
    )


@indicator(
    "cp_visits_10wd_pct",
    "Of child protection statutory visits in the period, the percentage within 10 working days "
    "of the child's previous visit (or of the plan starting, for the first).",
    inputs=("ssd_cp_visits",),
)
def cp_visits_10wd_pct(core: Core) -> pl.DataFrame:
    return _cp_visits(core, 10)


@indicator(
    "cp_visits_15wd_pct",
    "As cp_visits_10wd_pct, within 15 working days.",
    inputs=("ssd_cp_visits",),
)
def cp_visits_15wd_pct(core: Core) -> pl.DataFrame:
    return _cp_visits(core, 15)


CLA_VISIT_DAYS = 42


@indicator(
    "cla_visits_in_time_pct",
    "Of statutory visits to children in care in the period, the percentage within 6 weeks "
    "(42 days) of the child's previous visit, or of the period of care starting for the first "
    "(the most frequent statutory interval after the first week; Care Planning Regulations, reg. 28).",
    inputs=("episodes", "ssd_cla_visits"),
)
def cla_visits_in_time_pct(core: Core) -> pl.DataFrame:
    from pipeline.reports.iro.measures.reviews import core_periods

    starts = core_periods(core).select("child_id", pl.col("period_start_date").alias("start_date"))
    v = _visit_intervals(_table(core, "core_cla_visits"), starts)
    return events(
        v,
        "visit_date",
        numerator=pl.col("visit_date") <= pl.col("previous").dt.offset_by(f"{CLA_VISIT_DAYS}d"),
    )


# ------------------------------------------------------------------ children in care (SSDA903)
def _periods(core: Core) -> pl.DataFrame:
    from pipeline.reports.iro.measures.reviews import core_periods

    return core_periods(core).filter(~pl.col("is_short_breaks_only").fill_null(False))


def _uasc_at(core: Core, df: pl.DataFrame, date_col: str) -> pl.DataFrame:
    ch = (
        _table(core, "core_children")
        .select("child_id", "is_uasc", "uasc_ceased_date")
        .unique("child_id")
    )
    return df.join(ch, on="child_id", how="left").with_columns(
        (
            pl.col("is_uasc").fill_null(False)
            & (
                pl.col("uasc_ceased_date").is_null()
                | (pl.col("uasc_ceased_date") > pl.col(date_col))
            )
        ).alias("is_uasc_then")
    )


@indicator(
    "cic_started_count",
    "Children who started to be looked after in the period (short-breaks-only care excluded).",
    inputs=("header", "episodes"),
)
def cic_started_count(core: Core) -> pl.DataFrame:
    return events(_periods(core), "period_start_date")


@indicator(
    "cic_started_uasc_count",
    "Of the children who started to be looked after in the period, those who were UASC when they started.",
    inputs=("header", "episodes", "uasc"),
)
def cic_started_uasc_count(core: Core) -> pl.DataFrame:
    p = _uasc_at(core, _periods(core), "period_start_date").filter(pl.col("is_uasc_then"))
    return events(p, "period_start_date")


@shared
def _ceased(core: Core) -> pl.DataFrame:
    p = _periods(core).filter(pl.col("period_end_date").is_not_null())
    p = _uasc_at(core, p, "period_start_date")
    birth = _table(core, "core_children").select("child_id", "birth_date").unique("child_id")
    p = p.join(birth, on="child_id", how="left")
    return p.with_columns(
        is_18=pl.col("period_end_date") >= pl.col("birth_date").dt.offset_by("18y")
    )


@indicator(
    "cic_ceased_count",
    "Children who ceased to be looked after in the period (short-breaks-only care excluded).",
    inputs=("header", "episodes"),
)
def cic_ceased_count(core: Core) -> pl.DataFrame:
    return events(_ceased(core), "period_end_date")


def _ceased_where(core: Core, cond: pl.Expr) -> pl.DataFrame:
    return events(_ceased(core).filter(cond), "period_end_date")


@indicator(
    "ceased_home_count",
    "Ceased care: returned home to parents or others with parental responsibility (E4A, E4B).",
    inputs=("header", "episodes"),
)
def ceased_home_count(core: Core) -> pl.DataFrame:
    return _ceased_where(core, pl.col("end_reason_code").is_in(RETURNED_HOME))


@indicator(
    "ceased_sgo_cao_count",
    "Ceased care: special guardianship or child arrangements order (E41, E43-E48).",
    inputs=("header", "episodes"),
)
def ceased_sgo_cao_count(core: Core) -> pl.DataFrame:
    return _ceased_where(core, pl.col("end_reason_code").is_in(SGO_CAO))


@indicator("ceased_adopted_count", "Ceased care: adopted (E11, E12).")
def ceased_adopted_count(core: Core) -> pl.DataFrame:
    return _ceased_where(core, pl.col("end_reason_code").is_in(ADOPTED))


_OTHER = ~pl.col("end_reason_code").is_in([*RETURNED_HOME, *SGO_CAO, *ADOPTED]).fill_null(False)


@indicator(
    "ceased_leaver_18_count",
    "Ceased care aged 18 or over for another reason, not UASC when they came into care (care leavers).",
    inputs=("header", "episodes"),
)
def ceased_leaver_18_count(core: Core) -> pl.DataFrame:
    return _ceased_where(core, _OTHER & pl.col("is_18").fill_null(False) & ~pl.col("is_uasc_then"))


@indicator(
    "ceased_uasc_18_count",
    "Ceased care aged 18 or over for another reason, UASC when they came into care.",
    inputs=("header", "episodes", "uasc"),
)
def ceased_uasc_18_count(core: Core) -> pl.DataFrame:
    return _ceased_where(core, _OTHER & pl.col("is_18").fill_null(False) & pl.col("is_uasc_then"))


@indicator(
    "ceased_other_under_18_count",
    "Ceased care under 18 for any other reason (e.g. custody, moved abroad, another authority).",
    inputs=("header", "episodes"),
)
def ceased_other_under_18_count(core: Core) -> pl.DataFrame:
    return _ceased_where(core, _OTHER & ~pl.col("is_18").fill_null(False))


@indicator(
    "cic_reviews_in_time_pct",
    "Of children in care reviews held in the period, the percentage held within the statutory "
    "timescales (first within 20 working days of coming into care, second within 3 months, "
    "then every 6 months): the IRO report's review timeliness.",
    inputs=("episodes", "reviews"),
)
def cic_reviews_in_time_pct(core: Core) -> pl.DataFrame:
    from pipeline.reports.iro.measures.reviews import core_periods, review_timeliness

    r = review_timeliness(_table(core, "core_reviews"), core_periods(core))
    return events(r, "review_date", numerator=pl.col("is_in_timescale"))


@indicator(
    "missing_cic_episodes_count",
    "Missing episodes (SSDA903 MISSING = M) of children in care that started in the period.",
    inputs=("header", "episodes", "missing"),
)
def missing_cic_episodes_count(core: Core) -> pl.DataFrame:
    m = _table(core, "core_missing").filter(pl.col("missing_type_code") == "M")
    return events(m, "missing_start_date")


@indicator(
    "missing_cic_children_count",
    "Children in care with a missing episode (M) starting in the period (each child once).",
    inputs=("header", "episodes", "missing"),
)
def missing_cic_children_count(core: Core) -> pl.DataFrame:
    m = _table(core, "core_missing").filter(pl.col("missing_type_code") == "M")
    return events(m, "missing_start_date", "child_id")


@indicator(
    "missing_cic_20_miles_episodes_count",
    "Missing episodes (M) of children in care that started in the period while the child was "
    "placed more than 20 miles from home (the episode open on the day the child went missing).",
    inputs=("header", "episodes", "missing"),
)
def missing_cic_20_miles_episodes_count(core: Core) -> pl.DataFrame:
    m = _table(core, "core_missing").filter(pl.col("missing_type_code") == "M")
    ep = _table(core, "core_episodes").select(
        "child_id", "episode_start_date", "episode_end_date", "placement_distance_miles"
    )
    far = (
        m.with_row_index("_m")
        .join(ep, on="child_id")
        .filter(
            (pl.col("episode_start_date") <= pl.col("missing_start_date"))
            & (
                pl.col("episode_end_date").is_null()
                | (pl.col("episode_end_date") > pl.col("missing_start_date"))
            )
            & (pl.col("placement_distance_miles") > 20.0)
        )
        .unique("_m")
    )
    return events(far, "missing_start_date")


# ------------------------------------------------------------------ placements (snapshots)
def _snapshot_pct(df: pl.DataFrame, dates: list[dt.date], numerator: pl.Expr) -> pl.DataFrame:
    from pipeline.reports.pack.indicators import _pct

    return _pct(df, dates, numerator)


@indicator(
    "placed_outside_la_pct",
    "Of children in care at month end whose placement postcode was found (UASC and short breaks "
    "excluded), the percentage placed outside the authority's area.",
    kind="snapshot",
    inputs=("header", "episodes"),
)
def placed_outside_la_pct(core: Core, dates: list[dt.date]) -> pl.DataFrame:
    from pipeline.reports.pack.indicators import placed_at

    areas = core.get("_area_codes", pl.DataFrame({"code": []}, schema={"code": pl.String}))["code"]
    df = placed_at(core, dates).filter(pl.col("placement_la_code").is_not_null())
    return _snapshot_pct(df, dates, ~pl.col("placement_la_code").is_in(areas.implode()))


# ------------------------------------------------------------------ reused pack indicators
def _pack(name: str, definition: str) -> None:
    """A performance-pack snapshot indicator reused as it is (same definition, same numbers)."""
    from pipeline.reports.pack import indicators as pack

    def func(core: Core, dates: list[dt.date], population: int | None = None) -> pl.DataFrame:
        return pack.compute(name, core, dates, population)

    inputs = pack.REGISTRY[name].inputs  # the pack function's own declaration
    REGISTRY[f"pack_{name}"] = IndicatorFunction(
        f"pack_{name}", "snapshot", definition, func, inputs
    )


for _name, _definition in (
    ("cic_count", "Children in care at the end of the month (SSDA903 episodes open at month end)."),
    ("uasc_count", "Children in care at month end who are unaccompanied asylum-seeking children."),
    ("placements_3plus_pct", "Children in care at month end with 3 or more placements in the 12 months to month end."),
    ("long_term_stability_pct", "Of children in care under 16 looked after for 2.5 years or more, the percentage in the same placement for 2 years or more."),
    ("over_20_miles_excl_uasc_pct", "Of children in care at month end with a known distance (both postcodes found; UASC excluded), the percentage placed more than 20 miles from home (straight line between HOME_POST and PL_POST, ONS Postcode Directory)."),
    ("health_assessment_pct", "Children in care 12 months or more at month end (with an OC2 record) whose annual health assessment is up to date."),
    ("dental_check_pct", "Children in care 12 months or more at month end (with an OC2 record) who had their teeth checked in the last 12 months."),
    ("care_leavers_suitable_pct", "Care leavers aged 19-21 (OC3) in suitable accommodation."),
):  # fmt: skip
    _pack(_name, _definition)


@indicator(
    "care_leavers_neet_pct",
    "Care leavers aged 19-21 at month end (OC3, excluding those who died) not in education, "
    "employment or training (activity G4, G5, G6).",
    kind="snapshot",
)
def care_leavers_neet_pct(core: Core, dates: list[dt.date]) -> pl.DataFrame:
    from pipeline.reports.pack.indicators import _oc3_19_21, _pct

    return _pct(_oc3_19_21(core, dates), dates, pl.col("activity_code").is_in(NEET))


def compute_snapshot(
    name: str, core: Core, dates: list[dt.date], population: int | None
) -> pl.DataFrame:
    spec = REGISTRY[name]
    if spec.name.startswith("pack_"):
        return spec.func(core, dates, population)
    return spec.func(core, dates)
