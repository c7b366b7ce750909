"""OC2 (health and offending of children looked after for 12 months at 31 March): contract
rules, the SDQ score range, and the DfE cohort and consistency rules.

Health figures count OC2 records of children in the cohort, so an OC2 row of a child
the DfE says cannot be in it (not continuously looked after for 12 months, or a care
leaver) is quarantined; the consistency of its items (SDQ by age, substance misuse,
convictions, health checks) only warns, since those rows still belong to the cohort.
Ages use the OC2 row's own date of birth, as the DfE rules do.
"""

from __future__ import annotations

import polars as pl

from pipeline.inputs.contract import tables
from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import (
    OC2_ITEMS,
    OC3_ITEMS,
    any_set,
    cla12,
    dob_differs_from_header,
    duplicated_per_year,
    plus_years,
    row_ids,
    table_year,
)

TABLE = "oc2"
register_contract(TABLE)
_SDQ = tables()[TABLE].column("SDQ_SCORE")
FOUR = ("IMMUNISATIONS", "TEETH_CHECK", "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE")

COHORT = (
    "Health indicators (immunisations, dental checks, health assessments, SDQ): the child "
    "is not in the cohort of children looked after continuously for 12 months, so the record "
    "would enter those figures wrongly."
)
ITEMS = (
    "Health indicators: the child belongs to the cohort; the item is counted as recorded "
    "(a blank as not done); kept and listed."
)
NOT_PUBLISHED = (
    "None published (convictions and substance misuse are not reported); kept and listed."
)


@rule(
    code="OC201",
    table=TABLE,
    fields=("SDQ_SCORE",),
    message=f"SDQ score outside {_SDQ.min}-{_SDQ.max}",
    protects="The average SDQ score.",
)
def oc201(raw, ctx):
    score = pl.col("SDQ_SCORE").cast(pl.Int64, strict=False)
    return (score < _SDQ.min) | (score > _SDQ.max)


def oc2(ctx) -> pl.DataFrame:
    """Raw OC2 with its collection year, own date of birth (`own_dob`) and `is_cla12`."""
    return ctx.shared(
        "dfe_oc2",
        lambda: cla12(ctx, table_year(ctx, TABLE).with_columns(own_dob=date("DOB"))),
    )


cla_ = pl.col("is_cla12")
dob_ = pl.col("own_dob")
start_, end_ = pl.col("cstart"), pl.col("cend")


def _oc2_rule(code, dfe, fields, message, condition, *, severity=WARNING, protects=ITEMS):
    @rule(
        code=code,
        table=TABLE,
        fields=fields,
        message=message,
        dfe_code=dfe,
        severity=severity,
        protects=protects,
    )
    def check(raw, ctx):
        return row_ids(oc2(ctx), condition)


def _is(col: str, value: str) -> pl.Expr:
    return pl.col(col) == value


# ---- cohort
_oc2_rule(
    "DFE-190",
    "190",
    OC2_ITEMS,
    "Child has not been looked after continuously for 12 months at 31 March, but OC2 items are completed",
    ~cla_ & any_set(*OC2_ITEMS),
    severity="quarantine",
    protects=COHORT,
)
_oc2_rule(
    "DFE-185",
    "185",
    ("SDQ_SCORE",),
    "Child has not been looked after continuously for 12 months at 31 March, but an SDQ score is completed",
    ~cla_ & pl.col("SDQ_SCORE").is_not_null(),
    severity="quarantine",
    protects=COHORT,
)
_oc2_rule(
    "DFE-198",
    "198",
    ("SDQ_REASON",),
    "Child has not been looked after continuously for 12 months at 31 March, but a reason for no SDQ score is completed",
    ~cla_ & pl.col("SDQ_REASON").is_not_null(),
    severity="quarantine",
    protects=COHORT,
)
_oc2_rule(
    "DFE-191",
    "191",
    FOUR,
    "Child has been looked after continuously for 12 months at 31 March, but immunisations, "
    "teeth check, health assessment or substance misuse is blank",
    cla_ & pl.any_horizontal([pl.col(c).is_null() for c in FOUR]),
)
# ---- SDQ by age (4th and 17th birthdays against the collection year)
_oc2_rule(
    "DFE-186",
    "186",
    ("SDQ_SCORE", "SDQ_REASON"),
    "Child aged 4 to 16 looked after for 12 months has neither an SDQ score nor a reason for none",
    (plus_years(dob_, 4) <= start_)
    & (plus_years(dob_, 17) > end_)
    & cla_
    & pl.col("SDQ_SCORE").is_null()
    & pl.col("SDQ_REASON").is_null(),
)
_oc2_rule(
    "DFE-197B",
    "197B",
    ("SDQ_SCORE", "SDQ_REASON"),
    "Child who turned 4 or 17 in the year, looked after for 12 months, has neither an SDQ score nor a reason for none",
    (plus_years(dob_, 4).is_between(start_, end_) | plus_years(dob_, 17).is_between(start_, end_))
    & cla_
    & pl.col("SDQ_SCORE").is_null()
    & pl.col("SDQ_REASON").is_null(),
)
_oc2_rule(
    "DFE-188",
    "188",
    ("SDQ_SCORE", "SDQ_REASON"),
    "Child is under 4 at the end of the year, but an SDQ score or a reason for none is completed",
    (plus_years(dob_, 4) > end_) & any_set("SDQ_SCORE", "SDQ_REASON"),
)
_oc2_rule(
    "DFE-189",
    "189",
    ("SDQ_SCORE", "SDQ_REASON"),
    "Child is 17 or over at the start of the year, but an SDQ score or a reason for none is completed",
    (plus_years(dob_, 17) < start_) & any_set("SDQ_SCORE", "SDQ_REASON"),
)
_oc2_rule(
    "DFE-157",
    "157",
    ("SDQ_REASON",),
    "Child aged 4 to 16 has reason SDQ1 (child under 4 or over 16) for no SDQ score",
    cla_
    & (plus_years(dob_, 4) <= start_)
    & (plus_years(dob_, 16) >= end_)
    & pl.col("SDQ_SCORE").is_null()
    & _is("SDQ_REASON", "SDQ1"),
)
_oc2_rule(
    "DFE-197A",
    "197a",
    ("SDQ_SCORE", "SDQ_REASON"),
    "A reason for no SDQ score is not needed when an SDQ score is given",
    pl.col("SDQ_SCORE").is_not_null() & pl.col("SDQ_REASON").is_not_null(),
)
# ---- completeness and consistency of the items
_oc2_rule(
    "DFE-182",
    "182",
    OC2_ITEMS,
    "Immunisations, teeth check, health assessment and substance misuse must be completed, "
    "or all OC2 items left blank",
    pl.any_horizontal([pl.col(c).is_null() for c in FOUR])
    & any_set("CONVICTED", "HEALTH_CHECK", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
)
_oc2_rule(
    "DFE-542",
    "542",
    ("CONVICTED",),
    "A child under 10 at 31 March should not have conviction information",
    (plus_years(dob_, 10) > end_) & pl.col("CONVICTED").is_not_null(),
    protects=NOT_PUBLISHED,
)
_oc2_rule(
    "DFE-543",
    "543",
    ("CONVICTED",),
    "A child aged 10 or over at 31 March, looked after for 12 months, has no conviction information",
    (end_ > plus_years(dob_, 10)) & cla_ & pl.col("CONVICTED").is_null(),
    protects=NOT_PUBLISHED,
)
_oc2_rule(
    "DFE-544",
    "544",
    ("CONVICTED", *FOUR),
    "A child with conviction information must also have immunisations, teeth check, health "
    "assessment and substance misuse completed",
    _is("CONVICTED", "1") & pl.any_horizontal([pl.col(c).is_null() for c in FOUR]),
)
_oc2_rule(
    "DFE-545",
    "545",
    ("HEALTH_CHECK",),
    "A child under 5 at 31 March, looked after for 12 months, has no health promotion (development check) information",
    (end_ < plus_years(dob_, 5)) & cla_ & pl.col("HEALTH_CHECK").is_null(),
)
_oc2_rule(
    "DFE-546",
    "546",
    ("HEALTH_CHECK",),
    "A child aged 5 or over at 31 March should not have health promotion (development check) information",
    (end_ >= plus_years(dob_, 5)) & cla_ & pl.col("HEALTH_CHECK").is_not_null(),
)
_oc2_rule(
    "DFE-547",
    "547",
    ("HEALTH_CHECK", *FOUR),
    "A child with health promotion information must also have immunisations, teeth check, "
    "health assessment and substance misuse completed",
    _is("HEALTH_CHECK", "1") & pl.any_horizontal([pl.col(c).is_null() for c in FOUR]),
)
_oc2_rule(
    "DFE-192",
    "192",
    ("SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED"),
    "A child with a substance misuse problem has no answer to whether an intervention was received",
    _is("SUBSTANCE_MISUSE", "1") & pl.col("INTERVENTION_RECEIVED").is_null(),
    protects=NOT_PUBLISHED,
)
_oc2_rule(
    "DFE-193",
    "193",
    ("SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    "A child without a substance misuse problem has an intervention offered or received",
    (pl.col("SUBSTANCE_MISUSE").is_null() | _is("SUBSTANCE_MISUSE", "0"))
    & any_set("INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    protects=NOT_PUBLISHED,
)
_oc2_rule(
    "DFE-158",
    "158",
    ("INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    "A child who received an intervention for substance misuse should have 'intervention offered' left blank",
    _is("INTERVENTION_RECEIVED", "1") & pl.col("INTERVENTION_OFFERED").is_not_null(),
    protects=NOT_PUBLISHED,
)
_oc2_rule(
    "DFE-159",
    "159",
    ("INTERVENTION_RECEIVED", "INTERVENTION_OFFERED"),
    "A child with a substance misuse problem who did not receive an intervention has no answer to whether one was offered",
    _is("SUBSTANCE_MISUSE", "1")
    & _is("INTERVENTION_RECEIVED", "0")
    & pl.col("INTERVENTION_OFFERED").is_null(),
    protects=NOT_PUBLISHED,
)


@rule(
    code="DFE-215",
    table=TABLE,
    fields=OC2_ITEMS,
    message="Child has care leaver (OC3) information, so the OC2 items should be blank",
    dfe_code="215",
    protects=(
        "Health indicators and care leaver indicators: a child cannot be in both cohorts; the "
        "DfE blames both rows, so both are quarantined."
    ),
)
def dfe_215(raw, ctx):
    return _oc2_with_oc3(ctx).select("row_id").unique()


def _oc2_with_oc3(ctx) -> pl.DataFrame:
    """OC2 rows with items set, for children whose OC3 row of the same collection year has
    care leaver data (in stacked returns a child may be in OC2 one year, OC3 a later one)."""

    def build():
        leavers = (
            table_year(ctx, "oc3")
            .filter(any_set(*OC3_ITEMS))
            .select("CHILD", "ye", oc3_row="row_id")
        )
        o2 = table_year(ctx, TABLE).filter(any_set(*OC2_ITEMS)).select("row_id", "CHILD", "ye")
        return o2.join(leavers, on=["CHILD", "ye"], how="inner")

    return ctx.shared("dfe_215", build)


@rule(
    code="DFE-INT33",
    table=TABLE,
    fields=("CHILD",),
    message="Child appears more than once in OC2 for the same year (every copy quarantined)",
    dfe_code="INT33",
    protects="Health indicators: a child counted twice.",
)
def dfe_int33(raw, ctx):
    return duplicated_per_year(ctx, raw)


@rule(
    code="DFE-INT14",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in OC2 differs from the header",
    dfe_code="INT14",
    severity=WARNING,
    protects="None: health indicators take ages from the header; kept and listed.",
)
def dfe_int14(raw, ctx):
    return dob_differs_from_header(ctx, raw)


@rule(
    code="DFE-191-EPISODES",
    table="episodes",
    fields=("CHILD",),
    message=(
        "Child has been looked after continuously for 12 months at 31 March, but has no OC2 "
        "record (the child's first episode)"
    ),
    dfe_code="191",
    severity=WARNING,
    protects=(
        "Health indicators count children with an OC2 record: a missing record leaves the "
        "child out of them; the episode is kept."
    ),
)
def dfe_191_episodes(raw, ctx):
    from pipeline.rules.dfe import episodes

    first = episodes(ctx).filter("is_first").select("row_id", "CHILD", "ye")
    with_oc2 = ctx.raw[TABLE].get_column("CHILD").drop_nulls().unique()
    first = cla12(ctx, first)
    return row_ids(first, pl.col("is_cla12") & ~pl.col("CHILD").is_in(with_oc2.implode()))
