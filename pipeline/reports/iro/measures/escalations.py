"""Dispute resolution: pre-escalations, escalations by stage and area, time to resolve,
and notes recognising good practice (IRO service extracts).

An escalation record is one escalation at one stage (PRE, INF, S1-S5); moving to the next
stage is a new record. Pre-escalations (stage PRE) are counted separately from escalations.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.core.calendar import within_working_days, working_days_between
from pipeline.disclosure import DisclosureSpec
from pipeline.disclosure.linked import register_flow
from pipeline.disclosure.relations import Link, register_nest
from pipeline.inputs.contract import codes
from pipeline.measures import Core, measure
from pipeline.params import RunParams
from pipeline.reports.iro.measures.reviews import QUARTERS, in_year, pct, quarter_expr

PRE = "PRE"
INFORMAL = ("INF",)
FORMAL = ("S1", "S2", "S3", "S4", "S5")
STAGES = (*INFORMAL, *FORMAL)
RESOLUTION_WD = 20
GOOD = "GOOD"
# population keys (docs/disclosure.md): escalations concluded in a year by stage, open at the
# year end, good-practice notes by quarter (each note once, so quarters add up to the year)
CONCLUDED, OPEN, NOTES = "escalations concluded", "escalations open", "good practice notes"
register_nest("stage", "Informal", INFORMAL)
register_nest("stage", "Formal (stages 1-5)", FORMAL)
register_flow(NOTES)
_STAGE_GROUP = {"All escalations": "Total"}


def _year(df, p):
    return pl.lit(p.year_label)


def _last_year(df, p):
    return pl.lit(p.previous.year_label)


def _area_labels(pre: bool) -> pl.DataFrame:
    labels = {c: v for c, v in codes("ESC_AREA").items() if c.startswith("P_") == pre}
    return pl.DataFrame({"area_code": list(labels), "area": list(labels.values())})


# ---------------------------------------------------------------- pre-escalations
def pre_escalation_types(
    escalations: pl.DataFrame, areas: pl.DataFrame, params: RunParams
) -> pl.DataFrame:
    """Per pre-escalation type: distinct children and notes raised in the year, plus a total.

    A note naming two types counts once under each; the total row counts each note and
    each child once.
    """
    pre = escalations.filter((pl.col("stage_code") == PRE) & in_year("raised_date", params))
    mentions = pre.select("escalation_id", "child_id").join(areas, on="escalation_id")
    by_type = mentions.group_by("area_code").agg(
        children_count=pl.col("child_id").n_unique().cast(pl.Int64),
        notes_count=pl.col("escalation_id").n_unique().cast(pl.Int64),
    )
    labels = _area_labels(pre=True)
    extra = by_type.join(labels, on="area_code", how="anti").select(
        "area_code", area=pl.col("area_code")
    )
    table = (
        pl.concat([labels, extra])
        .join(by_type, on="area_code", how="left", maintain_order="left")
        .with_columns(pl.col("children_count", "notes_count").fill_null(0))
    )
    total = pl.DataFrame(
        {
            "area_code": ["Total"],
            "area": ["All pre-escalations"],
            "children_count": [pre["child_id"].n_unique()],
            "notes_count": [pre["escalation_id"].n_unique()],
        },
        schema=table.schema,
    )
    return pl.concat([table, total])


@measure(
    "pre_escalations_by_type",
    inputs=("escalations",),
    section="pre-escalations",
    title="Pre-escalations by type",
    definition=(
        "Pre-escalation notes raised in the reporting year by type: the number of different "
        "children and the number of notes. A note can name more than one type and then counts "
        "under each; the total row counts each note and each child once, so the rows add up "
        "to more than the total."
    ),
    disclosure=DisclosureSpec(
        counts=("children_count", "notes_count"),
        within=(),
        links=(
            Link(
                "children_count",
                "children with a pre-escalation",
                {"period": _year, "type": "area_code"},
            ),
            Link("notes_count", "pre-escalation notes", {"period": _year, "type": "area_code"}),
        ),
    ),
)
def pre_escalations_by_type(core: Core, params: RunParams) -> pl.DataFrame:
    return pre_escalation_types(core["core_escalations"], core["core_escalation_areas"], params)


# ---------------------------------------------------------------- escalations concluded
def concluded(escalations: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """Escalations (informal and stages 1-5, not pre-escalations) resolved in the year."""
    return escalations.filter(pl.col("stage_code").is_in(STAGES) & in_year("resolved_date", params))


def stage_counts(escalations: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """Concluded escalations per stage and in total, this year and last year."""
    labels = codes("ESC_STAGE")

    def one(p: RunParams, col: str) -> pl.DataFrame:
        c = concluded(escalations, p)
        agg = c.group_by("stage_code").agg(pl.len().cast(pl.Int64).alias(col))
        grid = pl.DataFrame({"stage_code": list(STAGES)})
        rows = grid.join(agg, on="stage_code", how="left", maintain_order="left").fill_null(0)
        return pl.concat(
            [rows, pl.DataFrame({"stage_code": ["Total"], col: [c.height]}, schema=rows.schema)]
        )

    return (
        one(params, "escalations_count")
        .join(one(params.previous, "last_year_escalations_count"), on="stage_code")
        .with_columns(
            stage=pl.col("stage_code").replace_strict(
                {**labels, "Total": "Total"}, return_dtype=pl.String
            )
        )
        .select("stage_code", "stage", "escalations_count", "last_year_escalations_count")
    )


@measure(
    "escalations_by_stage",
    inputs=("escalations",),
    section="escalations-concluded",
    title="Escalations concluded by stage",
    definition=(
        "Escalations concluded (resolved date in the reporting year) at each stage: informal "
        "and formal stages 1 to 5, with the total; this year and the year before. "
        "Pre-escalations are not included. An escalation taken to the next stage is counted "
        "once at each stage it concluded."
    ),
    disclosure=DisclosureSpec(
        counts=("escalations_count", "last_year_escalations_count"),
        within=(),
        links=(
            Link(
                "escalations_count",
                CONCLUDED,
                {"period": _year, "stage": "stage_code"},
                sums=("stage",),
            ),
            Link(
                "last_year_escalations_count",
                CONCLUDED,
                {"period": _last_year, "stage": "stage_code"},
                sums=("stage",),
            ),
        ),
    ),
)
def escalations_by_stage(core: Core, params: RunParams) -> pl.DataFrame:
    return stage_counts(core["core_escalations"], params)


def area_mentions(escalations: pl.DataFrame, areas: pl.DataFrame, params: RunParams):
    """Concluded escalations naming each area of focus (one escalation can name several)."""
    c = concluded(escalations, params).select("escalation_id")
    agg = (
        c.join(areas.unique(), on="escalation_id")
        .group_by("area_code")
        .agg(area_mentions_count=pl.len().cast(pl.Int64))
    )
    labels = _area_labels(pre=False)
    extra = agg.join(labels, on="area_code", how="anti").select(
        "area_code", area=pl.col("area_code")
    )
    return (
        pl.concat([labels, extra])
        .join(agg, on="area_code", how="left", maintain_order="left")
        .with_columns(pl.col("area_mentions_count").fill_null(0))
    )


@measure(
    "escalations_by_area",
    inputs=("escalations",),
    section="areas-of-focus",
    title="Escalations concluded by area of focus",
    definition=(
        "Escalations (informal and stages 1-5) concluded in the reporting year that named each "
        "area of focus. One escalation can name several areas, so these are area mentions: "
        "they add up to more than the number of escalations."
    ),
    disclosure=DisclosureSpec(
        counts=("area_mentions_count",),
        links=(
            Link(
                "area_mentions_count",
                "escalation area mentions",
                {"period": _year, "area": "area_code"},
            ),
        ),
    ),
)
def escalations_by_area(core: Core, params: RunParams) -> pl.DataFrame:
    return area_mentions(core["core_escalations"], core["core_escalation_areas"], params)


# ---------------------------------------------------------------- time to resolve
def resolution(escalations: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """By stage group (informal, formal, all): concluded, median working days, % within 20,
    and open at the year end (raised on or before 31 March and not resolved by then)."""
    esc = escalations.filter(pl.col("stage_code").is_in(STAGES)).with_columns(
        stage_group=pl.when(pl.col("stage_code").is_in(INFORMAL))
        .then(pl.lit("Informal"))
        .otherwise(pl.lit("Formal (stages 1-5)")),
        resolution_wd=working_days_between(pl.col("raised_date"), pl.col("resolved_date")),
        is_within_20wd=within_working_days(
            pl.col("raised_date"), pl.col("resolved_date"), RESOLUTION_WD
        ).fill_null(False),
        is_concluded=in_year("resolved_date", params).fill_null(False),
        is_open=(pl.col("raised_date") <= params.period_end)
        & (pl.col("resolved_date").is_null() | (pl.col("resolved_date") > params.period_end)),
    )
    aggs = [
        pl.col("is_concluded").sum().cast(pl.Int64).alias("concluded_count"),
        pl.col("resolution_wd").filter("is_concluded").median().alias("median_resolution_wd"),
        (pl.col("is_concluded") & pl.col("is_within_20wd"))
        .sum()
        .cast(pl.Int64)
        .alias("resolved_within_20wd_count"),
        pl.col("is_open").sum().cast(pl.Int64).alias("open_at_year_end_count"),
    ]
    groups = pl.DataFrame({"stage_group": ["Informal", "Formal (stages 1-5)"]})
    by_group = groups.join(
        esc.group_by("stage_group").agg(aggs), on="stage_group", how="left", maintain_order="left"
    )
    overall = esc.select(aggs).with_columns(stage_group=pl.lit("All escalations"))
    out = pl.concat([by_group, overall.select(by_group.columns)], how="vertical_relaxed")
    return out.with_columns(
        pl.col("concluded_count", "resolved_within_20wd_count", "open_at_year_end_count").fill_null(
            0
        ),
        median_resolution_wd=pl.col("median_resolution_wd").cast(pl.Float64),
    ).with_columns(
        resolved_within_20wd_pct=pct(
            pl.col("resolved_within_20wd_count"), pl.col("concluded_count")
        )
    )


def _group() -> pl.Expr:
    return pl.col("stage_group").replace_strict(_STAGE_GROUP, default=pl.col("stage_group"))


@measure(
    "escalation_resolution",
    inputs=("escalations",),
    section="time-to-resolve",
    title="Time taken to resolve escalations, and escalations open at the year end",
    definition=(
        "For escalations (informal and stages 1-5) concluded in the reporting year: the median "
        "number of working days from raised to resolved (working days after the raised date up "
        "to and including the resolved date) and the number and percentage resolved within 20 "
        "working days. Open at the year end: raised on or before 31 March and not resolved by "
        "then. Informal, formal (stages 1-5) and all escalations."
    ),
    disclosure=DisclosureSpec(
        links=(
            Link(
                "concluded_count", CONCLUDED, {"period": _year, "stage": _group()}, sums=("stage",)
            ),
            Link(
                "resolved_within_20wd_count",
                CONCLUDED,
                {"period": _year, "stage": _group(), "within_20wd": pl.lit("yes")},
                sums=("stage",),
                complete={"within_20wd": ("yes", "no")},
            ),
            Link(
                "open_at_year_end_count",
                OPEN,
                {"date": lambda df, p: pl.lit(p.period_end), "stage": _group()},
                sums=("stage",),
            ),
        ),
        counts=("concluded_count", "resolved_within_20wd_count", "open_at_year_end_count"),
        within=(),
        derived={
            "median_resolution_wd": ("concluded_count",),
            "resolved_within_20wd_pct": ("resolved_within_20wd_count", "concluded_count"),
        },
    ),
)
def escalation_resolution(core: Core, params: RunParams) -> pl.DataFrame:
    return resolution(core["core_escalations"], params)


# ---------------------------------------------------------------- good practice
def good_practice(notes: pl.DataFrame, params: RunParams) -> pl.DataFrame:
    """Good-practice notes per quarter and for the year, this year and last year.

    Quarters that end before the first note of any type in the records were not collected
    (the IRO service started recording notes later): null, shown as a dash, never 0."""
    first = notes["note_date"].min() if notes.height else None

    def one(p: RunParams, col: str) -> pl.DataFrame:
        good = notes.filter((pl.col("note_type_code") == GOOD) & in_year("note_date", p))
        agg = good.group_by(period=quarter_expr("note_date")).agg(
            pl.len().cast(pl.Int64).alias(col)
        )
        y = p.year_end
        ends = [dt.date(y - 1, 6, 30), dt.date(y - 1, 9, 30), dt.date(y - 1, 12, 31)]
        ends += [dt.date(y, 3, 31)]
        collected = [first is not None and e >= first for e in ends]
        rows = (
            pl.DataFrame({"period": QUARTERS, "_collected": collected})
            .join(agg, on="period", how="left")
            .with_columns(pl.when(pl.col("_collected")).then(pl.col(col).fill_null(0)).alias(col))
            .drop("_collected")
        )
        total = good.height if collected[-1] else None
        year = pl.DataFrame({"period": ["Year"], col: [total]}, schema=rows.schema)
        return pl.concat([rows, year])

    return one(params, "notes_count").join(
        one(params.previous, "last_year_notes_count"), on="period"
    )


def _period(prefix: str):
    def expr(df, p):
        year = p.previous.year_label if prefix else p.year_label
        return (
            pl.when(pl.col("period") == "Year")
            .then(pl.lit(year))
            .otherwise(pl.concat_str(pl.lit(year + " "), pl.col("period")))
        )

    return expr


@measure(
    "good_practice_notes",
    inputs=("practice_notes",),
    section="recognising-good-practice",
    title="Notes recognising good practice",
    definition=(
        "Practice notes of type 'recognition of good practice' dated in each quarter of the "
        "reporting year and in the year as a whole; this year and the year before. Quarters "
        "that ended before the first practice note in the records were not collected (–)."
    ),
    disclosure=DisclosureSpec(
        counts=("notes_count", "last_year_notes_count"),
        within=(),
        links=(
            Link("notes_count", NOTES, {"period": _period("")}),
            Link("last_year_notes_count", NOTES, {"period": _period("last_year_")}),
        ),
    ),
)
def good_practice_notes(core: Core, params: RunParams) -> pl.DataFrame:
    return good_practice(core["core_practice_notes"], params)
