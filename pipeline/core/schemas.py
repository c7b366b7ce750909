"""Column names and types of every core_ table: the interface between validation and measures.

`conform(name, df)` checks a frame against its schema; tests build fixtures with `frame(name, rows)`.
"""

from __future__ import annotations

import polars as pl

D, S, B, INT, F = pl.Date, pl.String, pl.Boolean, pl.Int64, pl.Float64

CORE: dict[str, dict[str, pl.DataType]] = {
    "core_children": {
        "child_id": S,
        "sex": S,
        "birth_date": D,
        "ethnicity_code": S,
        "ethnicity_group": S,
        "is_white_british": B,
        "is_uasc": B,
        "uasc_ceased_date": D,
    },
    "core_episodes": {
        "child_id": S,
        "episode_start_date": D,
        "episode_end_date": D,
        "new_episode_reason_code": S,
        "legal_status_code": S,
        "need_code": S,
        "placement_code": S,
        "placement_provider_code": S,
        "reason_ceased_code": S,
        "placement_change_reason_code": S,
        "urn": S,
        # straight-line miles HOME_POST -> PL_POST (pipeline/core/distance.py); postcodes not kept
        "placement_distance_miles": F,
        "placement_la_code": S,
    },
    "core_periods_of_care": {
        "child_id": S,
        "period_of_care_id": S,
        "period_number": INT,
        "period_start_date": D,
        "period_end_date": D,
        "start_legal_status_code": S,
        "start_need_code": S,
        "start_placement_code": S,
        "end_reason_code": S,
        "is_short_breaks_only": B,
    },
    "core_reviews": {"child_id": S, "review_date": D, "participation_code": S},
    "core_review_process": {
        "child_id": S,
        "review_date": D,
        "iro_id": S,
        "recommendations_issued_date": D,
        "minutes_completed_date": D,
        "minutes_distributed_date": D,
        "sw_report_due_date": D,
        "sw_report_received_date": D,
    },
    "core_escalations": {
        "escalation_id": S,
        "child_id": S,
        "iro_id": S,
        "raised_date": D,
        "stage_code": S,
        "resolved_date": D,
        "outcome_code": S,
    },
    "core_escalation_areas": {"escalation_id": S, "area_code": S},
    "core_contacts": {"child_id": S, "iro_id": S, "contact_date": D, "contact_type_code": S},
    "core_practice_notes": {
        "note_id": S,
        "child_id": S,
        "iro_id": S,
        "note_date": D,
        "note_type_code": S,
    },
    "core_uasc": {"child_id": S, "uasc_ceased_date": D},
    "core_missing": {
        "child_id": S,
        "missing_type_code": S,
        "missing_start_date": D,
        "missing_end_date": D,
    },
    "core_oc2": {
        "child_id": S,
        "sdq_score": INT,
        "sdq_reason_code": S,
        "is_convicted": B,
        "has_health_check": B,
        "has_immunisations": B,
        "has_teeth_check": B,
        "has_health_assessment": B,
        "has_substance_misuse": B,
        "collection_year": INT,  # per-year snapshot: the return it is for (null: unknown)
    },
    "core_oc3": {
        "child_id": S,
        "birth_date": D,
        "in_touch_code": S,
        "activity_code": S,
        "accommodation_code": S,
        "collection_year": INT,  # per-year snapshot: the return it is for (null: unknown)
    },
    "core_ad1": {
        "child_id": S,
        "decision_date": D,
        "match_date": D,
        "is_foster_carer_adoption": B,
    },
    "core_placed_for_adoption": {
        "child_id": S,
        "placed_date": D,
        "placed_ceased_date": D,
        "placed_ceased_reason_code": S,
    },
    "core_previous_permanence": {"child_id": S, "previous_permanence_code": S},
    # which years the stacked returns cover (one row per year; pipeline.inputs.returns)
    "core_coverage": {
        "year_end": INT,
        "year_label": S,
        "has_return": B,
        "is_year_covered": B,
        "is_31_march_covered": B,
        "basis": S,
    },
    # ---- children's social care: CIN census, visits extracts, Annex A (pipeline/core/csc.py)
    "core_cin_children": {
        "child_id": S,
        "birth_date": D,
        "expected_birth_date": D,
        "sex_code": S,
        "ethnicity_code": S,
        "has_disability": B,
        "death_date": D,
        "collection_year": INT,
    },
    "core_cin_episodes": {
        "child_id": S,
        "referral_date": D,
        "referral_source_code": S,
        "primary_need_code": S,
        "closure_date": D,
        "closure_reason_code": S,
        "icpc_date": D,
        "is_referral_nfa": B,
        "collection_year": INT,
    },
    "core_cin_assessments": {
        "child_id": S,
        "referral_date": D,
        "assessment_start_date": D,
        "assessment_authorised_date": D,
        "factor_codes": S,
    },
    "core_cin_plans": {"child_id": S, "referral_date": D, "plan_start_date": D, "plan_end_date": D},
    "core_cin_section47": {
        "child_id": S,
        "referral_date": D,
        "s47_start_date": D,
        "icpc_target_date": D,
        "icpc_date": D,
        "is_icpc_not_required": B,
    },
    "core_cp_plans": {
        "child_id": S,
        "referral_date": D,
        "plan_start_date": D,
        "plan_end_date": D,
        "initial_category_code": S,
        "latest_category_code": S,
        "previous_plans_count": INT,
    },
    "core_cp_reviews": {"child_id": S, "referral_date": D, "plan_start_date": D, "review_date": D},
    "core_cp_visits": {
        "visit_id": S,
        "child_id": S,
        "plan_id": S,
        "visit_date": D,
        "is_seen": B,
        "is_seen_alone": B,
    },
    "core_cla_visits": {
        "visit_id": S,
        "child_id": S,
        "care_id": S,
        "visit_date": D,
        "is_seen": B,
        "is_seen_alone": B,
    },
    "core_aa_contacts": {
        "child_id": S,
        "contact_date": D,
        "contact_source_code": S,
        "decision_date": D,
    },
    "core_aa_early_help": {
        "child_id": S,
        "assessment_start_date": D,
        "assessment_completed_date": D,
        "organisation": S,
    },
    "core_aa_referrals": {
        "child_id": S,
        "referral_date": D,
        "referral_source_code": S,
        "is_referral_nfa": B,
        "referrals_12m_count": INT,
    },
    "core_aa_assessments": {
        "child_id": S,
        "assessment_start_date": D,
        "assessment_authorised_date": D,
        "is_child_seen": B,
        "is_support_required": B,
    },
    "core_aa_section47": {
        "child_id": S,
        "s47_start_date": D,
        "is_icpc_not_required": B,
        "icpc_date": D,
        "is_plan_from_icpc": B,
    },
    "core_aa_child_protection": {
        "child_id": S,
        "plan_start_date": D,
        "plan_end_date": D,
        "initial_category": S,
        "latest_category": S,
        "last_visit_date": D,
        "latest_review_date": D,
        "previous_plans_count": INT,
    },
    "core_aa_children_in_care": {
        "child_id": S,
        "is_uasc": B,
        "period_start_date": D,
        "last_health_assessment_date": D,
        "last_dental_check_date": D,
        "period_end_date": D,
        "reason_ceased_code": S,
    },
    "core_aa_care_leavers": {
        "child_id": S,
        "birth_date": D,
        "eligibility": S,
        "latest_contact_date": D,
        "accommodation_code": S,
        "is_accommodation_suitable": B,
        "activity_code": S,
    },
    "core_month_end": {
        "month_end_date": D,
        "child_id": S,
        "period_of_care_id": S,
        "period_start_date": D,
        "age_years": INT,
        "age_band": S,
        "legal_status_code": S,
        "legal_status_group": S,
        "placement_code": S,
        "placement_group": S,
        "placement_provider_code": S,
        "placement_start_date": D,
        "need_code": S,
        "sex": S,
        "ethnicity_code": S,
        "ethnicity_group": S,
        "is_white_british": B,
        "is_uasc": B,
        "months_in_care": INT,
        "duration_band": S,
    },
}


def empty(name: str) -> pl.DataFrame:
    return pl.DataFrame(schema=CORE[name])


def frame(name: str, rows: list[dict]) -> pl.DataFrame:
    """Build a core_ table from dicts (missing keys are null). For hand-built test fixtures."""
    schema = CORE[name]
    return pl.DataFrame([{k: r.get(k) for k in schema} for r in rows], schema=schema, orient="row")


def conform(name: str, df: pl.DataFrame) -> pl.DataFrame:
    """Select the schema's columns in order and check their types (raises on mismatch)."""
    schema = CORE[name]
    missing = [c for c in schema if c not in df.columns]
    if missing:
        raise ValueError(f"{name}: missing columns {missing}")
    out = df.select(list(schema))
    wrong = {c: str(out.schema[c]) for c, t in schema.items() if out.schema[c] != t}
    if wrong:
        raise ValueError(f"{name}: wrong column types {wrong}")
    return out
