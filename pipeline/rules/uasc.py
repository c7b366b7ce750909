"""UASC: contract rules (DUC, the date UASC status ceases, may lie in the future); the DfE
rules on duplicates and on agreement with the header.

Published figures read only whether a child is in this table and its DUC: a duplicated
child is quarantined (every copy, as in the header); disagreements on date of birth or sex
with the header only warn (figures take both from the header).
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import dob_differs_from_header, duplicated_per_year, plus_years

TABLE = "uasc"
register_contract(TABLE)

FROM_HEADER = "None: figures take the child's date of birth and sex from the header; kept."


@rule(
    code="DFE-INT36",
    table=TABLE,
    fields=("CHILD",),
    message="Child appears more than once in the UASC table (every copy quarantined)",
    dfe_code="INT36",
    protects="UASC counts and when UASC status ceased: one row per child.",
)
def dfe_int36(raw, ctx):
    return duplicated_per_year(ctx, raw)


@rule(
    code="DFE-INT18",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in the UASC table differs from the header",
    dfe_code="INT18",
    severity=WARNING,
    protects=FROM_HEADER,
)
def dfe_int18(raw, ctx):
    return dob_differs_from_header(ctx, raw)


@rule(
    code="DFE-INT21",
    table=TABLE,
    fields=("SEX",),
    message="Sex in the UASC table differs from the header",
    dfe_code="INT21",
    severity=WARNING,
    protects=FROM_HEADER,
)
def dfe_int21(raw, ctx):
    sex = ctx.raw["header"].select("CHILD", hsex="SEX").drop_nulls().unique("CHILD", keep="first")
    df = raw.select("row_id", "CHILD", "SEX").join(sex, on="CHILD", how="inner")
    return df.filter(pl.col("SEX").is_not_null() & (pl.col("SEX") != pl.col("hsex"))).select(
        "row_id"
    )


@rule(
    code="DFE-104",
    table=TABLE,
    fields=("DUC",),
    message="Date UASC status ceased is not a valid date, or is before the collection year",
    dfe_code="104",
    severity=WARNING,
    protects=(
        "UASC counts: status that ceased before the year still marks a child as formerly "
        "UASC; kept (an extract of several years holds such rows legitimately)."
    ),
)
def dfe_104(raw, ctx):
    duc = date("DUC")
    return (pl.col("DUC").is_not_null() & duc.is_null()) | (duc < ctx.return_start(raw))


@rule(
    code="DFE-304",
    table=TABLE,
    fields=("DUC", "DOB"),
    message="Date UASC status ceased must be on or before the child's 18th birthday",
    dfe_code="304",
    severity=WARNING,
    protects="UASC counts at month ends after 18; kept (care leavers are not counted there).",
)
def dfe_304(raw, ctx):
    return date("DUC") > plus_years(date("DOB"), 18)
