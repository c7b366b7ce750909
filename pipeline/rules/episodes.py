"""Episodes: dates in order, not in the future, no overlaps; the DfE rules on the order of
episodes and periods of care (RNE/REC consistency, continuity, episodes after death or 18,
the collection year) and on reasons for leaving care by age.

Placement rules (temporary placements, codes by date, providers, age and placement) are in
`pipeline.rules.placements`. Episodes are the spine of every count, so a DfE rule that
compares an episode with its neighbours only warns: removing an episode from the middle of
a period of care would split it into a false leave and a false start. An episode is
quarantined when it is wrong in itself (EP01-EP03, DFE-142, DFE-353, DFE-501).
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.rules import WARNING, date, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import (
    CEASED_CARE,
    FOSTER,
    PLACEMENT_FIELDS,
    episode_dates,
    episodes,
    plus_years,
    row_ids,
)

TABLE = "episodes"
register_contract(TABLE)

SEQUENCE = (
    "Periods of care, starts and leavers: kept, because removing an episode would split its "
    "period of care into a false leave and a false start; listed for the operator to correct."
)
LEAVING_AGE = (
    "Leavers by reason: the reason is implausible for the child's age, but the episode still "
    "places the child in care, so it is kept and listed."
)


@rule(
    code="EP01",
    table=TABLE,
    fields=("DECOM", "DEC"),
    message="Episode ends before it starts (DEC before DECOM)",
    dfe_code="356",
    protects="Every count of children in care: an episode cannot end before it starts.",
)
def ep01(raw, ctx):
    return date("DEC") < date("DECOM")


@rule(
    code="EP02",
    table=TABLE,
    fields=("DECOM", "DEC"),
    message="Episode date after the extract date",
    protects="Every count: a date after the extract is a typing error.",
)
def ep02(raw, ctx):
    return ctx.after_extract("DECOM", "DEC")


@rule(
    code="EP03",
    table=TABLE,
    fields=("CHILD", "DECOM", "DEC"),
    message="Episode starts before the child's previous episode ends (overlap; the later episode is quarantined)",
    stage=2,
    protects=(
        "Children in care at each month end and periods of care: overlapping episodes would "
        "count a child twice. Stricter than DfE 501 (compares with every earlier episode, not "
        "only the previous one); open episodes followed by another are DfE 142's."
    ),
)
def ep03(raw, ctx):
    """Sorted by child and start: overlap if the start is before the latest end so far.

    Compared among episodes that passed the earlier rules (DfE 142 has already quarantined
    an open episode followed by another, the row the DfE blames); an open episode runs to
    the extract date. Linear after the sort (no self-join), so it scales to national files.
    """
    far = pl.lit(ctx.extract_date) + pl.duration(days=1)
    eps = (
        ctx.clean(TABLE)
        .select("row_id", "CHILD", start=date("DECOM"), end=pl.coalesce(date("DEC"), far))
        .drop_nulls(["CHILD", "start"])
        .sort("CHILD", "start", "end", "row_id")
    )
    latest_end_before = pl.col("end").cum_max().shift(1).over("CHILD")
    return eps.filter(pl.col("start") < latest_end_before)


# ---------------------------------------------------------------- DfE: open and ended episodes
@rule(
    code="DFE-142",
    table=TABLE,
    fields=("DEC", "REC"),
    message="A new episode has started, but the previous episode has no end date",
    dfe_code="142",
    protects=(
        "Children in care and periods of care: an open episode followed by another would keep "
        "the child in care twice over and never end the period. The DfE blames the open "
        "(earlier) episode, so that is the one quarantined."
    ),
)
def dfe_142(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, ~pl.col("is_last") & pl.col("dec").is_null())


@rule(
    code="DFE-142-REC",
    table=TABLE,
    fields=("DEC", "REC"),
    message="A new episode has started, but the previous episode has no reason for ending",
    dfe_code="142",
    severity=WARNING,
    protects="Leavers by reason: the episode has an end date, so the child's care is right; kept.",
)
def dfe_142_rec(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, ~pl.col("is_last") & pl.col("dec").is_not_null() & pl.col("REC").is_null())


@rule(
    code="DFE-148",
    table=TABLE,
    fields=("DEC", "REC"),
    message="Date episode ceased and reason episode ceased must both be given, or both left blank",
    dfe_code="148",
    severity=WARNING,
    protects=(
        "Leavers by reason: an end date without a reason counts as a leaver of unknown reason; "
        "a reason without an end date leaves the child in care. Kept: the dates are the best we have."
    ),
)
def dfe_148(raw, ctx):
    return pl.col("DEC").is_null() != pl.col("REC").is_null()


@rule(
    code="DFE-354",
    table=TABLE,
    fields=("DECOM",),
    message="Episode starts after the end of the collection year",
    dfe_code="354",
    severity=WARNING,
    protects=(
        "Figures of the reporting year: an episode starting after 31 March is outside them. "
        "Kept, because an extract (rather than a return) legitimately runs to its extract date."
    ),
)
def dfe_354(raw, ctx):
    return row_ids(episode_dates(ctx), pl.col("decom") > pl.col("cend"))


@rule(
    code="DFE-385",
    table=TABLE,
    fields=("DEC",),
    message="Episode ends after the end of the collection year",
    dfe_code="385",
    severity=WARNING,
    protects=(
        "Leavers in the year and children in care at 31 March: an end after the year end "
        "counts the child as still in care at 31 March, which is right if the date is; kept."
    ),
)
def dfe_385(raw, ctx):
    return row_ids(episode_dates(ctx), pl.col("dec") > pl.col("cend"))


@rule(
    code="DFE-355",
    table=TABLE,
    fields=("DECOM", "DEC"),
    message="Episode appears to have lasted less than 24 hours (starts and ends on the same day)",
    dfe_code="355",
    severity=WARNING,
    protects="Starts and leavers: a same-day episode counts once in each; kept and listed.",
)
def dfe_355(raw, ctx):
    return row_ids(episode_dates(ctx), pl.col("decom") == pl.col("dec"))


@rule(
    code="DFE-353",
    table=TABLE,
    fields=("DECOM",),
    message="No episode can start before 14 October 1991 (the Children Act 1989 came into force)",
    dfe_code="353",
    protects="Periods of care and time in care: the start date is impossible.",
)
def dfe_353(raw, ctx):
    return row_ids(episode_dates(ctx), pl.col("decom") < pl.lit(dt.date(1991, 10, 14)))


# ---------------------------------------------------------------- DfE: order of episodes
@rule(
    code="DFE-357",
    table=TABLE,
    fields=("RNE",),
    message=(
        "The child's first episode starts in the year but its reason for new episode is not S "
        "(started to be looked after): an earlier episode may be missing"
    ),
    dfe_code="357",
    severity=WARNING,
    protects=SEQUENCE,
)
def dfe_357(raw, ctx):
    e = episodes(ctx)
    return row_ids(
        e,
        pl.col("is_first")
        & (pl.col("decom") >= pl.col("cstart"))
        & (pl.col("RNE").fill_null("") != "S"),
    )


@rule(
    code="DFE-388",
    table=TABLE,
    fields=("REC",),
    message=(
        "Reason episode ceased does not fit the next episode: X1 (new episode) needs an episode "
        "starting the same day; any other reason must not be followed by one starting that day"
    ),
    dfe_code="388",
    severity=WARNING,
    protects=(
        "Leavers and periods of care: an X1 ending with no next episode counts the child as a "
        "leaver (removing it would only move the leave earlier); an ending followed the same day "
        "hides a leave. Kept and listed: the missing or extra episode must be fixed at source."
    ),
)
def dfe_388(raw, ctx):
    e = episodes(ctx)
    has_next = pl.col("next_decom").is_not_null()
    ended = pl.col("dec").is_not_null()
    x1 = pl.col("REC") == "X1"
    case1 = has_next & ended & x1 & (pl.col("dec") != pl.col("next_decom"))
    case2 = (
        has_next
        & ended
        & pl.col("REC").is_not_null()
        & ~x1
        & (pl.col("dec") == pl.col("next_decom"))
    )
    case3 = pl.col("is_last") & ended & x1
    return row_ids(e, case1 | case2 | case3)


@rule(
    code="DFE-431",
    table=TABLE,
    fields=("RNE", "DECOM"),
    message=(
        "Reason for new episode is S (started to be looked after), but the previous episode "
        "ended on or after the day this one starts"
    ),
    dfe_code="431",
    severity=WARNING,
    protects=SEQUENCE,
)
def dfe_431(raw, ctx):
    e = episodes(ctx)
    return row_ids(
        e, ~pl.col("is_first") & (pl.col("RNE") == "S") & (pl.col("decom") <= pl.col("prev_dec"))
    )


@rule(
    code="DFE-432",
    table=TABLE,
    fields=("RNE",),
    message=(
        "The child ceased to be looked after at the end of the previous episode, but the reason "
        "for this episode is not S (started to be looked after)"
    ),
    dfe_code="432",
    severity=WARNING,
    protects=SEQUENCE,
)
def dfe_432(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, pl.col("prev_REC").is_in(CEASED_CARE) & (pl.col("RNE").fill_null("") != "S"))


@rule(
    code="DFE-433",
    table=TABLE,
    fields=("RNE", "DECOM"),
    message=(
        "The reason for new episode says it continues the previous one, but it does not start "
        "on the day the previous episode ended"
    ),
    dfe_code="433",
    severity=WARNING,
    protects=SEQUENCE,
)
def dfe_433(raw, ctx):
    e = episodes(ctx)
    return row_ids(
        e,
        ~pl.col("is_first")
        & pl.col("RNE").is_in(("P", "L", "T", "U", "B"))
        & (pl.col("prev_dec").is_null() | (pl.col("prev_dec") != pl.col("decom"))),
    )


def _same(field: str, *, nulls_equal: bool) -> pl.Expr:
    now, before = pl.col(field), pl.col(f"prev_{field}")
    if nulls_equal:
        return now.fill_null("") == before.fill_null("")
    return (now == before).fill_null(False)


PLACEMENT_CHANGE = (
    "Placement moves (3 or more placements): a reason for new episode that does not match "
    "what changed is counted by its code; kept, since removing the episode would break its period."
)


@rule(
    code="DFE-434",
    table=TABLE,
    fields=("RNE", "LS", *PLACEMENT_FIELDS),
    message=(
        "Reason for new episode is L (legal status changed, placement did not), but the legal "
        "status is unchanged or the placement changed"
    ),
    dfe_code="434",
    severity=WARNING,
    protects=PLACEMENT_CHANGE,
)
def dfe_434(raw, ctx):
    e = episodes(ctx)
    moved = ~pl.all_horizontal([_same(f, nulls_equal=True) for f in PLACEMENT_FIELDS])
    return row_ids(
        e, ~pl.col("is_first") & (pl.col("RNE") == "L") & (_same("LS", nulls_equal=False) | moved)
    )


@rule(
    code="DFE-435",
    table=TABLE,
    fields=("RNE", "LS", *PLACEMENT_FIELDS),
    message=(
        "Reason for new episode is P or T (placement changed, legal status did not), but the "
        "legal status changed or the placement did not"
    ),
    dfe_code="435",
    severity=WARNING,
    protects=PLACEMENT_CHANGE,
)
def dfe_435(raw, ctx):
    e = episodes(ctx)
    # the DfE validator compares these as given: a blank never equals a blank
    unmoved = pl.all_horizontal([_same(f, nulls_equal=False) for f in PLACEMENT_FIELDS])
    return row_ids(
        e,
        ~pl.col("is_first")
        & pl.col("RNE").is_in(("P", "T"))
        & (~_same("LS", nulls_equal=False) | unmoved),
    )


@rule(
    code="DFE-436",
    table=TABLE,
    fields=("RNE", "LS", *PLACEMENT_FIELDS),
    message=(
        "Reason for new episode is U or B (placement and legal status both changed), but the "
        "legal status or the placement is unchanged"
    ),
    dfe_code="436",
    severity=WARNING,
    protects=PLACEMENT_CHANGE,
)
def dfe_436(raw, ctx):
    e = episodes(ctx)
    unmoved = pl.all_horizontal([_same(f, nulls_equal=True) for f in PLACEMENT_FIELDS])
    return row_ids(
        e,
        ~pl.col("is_first")
        & pl.col("RNE").is_in(("U", "B"))
        & (_same("LS", nulls_equal=True) | unmoved),
    )


@rule(
    code="DFE-437",
    table=TABLE,
    fields=("REC",),
    message=(
        "Reason episode ceased is that the child died (E2) or was found to be 18 or over (E15), "
        "but the child has later episodes"
    ),
    dfe_code="437",
    severity=WARNING,
    protects=SEQUENCE,
)
def dfe_437(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, pl.col("REC").is_in(("E2", "E15")) & ~pl.col("is_last"))


@rule(
    code="DFE-501",
    table=TABLE,
    fields=("DECOM", "DEC"),
    message="A new episode starts before the previous episode ends",
    dfe_code="501",
    protects=(
        "Children in care at each month end and periods of care: overlapping episodes would "
        "count the child twice. The DfE blames the later episode."
    ),
)
def dfe_501(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, pl.col("decom") < pl.col("prev_dec"))


@rule(
    code="DFE-504",
    table=TABLE,
    fields=("CIN",),
    message="The category of need differs from the one at the start of the period of care",
    dfe_code="504",
    severity=WARNING,
    protects="Children in care by category of need: counted under the recorded code; kept.",
)
def dfe_504(raw, ctx):
    e = episodes(ctx)
    cont = (pl.col("prev_REC") == "X1") & (pl.col("prev_dec") == pl.col("decom"))
    return row_ids(e, cont & (pl.col("CIN") != pl.col("prev_CIN")))


# ---------------------------------------------------------------- DfE: ages and reasons for leaving
@rule(
    code="DFE-302",
    table=TABLE,
    fields=("DECOM", "DOB"),
    message="The child's first episode starts before the child was born",
    dfe_code="302",
    protects="Ages and time in care: an episode cannot start before birth (see also XT02).",
)
def dfe_302(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, pl.col("is_first") & (pl.col("dob") > pl.col("decom")))


@rule(
    code="DFE-352",
    table=TABLE,
    fields=("DECOM", "RNE"),
    message="Child who started to be looked after was aged 18 or over",
    dfe_code="352",
    severity=WARNING,
    protects=(
        "Starts and children in care: the date of birth or the start is wrong; kept, because "
        "either may be the wrong one and removing the episode drops a child from every count."
    ),
)
def dfe_352(raw, ctx):
    e = episodes(ctx)
    return row_ids(e, (pl.col("RNE") == "S") & (plus_years(pl.col("dob"), 18) <= pl.col("decom")))


@rule(
    code="DFE-359",
    table=TABLE,
    fields=("DEC", "LS", "PLACE"),
    message=(
        "Child still looked after after their 18th birthday must be accommodated under section "
        "20(5) (legal status V2) in a children's home (K2)"
    ),
    dfe_code="359",
    severity=WARNING,
    protects="Children in care at 31 March by age: an open episode past 18; kept and listed.",
)
def dfe_359(raw, ctx):
    e = episodes(ctx)
    return row_ids(
        e,
        (plus_years(pl.col("dob"), 18) < pl.col("cend"))
        & pl.col("dec").is_null()
        & ~((pl.col("LS") == "V2") & (pl.col("PLACE") == "K2")).fill_null(False),
    )


def _reason_age(code: str, dfe: str, message: str, condition: pl.Expr) -> None:
    @rule(
        code=code,
        table=TABLE,
        fields=("REC", "DEC"),
        message=message,
        dfe_code=dfe,
        severity=WARNING,
        protects=LEAVING_AGE,
    )
    def check(raw, ctx):
        return row_ids(episodes(ctx), condition)


_dob, _dec, _rec = pl.col("dob"), pl.col("dec"), pl.col("REC")
_reason_age(
    "DFE-386",
    "386",
    "Reason episode ceased is adopted (E11/E12), but the child had reached 18",
    _rec.is_in(("E11", "E12")) & (_dec >= plus_years(_dob, 18)),
)
_reason_age(
    "DFE-407",
    "407",
    "Reason episode ceased is a special guardianship order (E45-E48), but the child was over 18",
    _rec.is_in(("E45", "E46", "E47", "E48")) & (plus_years(_dob, 18) < _dec),
)
_reason_age(
    "DFE-460",
    "460",
    "Reason episode ceased is staying with current carers at 18 or over (E17), but the child was under 18",
    (_rec == "E17") & (plus_years(_dob, 18) > _dec),
)
_reason_age(
    "DFE-387",
    "387",
    "Reason episode ceased is a move into independent living (E5/E6), but the child was under 14",
    _rec.is_in(("E5", "E6")) & _dec.is_not_null() & (plus_years(_dob, 14) > _dec),
)
_reason_age(
    "DFE-389",
    "389",
    "Reason episode ceased is transfer to adult social care (E7), but the child was under 16",
    # as the DfE validator: flagged unless the child is shown to be 16 or over on DEC
    (_rec == "E7") & ~(plus_years(_dob, 16) <= _dec).fill_null(False),
)


@rule(
    code="DFE-516",
    table=TABLE,
    fields=("REC", "PLACE"),
    message=(
        "Reason episode ceased is a special guardianship order to former foster carers "
        "(E45/E46), but the placement is not a foster placement (U1-U6)"
    ),
    dfe_code="516",
    severity=WARNING,
    protects="Leavers to special guardianship: counted under the recorded reason; kept.",
)
def dfe_516(raw, ctx):
    return pl.col("REC").is_in(("E45", "E46")) & ~pl.col("PLACE").is_in(FOSTER).fill_null(False)


@rule(
    code="DFE-407-HEADER",
    table="header",
    fields=("DOB",),
    message=(
        "Reason episode ceased is a special guardianship order (E45-E48), but the child was "
        "over 18 (the child's header row)"
    ),
    dfe_code="407",
    severity=WARNING,
    protects="The child's date of birth may be the wrong value; the header row is kept.",
)
def dfe_407_header(raw, ctx):
    sgo = _rec.is_in(("E45", "E46", "E47", "E48")) & (plus_years(_dob, 18) < _dec)
    children = episodes(ctx).filter(sgo.fill_null(False)).get_column("CHILD").unique()
    return pl.col("CHILD").is_in(children.implode())
