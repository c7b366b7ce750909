"""Placed for adoption (decisions that a child should be placed for adoption): ceasing not
before placing, no future dates; the DfE rules on the decisions against the child's
episodes and the AD1 record.

The adoption indicators read the decision date (DATE_PLACED), so a decision dated before
the child was born or started to be looked after, after care ended or after the child was
placed for adoption, or made while an earlier decision was still open, is quarantined.
Rules on the ceased date and reason (which no figure reads), and the episode and AD1 side
of every comparison, only warn.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import (
    AD1_ITEMS,
    ADOPTED,
    ADOPTION_PLACEMENTS,
    SHORT_BREAKS,
    any_set,
    dob_differs_from_header,
    episodes,
    header_dob,
    same_child_before,
    table_year,
)

TABLE = "placed_for_adoption"
register_contract(TABLE)

DECISION = (
    "Adoption timeliness (entering care to moving in with adopters): the decision date "
    "(DATE_PLACED) would be wrong in the figure."
)
CEASED = "None: no figure reads when or why a decision ceased; kept and listed."
OTHER_SIDE = "None on this row: the DfE blames it too, but the decision is the row at fault; kept."


@rule(
    code="PA01",
    table=TABLE,
    fields=("DATE_PLACED", "DATE_PLACED_CEASED"),
    message="Placed-for-adoption decision ceased before it was made",
    dfe_code="522",
    protects=DECISION,
)
def pa01(raw, ctx):
    return date("DATE_PLACED_CEASED") < date("DATE_PLACED")


@rule(
    code="PA02",
    table=TABLE,
    fields=("DATE_PLACED", "DATE_PLACED_CEASED"),
    message="Placed-for-adoption date after the extract date",
    protects="Adoption timeliness: a date after the extract is a typing error.",
)
def pa02(raw, ctx):
    return ctx.after_extract("DATE_PLACED", "DATE_PLACED_CEASED")


def decisions(ctx) -> pl.DataFrame:
    """Raw decisions with parsed dates, the collection year and `rstart`, the start of the
    row's own return (null for a row of a multi-year extract: see `RuleContext.return_start`)."""
    raw = ctx.raw[TABLE]
    return ctx.shared(
        "dfe_pa",
        lambda: table_year(ctx, TABLE).with_columns(
            placed=date("DATE_PLACED"),
            ceased=date("DATE_PLACED_CEASED"),
            rstart=ctx.return_start(raw),
        ),
    )


def _pick(eps: pl.DataFrame, *, last: bool) -> pl.DataFrame:
    """One episode per child: the first or last by start (`eps` is a filter of the episodes
    in order, so still sorted by child and start)."""
    child = pl.col("CHILD")
    edge = child != (child.shift(-1) if last else child.shift(1))
    return eps.filter(edge.fill_null(True)).select("CHILD", "decom", "dec", eps_row="row_id")


def _pairs(ctx, key: str, chosen, condition: pl.Expr) -> pl.DataFrame:
    """Decisions joined to one chosen episode of the child, where `condition` holds."""

    def build():
        joined = decisions(ctx).join(chosen(ctx), on="CHILD", how="inner")
        return joined.filter(condition.fill_null(False)).select("row_id", "eps_row")

    return ctx.shared(key, build)


def _two_sided(code, dfe, fields, message, key, chosen, condition, *, severity, protects):
    @rule(
        code=code,
        table=TABLE,
        fields=fields,
        message=message,
        dfe_code=dfe,
        severity=severity,
        protects=protects,
    )
    def decision_side(raw, ctx):
        return _pairs(ctx, key, chosen, condition).select("row_id").unique()

    @rule(
        code=f"{code}-EPISODES",
        table="episodes",
        fields=fields,
        message=f"{message} (the episode)",
        dfe_code=dfe,
        severity=WARNING,
        protects=OTHER_SIDE,
    )
    def episode_side(raw, ctx):
        return _pairs(ctx, key, chosen, condition).select(row_id="eps_row").unique()


def _latest_not_x1(ctx):
    # a blank reason counts: an open latest episode is used
    eps = episodes(ctx).filter((pl.col("REC") != "X1").fill_null(True))
    return _pick(eps, last=True)


def _earliest_not_short_break(ctx):
    return _pick(
        episodes(ctx).filter(~pl.col("LS").is_in(SHORT_BREAKS).fill_null(False)), last=False
    )


def _earliest_start(ctx):
    return _pick(episodes(ctx).filter(pl.col("RNE") == "S"), last=False)


def _first_e1(ctx):
    return _pick(episodes(ctx).filter(pl.col("LS") == "E1"), last=False)


def _first_adoptive(ctx):
    return _pick(episodes(ctx).filter(pl.col("PLACE").is_in(ADOPTION_PLACEMENTS)), last=False)


placed_, ceased_, start_, end_, cend_ = (
    pl.col(c) for c in ("placed", "ceased", "decom", "dec", "cend")
)
_two_sided(
    "DFE-117",
    "117",
    ("DATE_PLACED", "DATE_PLACED_CEASED"),
    "A placed-for-adoption decision is dated after the collection year or after the child left care",
    "dfe_117",
    _latest_not_x1,
    (placed_ > cend_) | (placed_ > end_) | (ceased_ > cend_) | (ceased_ > end_),
    severity="quarantine",
    protects=DECISION,
)
_two_sided(
    "DFE-118",
    "118",
    ("DATE_PLACED_CEASED",),
    "The decision that the child should no longer be placed for adoption is before the "
    "collection year or before the child started to be looked after",
    "dfe_118",
    _earliest_not_short_break,
    (ceased_ < start_) | (ceased_ < pl.col("rstart")),
    severity=WARNING,
    protects=CEASED,
)
_two_sided(
    "DFE-1003",
    "1003",
    ("DATE_PLACED",),
    "The decision that the child should be placed for adoption is before the child started to be looked after",
    "dfe_1003",
    _earliest_start,
    placed_ < start_,
    severity="quarantine",
    protects=DECISION,
)
_two_sided(
    "DFE-554",
    "554",
    ("DATE_PLACED",),
    "The decision that the child should be placed for adoption is after the placement order was granted",
    "dfe_554",
    _first_e1,
    placed_ > start_,
    severity="quarantine",
    protects=DECISION,
)


def _552(ctx) -> pl.DataFrame:
    """The child's latest decision against the first adoptive placement."""

    def build():
        latest = (
            decisions(ctx)
            .filter(placed_.is_not_null())
            .sort("CHILD", "placed", "row_id")
            .group_by("CHILD", maintain_order=True)
            .last()
            .select("row_id", "CHILD", "placed")
        )
        joined = latest.join(_first_adoptive(ctx), on="CHILD", how="inner")
        return joined.filter((start_ < placed_).fill_null(False))

    return ctx.shared("dfe_552", build)


@rule(
    code="DFE-552",
    table=TABLE,
    fields=("DATE_PLACED",),
    message="The decision to place the child for adoption is after the child was placed for adoption (A3-A6)",
    dfe_code="552",
    protects=DECISION,
)
def dfe_552(raw, ctx):
    return _552(ctx).select("row_id")


@rule(
    code="DFE-552-EPISODES",
    table="episodes",
    fields=("DECOM", "PLACE"),
    message="The decision to place the child for adoption is after the child was placed for adoption (the episode)",
    dfe_code="552",
    severity=WARNING,
    protects=OTHER_SIDE,
)
def dfe_552_episodes(raw, ctx):
    return _552(ctx).select(row_id="eps_row")


@rule(
    code="DFE-184",
    table=TABLE,
    fields=("DATE_PLACED",),
    message="The decision that the child should be placed for adoption is before the child was born",
    dfe_code="184",
    protects=DECISION,
)
def dfe_184(raw, ctx):
    d = decisions(ctx).join(header_dob(ctx), on="CHILD", how="inner")
    return d.filter((placed_ < pl.col("dob")).fill_null(False)).select("row_id")


@rule(
    code="DFE-579",
    table=TABLE,
    fields=("DATE_PLACED", "DATE_PLACED_CEASED"),
    message="A new decision to place the child for adoption starts while the previous decision is still open",
    dfe_code="579",
    protects=DECISION,
)
def dfe_579(raw, ctx):
    d = (
        decisions(ctx)
        .filter(pl.col("CHILD").is_not_null())
        .sort("CHILD", "placed", "row_id", nulls_last=True)
    )
    prev_ceased = ceased_.shift(1)
    has_prev = same_child_before()
    return d.filter(
        has_prev & (prev_ceased.is_null() | (placed_ < prev_ceased)).fill_null(False)
    ).select("row_id")


@rule(
    code="DFE-583",
    table=TABLE,
    fields=("DATE_PLACED_CEASED",),
    message="More than one decision to place the child for adoption, but an earlier one has not been ended",
    dfe_code="583",
    severity=WARNING,
    protects=CEASED,
)
def dfe_583(raw, ctx):
    d = (
        decisions(ctx)
        .filter(pl.col("CHILD").is_not_null())
        .sort("CHILD", "placed", "row_id", nulls_last=False)
    )
    latest = (pl.col("CHILD") != pl.col("CHILD").shift(-1)).fill_null(True)
    return d.filter(~latest & ceased_.is_null() & pl.col("DATE_PLACED_CEASED").is_null()).select(
        "row_id"
    )


@rule(
    code="DFE-119",
    table=TABLE,
    fields=("DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    message="When a decision to place for adoption ends, both its date and its reason must be given",
    dfe_code="119",
    severity=WARNING,
    protects=CEASED,
)
def dfe_119(raw, ctx):
    return pl.col("DATE_PLACED_CEASED").is_null() != pl.col("REASON_PLACED_CEASED").is_null()


@rule(
    code="DFE-551",
    table="episodes",
    fields=("PLACE",),
    message="The child is placed for adoption (A3-A6), but there is no date of the decision to place them",
    dfe_code="551",
    severity=WARNING,
    protects="Adoption timeliness uses the decisions recorded; the placement is kept.",
)
def dfe_551(raw, ctx):
    with_date = ctx.raw[TABLE].filter(pl.col("DATE_PLACED").is_not_null()).get_column("CHILD")
    without = ctx.raw[TABLE].filter(pl.col("DATE_PLACED").is_null()).get_column("CHILD")
    return pl.col("PLACE").is_in(ADOPTION_PLACEMENTS) & (
        ~pl.col("CHILD").is_in(with_date.unique().implode())
        | pl.col("CHILD").is_in(without.unique().implode())
    )


@rule(
    code="DFE-553",
    table="episodes",
    fields=("LS",),
    message="A placement order has been granted (E1), but there is no decision that the child should be placed for adoption",
    dfe_code="553",
    severity=WARNING,
    protects="Adoption timeliness uses the decisions recorded; the episode is kept.",
)
def dfe_553(raw, ctx):
    decided = ctx.raw[TABLE].get_column("CHILD").unique()
    return (pl.col("LS") == "E1") & ~pl.col("CHILD").is_in(decided.implode())


@rule(
    code="DFE-553-PLACED",
    table=TABLE,
    fields=("DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    message="A placement order is still in force (open E1 episode), but the decision to place for adoption has ended",
    dfe_code="553",
    severity=WARNING,
    protects=CEASED,
)
def dfe_553_placed(raw, ctx):
    open_e1 = episodes(ctx).filter((pl.col("LS") == "E1") & end_.is_null()).get_column("CHILD")
    return pl.col("CHILD").is_in(open_e1.unique().implode()) & any_set(
        "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"
    )


def _557(ctx) -> pl.DataFrame:
    """Episodes that left care other than by adoption after a placement for adoption or
    a placement order, with the child's decision rows that have not been ended (or none)."""

    def build():
        e = episodes(ctx)
        order = (
            pl.when(pl.col("ye") >= 2025)
            .then(pl.col("LS") == "E1")
            .otherwise(pl.col("LS").is_in(("D1", "E1")))
        )
        left = (
            ~pl.col("REC").is_in(ADOPTED).fill_null(False)
            & pl.col("REC").is_not_null()
            & (pl.col("REC") != "X1")
        )
        eps = e.filter((pl.col("PLACE").is_in(ADOPTION_PLACEMENTS) | order).fill_null(False) & left)
        pa = ctx.raw[TABLE].select(
            pa_row="row_id",
            CHILD="CHILD",
            incomplete=pl.col("DATE_PLACED_CEASED").is_null()
            | pl.col("REASON_PLACED_CEASED").is_null(),
        )
        joined = eps.select("CHILD", "row_id").join(pa, on="CHILD", how="left")
        return joined.filter(pl.col("pa_row").is_null() | pl.col("incomplete"))

    return ctx.shared("dfe_557", build)


_557_MESSAGE = (
    "The child left care other than by adoption after being placed for adoption or under a "
    "placement order, but the decision to place for adoption has not been recorded as ended"
)


@rule(
    code="DFE-557",
    table="episodes",
    fields=("PLACE", "LS", "REC"),
    message=_557_MESSAGE,
    dfe_code="557",
    severity=WARNING,
    protects=CEASED,
)
def dfe_557(raw, ctx):
    return _557(ctx).select("row_id").unique()


@rule(
    code="DFE-557-PLACED",
    table=TABLE,
    fields=("DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    message=f"{_557_MESSAGE} (the decision)",
    dfe_code="557",
    severity=WARNING,
    protects=CEASED,
)
def dfe_557_placed(raw, ctx):
    return _557(ctx).drop_nulls("pa_row").select(row_id="pa_row").unique()


@rule(
    code="DFE-558",
    table="episodes",
    fields=("REC",),
    message="The child was adopted, so the decision to place for adoption should not have been ended",
    dfe_code="558",
    severity=WARNING,
    protects=CEASED,
)
def dfe_558(raw, ctx):
    pa = (
        ctx.raw[TABLE]
        .group_by("CHILD")
        .agg(
            any_open=pl.col("DATE_PLACED_CEASED").is_null().any(),
            ceased=pl.col("DATE_PLACED_CEASED").is_not_null().sum(),
        )
    )
    bad = pa.filter(~pl.col("any_open") & (pl.col("ceased") > 1)).get_column("CHILD")
    return pl.col("REC").is_in(ADOPTED) & pl.col("CHILD").is_in(bad.implode())


def _ad1_pairs(ctx, key: str, condition: pl.Expr) -> pl.DataFrame:
    def build():
        ad1 = ctx.raw["ad1"].select(
            "CHILD", *AD1_ITEMS, ad1_row="row_id", date_int=date("DATE_INT")
        )
        joined = (
            decisions(ctx)
            .select("row_id", "CHILD", "placed", "ceased", "DATE_PLACED")
            .join(ad1, on="CHILD", how="inner")
        )
        return joined.filter(condition.fill_null(False)).select("row_id", "ad1_row")

    return ctx.shared(key, build)


def _with_ad1(code, dfe, fields, message, key, condition, protects):
    for table, column, suffix in ((TABLE, "row_id", ""), ("ad1", "ad1_row", "-AD1")):

        @rule(
            code=f"{code}{suffix}",
            table=table,
            fields=fields,
            message=message if not suffix else f"{message} (the AD1 row)",
            dfe_code=dfe,
            severity=WARNING,
            protects=protects,
        )
        def check(raw, ctx, column=column):
            return _ad1_pairs(ctx, key, condition).select(row_id=column).unique()


_with_ad1(
    "DFE-525",
    "525",
    ("DATE_PLACED_CEASED",),
    "The decision to place the child for adoption was reversed (ceased), but the child has adoption (AD1) information",
    "dfe_525",
    ceased_.is_not_null() & any_set(*AD1_ITEMS),
    "Adoption timeliness: either the reversal or the adoption record is wrong and the DfE "
    "cannot say which; both kept and listed.",
)
_with_ad1(
    "DFE-523",
    "523",
    ("DATE_PLACED",),
    "The date of the decision to place for adoption differs from the date adoption was found to be in the child's interest (AD1 DATE_INT)",
    "dfe_523",
    pl.col("DATE_PLACED").is_not_null()
    & pl.col("DATE_INT").is_not_null()
    & (placed_ != pl.col("date_int")).fill_null(True),
    "None: no figure reads the AD1 decision date; kept and listed.",
)


@rule(
    code="DFE-INT12",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in the placed-for-adoption table differs from the header",
    dfe_code="INT12",
    severity=WARNING,
    protects="None: adoption figures take ages from the header; kept and listed.",
)
def dfe_int12(raw, ctx):
    return dob_differs_from_header(ctx, raw)
