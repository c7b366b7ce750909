"""Clean CIN census, visits-extract and Annex A rows -> typed core_ tables (one row each).

Called by `pipeline.validate.build_core`; each table here has exactly one row per clean
raw row (`CSC_CORE_SOURCE`), so the row accounting of validation covers them too.
Flags: CIN `true`/`false`/`1`/`0`, SSD `Y`/`N`/`1`/`0`, Annex A `Yes`/`No`(/`Unknown` = null).
Sex: the 2024-25 `Sex` (M/F/U) if given, else `GenderCurrent` 1 -> M, 2 -> F, 0/9 -> U.
"""

from __future__ import annotations

import polars as pl

from pipeline.core.schemas import conform

CSC_CORE_SOURCE = {
    "core_cin_children": "cin_children",
    "core_cin_episodes": "cin_episodes",
    "core_cin_assessments": "cin_assessments",
    "core_cin_plans": "cin_plans",
    "core_cin_section47": "cin_section47",
    "core_cp_plans": "cin_cp_plans",
    "core_cp_reviews": "cin_cp_reviews",
    "core_cp_visits": "ssd_cp_visits",
    "core_cla_visits": "ssd_cla_visits",
    "core_aa_contacts": "aa_contacts",
    "core_aa_early_help": "aa_early_help",
    "core_aa_referrals": "aa_referrals",
    "core_aa_assessments": "aa_assessments",
    "core_aa_section47": "aa_section47",
    "core_aa_child_protection": "aa_child_protection",
    "core_aa_children_in_care": "aa_children_in_care",
    "core_aa_care_leavers": "aa_care_leavers",
}

_TRUE = ["true", "1", "y", "yes"]
_FALSE = ["false", "0", "n", "no"]


def flag(col: str) -> pl.Expr:
    """A yes/no cell of any of the inputs' spellings -> Boolean (unknown or blank -> null)."""
    v = pl.col(col).str.to_lowercase()
    return pl.when(v.is_in(_TRUE)).then(True).when(v.is_in(_FALSE)).then(False).otherwise(None)


def _year(df: pl.DataFrame) -> pl.Expr:
    if "collection_year" in df.columns:
        return pl.col("collection_year").cast(pl.Int64)
    return pl.col("Year").cast(pl.Int64, strict=False)


SELECTS = {
    "core_cin_episodes": lambda df: {
        "child_id": pl.col("LAchildID"),
        "referral_date": pl.col("CINreferralDate"),
        "referral_source_code": pl.col("ReferralSource"),
        "primary_need_code": pl.col("PrimaryNeedCode"),
        "closure_date": pl.col("CINclosureDate"),
        "closure_reason_code": pl.col("ReasonForClosure"),
        "icpc_date": pl.col("DateOfInitialCPC"),
        "is_referral_nfa": flag("ReferralNFA"),
        "collection_year": _year(df),
    },
    "core_cin_assessments": lambda df: {
        "child_id": pl.col("LAchildID"),
        "referral_date": pl.col("CINreferralDate"),
        "assessment_start_date": pl.col("AssessmentActualStartDate"),
        "assessment_authorised_date": pl.col("AssessmentAuthorisationDate"),
        "factor_codes": pl.col("AssessmentFactors"),
    },
    "core_cin_plans": lambda df: {
        "child_id": pl.col("LAchildID"),
        "referral_date": pl.col("CINreferralDate"),
        "plan_start_date": pl.col("CINPlanStartDate"),
        "plan_end_date": pl.col("CINPlanEndDate"),
    },
    "core_cin_section47": lambda df: {
        "child_id": pl.col("LAchildID"),
        "referral_date": pl.col("CINreferralDate"),
        "s47_start_date": pl.col("S47ActualStartDate"),
        "icpc_target_date": pl.col("InitialCPCtarget"),
        "icpc_date": pl.col("DateOfInitialCPC"),
        "is_icpc_not_required": flag("ICPCnotRequired"),
    },
    "core_cp_plans": lambda df: {
        "child_id": pl.col("LAchildID"),
        "referral_date": pl.col("CINreferralDate"),
        "plan_start_date": pl.col("CPPstartDate"),
        "plan_end_date": pl.col("CPPendDate"),
        "initial_category_code": pl.col("InitialCategoryOfAbuse"),
        "latest_category_code": pl.col("LatestCategoryOfAbuse"),
        "previous_plans_count": pl.col("NumberOfPreviousCPP"),
    },
    "core_cp_reviews": lambda df: {
        "child_id": pl.col("LAchildID"),
        "referral_date": pl.col("CINreferralDate"),
        "plan_start_date": pl.col("CPPstartDate"),
        "review_date": pl.col("CPPreviewDate"),
    },
    "core_cp_visits": lambda df: {
        "visit_id": pl.col("cppv_cp_visit_id"),
        "child_id": pl.col("cppv_person_id"),
        "plan_id": pl.col("cppv_cp_plan_id"),
        "visit_date": pl.col("cppv_cp_visit_date"),
        "is_seen": flag("cppv_cp_visit_seen"),
        "is_seen_alone": flag("cppv_cp_visit_seen_alone"),
    },
    "core_cla_visits": lambda df: {
        "visit_id": pl.col("clav_cla_visit_id"),
        "child_id": pl.col("clav_person_id"),
        "care_id": pl.col("clav_cla_id"),
        "visit_date": pl.col("clav_cla_visit_date"),
        "is_seen": flag("clav_cla_visit_seen"),
        "is_seen_alone": flag("clav_cla_visit_seen_alone"),
    },
    "core_aa_contacts": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "contact_date": pl.col("Date of Contact"),
        "contact_source_code": pl.col("Contact Source"),
        "decision_date": pl.col("Date of Decision"),
    },
    "core_aa_early_help": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "assessment_start_date": pl.col("Assessment start date"),
        "assessment_completed_date": pl.col("Assessment completion date"),
        "organisation": pl.col("Organisation completing assessment"),
    },
    "core_aa_referrals": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "referral_date": pl.col("Date of referral"),
        "referral_source_code": pl.col("Referral Source"),
        "is_referral_nfa": flag("Referral NFA"),
        "referrals_12m_count": pl.col("Number of Referrals in Last 12 Months"),
    },
    "core_aa_assessments": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "assessment_start_date": pl.col("Continuous Assessment Start Date"),
        "assessment_authorised_date": pl.col("Continuous Assessment Date of Authorisation"),
        "is_child_seen": flag("Child Seen During Continuous Assessment"),
        "is_support_required": flag(
            "Was the child assessed as requiring LA childrens social care support"
        ),
    },
    "core_aa_section47": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "s47_start_date": pl.col("Strategy discussion initiating Section 47 Enquiry Start Date"),
        "is_icpc_not_required": flag(
            "Was an Initial Child Protection Conference deemed unnecessary"
        ),
        "icpc_date": pl.col("Date of Initial Child Protection Conference"),
        "is_plan_from_icpc": flag(
            "Did the Initial Child Protection Conference Result in a Child Protection Plan"
        ),
    },
    "core_aa_child_protection": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "plan_start_date": pl.col("Child Protection Plan Start Date"),
        "plan_end_date": pl.col("Child Protection Plan End Date"),
        "initial_category": pl.col("Initial Category of Abuse"),
        "latest_category": pl.col("Latest Category of Abuse"),
        "last_visit_date": pl.col("Date of the Last Statutory Visit"),
        "latest_review_date": pl.col("Date of latest review conference"),
        "previous_plans_count": pl.col("Number of Previous Child Protection Plans"),
    },
    "core_aa_children_in_care": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "is_uasc": flag("Unaccompanied Asylum Seeking Child UASC within the Last 12 Months YN"),
        "period_start_date": pl.col("Date Started to be Looked After"),
        "last_health_assessment_date": pl.col("Date of Last Health Assessment"),
        "last_dental_check_date": pl.col("Date of Last Dental Check"),
        "period_end_date": pl.col("Date Ceased to be Looked After"),
        "reason_ceased_code": pl.col("Reason Ceased to be Looked After"),
    },
    "core_aa_care_leavers": lambda df: {
        "child_id": pl.col("Child Unique ID"),
        "birth_date": pl.col("Date of Birth"),
        "eligibility": pl.col("Eligibility Category"),
        "latest_contact_date": pl.col("Latest Date of Contact"),
        "accommodation_code": pl.col("Type of Accommodation"),
        "is_accommodation_suitable": pl.col("Suitability of Accommodation").str.to_uppercase()
        == "SUITABLE",
        "activity_code": pl.col("Activity Status"),
    },
}


def cin_children(df: pl.DataFrame) -> pl.DataFrame:
    gender = pl.col("GenderCurrent").replace_strict(
        {"1": "M", "2": "F", "0": "U", "9": "U"}, default=None, return_dtype=pl.String
    )
    disab = pl.col("Disabilities").str.split(";").list.eval(pl.element().str.strip_chars())
    out = df.select(
        child_id="LAchildID",
        birth_date="PersonBirthDate",
        expected_birth_date="ExpectedPersonBirthDate",
        sex_code=pl.coalesce(pl.col("Sex"), gender),
        ethnicity_code="Ethnicity",
        has_disability=pl.when(pl.col("Disabilities").is_null())
        .then(None)
        .otherwise(disab.list.eval(pl.element() != "NONE").list.any()),
        death_date="PersonDeathDate",
        collection_year=_year(df),
    )
    return conform("core_cin_children", out)


def build_csc_core(typed: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Every CSC core_ table from the typed clean raw tables (same rows, our column names)."""
    out = {"core_cin_children": cin_children(typed["cin_children"])}
    for name, select in SELECTS.items():
        df = typed[CSC_CORE_SOURCE[name]]
        out[name] = conform(name, df.select(**select(df)))
    return out
