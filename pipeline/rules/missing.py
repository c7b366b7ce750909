"""Missing/away episodes: end not before start, neither after the extract date; the DfE
rules on overlapping missing periods and missing periods outside a period of care.

The missing indicators count missing episodes (by start date) of children in care, so a
missing row that overlaps another of the child, or lies outside every period of care, is
quarantined: it would add a missing episode that cannot be right. Dates against the
collection year and open missing periods after a placement ends only warn.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import (
    dfe_periods,
    dob_differs_from_header,
    episodes,
    row_ids,
    same_child_before,
    table_year,
)

TABLE = "missing"
register_contract(TABLE)

OUTSIDE_CARE = (
    "Missing indicators: a missing episode outside the child's care (or overlapping another) "
    "would be counted wrongly."
)
YEAR = (
    "Missing indicators use the start date within their window; a date outside the collection "
    "year is kept (an extract may run past 31 March) and listed."
)


@rule(
    code="MS01",
    table=TABLE,
    fields=("MIS_START", "MIS_END"),
    message="Missing episode ends before it starts",
    dfe_code="567",
    protects="Missing indicators: a missing episode cannot end before it starts.",
)
def ms01(raw, ctx):
    return date("MIS_END") < date("MIS_START")


@rule(
    code="MS02",
    table=TABLE,
    fields=("MIS_START", "MIS_END"),
    message="Missing episode date after the extract date",
    protects="Missing indicators: a date after the extract is a typing error.",
)
def ms02(raw, ctx):
    return ctx.after_extract("MIS_START", "MIS_END")


def missing(ctx) -> pl.DataFrame:
    return ctx.shared(
        "dfe_missing",
        lambda: table_year(ctx, TABLE).with_columns(
            start=date("MIS_START"), end=date("MIS_END"), own_dob=date("DOB")
        ),
    )


@rule(
    code="DFE-574",
    table=TABLE,
    fields=("MIS_START", "MIS_END"),
    message="A missing period starts while the child's previous missing period is still open, or overlaps it",
    dfe_code="574",
    protects=OUTSIDE_CARE,
)
def dfe_574(raw, ctx):
    """Ordered as the DfE does: by end (an open period by its start), then start; the
    later period of an overlapping pair is blamed."""
    m = missing(ctx).sort("CHILD", pl.coalesce("end", "start"), "start", "row_id", nulls_last=True)
    prev_end = pl.col("end").shift(1)
    has_prev = same_child_before()
    return row_ids(
        m,
        has_prev
        & (prev_end.is_null() | (pl.col("start") < prev_end))
        & pl.col("CHILD").is_not_null(),
    )


def _with_periods(ctx) -> pl.DataFrame:
    """Missing rows with a start, paired with each period of care of the child."""
    return (
        missing(ctx)
        .filter(pl.col("start").is_not_null())
        .join(dfe_periods(ctx), on="CHILD", how="inner")
    )


@rule(
    code="DFE-577",
    table=TABLE,
    fields=("MIS_END",),
    message=(
        "The child ceased to be looked after but the missing period has no end date, or it "
        "ends outside every period of care"
    ),
    dfe_code="577",
    protects=OUTSIDE_CARE,
)
def dfe_577(raw, ctx):
    s, e, ps, pe = pl.col("start"), pl.col("end"), pl.col("pstart"), pl.col("pend")
    out = (
        (e.is_null() & pe.is_not_null()) | (e.is_null() & (s < ps)) | (e > pe) | (e < ps)
    ).fill_null(False)
    per_row = _with_periods(ctx).group_by("row_id").agg(out=out.all())
    return per_row.filter("out").select("row_id")


@rule(
    code="DFE-578",
    table=TABLE,
    fields=("MIS_START",),
    message="The missing period starts after the child ceased to be looked after (outside every period of care)",
    dfe_code="578",
    protects=OUTSIDE_CARE,
)
def dfe_578(raw, ctx):
    s, ps, pe = pl.col("start"), pl.col("pstart"), pl.col("pend")
    out = ((s < ps) | ((s > pe) & pe.is_not_null())).fill_null(False)
    per_row = _with_periods(ctx).group_by("row_id").agg(out=out.all())
    return per_row.filter("out").select("row_id")


@rule(
    code="DFE-581",
    table=TABLE,
    fields=("MIS_START",),
    message="The child is missing but was not looked after then (the start is in none of the child's episodes)",
    dfe_code="581",
    protects=OUTSIDE_CARE,
)
def dfe_581(raw, ctx):
    eps = episodes(ctx).select("CHILD", "decom", "dec")
    s = pl.col("start")
    inside = ((s >= pl.col("decom")) & ((s <= pl.col("dec")) | pl.col("dec").is_null())).fill_null(
        False
    )
    per_row = (
        missing(ctx)
        .select("row_id", "CHILD", "start")
        .join(eps, on="CHILD", how="inner")
        .group_by("row_id")
        .agg(inside=inside.any())
    )
    return per_row.filter(~pl.col("inside")).select("row_id")


@rule(
    code="DFE-575",
    table=TABLE,
    fields=("MIS_END",),
    message="The placement the child went missing from has ended, but the missing period has no end date",
    dfe_code="575",
    severity=WARNING,
    protects="None: missing indicators count missing episodes by their start; kept and listed.",
)
def dfe_575(raw, ctx):
    eps = episodes(ctx).filter(pl.col("dec").is_not_null()).select("CHILD", "decom", "dec")
    s = pl.col("start")
    pairs = (
        missing(ctx)
        .filter(pl.col("end").is_null() & s.is_not_null())
        .select("row_id", "CHILD", "start")
        .join(eps, on="CHILD", how="inner")
    )
    return row_ids(pairs, (s >= pl.col("decom")) & (s <= pl.col("dec")))


@rule(
    code="DFE-570",
    table=TABLE,
    fields=("MIS_START",),
    message="The missing period starts after the end of the collection year",
    dfe_code="570",
    severity=WARNING,
    protects=YEAR,
)
def dfe_570(raw, ctx):
    return row_ids(missing(ctx), pl.col("start") > pl.col("cend"))


@rule(
    code="DFE-571",
    table=TABLE,
    fields=("MIS_END",),
    message="The missing period ends before the start or after the end of the collection year (the start is checked for rows of a known return only)",
    dfe_code="571",
    severity=WARNING,
    protects=YEAR,
)
def dfe_571(raw, ctx):
    m = missing(ctx).with_columns(rstart=ctx.return_start(raw))
    return row_ids(m, (pl.col("end") < pl.col("rstart")) | (pl.col("end") > pl.col("cend")))


@rule(
    code="DFE-586",
    table=TABLE,
    fields=("MIS_START", "DOB"),
    message="The missing period starts on or before the child's date of birth",
    dfe_code="586",
    protects=OUTSIDE_CARE,
)
def dfe_586(raw, ctx):
    m = missing(ctx)
    return row_ids(m, pl.col("start") <= pl.col("own_dob"))


@rule(
    code="DFE-INT13",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in the missing table differs from the header",
    dfe_code="INT13",
    severity=WARNING,
    protects="None: missing indicators take ages from the header; kept and listed.",
)
def dfe_int13(raw, ctx):
    return dob_differs_from_header(ctx, raw)
