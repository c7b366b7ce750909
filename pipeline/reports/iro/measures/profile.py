"""Profile of children in care: monthly counts and mix, starts and leavers, 31 March tables.

Every "in care on a date" figure counts core_month_end (pipeline/core/month_end.py),
so the monthly tables, the 31 March tables and the trends agree with each other.
Starts and leavers count periods of care (short-breaks-only periods excluded) the DfE way:
a child who starts twice in a window counts once (the first start); a child who leaves
twice counts once (the last leaving).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipeline.core import coverage
from pipeline.core.month_end import (
    AGE_BANDS,
    DFE_AGE_BANDS,
    DURATION_BANDS,
    age_band,
    age_years,
    dfe_age_band,
    month_end_between,
    month_ends,
)
from pipeline.core.periods import periods_of_care
from pipeline.core.schemas import empty
from pipeline.disclosure import DisclosureSpec
from pipeline.disclosure.relations import (
    Link,
    RatioLink,
    month_label,
    quarter_label,
    register_nest,
    share_links,
)
from pipeline.inputs import dfe
from pipeline.inputs.contract import codes, codes_for
from pipeline.measures import Core, measure
from pipeline.params import RunParams

NOT_RECORDED = "Not recorded"
ENGLAND_RATE_FILE = "cla_number_and_rate_per_10k_children.csv"
LAIT_FILE = "lait_bds_long_0.parquet"
# hand-typed national figures (source on each row), shipped with the published-statistics snapshot
ENGLAND_PUBLISHED = Path(__file__).parents[3] / "inputs" / "benchmarks" / "england_published.csv"
LS_ORDER = (
    "Interim care order",
    "Full care order",
    "Placement order",
    "Section 20 (voluntary)",
    "Emergency and police protection",
    "Youth justice",
)
# DfE's headline legal-status split (England comparison): care orders include interim orders
DFE_LS = {
    "Interim care order": "Care order",
    "Full care order": "Care order",
    "Placement order": "Placement order",
    "Section 20 (voluntary)": "Voluntary agreement (section 20)",
    "Emergency and police protection": "Other legal status",
    "Youth justice": "Other legal status",
}
REC_ORDER = (
    "Turned 18 or moved to independent living",
    "Returned home",
    "Special guardianship or child arrangements order",
    "Adopted",
    "Other",
)
MONTHLY = DisclosureSpec(
    counts=("children_count",),
    within=("month_end_date",),
    derived={"children_pct": ("children_count",)},
)
IN_CARE = "in care"  # population key: children in care on a date (pipeline.disclosure.relations)
STARTING, LEAVING = "children starting", "children leaving"  # distinct children per period


def monthly_spec(dim: str, category=None, **kw) -> DisclosureSpec:
    """MONTHLY, linked: the category is dimension `dim` of the children in care that month end."""
    links, ratios = share_links(
        IN_CARE,
        dim,
        {"date": "month_end_date"},
        category="category" if category is None else category,
        **kw,
    )
    return DisclosureSpec(
        counts=MONTHLY.counts,
        within=MONTHLY.within,
        derived=MONTHLY.derived,
        links=links,
        ratios=ratios,
    )


def _ls_code(col: str = "category") -> pl.Expr:
    """'C2 Full care order' -> 'C2' (the dimension value is the code; groups nest codes)."""
    return (
        pl.when(pl.col(col) == NOT_RECORDED)
        .then(pl.col(col))
        .otherwise(pl.col(col).str.split(" ").list.first())
    )


def _year_label_expr(col: str = "year_end") -> pl.Expr:
    return pl.concat_str(
        (pl.col(col) - 1).cast(pl.String),
        pl.lit("-"),
        (pl.col(col) % 100).cast(pl.String).str.zfill(2),
    )


# One band system for every published table (docs/disclosure.md): the Dorset monthly bands and
# the DfE 31 March bands are unions of the same finest bands, so the tables nest.
register_nest("age", "0-4", ("Under 1", "1-4"))
register_nest("age", "10-15", ("10-12", "13-15"))
_LS_GROUPS: dict[str, list[str]] = {}
for _code, _group in codes("LS_GROUP").items():
    _LS_GROUPS.setdefault(_group, []).append(_code)
for _group, _codes in _LS_GROUPS.items():
    register_nest("legal_status", _group, _codes)
register_nest("legal_status", "Care order", ("Interim care order", "Full care order"))
register_nest("legal_status", "Voluntary agreement (section 20)", ("Section 20 (voluntary)",))
register_nest(
    "legal_status",
    "Other legal status",  # england_comparison: everything not a care, placement or s20 order
    ("Emergency and police protection", "Youth justice", "Short breaks", NOT_RECORDED),
)
_OTHER_GROUPS = [g for g in dict.fromkeys(codes("ETHNIC_GROUP").values()) if g != "White"] + [
    NOT_RECORDED
]
register_nest("ethnicity", "White", ("White British", "White (not British)"))
register_nest("ethnicity", "Not White British", ("White (not British)", *_OTHER_GROUPS))


# ---------------------------------------------------------------- shared helpers
def _label(col: str, code_list: str, *, with_code: bool = False) -> pl.Expr:
    """A code as its label from codes.yml ('C2 Full care order' with with_code)."""
    labels = codes(code_list)
    if with_code:
        labels = {k: f"{k} {v}" for k, v in labels.items()}
    c = pl.col(col)
    return (
        pl.when(c.is_null())
        .then(pl.lit(NOT_RECORDED))
        .otherwise(c.replace_strict(labels, default=c, return_dtype=pl.String))
    )


def _year_months(year_end: int) -> tuple[dt.date, dt.date]:
    return dt.date(year_end - 1, 4, 30), dt.date(year_end, 3, 31)


def _year_label(year_end: int) -> str:
    return f"{year_end - 1}-{str(year_end)[-2:]}"


def _month_end(core: Core, params: RunParams, years: int = 1) -> pl.DataFrame:
    """Snapshots for the last `years` reporting years up to 31 March of year_end."""
    first, _ = _year_months(params.year_end - years + 1)
    return month_end_between(core, first, params.period_end)


def share(
    df: pl.DataFrame,
    category: pl.Expr,
    *,
    by: tuple[str, ...] = ("month_end_date",),
    keys: pl.DataFrame | None = None,
    order: tuple[str, ...] | None = None,
) -> pl.DataFrame:
    """Children per category within each `by` group, zeros included, with % of the group.

    `keys`: every `by` combination to report (so an empty month still shows zeros).
    `order`: the categories always shown, in this order; others seen follow.
    """
    counted = (
        df.with_columns(category.alias("category"))
        .group_by(*by, "category")
        .agg(pl.col("child_id").n_unique().cast(pl.Int64).alias("children_count"))
    )
    seen = sorted(c for c in counted["category"].unique().to_list() if c not in (order or ()))
    cats = pl.DataFrame(
        {"category": [*(order or ()), *seen], "_order": range(len(order or ()) + len(seen))},
        schema={"category": pl.String, "_order": pl.Int64},
    )
    if keys is None:
        keys = counted.select(*by).unique()
    grid = keys.join(cats, how="cross")
    out = grid.join(counted, on=[*by, "category"], how="left").with_columns(
        pl.col("children_count").fill_null(0)
    )
    total = pl.col("children_count").sum().over(*by)
    return (
        out.with_columns(
            children_pct=pl.when(total > 0).then(pl.col("children_count") / total * 100)
        )
        .sort(*by, "_order")
        .drop("_order")
    )


def _months_frame(first: dt.date, last: dt.date) -> pl.DataFrame:
    return pl.DataFrame(
        {"month_end_date": month_ends(first, last)}, schema={"month_end_date": pl.Date}
    )


def _monthly(core: Core, params: RunParams, category: pl.Expr, order=None) -> pl.DataFrame:
    me = _month_end(core, params)
    keys = _months_frame(*_year_months(params.year_end))
    return share(me, category, keys=keys, order=order)


def _children(core: Core) -> pl.DataFrame:
    return core.get("core_children", empty("core_children"))


def _periods(core: Core) -> pl.DataFrame:
    """Periods of looked-after care (short-breaks-only periods excluded), with birth date."""
    periods = core.get("core_periods_of_care")
    if periods is None:
        periods = periods_of_care(core.get("core_episodes", empty("core_episodes")))
    return periods.filter(~pl.col("is_short_breaks_only").fill_null(False)).join(
        _children(core).select("child_id", "birth_date"), on="child_id", how="left"
    )


def fiscal_year_end(date: str) -> pl.Expr:
    """The year_end (31 March) of the reporting year a date falls in."""
    d = pl.col(date)
    return (d.dt.year() + (d.dt.month() >= 4).cast(pl.Int32)).cast(pl.Int64)


def quarter(date: str) -> pl.Expr:
    """Quarter of the reporting year: 1 = April-June ... 4 = January-March."""
    m = pl.col(date).dt.month().cast(pl.Int64)
    return ((m - 4) % 12) // 3 + 1


def starts(core: Core, first: dt.date, last: dt.date, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Children starting a period of care in [first, last]; the first start per child per `by`."""
    return (
        _periods(core)
        .filter(pl.col("period_start_date").is_between(first, last))
        .with_columns(
            month_end_date=pl.col("period_start_date").dt.month_end(),
            year_end=fiscal_year_end("period_start_date"),
            quarter=quarter("period_start_date"),
            age_years=age_years("birth_date", "period_start_date"),
        )
        .sort("child_id", "period_start_date")
        .unique(["child_id", *by], keep="first", maintain_order=True)
    )


def leavers(core: Core, first: dt.date, last: dt.date, by: tuple[str, ...] = ()) -> pl.DataFrame:
    """Children whose period of care ended in [first, last]; the last ending per child per `by`."""
    groups = codes("REC_GROUP")
    return (
        _periods(core)
        .filter(pl.col("period_end_date").is_between(first, last))
        .with_columns(
            month_end_date=pl.col("period_end_date").dt.month_end(),
            year_end=fiscal_year_end("period_end_date"),
            quarter=quarter("period_end_date"),
            reason_group=pl.when(pl.col("end_reason_code").is_null())
            .then(pl.lit(NOT_RECORDED))
            .otherwise(
                pl.col("end_reason_code").replace_strict(
                    groups, default="Other", return_dtype=pl.String
                )
            ),
        )
        .sort("child_id", "period_end_date")
        .unique(["child_id", *by], keep="last", maintain_order=True)
    )


def _count(df: pl.DataFrame, by: str, keys: list, name: str) -> pl.DataFrame:
    """Distinct children per key, zeros for keys with none."""
    counted = df.group_by(by).agg(pl.col("child_id").n_unique().cast(pl.Int64).alias(name))
    return (
        pl.DataFrame({by: keys}, schema={by: df.schema[by]})
        .join(counted, on=by, how="left")
        .with_columns(pl.col(name).fill_null(0))
    )


def _in_care_on(core: Core, dates: list[dt.date]) -> pl.DataFrame:
    """Children in care on each date (a month end), one month_end_between call per date."""
    rows = [(d, month_end_between(core, d, d)["child_id"].n_unique()) for d in dates]
    return pl.DataFrame(
        rows, schema={"month_end_date": pl.Date, "children_count": pl.Int64}, orient="row"
    )


# ---------------------------------------------------------------- monthly
@measure(
    "cic_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end",
    definition=(
        "Children in care at the end of each month of the reporting year and of the year "
        "before: a child is in care at a month end if an episode of care started on or "
        "before that day and had not ended by it (an episode ending on the day does not "
        "count); episodes under an agreed series of short breaks (V3, V4) are excluded, as "
        "in DfE statistics. Rates are per 10,000 children aged 0-17 (mid-year population "
        "estimate for the calendar year before the reporting year ends). Unaccompanied "
        "asylum-seeking children (UASC) are those recorded as UASC whose UASC status had not "
        "ceased by the month end; the non-UASC rate excludes them from the numerator."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count", "uasc_count"),
        derived={
            "rate_per_10k": ("children_count",),
            "uasc_pct": ("uasc_count", "children_count"),
            "non_uasc_rate_per_10k": ("children_count", "uasc_count"),
        },
        links=(
            Link("children_count", IN_CARE, {"date": "month_end_date"}),
            Link(
                "uasc_count",
                IN_CARE,
                {"date": "month_end_date", "uasc": pl.lit("yes")},
                complete={"uasc": ("yes", "no")},
            ),
        ),
        ratios=(RatioLink("uasc_pct", "uasc_count", "children_count"),),
    ),
)
def cic_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    me = _month_end(core, params, years=2)
    keys = _months_frame(_year_months(params.year_end - 1)[0], params.period_end)
    counts = me.group_by("month_end_date").agg(
        pl.col("child_id").n_unique().cast(pl.Int64).alias("children_count"),
        pl.col("child_id").filter(pl.col("is_uasc")).n_unique().cast(pl.Int64).alias("uasc_count"),
    )
    pops = {y: dfe.population_0_17(params, y) for y in (params.year_end - 1, params.year_end)}
    pop = pl.col("year_end").replace_strict(pops, return_dtype=pl.Float64)
    return (
        keys.join(counts, on="month_end_date", how="left")
        .with_columns(
            pl.col("children_count", "uasc_count").fill_null(0),
            year_end=fiscal_year_end("month_end_date"),
        )
        .with_columns(
            year_label=pl.concat_str(
                (pl.col("year_end") - 1).cast(pl.String),
                pl.lit("-"),
                (pl.col("year_end") % 100).cast(pl.String).str.zfill(2),
            ),
            rate_per_10k=pl.col("children_count") / pop * 10_000,
            uasc_pct=pl.when(pl.col("children_count") > 0).then(
                pl.col("uasc_count") / pl.col("children_count") * 100
            ),
            non_uasc_rate_per_10k=(pl.col("children_count") - pl.col("uasc_count")) / pop * 10_000,
        )
        .pipe(_blank_uncovered_months, core)
        .select(
            "month_end_date",
            "year_end",
            "year_label",
            "children_count",
            "rate_per_10k",
            "uasc_count",
            "uasc_pct",
            "non_uasc_rate_per_10k",
            "coverage_note",
        )
        .sort("month_end_date")
    )


def _blank_uncovered_months(df: pl.DataFrame, core: Core) -> pl.DataFrame:
    """Month ends the data does not fully cover: figures blank, `coverage_note` says why."""
    days = df["month_end_date"].unique().to_list()
    missing = [d for d in days if not coverage.day_covered(core, d)]
    off = pl.col("month_end_date").is_in(missing)
    counts = ["children_count", "rate_per_10k", "uasc_count", "uasc_pct", "non_uasc_rate_per_10k"]
    return coverage.blank(df, off, counts).with_columns(
        coverage_note=pl.when(off).then(
            pl.concat_str(
                pl.lit("not available: no return for "),
                pl.col("year_label"),
            )
        )
    )


_MONTHLY_DEF = (
    "Children in care at each month end of the reporting year (see 'Children in care at "
    "each month end'), by {what}. Percentages are of all children in care at that month end."
)


@measure(
    "cic_age_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end, by age",
    definition=_MONTHLY_DEF.format(what="age in whole years at the month end"),
    disclosure=monthly_spec("age"),
)
def cic_age_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    return _monthly(core, params, pl.col("age_band").fill_null(NOT_RECORDED), AGE_BANDS)


@measure(
    "cic_ethnicity_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end, by ethnic group",
    definition=_MONTHLY_DEF.format(
        what="ethnic group (the DfE major groups of the child's recorded ethnicity)"
    ),
    disclosure=monthly_spec("ethnicity"),
)
def cic_ethnicity_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    order = tuple(dict.fromkeys(codes("ETHNIC_GROUP").values()))
    return _monthly(core, params, pl.col("ethnicity_group").fill_null(NOT_RECORDED), order)


@measure(
    "cic_white_british_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end: White British and other ethnicities",
    definition=_MONTHLY_DEF.format(
        what="whether the child's recorded ethnicity is White British (WBRI); children "
        "with ethnicity refused or not yet obtained are counted as not White British"
    ),
    disclosure=monthly_spec("ethnicity"),
)
def cic_white_british_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    cat = (
        pl.when(pl.col("is_white_british").fill_null(False))
        .then(pl.lit("White British"))
        .otherwise(pl.lit("Not White British"))
    )
    return _monthly(core, params, cat, ("White British", "Not White British"))


@measure(
    "cic_legal_status_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end, by legal status",
    definition=_MONTHLY_DEF.format(what="legal status of the episode open at the month end"),
    disclosure=monthly_spec("legal_status", _ls_code()),
)
def cic_legal_status_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    return _monthly(core, params, _label("legal_status_code", "LS", with_code=True))


@measure(
    "cic_gender_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end, by sex",
    definition=_MONTHLY_DEF.format(what="sex as recorded in the SSDA903 return"),
    disclosure=monthly_spec("sex"),
)
def cic_gender_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    # the sexes of the reporting year's code list (M/F/U from 2024-25, 1/2 before)
    order = tuple(dict.fromkeys(codes_for("SEX", params.year_end).values()))
    return _monthly(core, params, _label("sex", "SEX"), order)


@measure(
    "cic_need_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end, by category of need",
    definition=_MONTHLY_DEF.format(
        what="category of need recorded on the episode open at the month end"
    ),
    disclosure=monthly_spec("need"),
)
def cic_need_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    return _monthly(core, params, _label("need_code", "CIN"))


@measure(
    "cic_duration_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end, by time in care",
    definition=_MONTHLY_DEF.format(
        what="whole months since the start of the child's current period of care"
    ),
    disclosure=monthly_spec("duration"),
)
def cic_duration_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    return _monthly(core, params, pl.col("duration_band").fill_null(NOT_RECORDED), DURATION_BANDS)


LONG_STAY = {"12 months or more": 12, "2.5 years or more": 30}


@measure(
    "cic_time_in_care_monthly",
    inputs=("header", "episodes"),
    title="Children in care at each month end for 12 months or more, and for 2.5 years or more",
    definition=(
        "Children in care at each month end whose current period of care had lasted at least "
        "12 whole months, and at least 30 whole months (2.5 years), with the rest of the "
        "children in care shown beside each so that suppressed cells cannot be recovered from "
        "the month's total. Percentages are of all children in care at that month end."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count",),
        within=("month_end_date", "split"),
        derived={"children_pct": ("children_count",)},
        links=tuple(
            share_links(
                IN_CARE,
                f"stay_{months}m",
                {"date": "month_end_date"},
                category=pl.col("category") == split,
                where=pl.col("split") == split,
            )[0][0]
            for split, months in (("12 months or more", 12), ("2.5 years or more", 30))
        ),
        # each percentage is of the month's children in care (the margin of its split): a
        # shown count with its percentage gives that total, and so the other half of the
        # split (issue 13: 86 = 57.3 % of the total, so the hidden "less than" count is 64)
        ratios=(RatioLink("children_pct", "children_count", "drop:stay_12m,stay_30m"),),
    ),
)
def cic_time_in_care_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    me = _month_end(core, params)
    keys = _months_frame(*_year_months(params.year_end))
    parts = []
    for split, months in LONG_STAY.items():
        yes, no = split, f"Less than {split.removesuffix(' or more')}"
        cat = pl.when(pl.col("months_in_care") >= months).then(pl.lit(yes)).otherwise(pl.lit(no))
        parts.append(share(me, cat, keys=keys, order=(yes, no)).with_columns(split=pl.lit(split)))
    return pl.concat(parts).select(
        "month_end_date", "split", "category", "children_count", "children_pct"
    )


# ---------------------------------------------------------------- starts and leavers
BREAKDOWNS = {
    "Age at start": (lambda: age_band("age_years").fill_null(NOT_RECORDED), AGE_BANDS),
    "Legal status at start": (
        lambda: _label("start_legal_status_code", "LS", with_code=True),
        None,
    ),
    "Category of need": (lambda: _label("start_need_code", "CIN"), None),
}


def _starts_by(df: pl.DataFrame, by: tuple[str, ...], keys: pl.DataFrame) -> pl.DataFrame:
    parts = []
    for name, (expr, order) in BREAKDOWNS.items():
        parts.append(
            share(df, expr(), by=by, keys=keys, order=order).with_columns(breakdown=pl.lit(name))
        )
    return pl.concat(parts).select(*by, "breakdown", "category", "children_count", "children_pct")


@measure(
    "starts_monthly",
    inputs=("header", "episodes"),
    title="Children starting to be looked after in each month, by age, legal status and need",
    definition=(
        "Children who started a period of care in each month of the reporting year (periods "
        "made up only of short breaks are excluded; a child starting twice in a month counts "
        "once), by age band at the start, legal status and category of need of the first "
        "episode. Percentages are of all children starting in the month."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count",),
        within=("month_end_date", "breakdown"),
        derived={"children_pct": ("children_count",)},
        links=tuple(
            share_links(STARTING, dim, {"period": month_label()}, where=pl.col("breakdown") == b)[
                0
            ][0]
            for b, dim in (
                ("Age at start", "start_age"),
                ("Legal status at start", "start_ls"),
                ("Category of need", "start_need"),
            )
        ),
        ratios=(RatioLink("children_pct", "children_count", "drop:start_age,start_ls,start_need"),),
    ),
)
def starts_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    df = starts(core, params.period_start, params.period_end, by=("month_end_date",))
    keys = _months_frame(*_year_months(params.year_end))
    return _starts_by(df, ("month_end_date",), keys)


@measure(
    "starts_year",
    inputs=("header", "episodes"),
    title="Children starting to be looked after in the year, by age, legal status and need",
    definition=(
        "Children who started to be looked after during the reporting year, counted once "
        "(their first start in the year, as DfE counts them), by age band at the start, "
        "legal status and category of need of the first episode. Percentages are of all "
        "children starting in the year."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count",),
        within=("breakdown",),
        derived={"children_pct": ("children_count",)},
        links=tuple(
            share_links(
                STARTING,
                dim,
                {"period": lambda df, p: pl.lit(p.year_label)},
                where=pl.col("breakdown") == b,
            )[0][0]
            for b, dim in (
                ("Age at start", "start_age"),
                ("Legal status at start", "start_ls"),
                ("Category of need", "start_need"),
            )
        ),
    ),
)
def starts_year(core: Core, params: RunParams) -> pl.DataFrame:
    df = starts(core, params.period_start, params.period_end).with_columns(
        year_label=pl.lit(params.year_label)
    )
    keys = pl.DataFrame({"year_label": [params.year_label]})
    return _starts_by(df, ("year_label",), keys).drop("year_label")


@measure(
    "leavers_reason_trend",
    inputs=("header", "episodes"),
    title="Children who ceased to be looked after, by reason, each year",
    definition=(
        "Children who ceased to be looked after in each reporting year shown (the run's "
        "history_years, usually four), "
        "counted once (their last leaving in the year), by the reason the period of care "
        "ended, grouped as: Adopted (E11, E12); Returned home (E13, E4A, E4B); Special "
        "guardianship or child arrangements order (E41, E45-E48); Turned 18 or moved to "
        "independent living (E5, E6, E7, E17); Other (E2 died, E3 care transferred to "
        "another authority, E8 other reason, E9 sentenced to custody, E14 remand ended, E15 "
        "age assessed as 18 or over, E16 moved abroad). Percentages are of all children "
        "leaving care in the year. A year the data does not cover is blank."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count",),
        within=("year_end_date",),
        derived={"children_pct": ("children_count",)},
        links=share_links(LEAVING, "reason", {"period": "year_label"}, category="reason_group")[0],
        ratios=share_links(LEAVING, "reason", {"period": "year_label"}, category="reason_group")[1],
    ),
)
def leavers_reason_trend(core: Core, params: RunParams) -> pl.DataFrame:
    years = list(range(params.year_end - params.history_years + 1, params.year_end + 1))
    first = dt.date(years[0] - 1, 4, 1)
    df = leavers(core, first, params.period_end, by=("year_end",))
    keys = pl.DataFrame({"year_end": years}, schema={"year_end": pl.Int64})
    out = share(df, pl.col("reason_group"), by=("year_end",), keys=keys, order=REC_ORDER)
    uncovered = [y for y in years if not coverage.year_covered(core, y)]
    out = coverage.blank(
        out, pl.col("year_end").is_in(uncovered), ["children_count", "children_pct"]
    )
    return out.with_columns(
        year_end_date=pl.date(pl.col("year_end"), 3, 31),
        year_label=pl.concat_str(
            (pl.col("year_end") - 1).cast(pl.String),
            pl.lit("-"),
            (pl.col("year_end") % 100).cast(pl.String).str.zfill(2),
        ),
    ).select(
        "year_end_date",
        "year_label",
        pl.col("category").alias("reason_group"),
        "children_count",
        "children_pct",
    )


# ---------------------------------------------------------------- trends
@measure(
    "cic_trend_4y",
    inputs=("header", "episodes"),
    title="Children in care at 31 March, starts and leavers: last four years",
    definition=(
        "For each of the last four reporting years: children in care on 31 March (as in "
        "'Children in care at each month end'), children who started to be looked after "
        "during the year and children who ceased to be looked after during the year (each "
        "child counted once per year, as DfE counts them; short-breaks-only care excluded), "
        "and the percentage change in children in care on 31 March from the year before. "
        "Only years the data covers are shown: an annual return for the year (31 March is "
        "also known from the next year's return) or a multi-year extract spanning it; any "
        "other year reads 'not available: no return for <year>', never a figure from "
        "partial history."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count", "starts_count", "ends_count"),
        derived={"children_change_pct": ("children_count",)},
        links=(
            Link("children_count", IN_CARE, {"date": "year_end_date"}),
            Link("starts_count", STARTING, {"period": "year_label"}),
            Link("ends_count", LEAVING, {"period": "year_label"}),
        ),
    ),
)
def cic_trend_4y(core: Core, params: RunParams) -> pl.DataFrame:
    years = list(range(params.year_end - 4, params.year_end + 1))
    in_care = _in_care_on(core, [dt.date(y, 3, 31) for y in years]).with_columns(
        year_end=pl.col("month_end_date").dt.year().cast(pl.Int64)
    )
    first, last = dt.date(years[1] - 1, 4, 1), params.period_end
    st = _count(starts(core, first, last, by=("year_end",)), "year_end", years[1:], "starts_count")
    en = _count(leavers(core, first, last, by=("year_end",)), "year_end", years[1:], "ends_count")
    prev = pl.col("children_count").shift(1)
    no_march = [y for y in years if not coverage.march_covered(core, y)]
    no_year = [y for y in years if not coverage.year_covered(core, y)]
    in_care = coverage.blank(in_care, pl.col("year_end").is_in(no_march), ["children_count"])
    notes = {
        y: coverage.note(y) for y in years if y in no_year or y in no_march or (y - 1) in no_march
    }
    return (
        in_care.sort("year_end")
        .with_columns(
            children_change_pct=pl.when(prev > 0).then(
                (pl.col("children_count") - prev) / prev * 100
            )
        )
        .filter(pl.col("year_end") > years[0])
        .join(st, on="year_end", how="left")
        .join(en, on="year_end", how="left")
        .pipe(coverage.blank, pl.col("year_end").is_in(no_year), ["starts_count", "ends_count"])
        .with_columns(
            coverage_note=pl.col("year_end").replace_strict(
                notes, default=None, return_dtype=pl.String
            )
        )
        .select(
            pl.col("month_end_date").alias("year_end_date"),
            pl.concat_str(
                (pl.col("year_end") - 1).cast(pl.String),
                pl.lit("-"),
                (pl.col("year_end") % 100).cast(pl.String).str.zfill(2),
            ).alias("year_label"),
            "children_count",
            "starts_count",
            "ends_count",
            "children_change_pct",
            "coverage_note",
        )
    )


@measure(
    "starts_ends_quarterly",
    inputs=("header", "episodes"),
    title="Children starting and ceasing to be looked after each quarter, with last year",
    definition=(
        "Children who started, and who ceased, to be looked after in each quarter of the "
        "reporting year (Q1 April-June ... Q4 January-March), each child counted once per "
        "quarter, beside the same quarter of the year before and the change between them."
    ),
    disclosure=DisclosureSpec(
        counts=("starts_count", "starts_last_year_count", "ends_count", "ends_last_year_count"),
        derived={
            "starts_change_count": ("starts_count", "starts_last_year_count"),
            "ends_change_count": ("ends_count", "ends_last_year_count"),
        },
        links=(
            Link("starts_count", STARTING, {"period": quarter_label(None)}),
            Link("starts_last_year_count", STARTING, {"period": quarter_label(None, prefix="ly")}),
            Link("ends_count", LEAVING, {"period": quarter_label(None)}),
            Link("ends_last_year_count", LEAVING, {"period": quarter_label(None, prefix="ly")}),
        ),
    ),
)
def starts_ends_quarterly(core: Core, params: RunParams) -> pl.DataFrame:
    first, last = params.previous.period_start, params.period_end
    by = ("year_end", "quarter")
    key = pl.struct("year_end", "quarter")
    st = starts(core, first, last, by=by).with_columns(key=key)
    en = leavers(core, first, last, by=by).with_columns(key=key)
    grid = pl.DataFrame(
        {
            "year_end": [y for y in (params.year_end - 1, params.year_end) for _ in range(4)],
            "quarter": [1, 2, 3, 4] * 2,
        },
        schema={"year_end": pl.Int64, "quarter": pl.Int64},
    )

    def counts(df: pl.DataFrame, name: str) -> pl.DataFrame:
        got = df.group_by(*by).agg(pl.col("child_id").n_unique().cast(pl.Int64).alias(name))
        return grid.join(got, on=list(by), how="left").with_columns(pl.col(name).fill_null(0))

    both = counts(st, "starts_count").join(counts(en, "ends_count"), on=list(by))
    this = both.filter(pl.col("year_end") == params.year_end)
    last_year = both.filter(pl.col("year_end") == params.year_end - 1).select(
        "quarter",
        pl.col("starts_count").alias("starts_last_year_count"),
        pl.col("ends_count").alias("ends_last_year_count"),
    )
    if not coverage.year_covered(core, params.year_end - 1):
        last_year = coverage.blank(
            last_year, pl.lit(True), ["starts_last_year_count", "ends_last_year_count"]
        )
    last_note = coverage.year_note(core, params.year_end - 1)
    return (
        this.join(last_year, on="quarter", how="left")
        .with_columns(
            last_year_note=pl.lit(last_note, pl.String),
            quarter_label=pl.concat_str(
                pl.lit("Q"), pl.col("quarter").cast(pl.String), pl.lit(" " + params.year_label)
            ),
            starts_change_count=pl.col("starts_count") - pl.col("starts_last_year_count"),
            ends_change_count=pl.col("ends_count") - pl.col("ends_last_year_count"),
        )
        .select(
            "quarter",
            "quarter_label",
            "starts_count",
            "starts_last_year_count",
            "starts_change_count",
            "ends_count",
            "ends_last_year_count",
            "ends_change_count",
            "last_year_note",
        )
        .sort("quarter")
    )


# ---------------------------------------------------------------- 31 March
def _at_31_march(core: Core, params: RunParams) -> pl.DataFrame:
    return month_end_between(core, params.period_end, params.period_end)


@measure(
    "age_legal_status_31mar",
    inputs=("header", "episodes"),
    title="Children in care on 31 March by age and legal status",
    definition=(
        "Children in care on 31 March of the reporting year by age band (DfE bands, age in "
        "whole years on 31 March) and legal status group of the episode open that day "
        "(interim and full care orders shown separately; placement orders include the "
        "former freeing orders), with row and column totals. Small cells are suppressed "
        "with further cells in the same age row and legal status column, so that no "
        "total reveals them."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count",),
        within=("age_band",),
        also_within=(("legal_status_group",),),
        links=(
            Link(
                "children_count",
                IN_CARE,
                {
                    "date": lambda df, p: pl.lit(p.period_end),
                    "age": "age_band",
                    "legal_status": "legal_status_group",
                },
                sums=("age", "legal_status"),
            ),
        ),
    ),
)
def age_legal_status_31mar(core: Core, params: RunParams) -> pl.DataFrame:
    df = _at_31_march(core, params).with_columns(
        age_band=dfe_age_band("age_years").fill_null(NOT_RECORDED),
        legal_status_group=pl.col("legal_status_group").fill_null(NOT_RECORDED),
    )
    seen = set(df["legal_status_group"].unique().to_list())
    ls_order = [*LS_ORDER[:4], *(g for g in LS_ORDER[4:] if g in seen)]
    ls_order += sorted(seen - set(ls_order))
    ages = [*DFE_AGE_BANDS, *sorted(set(df["age_band"].unique().to_list()) - set(DFE_AGE_BANDS))]
    ages_f = pl.DataFrame({"age_band": ages}, schema={"age_band": pl.String})
    cells = share(
        df, pl.col("legal_status_group"), by=("age_band",), keys=ages_f, order=tuple(ls_order)
    )
    cells = cells.rename({"category": "legal_status_group"}).drop("children_pct")
    row_tot = cells.group_by("age_band", maintain_order=True).agg(
        pl.lit("Total").alias("legal_status_group"), pl.col("children_count").sum()
    )
    col_tot = cells.group_by("legal_status_group", maintain_order=True).agg(
        pl.lit("Total").alias("age_band"), pl.col("children_count").sum()
    )
    grand = pl.DataFrame(
        {"age_band": ["Total"], "legal_status_group": ["Total"], "children_count": [df.height]},
        schema={"age_band": pl.String, "legal_status_group": pl.String, "children_count": pl.Int64},
    )
    cols = ["age_band", "legal_status_group", "children_count"]
    # Display order: age bands youngest first, legal status groups as above, totals last.
    age_rank = {a: i for i, a in enumerate([*ages, "Total"])}
    ls_rank = {g: i for i, g in enumerate([*ls_order, "Total"])}
    return pl.concat(
        [cells.select(cols), row_tot.select(cols), col_tot.select(cols), grand.select(cols)]
    ).sort(
        pl.col("age_band").replace_strict(age_rank, return_dtype=pl.Int32),
        pl.col("legal_status_group").replace_strict(ls_rank, return_dtype=pl.Int32),
    )


@measure(
    "ethnicity_uasc_31mar",
    inputs=("header", "episodes", "uasc"),
    section="age-sex-and-ethnicity",
    title="Children in care on 31 March by ethnic group: all, not UASC and UASC",
    definition=(
        "Children in care on 31 March of the reporting year by ethnic group (DfE major "
        "groups), for all children, for those who were not unaccompanied asylum-seeking "
        "children (UASC) that day and for UASC. Percentages are of each column's children."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count",),
        within=("cohort",),
        # All children = not UASC + UASC in each ethnic group: protect across the row too.
        also_within=(("ethnicity_group",),),
        derived={"children_pct": ("children_count",)},
        links=(
            Link(
                "children_count",
                IN_CARE,
                {
                    "date": lambda df, p: pl.lit(p.period_end),
                    "ethnicity": "ethnicity_group",
                    "uasc": pl.col("cohort").replace_strict(
                        {"All children": "Total", "UASC": "yes", "Not UASC": "no"}
                    ),
                },
                sums=("ethnicity", "uasc"),
            ),
        ),
        ratios=(RatioLink("children_pct", "children_count", "drop:ethnicity"),),
    ),
)
def ethnicity_uasc_31mar(core: Core, params: RunParams) -> pl.DataFrame:
    df = _at_31_march(core, params)
    both = pl.concat(
        [
            df.with_columns(cohort=pl.lit("All children")),
            df.with_columns(
                cohort=pl.when(pl.col("is_uasc")).then(pl.lit("UASC")).otherwise(pl.lit("Not UASC"))
            ),
        ]
    )
    keys = pl.DataFrame({"cohort": ["All children", "Not UASC", "UASC"]})
    order = tuple(dict.fromkeys(codes("ETHNIC_GROUP").values()))
    out = share(
        both,
        pl.col("ethnicity_group").fill_null(NOT_RECORDED),
        by=("cohort",),
        keys=keys,
        order=order,
    )
    return out.rename({"category": "ethnicity_group"}).select(
        "ethnicity_group", "cohort", "children_count", "children_pct"
    )


# ---------------------------------------------------------------- England comparison
def england_rate(params: RunParams, year: int) -> float | None:
    """England children looked after per 10,000 on 31 March (DfE: the configured file, else the
    project's snapshot), None when unavailable."""
    from pipeline.reports.pack.benchmarks import published_frame

    df = published_frame(params.dfe_dir, ENGLAND_RATE_FILE)
    if df is None:
        return None
    return dfe.england_value(
        df,
        year=year,
        value_col="rate_per_10000",
        population_type="Children looked after on 31 March each year",
    )


def england_lait(params: RunParams, short_desc: str, year: int) -> float | None:
    """An England value from the DfE LAIT long table (the configured file, else the project's
    snapshot), None when unavailable."""
    from pipeline.reports.pack.benchmarks import published_frame

    df = published_frame(params.dfe_dir, LAIT_FILE)
    if df is None:
        return None
    rows = df.filter(
        (pl.col("measure") == short_desc)
        & (pl.col("geographic_level") == "National")
        & (pl.col("time_period") == str(year))
    )
    return rows["value"][0] if rows.height else None


def england_published(
    params: RunParams, measure_key: str, year: int
) -> tuple[float | None, str | None]:
    """A hand-typed published England figure (pipeline/inputs/benchmarks/england_published.csv)."""
    path = ENGLAND_PUBLISHED
    if not path.is_file():
        return None, None
    rows = pl.read_csv(path, schema_overrides={"year": pl.Int64, "value": pl.Float64}).filter(
        (pl.col("measure") == measure_key) & (pl.col("year") == year)
    )
    return (rows["value"][0], rows["source"][0]) if rows.height else (None, None)


@measure(
    "england_comparison",
    inputs=("header", "episodes"),
    title="Children in care on 31 March: this authority and England",
    definition=(
        "This authority's children in care on 31 March beside England: the rate per 10,000 "
        "children aged 0-17 (England: DfE 'Children looked after in England including "
        "adoptions', national rate), the percentage who were unaccompanied asylum-seeking "
        "children (England: DfE LAIT), and the legal status and sex mix (England: published "
        "national percentages typed into the project's england_published.csv, source given on each "
        "row). Legal status follows DfE's headline split: care orders include interim care "
        "orders; 'other' is emergency protection, police protection and youth justice. "
        "England values are blank where not available."
    ),
    disclosure=DisclosureSpec(
        counts=("la_count", "la_denominator_count"),
        within=("comparison",),
        derived={"la_value": ("la_count", "la_denominator_count")},
        links=(
            Link(
                "la_count",
                IN_CARE,
                {
                    "date": "year_end_date",
                    "uasc": pl.when(pl.col("comparison") == "UASC").then(pl.lit("yes")),
                    "legal_status": pl.when(pl.col("comparison") == "Legal status").then(
                        pl.col("measure")
                    ),
                    "sex": pl.when(pl.col("comparison") == "Sex").then(pl.col("measure")),
                },
            ),
            # the rate's denominator is the 0-17 population, the percentages' the children in care
            Link(
                "la_denominator_count",
                IN_CARE,
                {"date": "year_end_date"},
                where=pl.col("unit") == "%",
            ),
        ),
    ),
)
def england_comparison(core: Core, params: RunParams) -> pl.DataFrame:
    df = _at_31_march(core, params)
    year = params.year_end
    n = df.height
    pop = dfe.population_0_17(params)
    lait_src = "DfE LAIT (Unacc_Asylmn_Seek_Childn%)"
    uasc_eng = england_lait(params, "Unacc_Asylmn_Seek_Childn%", year)
    if uasc_eng is None:
        uasc_eng, lait_src = england_published(params, "uasc_pct", year)
    rows = [
        (
            "Rate",
            "Children in care per 10,000 children",
            "per 10,000",
            n,
            pop,
            dfe.per_10k(n, pop),
            england_rate(params, year),
            "DfE, Children looked after in England including adoptions (national rate)",
        ),
        (
            "UASC",
            "Unaccompanied asylum-seeking children",
            "%",
            int(df["is_uasc"].sum()),
            n,
            None,
            uasc_eng,
            lait_src,
        ),
    ]
    ls = df.with_columns(
        g=pl.col("legal_status_group").replace_strict(DFE_LS, default="Other legal status")
    )
    for label, key in (
        ("Care order", "care_order_pct"),
        ("Placement order", "placement_order_pct"),
        ("Voluntary agreement (section 20)", "voluntary_s20_pct"),
        ("Other legal status", "other_legal_status_pct"),
    ):
        eng, src = england_published(params, key, year)
        rows.append(
            ("Legal status", label, "%", ls.filter(pl.col("g") == label).height, n, None, eng, src)
        )
    for code, label, key in (("1", "Male", "male_pct"), ("2", "Female", "female_pct")):
        eng, src = england_published(params, key, year)
        count = df.filter(pl.col("sex").is_in([label, code])).height  # labels in core tables
        rows.append(("Sex", label, "%", count, n, None, eng, src))
    out = pl.DataFrame(
        rows,
        schema={
            "comparison": pl.String,
            "measure": pl.String,
            "unit": pl.String,
            "la_count": pl.Int64,
            "la_denominator_count": pl.Int64,
            "la_value": pl.Float64,
            "england_value": pl.Float64,
            "england_source": pl.String,
        },
        orient="row",
    )
    return out.with_columns(
        la_value=pl.when(pl.col("unit") == "%")
        .then(
            pl.when(pl.col("la_denominator_count") > 0).then(
                pl.col("la_count") / pl.col("la_denominator_count") * 100
            )
        )
        .otherwise(pl.col("la_value")),
        year_end_date=pl.lit(params.period_end),
    )
