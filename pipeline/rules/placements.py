"""Episodes, DfE placement rules: temporary placements (T0-T4), codes invalid on their date,
placement providers required or forbidden by placement type, age and placement, legal
status durations.

A code that cannot be used on the episode's date or with the row's own other codes is
quarantined, as an invalid code is by the contract rules: the row would put a child under
a legal status, placement type or provider that cannot be right. Checks that depend on
another row or on the child's age only warn (the episode still places the child in care).
Rules whose lists changed between collection years take the row's own year.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.rules import WARNING, rule
from pipeline.rules.dfe import (
    ADOPTION_PLACEMENTS,
    FOSTER,
    TEMPORARY,
    episodes,
    plus_years,
    row_ids,
)

TABLE = "episodes"

place_, provider_, ls_, rne_, rec_ = (
    pl.col(c) for c in ("PLACE", "PLACE_PROVIDER", "LS", "RNE", "REC")
)
ye_ = pl.col("ye")
# placement types that take no placement provider: Z1 became Z11-Z14 in 2025-26
NO_PROVIDER_TO_2025 = (*TEMPORARY, "Z1")
NO_PROVIDER_FROM_2026 = (*TEMPORARY, "Z11", "Z12", "Z13", "Z14")
PROVIDERS = ("PR0", "PR1", "PR2", "PR3", "PR4", "PR5")

TEMPORARY_WARNING = (
    "Placement moves (3 or more placements): temporary placements are not counted as moves, "
    "so a temporary placement that is really a move hides one; kept and listed."
)
CODE_IN_CONTEXT = (
    "Children in care by legal status, placement type and provider: the row's codes cannot "
    "all be right, as with an invalid code."
)
AGE_PLACEMENT = (
    "Children in care by placement type: the placement is implausible for the child's age, "
    "but either the date of birth or the placement may be the wrong one, and the episode "
    "still places the child in care; kept and listed."
)


def _in_year_list(column: pl.Expr, to_2025: tuple[str, ...], from_2026: tuple[str, ...]) -> pl.Expr:
    return pl.when(ye_ >= 2026).then(column.is_in(from_2026)).otherwise(column.is_in(to_2025))


def _no_provider() -> pl.Expr:
    return _in_year_list(place_, NO_PROVIDER_TO_2025, NO_PROVIDER_FROM_2026)


# ---------------------------------------------------------------- temporary placements
@rule(
    code="DFE-380",
    table=TABLE,
    fields=("PLACE", "RNE"),
    message=(
        "A period of care cannot start with a temporary placement (T0-T4 needs a reason for "
        "new episode of P or B)"
    ),
    dfe_code="380",
    severity=WARNING,
    protects=TEMPORARY_WARNING,
)
def dfe_380(raw, ctx):
    return place_.is_in(TEMPORARY) & ~rne_.is_in(("P", "B")).fill_null(False)


@rule(
    code="DFE-381",
    table=TABLE,
    fields=("PLACE", "REC"),
    message="A period of care cannot end with a temporary placement (T0-T4 must end with X1)",
    dfe_code="381",
    severity=WARNING,
    protects=TEMPORARY_WARNING,
)
def dfe_381(raw, ctx):
    return place_.is_in(TEMPORARY) & rec_.is_not_null() & (rec_ != "X1")


@rule(
    code="DFE-383",
    table=TABLE,
    fields=("PLACE", "RNE", "PL_POST"),
    message=(
        "A child in a temporary placement must then return to their usual placement: the "
        "episode after a temporary placement is not the previous placement (rne_ P, same placement)"
    ),
    dfe_code="383",
    severity=WARNING,
    protects=TEMPORARY_WARNING,
)
def dfe_383(raw, ctx):
    """Blames the episode after the temporary one (the DfE's choice). From 2025-26 the
    placement postcode must match too."""
    e = episodes(ctx)

    def differs(now: pl.Expr, before: str) -> pl.Expr:
        # as the DfE validator: a blank never equals anything
        return (now != pl.col(before)).fill_null(True)

    not_back = (rne_ != "P").fill_null(True) | differs(place_, "prev2_PLACE")
    not_back = not_back | ((ye_ >= 2026) & differs(pl.col("PL_POST"), "prev2_PL_POST"))
    return row_ids(e, pl.col("has_prev2") & pl.col("prev_PLACE").is_in(TEMPORARY) & not_back)


def _too_long(code: str, dfe: str, place: str, days: int, message: str) -> None:
    @rule(
        code=code,
        table=TABLE,
        fields=("DECOM", "DEC", "PLACE"),
        message=message,
        dfe_code=dfe,
        severity=WARNING,
        protects=TEMPORARY_WARNING,
    )
    def check(raw, ctx):
        # as the DfE validator: only ended episodes of children in the header
        return row_ids(
            episodes(ctx),
            (place_ == place)
            & pl.col("dob").is_not_null()
            & (pl.col("dec") > pl.col("decom") + pl.duration(days=days)),
        )


_too_long(
    "DFE-375", "375", "T1", 42, "A temporary placement in hospital (T1) lasted more than six weeks"
)
_too_long(
    "DFE-376",
    "376",
    "T3",
    21,
    "A temporary placement while the usual foster carer is on holiday (T3) lasted more than three weeks",
)
_too_long(
    "DFE-379",
    "379",
    "T4",
    7,
    "A temporary placement for another reason (T4) lasted more than seven days",
)


@rule(
    code="DFE-377",
    table=TABLE,
    fields=("PLACE",),
    message=(
        "Only two temporary placements while the usual foster carer is on holiday (T3) are "
        "allowed in a year: this child has more"
    ),
    dfe_code="377",
    severity=WARNING,
    protects=TEMPORARY_WARNING,
)
def dfe_377(raw, ctx):
    t3 = raw.filter(place_ == "T3").group_by("CHILD").len().filter(pl.col("len") > 2)
    return (place_ == "T3") & pl.col("CHILD").is_in(t3.get_column("CHILD").implode())


# ---------------------------------------------------------------- codes invalid by date
@rule(
    code="DFE-445",
    table=TABLE,
    fields=("LS", "DECOM"),
    message="Legal status D1 (freeing order) is not valid for episodes starting after December 2005",
    dfe_code="445",
    protects=CODE_IN_CONTEXT,
)
def dfe_445(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, (ls_ == "D1") & (pl.col("decom") > pl.lit(dt.date(2005, 12, 31))))


@rule(
    code="DFE-446",
    table=TABLE,
    fields=("LS", "DECOM"),
    message="Legal status E1 (placement order) is not valid for episodes starting before December 2005",
    dfe_code="446",
    protects=CODE_IN_CONTEXT,
)
def dfe_446(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, (ls_ == "E1") & (pl.col("decom") < pl.lit(dt.date(2005, 12, 1))))


@rule(
    code="DFE-451",
    table=TABLE,
    fields=("LS", "DEC", "REC"),
    message="The child is still freed for adoption (open D1 episode), but freeing orders ended in December 2005",
    dfe_code="451",
    protects=CODE_IN_CONTEXT,
)
def dfe_451(raw, ctx):
    return (ls_ == "D1") & pl.col("DEC").is_null() & rec_.is_null()


@rule(
    code="DFE-217",
    table=TABLE,
    fields=("PLACE", "DECOM", "RNE"),
    message=(
        "A child placed for adoption with their current foster carers (A3 or A5) must have a "
        "reason for new episode of S, T or U"
    ),
    dfe_code="217",
    protects=CODE_IN_CONTEXT,
)
def dfe_217(raw, ctx):
    e = episodes(ctx)
    return row_ids(
        e,
        place_.is_in(("A3", "A5"))
        & (pl.col("decom") >= pl.lit(dt.date(2015, 4, 1)))
        & ~rne_.is_in(("S", "T", "U")).fill_null(False),
    )


@rule(
    code="DFE-217T",
    table=TABLE,
    fields=("PLACE", "DEC"),
    message="Placement type P2 (independent living) is not valid after 28 October 2023",
    dfe_code="217t",
    protects=CODE_IN_CONTEXT,
)
def dfe_217t(raw, ctx):
    """An open episode counts as running to its return's collection year end."""
    e = episodes(ctx)
    return row_ids(
        e, (place_ == "P2") & (pl.coalesce("dec", "cend") > pl.lit(dt.date(2023, 10, 28)))
    )


# ---------------------------------------------------------------- placement providers
@rule(
    code="DFE-178",
    table=TABLE,
    fields=("PLACE_PROVIDER", "PLACE"),
    message="Placement provider code is not valid (not PR0-PR5, or given for a placement type that takes none)",
    dfe_code="178",
    protects=CODE_IN_CONTEXT,
)
def dfe_178(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, provider_.is_not_null() & (~provider_.is_in(PROVIDERS) | _no_provider()))


@rule(
    code="DFE-213",
    table=TABLE,
    fields=("PLACE_PROVIDER", "PLACE"),
    message="Placement provider is not needed for a temporary placement (T0-T4)",
    dfe_code="213",
    protects=CODE_IN_CONTEXT,
)
def dfe_213(raw, ctx):
    e = episodes(ctx)
    no = _in_year_list(place_, TEMPORARY, NO_PROVIDER_FROM_2026)
    return row_ids(e, no & provider_.is_not_null())


@rule(
    code="DFE-526",
    table=TABLE,
    fields=("PLACE_PROVIDER", "PLACE"),
    message="Placement provider is missing for a placement type that needs one",
    dfe_code="526",
    protects=CODE_IN_CONTEXT,
)
def dfe_526(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, ~_no_provider().fill_null(False) & provider_.is_null())


def _provider_place(
    code: str, dfe: str, provider: str, places: tuple[str, ...], message: str, *, only: bool = False
) -> None:
    @rule(
        code=code,
        table=TABLE,
        fields=("PLACE_PROVIDER", "PLACE"),
        message=message,
        dfe_code=dfe,
        protects=CODE_IN_CONTEXT,
    )
    def check(raw, ctx):
        wrong = ~place_.is_in(places).fill_null(False) if only else place_.is_in(places)
        return (provider_ == provider) & wrong


_provider_place(
    "DFE-550",
    "550",
    "PR0",
    ("P1",),
    "Placement provider PR0 (parent) can only be used with placement type P1 (with parents)",
    only=True,
)
_provider_place(
    "DFE-527",
    "527",
    "PR1",
    ("P1", "R2", "R5"),
    "Placement provider PR1 (own provision) cannot be used with placement types P1, R2 or R5",
)
_provider_place(
    "DFE-528",
    "528",
    "PR2",
    ("P1", "R2", "R5"),
    "Placement provider PR2 (other local authority) cannot be used with placement types P1, R2 or R5",
)
_provider_place(
    "DFE-529",
    "529",
    "PR3",
    (*ADOPTION_PLACEMENTS, "K1", "K2", "P1", *FOSTER),
    "Placement provider PR3 (other public provision) cannot be used with placement types P1, "
    "A3-A6, K1, K2 or U1-U6",
)
_provider_place(
    "DFE-530",
    "530",
    "PR4",
    ("P1",),
    "Placement provider PR4 (private provision) cannot be used with placement type P1",
)
_provider_place(
    "DFE-531",
    "531",
    "PR5",
    ("P1",),
    "Placement provider PR5 (voluntary provision) cannot be used with placement type P1",
)


# ---------------------------------------------------------------- legal status and placement
@rule(
    code="DFE-378",
    table=TABLE,
    fields=("PLACE", "LS"),
    message=(
        "A child placed with parents (P1) cannot be looked after under a single period of "
        "accommodation under section 20 (V2)"
    ),
    dfe_code="378",
    protects=CODE_IN_CONTEXT,
)
def dfe_378(raw, ctx):
    return (place_ == "P1") & (ls_ == "V2")


@rule(
    code="DFE-408",
    table=TABLE,
    fields=("PLACE", "LS"),
    message="A child placed for adoption with a placement order (A5/A6) must have legal status E1 (placement order)",
    dfe_code="408",
    protects=CODE_IN_CONTEXT,
)
def dfe_408(raw, ctx):
    return place_.is_in(("A5", "A6")) & ~(ls_ == "E1").fill_null(False)


@rule(
    code="DFE-390",
    table=TABLE,
    fields=("REC", "PLACE"),
    message="Reason episode ceased is adopted (E11/E12), but the child was not placed for adoption (A3-A6)",
    dfe_code="390",
    protects=(
        "Adoptions and leavers by reason: an adoption from a placement that is not an "
        "adoptive one cannot be right, as with an invalid code."
    ),
)
def dfe_390(raw, ctx):
    return rec_.is_in(("E11", "E12")) & ~place_.is_in(ADOPTION_PLACEMENTS).fill_null(False)


@rule(
    code="DFE-336",
    table=TABLE,
    fields=("PLACE",),
    message=(
        "A child placed for adoption with consent (A3/A4) does not come from a foster or "
        "adoption placement"
    ),
    dfe_code="336",
    severity=WARNING,
    protects="Adoption timeliness: compares with the previous episode; kept and listed.",
)
def dfe_336(raw, ctx):
    e = episodes(ctx)
    before = pl.col("prev_PLACE").is_in((*ADOPTION_PLACEMENTS, *FOSTER)).fill_null(False)
    return row_ids(e, place_.is_in(("A3", "A4")) & ~pl.col("is_first") & ~before)


# ---------------------------------------------------------------- age and placement
def _age_place(code: str, dfe: str, message: str, place: pl.Expr, years: pl.Expr | int) -> None:
    @rule(
        code=code,
        table=TABLE,
        fields=("DECOM", "PLACE"),
        message=message,
        dfe_code=dfe,
        severity=WARNING,
        protects=AGE_PLACEMENT,
    )
    def check(raw, ctx):
        e = episodes(ctx)
        limit = (
            plus_years(pl.col("dob"), years)
            if isinstance(years, int)
            else pl.col("dob").dt.offset_by(pl.concat_str(years.cast(pl.String), pl.lit("y")))
        )
        # as the DfE validator: only ended episodes of children with a date of birth
        return row_ids(e, place & pl.col("dec").is_not_null() & (pl.col("decom") < limit))


_age_place(
    "DFE-372",
    "372",
    "A child in youth custody or prison (R5) should be at least 10",
    place_ == "R5",
    10,
)
_age_place(
    "DFE-373", "373", "A child placed in a school (S1) should be at least 4", place_ == "S1", 4
)
_age_place(
    "DFE-374",
    "374",
    "A child in residential employment (P3) should be at least 14",
    place_ == "P3",
    14,
)
_age_place(
    "DFE-370",
    "370",
    "A child in independent living (P2) should be at least 15 (16 from 2023-24)",
    place_ == "P2",
    pl.when(ye_ >= 2024).then(16).otherwise(15),
)
_age_place(
    "DFE-371",
    "371",
    "A child in semi-independent (H5) or supported accommodation (K3, from 2024-25) should be "
    "at least 14 (16 from 2023-24)",
    pl.when(ye_ >= 2025).then(place_ == "K3").otherwise(place_ == "H5"),
    pl.when(ye_ >= 2024).then(16).otherwise(14),
)


@rule(
    code="DFE-358",
    table=TABLE,
    fields=("LS", "DECOM"),
    message="A child with legal status J1, J2 or J3 (youth justice) should not be under 10",
    dfe_code="358",
    severity=WARNING,
    protects=(
        "Children in care by legal status: the age of criminal responsibility is 10; either "
        "the legal status or the date of birth is wrong; kept and listed."
    ),
)
def dfe_358(raw, ctx):
    return row_ids(episodes(ctx), _under_10_justice())


def _under_10_justice() -> pl.Expr:
    return ls_.is_in(("J1", "J2", "J3")) & (plus_years(pl.col("dob"), 10) >= pl.col("decom"))


@rule(
    code="DFE-358-HEADER",
    table="header",
    fields=("DOB",),
    message="A child with legal status J1, J2 or J3 (youth justice) should not be under 10 (the child's header row)",
    dfe_code="358",
    severity=WARNING,
    protects="The child's date of birth may be the wrong value; the header row is kept.",
)
def dfe_358_header(raw, ctx):
    children = episodes(ctx).filter(_under_10_justice().fill_null(False)).get_column("CHILD")
    return pl.col("CHILD").is_in(children.unique().implode())


# ---------------------------------------------------------------- legal status durations
def _block_too_long(
    code: str, dfe: str, status: str, days: int, message: str, *, summed: bool
) -> None:
    @rule(
        code=code,
        table=TABLE,
        fields=("LS", "DECOM", "DEC"),
        message=message,
        dfe_code=dfe,
        severity=WARNING,
        protects=(
            "Children in care by legal status: a short-term legal status that lasts too long "
            "is counted under its code; kept and listed."
        ),
    )
    def check(raw, ctx):
        end = pl.coalesce("dec", "cend")
        e = episodes(ctx).filter(ls_ == status).with_columns(end=end)
        if summed:
            # 363/364: a new block where an episode starts after the previous one (of this
            # status) ended; the episodes' lengths are summed
            new = pl.col("CHILD").ne_missing(pl.col("CHILD").shift(1)) | (
                pl.col("decom") > pl.col("end").shift(1)
            ).fill_null(False)
            length = (pl.col("end") - pl.col("decom")).dt.total_days().sum()
        else:
            # 361/362: consecutive episodes of this status, each starting the day the one
            # before ended, form a block; its length is last end - first start
            flows = (pl.col("end") == pl.col("next_decom")).fill_null(False)
            new = ~flows.shift(1).fill_null(False)
            length = (pl.col("end").max() - pl.col("decom").min()).dt.total_days()
        blocks = e.with_columns(block=new.cast(pl.Int32).cum_sum())
        too_long = blocks.with_columns(length=length.over("CHILD", "block"))
        return row_ids(too_long, pl.col("length") > days)


_block_too_long(
    "DFE-361",
    "361",
    "L1",
    3,
    "Police protection (L1) lasted longer than the 72 hours the Children Act 1989 allows",
    summed=False,
)
_block_too_long(
    "DFE-362",
    "362",
    "L2",
    21,
    "An emergency protection order (L2) lasted longer than 21 days",
    summed=False,
)
_block_too_long(
    "DFE-363",
    "363",
    "L3",
    7,
    "A child assessment order (L3) lasted longer than the 7 days the Children Act 1989 allows",
    summed=True,
)
_block_too_long(
    "DFE-364",
    "364",
    "J2",
    21,
    "Detention in local authority accommodation under PACE (J2) lasted longer than 21 days",
    summed=True,
)
