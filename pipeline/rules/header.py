"""Header (one row per child): contract rules, unique CHILD, no future dates of birth; the
DfE rules on dates of birth against the collection year.

The header row carries the child: quarantining it takes every other row of the child with
it (XT01), so a DfE rule that blames the header only warns unless the row is a duplicate.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import episodes, plus_years

TABLE = "header"
register_contract(TABLE)  # includes GX-HEADER-CHILD-UNIQUE: every copy of a duplicated CHILD


@rule(
    code="HD01",
    table=TABLE,
    fields=("DOB", "MC_DOB"),
    message="Date of birth after the extract date",
    protects="Ages in every figure: a date of birth after the extract is a typing error.",
)
def hd01(raw, ctx):
    return ctx.after_extract("DOB", "MC_DOB")


HEADER_KEPT = (
    "Ages: the date of birth looks wrong, but quarantining the header row would drop every "
    "row of the child; kept and listed."
)


@rule(
    code="DFE-301",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth is after the end of the collection year",
    dfe_code="301",
    severity=WARNING,
    protects=HEADER_KEPT,
)
def dfe_301(raw, ctx):
    return date("DOB") > ctx.collection_end(raw)


@rule(
    code="DFE-351",
    table=TABLE,
    fields=("DOB",),
    message="The child was over 25 at the start of the collection year",
    dfe_code="351",
    severity=WARNING,
    protects=HEADER_KEPT,
)
def dfe_351(raw, ctx):
    return ctx.collection_start(raw) > plus_years(date("DOB"), 25)


@rule(
    code="DFE-302-HEADER",
    table=TABLE,
    fields=("DOB",),
    message="The child's first episode starts before the child was born (the child's header row)",
    dfe_code="302",
    severity=WARNING,
    protects=HEADER_KEPT,
)
def dfe_302_header(raw, ctx):
    e = episodes(ctx).filter(pl.col("is_first") & (pl.col("dob") > pl.col("decom")))
    return pl.col("CHILD").is_in(e.get_column("CHILD").implode())
