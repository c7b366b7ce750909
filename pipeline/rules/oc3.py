"""OC3 (care leavers): contract rules, and the DfE rules on who may have a care leaver
record and on its consistency.

Care leaver indicators count OC3 rows by the row's own date of birth, so a row of a young
person the DfE says cannot be a care leaver this year (under 17, still looked after on
their 17th or 18th birthday, died in care, transferred to another authority, also in OC2
or continuously looked after) is quarantined, as is a row whose date of birth contradicts
the header. Inconsistent activity or accommodation codes only warn.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import (
    OC3_ITEMS,
    cla12,
    dob_differs_from_header,
    duplicated_per_year,
    episodes,
    header_dob,
    plus_years,
    row_ids,
    table_year,
)
from pipeline.rules.oc2 import _oc2_with_oc3

TABLE = "oc3"
register_contract(TABLE)

COHORT = (
    "Care leaver indicators (in touch, suitable accommodation, in education, employment or "
    "training): the young person is not in this year's care leaver cohort, so the row would "
    "enter those figures wrongly."
)
CODES = "Care leaver indicators count the codes as recorded; kept and listed."


def oc3(ctx) -> pl.DataFrame:
    """Raw OC3 with its collection year, own date of birth (`own_dob`) and `has_data`."""
    return ctx.shared(
        "dfe_oc3",
        lambda: table_year(ctx, TABLE).with_columns(
            own_dob=date("DOB"),
            has_data=pl.any_horizontal([pl.col(c).is_not_null() for c in OC3_ITEMS]),
        ),
    )


def _oc3_rule(code, dfe, fields, message, build, *, severity="quarantine", protects=COHORT):
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
        return build(ctx)


def _391(ctx):
    o = oc3(ctx)
    return row_ids(o, (plus_years(pl.col("own_dob"), 17) > pl.col("cend")) & pl.col("has_data"))


def _with_episodes(ctx) -> pl.DataFrame:
    """OC3 rows with data joined to the child's episodes (one row per pair; linear in the
    child's episodes, and only care leavers have OC3 rows)."""
    eps = episodes(ctx).select("CHILD", "decom", "dec", "REC")
    return oc3(ctx).filter(pl.col("has_data")).join(eps, on="CHILD", how="inner")


def _1007(ctx):
    o = _with_episodes(ctx)
    dob, end = pl.col("own_dob"), pl.col("cend")
    age_ok = (plus_years(dob, 17) <= end) & (plus_years(dob, 19) > end)
    this_year = dob.dt.offset_by(
        pl.concat_str((end.dt.year() - dob.dt.year()).cast(pl.String), pl.lit("y"))
    )
    bday = pl.when(this_year > end).then(this_year.dt.offset_by("-1y")).otherwise(this_year)
    in_care = (pl.col("decom") <= bday) & (pl.col("dec") > bday)
    return row_ids(o, age_ok & in_care)


def _1016(ctx):
    o = _with_episodes(ctx)
    dob, end, dec = pl.col("own_dob"), pl.col("cend"), pl.col("dec")
    aged_17 = (plus_years(dob, 17) <= end) & (plus_years(dob, 18) > end)
    aged_18 = (plus_years(dob, 18) <= end) & (plus_years(dob, 19) > end)
    left_after = (aged_17 & (dec >= plus_years(dob, 17))) | (aged_18 & (dec >= plus_years(dob, 18)))
    return row_ids(o, (pl.col("ye") >= 2024) & left_after)


def _1000(ctx):
    died = episodes(ctx).filter(pl.col("REC") == "E2").get_column("CHILD")
    return row_ids(oc3(ctx), pl.col("CHILD").is_in(died.unique().implode()))


def _1011(ctx):
    last_e3 = episodes(ctx).filter(pl.col("is_last") & (pl.col("REC") == "E3")).get_column("CHILD")
    return row_ids(oc3(ctx), pl.col("has_data") & pl.col("CHILD").is_in(last_e3.implode()))


def _187(ctx):
    o = cla12(ctx, oc3(ctx))
    return row_ids(o, pl.col("is_cla12") & pl.col("has_data"))


_oc3_rule(
    "DFE-391",
    "391",
    OC3_ITEMS,
    "Young person was not 17 to 21 during the collection year (under 17 at its end), but has care leaver information",
    _391,
)
_oc3_rule(
    "DFE-1007",
    "1007",
    OC3_ITEMS,
    "Care leaver information is not needed for a 17- or 18-year-old who was still looked after on their birthday",
    _1007,
)
_oc3_rule(
    "DFE-1016",
    "1016",
    OC3_ITEMS,
    "Care leaver information is not needed for a 17- or 18-year-old who left care after their birthday (from 2023-24)",
    _1016,
)
_oc3_rule(
    "DFE-1000",
    "1000",
    ("CHILD",),
    "The child died in care (an episode ended E2), so should have no care leaver information",
    _1000,
)
_oc3_rule(
    "DFE-1011",
    "1011",
    OC3_ITEMS,
    "The child's final episode ended with care transferred to another authority (E3), so "
    "should have no care leaver information",
    _1011,
)
_oc3_rule(
    "DFE-187",
    "187",
    OC3_ITEMS,
    "Child looked after continuously for 12 months at 31 March cannot also have care leaver information",
    _187,
)


@rule(
    code="DFE-215-OC3",
    table=TABLE,
    fields=OC3_ITEMS,
    message="Child has OC2 items completed, so should have no care leaver (OC3) information",
    dfe_code="215",
    protects=COHORT,
)
def dfe_215_oc3(raw, ctx):
    return _oc2_with_oc3(ctx).select(row_id="oc3_row")


@rule(
    code="DFE-3001",
    table=TABLE,
    fields=("ACCOM",),
    message=(
        "A young person around their 17th birthday cannot be recorded as living with former "
        "foster carers (accommodation Z1/Z2)"
    ),
    dfe_code="3001",
    severity=WARNING,
    protects=CODES,
)
def dfe_3001(raw, ctx):
    o = oc3(ctx).join(header_dob(ctx), on="CHILD", how="left")
    return row_ids(
        o,
        pl.col("ACCOM").is_in(("Z1", "Z2"))
        & plus_years(pl.col("dob"), 17).is_between(pl.col("cstart"), pl.col("cend")),
    )


@rule(
    code="DFE-344",
    table=TABLE,
    fields=("IN_TOUCH", "ACTIV", "ACCOM"),
    message=(
        "The young person has died or returned home for 6 months or more (DIED/RHOM), but "
        "activity or accommodation is not 0"
    ),
    dfe_code="344",
    severity=WARNING,
    protects=CODES,
)
def dfe_344(raw, ctx):
    not_zero = (pl.col("ACTIV") != "0").fill_null(True) | (pl.col("ACCOM") != "0").fill_null(True)
    return pl.col("IN_TOUCH").is_in(("DIED", "RHOM")) & not_zero


@rule(
    code="DFE-345",
    table=TABLE,
    fields=("IN_TOUCH", "ACTIV", "ACCOM"),
    message="The authority is in touch with the young person (YES), but activity or accommodation is 0",
    dfe_code="345",
    severity=WARNING,
    protects=CODES,
)
def dfe_345(raw, ctx):
    return (pl.col("IN_TOUCH") == "YES") & ((pl.col("ACTIV") == "0") | (pl.col("ACCOM") == "0"))


@rule(
    code="DFE-153",
    table=TABLE,
    fields=OC3_ITEMS,
    message="In touch, activity and accommodation must all be completed, or all left blank",
    dfe_code="153",
    severity=WARNING,
    protects=CODES,
)
def dfe_153(raw, ctx):
    n = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int8) for c in OC3_ITEMS])
    return (n > 0) & (n < len(OC3_ITEMS))


@rule(
    code="DFE-INT34",
    table=TABLE,
    fields=("CHILD",),
    message="Child appears more than once in OC3 for the same year (every copy quarantined)",
    dfe_code="INT34",
    protects="Care leaver indicators: a young person counted twice.",
)
def dfe_int34(raw, ctx):
    return duplicated_per_year(ctx, raw)


@rule(
    code="DFE-INT15",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in OC3 differs from the header",
    dfe_code="INT15",
    protects="Care leaver indicators: they take the age (19-21) from the OC3 row's own date of birth.",
)
def dfe_int15(raw, ctx):
    return dob_differs_from_header(ctx, raw)
