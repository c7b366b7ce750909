"""CIN census tables: contract rules, dates in order, codes valid for the collection year.

Codes are `CIN-<DfE rule number>` where the check is the DfE validation rule of that
number (CIN census 2023-24 / 2024-25 rules, as the open validator quotes them), and
`CIN-XT-*` for links between the tables, run in stages so each compares with clean rows:
an episode whose child was not clean (stage 2), a module whose episode was not clean
(stage 3), a review whose plan was not clean (stage 4) goes to the quarantine with it,
never lost silently.
Each module row carries its episode's CINreferralDate, so "referral before assessment"
and the like are checks within the row. Review *intervals* are not a validation rule
(no DfE rule checks them; a late review is real): they are measured by the CSC report.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLES = (
    "cin_children",
    "cin_episodes",
    "cin_assessments",
    "cin_plans",
    "cin_section47",
    "cin_cp_plans",
    "cin_cp_reviews",
)
for _t in TABLES:
    register_contract(_t)

FIRST_SEX_YEAR = 2025  # `Sex` (M/F/U) replaces `GenderCurrent` from the 2024-25 census
EPISODE_KEY = ("LAchildID", "CINreferralDate")


def _year_end() -> pl.Expr:
    """31 March of the row's census year (null when the year is unknown)."""
    y = pl.col("collection_year")
    return pl.date(y, 3, 31)


def _before(later: str, earlier: str) -> pl.Expr:
    """True where `later` is a date strictly before `earlier`."""
    return date(later) < date(earlier)


# ---------------------------------------------------------------- children
@rule(
    code="CIN-8525Q",
    table="cin_children",
    fields=("PersonBirthDate", "ExpectedPersonBirthDate"),
    message="Give exactly one of PersonBirthDate and ExpectedPersonBirthDate",
)
def cin_8525(raw, ctx):
    return pl.col("PersonBirthDate").is_null() == pl.col("ExpectedPersonBirthDate").is_null()


@rule(
    code="CIN-4180",
    table="cin_children",
    fields=("Sex", "GenderCurrent"),
    message="Sex (from 2024-25) or GenderCurrent (to 2023-24) must be given",
)
def cin_4180(raw, ctx):
    return pl.col("Sex").is_null() & pl.col("GenderCurrent").is_null()


@rule(
    code="CIN-YEAR-SEX",
    table="cin_children",
    fields=("Sex", "GenderCurrent", "Year"),
    message="Sex is collected from 2024-25 and GenderCurrent up to 2023-24: the code does not fit the census year",
)
def cin_year_sex(raw, ctx):
    y = pl.col("collection_year")
    return (pl.col("Sex").is_not_null() & (y < FIRST_SEX_YEAR)) | (
        pl.col("Sex").is_null() & pl.col("GenderCurrent").is_not_null() & (y >= FIRST_SEX_YEAR)
    )


@rule(
    code="CIN-8520",
    table="cin_children",
    fields=("PersonBirthDate",),
    message="PersonBirthDate after the extract date",
)
def cin_8520(raw, ctx):
    return ctx.after_extract("PersonBirthDate")


@rule(
    code="CIN-8790",
    table="cin_children",
    fields=("Disabilities",),
    message="Disability NONE given with other disability codes",
)
def cin_8790(raw, ctx):
    codes = pl.col("Disabilities").str.split(";").list.eval(pl.element().str.strip_chars())
    return codes.list.contains("NONE") & (codes.list.len() > 1)


# ---------------------------------------------------------------- episodes
@rule(
    code="CIN-8600",
    table="cin_episodes",
    fields=("CINreferralDate",),
    message="CINreferralDate after the census reference date (31 March) or the extract date",
)
def cin_8600(raw, ctx):
    return (date("CINreferralDate") > _year_end()) | ctx.after_extract("CINreferralDate")


@rule(
    code="CIN-8630",
    table="cin_episodes",
    fields=("CINreferralDate", "CINclosureDate"),
    message="CINclosureDate before CINreferralDate",
)
def cin_8630(raw, ctx):
    return _before("CINclosureDate", "CINreferralDate")


@rule(
    code="CIN-8620",
    table="cin_episodes",
    fields=("CINclosureDate",),
    message="CINclosureDate after the census reference date (31 March) or the extract date",
)
def cin_8620(raw, ctx):
    return (date("CINclosureDate") > _year_end()) | ctx.after_extract("CINclosureDate")


@rule(
    code="CIN-8805",
    table="cin_episodes",
    fields=("CINclosureDate", "ReasonForClosure"),
    message="CINclosureDate and ReasonForClosure must be given together",
)
def cin_8805(raw, ctx):
    return pl.col("CINclosureDate").is_null() != pl.col("ReasonForClosure").is_null()


@rule(
    code="CIN-8866",
    table="cin_episodes",
    fields=("ReferralSource", "CINreferralDate"),
    message="ReferralSource is required for referrals on or after 1 April 2013",
)
def cin_8866(raw, ctx):
    return pl.col("ReferralSource").is_null() & (date("CINreferralDate") >= pl.date(2013, 4, 1))


@rule(
    code="CIN-8610",
    table="cin_episodes",
    fields=("PrimaryNeedCode", "ReferralNFA"),
    message="PrimaryNeedCode is required for a referral that went to further action",
)
def cin_8610(raw, ctx):
    nfa = pl.col("ReferralNFA").str.to_lowercase().is_in(["true", "1"])
    return pl.col("PrimaryNeedCode").is_null() & ~nfa.fill_null(False)


@rule(
    code="CIN-8820",
    table="cin_episodes",
    fields=("LAchildID", "CINreferralDate", "CINclosureDate"),
    message="CIN episodes of a child overlap (the later-starting one is quarantined)",
)
def cin_8820(raw, ctx):
    df = raw.select(
        "row_id",
        "LAchildID",
        start=date("CINreferralDate"),
        end=date("CINclosureDate"),
    ).filter(pl.col("start").is_not_null())
    ordered = df.sort("LAchildID", "start", "row_id").with_columns(
        prev_end=pl.col("end").shift(1).over("LAchildID"),
        prev_start=pl.col("start").shift(1).over("LAchildID"),
        has_prev=pl.col("row_id").shift(1).over("LAchildID").is_not_null(),
    )
    # an open earlier episode runs on; the same referral date twice is a duplicate
    return ordered.filter(
        pl.col("has_prev")
        & (
            pl.col("prev_end").is_null()
            | (pl.col("prev_end") > pl.col("start"))
            | (pl.col("prev_start") == pl.col("start"))
        )
    ).select("row_id")


# ---------------------------------------------------------------- modules: dates in order
@rule(
    code="CIN-1103",
    table="cin_assessments",
    fields=("AssessmentActualStartDate", "CINreferralDate"),
    message="Assessment started before the referral (AssessmentActualStartDate before CINreferralDate)",
)
def cin_1103(raw, ctx):
    return _before("AssessmentActualStartDate", "CINreferralDate")


@rule(
    code="CIN-8608",
    table="cin_assessments",
    fields=("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    message="AssessmentAuthorisationDate before AssessmentActualStartDate",
)
def cin_8608(raw, ctx):
    return _before("AssessmentAuthorisationDate", "AssessmentActualStartDate")


@rule(
    code="CIN-8696",
    table="cin_assessments",
    fields=("AssessmentActualStartDate", "AssessmentAuthorisationDate"),
    message="Assessment date after the census reference date (31 March) or the extract date",
)
def cin_8696(raw, ctx):
    cols = ("AssessmentActualStartDate", "AssessmentAuthorisationDate")
    return pl.any_horizontal([date(c) > _year_end() for c in cols]) | ctx.after_extract(*cols)


@rule(
    code="CIN-8869",
    table="cin_assessments",
    fields=("AssessmentFactors",),
    message="Factor 21 (no factors identified) given with other factors",
)
def cin_8869(raw, ctx):
    codes = pl.col("AssessmentFactors").str.split(";").list.eval(pl.element().str.strip_chars())
    return codes.list.contains("21") & (codes.list.len() > 1)


@rule(
    code="CIN-4015",
    table="cin_plans",
    fields=("CINPlanStartDate", "CINreferralDate"),
    message="CIN plan started before the referral",
)
def cin_4015(raw, ctx):
    return _before("CINPlanStartDate", "CINreferralDate")


@rule(
    code="CIN-4011",
    table="cin_plans",
    fields=("CINPlanStartDate", "CINPlanEndDate"),
    message="CINPlanEndDate before CINPlanStartDate",
)
def cin_4011(raw, ctx):
    return _before("CINPlanEndDate", "CINPlanStartDate")


@rule(
    code="CIN-2889",
    table="cin_section47",
    fields=("S47ActualStartDate", "CINreferralDate"),
    message="Section 47 enquiry started before the referral",
)
def cin_2889(raw, ctx):
    return _before("S47ActualStartDate", "CINreferralDate")


@rule(
    code="CIN-8615",
    table="cin_section47",
    fields=("S47ActualStartDate", "DateOfInitialCPC"),
    message="Initial child protection conference before the section 47 enquiry started",
)
def cin_8615(raw, ctx):
    return _before("DateOfInitialCPC", "S47ActualStartDate")


@rule(
    code="CIN-8715",
    table="cin_section47",
    fields=("S47ActualStartDate", "DateOfInitialCPC"),
    message="Section 47 or ICPC date after the census reference date (31 March) or the extract date",
)
def cin_8715(raw, ctx):
    cols = ("S47ActualStartDate", "DateOfInitialCPC")
    return pl.any_horizontal([date(c) > _year_end() for c in cols]) | ctx.after_extract(*cols)


@rule(
    code="CIN-1105",
    table="cin_cp_plans",
    fields=("CPPstartDate", "CINreferralDate"),
    message="Child protection plan started before the referral",
)
def cin_1105(raw, ctx):
    return _before("CPPstartDate", "CINreferralDate")


@rule(
    code="CIN-8925",
    table="cin_cp_plans",
    fields=("CPPstartDate", "CPPendDate"),
    message="CPPendDate before CPPstartDate",
)
def cin_8925(raw, ctx):
    return _before("CPPendDate", "CPPstartDate")


@rule(
    code="CIN-8720",
    table="cin_cp_plans",
    fields=("CPPstartDate", "CPPendDate"),
    message="Child protection plan date after the census reference date (31 March) or the extract date",
)
def cin_8720(raw, ctx):
    cols = ("CPPstartDate", "CPPendDate")
    return pl.any_horizontal([date(c) > _year_end() for c in cols]) | ctx.after_extract(*cols)


@rule(
    code="CIN-8730",
    table="cin_cp_plans",
    fields=("NumberOfPreviousCPP",),
    message="NumberOfPreviousCPP must be a whole number from 0 to 99",
)
def cin_8730(raw, ctx):
    n = pl.col("NumberOfPreviousCPP").cast(pl.Int64, strict=False)
    return pl.col("NumberOfPreviousCPP").is_not_null() & ~n.is_between(0, 99).fill_null(False)


@rule(
    code="CIN-8841",
    table="cin_cp_reviews",
    fields=("CPPreviewDate", "CPPstartDate"),
    message="Child protection review on or before the day the plan started",
)
def cin_8841(raw, ctx):
    return date("CPPreviewDate") <= date("CPPstartDate")


@rule(
    code="CIN-CPR-DUP",
    table="cin_cp_reviews",
    fields=("LAchildID", "CPPstartDate", "CPPreviewDate"),
    message="The same review date twice for one plan (every copy quarantined: it would count twice)",
)
def cin_cpr_dup(raw, ctx):
    key = [
        pl.col("LAchildID"),
        date("CINreferralDate"),
        date("CPPstartDate"),
        date("CPPreviewDate"),
    ]
    return pl.struct(key).is_duplicated() & pl.col("CPPreviewDate").is_not_null()


@rule(
    code="CIN-CPR-EXTRACT",
    table="cin_cp_reviews",
    fields=("CPPreviewDate",),
    message="Child protection review dated after the extract date",
)
def cin_cpr_extract(raw, ctx):
    return ctx.after_extract("CPPreviewDate")


# ---------------------------------------------------------------- links (stage 2)
def _missing_parent(raw: pl.DataFrame, parent: pl.DataFrame, key: list[str], dates: list[str]):
    def keyed(df):
        return df.select(
            "row_id", *[(date(k) if k in dates else pl.col(k)).alias(f"_{k}") for k in key]
        )

    ours, theirs = keyed(raw), keyed(parent).drop("row_id").unique()
    return ours.join(theirs, on=[f"_{k}" for k in key], how="anti", nulls_equal=True).select(
        "row_id"
    )


@rule(
    code="CIN-XT-CHILD",
    table="cin_episodes",
    fields=("LAchildID",),
    message="Episode of a child with no clean ChildIdentifiers row (child missing or quarantined)",
    stage=2,
)
def cin_xt_child(raw, ctx):
    return _missing_parent(raw, ctx.clean("cin_children"), ["LAchildID"], [])


def _episode_link(table: str):
    @rule(
        code=f"CIN-XT-{table.removeprefix('cin_').upper()}",
        table=table,
        fields=EPISODE_KEY,
        message="Module of an episode (LAchildID + CINreferralDate) that has no clean CINdetails row",
        stage=3,
    )
    def check(raw, ctx):
        return _missing_parent(
            raw, ctx.clean("cin_episodes"), list(EPISODE_KEY), ["CINreferralDate"]
        )

    return check


for _t in ("cin_assessments", "cin_plans", "cin_section47", "cin_cp_plans"):
    _episode_link(_t)


@rule(
    code="CIN-XT-REVIEW",
    table="cin_cp_reviews",
    fields=("LAchildID", "CINreferralDate", "CPPstartDate"),
    message="Review of a child protection plan that has no clean ChildProtectionPlans row",
    stage=4,
)
def cin_xt_review(raw, ctx):
    key = ["LAchildID", "CINreferralDate", "CPPstartDate"]
    return _missing_parent(raw, ctx.clean("cin_cp_plans"), key, key[1:])
