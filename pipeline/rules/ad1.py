"""AD1 (adoptions): match not before the decision, no future dates; the DfE rules on the
adoption record against the child's episodes and cohort.

The adoption indicators read the match date and whether the adopters were the foster
carers; an AD1 row whose match date is out of order, whose foster-carer flag contradicts
the placement, or which cannot exist (no adoption in the year, a child in the OC2 or OC3
cohort, a duplicate) is quarantined. Rules on the decision date (DATE_INT), which no figure
reads, and the episode side of every comparison only warn.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import (
    AD1_ITEMS,
    ADOPTED,
    ADOPTION_PLACEMENTS,
    OC3_ITEMS,
    any_set,
    cla12,
    dob_differs_from_header,
    duplicated_per_year,
    episodes,
    table_year,
)

TABLE = "ad1"
register_contract(TABLE)

MATCH = (
    "Adoption timeliness (placement order to match): the match date or the adopters' "
    "foster-carer flag would be wrong in the figure."
)
DECISION = "None: no figure reads the decision date (DATE_INT); kept and listed."
EPISODE_SIDE = (
    "None on the episode: the DfE blames it too, but the adoption row is the one at fault; kept."
)


@rule(
    code="AD01",
    table=TABLE,
    fields=("DATE_INT", "DATE_MATCH"),
    message="Matched with adopters before the decision that the child should be placed for adoption",
    protects=MATCH,
)
def ad01(raw, ctx):
    return date("DATE_MATCH") < date("DATE_INT")


@rule(
    code="AD02",
    table=TABLE,
    fields=("DATE_INT", "DATE_MATCH"),
    message="Adoption date after the extract date",
    protects="Adoption timeliness: a date after the extract is a typing error.",
)
def ad02(raw, ctx):
    return ctx.after_extract("DATE_INT", "DATE_MATCH")


def ad1(ctx) -> pl.DataFrame:
    return ctx.shared(
        "dfe_ad1",
        lambda: table_year(ctx, TABLE).with_columns(
            date_int=date("DATE_INT"), date_match=date("DATE_MATCH")
        ),
    )


def _pairs(
    ctx, key: str, eps_filter: pl.Expr, condition: pl.Expr, *, how: str = "inner"
) -> pl.DataFrame:
    """(AD1 row, episode row) pairs of a child meeting `condition`: `row_id`, `eps_row`."""

    def build():
        eps = (
            episodes(ctx)
            .filter(eps_filter)
            .select("CHILD", "decom", "dec", "PLACE", "REC", eps_row="row_id")
        )
        joined = ad1(ctx).join(eps, on="CHILD", how=how)
        return joined.filter(condition.fill_null(False)).select("row_id", "eps_row")

    return ctx.shared(key, build)


def _two_sided(code, dfe, fields, message, key, eps_filter, condition, *, severity, protects):
    @rule(
        code=code,
        table=TABLE,
        fields=fields,
        message=message,
        dfe_code=dfe,
        severity=severity,
        protects=protects,
    )
    def ad1_side(raw, ctx):
        return _pairs(ctx, key, eps_filter, condition).select("row_id").unique()

    @rule(
        code=f"{code}-EPISODES",
        table="episodes",
        fields=fields,
        message=f"{message} (the episode)",
        dfe_code=dfe,
        severity=WARNING,
        protects=EPISODE_SIDE,
    )
    def episode_side(raw, ctx):
        return _pairs(ctx, key, eps_filter, condition).select(row_id="eps_row").unique()


_two_sided(
    "DFE-331",
    "331",
    ("DATE_MATCH",),
    "The date the child was matched with adopters is after the start of the episode that ended in adoption",
    "dfe_331",
    pl.col("REC").is_in(ADOPTED),
    pl.col("date_match") > pl.col("decom"),
    severity="quarantine",
    protects=MATCH,
)
_two_sided(
    "DFE-521",
    "521",
    ("DATE_INT",),
    "The decision that the child should be placed for adoption is after the child was placed for adoption (A3-A6)",
    "dfe_521",
    pl.col("PLACE").is_in(ADOPTION_PLACEMENTS),
    pl.col("date_int") > pl.col("decom"),
    severity=WARNING,
    protects=DECISION,
)
_two_sided(
    "DFE-335",
    "335",
    ("FOSTER_CARE", "PLACE"),
    "Adopted by the foster carers (FOSTER_CARE) does not match the last placement "
    "(0 with A2/A3/A5, or 1 with A1/A4/A6)",
    "dfe_335",
    pl.col("REC").is_in(("E1", *ADOPTED)),
    (pl.col("PLACE").is_in(("A2", "A3", "A5")) & (pl.col("FOSTER_CARE") == "0"))
    | (pl.col("PLACE").is_in(("A1", "A4", "A6")) & (pl.col("FOSTER_CARE") == "1")),
    severity="quarantine",
    protects=MATCH,
)


def _334(ctx) -> pl.DataFrame:
    """The child's latest episode with RNE S against DATE_INT."""

    def build():
        starts = episodes(ctx).filter(pl.col("RNE") == "S")  # still in order
        last = (pl.col("CHILD") != pl.col("CHILD").shift(-1)).fill_null(True)
        latest_s = starts.filter(last).select("CHILD", "decom", eps_row="row_id")
        joined = ad1(ctx).join(latest_s, on="CHILD", how="inner")
        return joined.filter((pl.col("date_int") < pl.col("decom")).fill_null(False))

    return ctx.shared("dfe_334", build)


@rule(
    code="DFE-334",
    table=TABLE,
    fields=("DATE_INT",),
    message="The decision that the child should be placed for adoption is before the child's latest period of care started",
    dfe_code="334",
    severity=WARNING,
    protects=DECISION,
)
def dfe_334(raw, ctx):
    return _334(ctx).select("row_id")


@rule(
    code="DFE-334-EPISODES",
    table="episodes",
    fields=("DECOM",),
    message="The decision that the child should be placed for adoption is before the child's latest period of care started (the episode)",
    dfe_code="334",
    severity=WARNING,
    protects=EPISODE_SIDE,
)
def dfe_334_episodes(raw, ctx):
    return _334(ctx).select(row_id="eps_row")


@rule(
    code="DFE-333",
    table=TABLE,
    fields=("DATE_INT", "DATE_MATCH"),
    message="The match with adopters is dated, but the decision date is missing or after the match",
    dfe_code="333",
    protects=MATCH,
)
def dfe_333(raw, ctx):
    match, decision = date("DATE_MATCH"), date("DATE_INT")
    return match.is_not_null() & (decision.is_null() | (decision > match))


@rule(
    code="DFE-151",
    table=TABLE,
    fields=AD1_ITEMS,
    message="All the adoption items must be completed, or all left blank",
    dfe_code="151",
    severity=WARNING,
    protects="Adoption timeliness uses the items recorded; kept and listed.",
)
def dfe_151(raw, ctx):
    n = pl.sum_horizontal([pl.col(c).is_not_null().cast(pl.Int8) for c in AD1_ITEMS])
    return (n > 0) & (n < len(AD1_ITEMS))


def _adopted_in_year(ctx) -> pl.DataFrame:
    """Episodes ending in adoption (E11/E12) within their collection year (for an episode
    of a multi-year extract: by the reporting year's end, see `RuleContext.return_start`)."""
    e = episodes(ctx).with_columns(rstart=ctx.return_start(ctx.raw["episodes"]))
    after_start = pl.col("rstart").is_null() | (pl.col("dec") >= pl.col("rstart"))
    return e.filter(pl.col("REC").is_in(ADOPTED) & after_start & (pl.col("dec") <= pl.col("cend")))


@rule(
    code="DFE-602",
    table=TABLE,
    fields=AD1_ITEMS,
    message="Adoption information is recorded, but the child's episodes show no adoption during the year",
    dfe_code="602",
    protects="Adoption timeliness: an adoption record without an adoption cannot be right.",
)
def dfe_602(raw, ctx):
    """In the AD1 row's own collection year (by the reporting year's end for a row of a
    multi-year extract, which may record earlier years' adoptions)."""
    a = ad1(ctx).filter(any_set(*AD1_ITEMS)).with_columns(rstart=ctx.return_start(raw))
    ends = episodes(ctx).filter(pl.col("REC").is_in(ADOPTED)).select("CHILD", "dec")
    in_year = (pl.col("rstart").is_null() | (pl.col("dec") >= pl.col("rstart"))) & (
        pl.col("dec") <= pl.col("cend")
    )
    adopted = (
        a.select("row_id", "CHILD", "rstart", "cend")
        .join(ends, on="CHILD", how="inner")
        .filter(in_year.fill_null(False))
        .select("row_id")
    )
    return a.join(adopted, on="row_id", how="anti").select("row_id")


def _601(ctx) -> pl.DataFrame:
    def build():
        eps = _adopted_in_year(ctx).select("CHILD", eps_row="row_id")
        joined = ctx.raw[TABLE].select("row_id", "CHILD", *AD1_ITEMS).join(eps, on="CHILD")
        return joined.filter(pl.any_horizontal([pl.col(c).is_null() for c in AD1_ITEMS]))

    return ctx.shared("dfe_601", build)


@rule(
    code="DFE-601",
    table=TABLE,
    fields=AD1_ITEMS,
    message="The child was adopted during the year, but some adoption items are missing",
    dfe_code="601",
    severity=WARNING,
    protects="Adoption timeliness uses the items recorded; kept and listed.",
)
def dfe_601(raw, ctx):
    return _601(ctx).select("row_id").unique()


@rule(
    code="DFE-601-EPISODES",
    table="episodes",
    fields=("REC",),
    message="The child was adopted during the year, but some adoption items are missing (the episode)",
    dfe_code="601",
    severity=WARNING,
    protects=EPISODE_SIDE,
)
def dfe_601_episodes(raw, ctx):
    return _601(ctx).select(row_id="eps_row").unique()


@rule(
    code="DFE-582",
    table="episodes",
    fields=("REC", "DEC"),
    message="The child left care by adoption on the same day as being matched with adopters",
    dfe_code="582",
    severity=WARNING,
    protects="Adoption timeliness counts the dates as recorded; kept and listed.",
)
def dfe_582(raw, ctx):
    eps = episodes(ctx).filter(pl.col("REC").is_in(ADOPTED)).select("row_id", "CHILD", "dec")
    matches = ad1(ctx).select("CHILD", "date_match").drop_nulls()
    return (
        eps.join(matches, on="CHILD").filter(pl.col("dec") == pl.col("date_match")).select("row_id")
    )


@rule(
    code="DFE-134",
    table=TABLE,
    fields=AD1_ITEMS,
    message="Adoption information should not be recorded for a care leaver (a child with OC3 information)",
    dfe_code="134",
    protects="Adoption timeliness: a care leaver cannot have been adopted from care this year.",
)
def dfe_134(raw, ctx):
    leavers = ctx.raw["oc3"].filter(any_set(*OC3_ITEMS)).get_column("CHILD").unique()
    return any_set(*AD1_ITEMS) & pl.col("CHILD").is_in(leavers.implode())


@rule(
    code="DFE-187-AD1",
    table=TABLE,
    fields=AD1_ITEMS,
    message="Child looked after continuously for 12 months at 31 March cannot also have adoption information",
    dfe_code="187",
    protects="Adoption timeliness: a child still looked after for the whole year was not adopted in it.",
)
def dfe_187_ad1(raw, ctx):
    a = cla12(ctx, ad1(ctx))
    return a.filter(pl.col("is_cla12") & any_set(*AD1_ITEMS)).select("row_id")


@rule(
    code="DFE-INT31",
    table=TABLE,
    fields=("CHILD",),
    message="Child appears more than once in AD1 for the same year (every copy quarantined)",
    dfe_code="INT31",
    protects="Adoption timeliness: an adoption counted twice.",
)
def dfe_int31(raw, ctx):
    return duplicated_per_year(ctx, raw)


@rule(
    code="DFE-INT11",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in AD1 differs from the header",
    dfe_code="INT11",
    severity=WARNING,
    protects="None: adoption figures take ages from the header; kept and listed.",
)
def dfe_int11(raw, ctx):
    return dob_differs_from_header(ctx, raw)
