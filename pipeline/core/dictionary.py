"""docs/data-dictionary.md, generated from the schemas and the measure registry so it stays true."""

from __future__ import annotations

from pipeline.core.schemas import CORE

CORE_TABLES = {
    "core_children": "One row per child in the header (clean rows only); ethnicity grouped; UASC flag.",
    "core_episodes": "One row per SSDA903 episode (placement and legal status spell). Postcodes are not carried: only the straight-line distance from home to placement and the placement's LA district (pipeline/core/distance.py).",
    "core_periods_of_care": "Unbroken runs of episodes per child (pipeline/core/periods.py).",
    "core_reviews": "One row per child-in-care review with its participation code.",
    "core_review_process": "The IRO service's dates for each review (recommendations, minutes, social worker report).",
    "core_escalations": "Escalations and pre-escalations under the dispute resolution protocol.",
    "core_escalation_areas": "One row per area of focus named by an escalation (an escalation can name several).",
    "core_contacts": "IRO contacts with children.",
    "core_practice_notes": "Practice notes IROs add to children's records (e.g. recognition of good practice).",
    "core_uasc": "Unaccompanied asylum-seeking children and the date UASC status ceased.",
    "core_coverage": "Which collection years the data covers: a return for the year, or a multi-year extract spanning it; and whether 31 March is fully known.",
    "core_missing": "Missing and away-from-placement episodes.",
    "core_oc2": "Outcomes for children in care 12 months+ (health, SDQ, convictions).",
    "core_oc3": "Care leavers' circumstances around their 19th-21st birthdays.",
    "core_ad1": "Adoption decisions and matches.",
    "core_placed_for_adoption": "Periods of being placed for adoption.",
    "core_previous_permanence": "Previous permanence arrangements.",
    "core_cin_children": "CIN census: one row per child (latest return); sex M/F/U from Sex or GenderCurrent.",
    "core_cin_episodes": "CIN census: one row per CIN episode (referral); icpc_date is an ICPC not led by a section 47 (e.g. transfer-in).",
    "core_cin_assessments": "CIN census: one row per assessment (authorised date = completed).",
    "core_cin_plans": "CIN census: one row per CIN plan.",
    "core_cin_section47": "CIN census: one row per section 47 enquiry, with its initial child protection conference.",
    "core_cp_plans": "CIN census: one row per child protection plan.",
    "core_cp_reviews": "CIN census: one row per child protection review conference (every CPPreviewDate).",
    "core_cp_visits": "Visits extract (SSD ssd_cp_visits shape): one row per CP statutory visit.",
    "core_cla_visits": "Visits extract (SSD ssd_cla_visits shape): one row per children in care statutory visit.",
    "core_aa_contacts": "Annex A list 1: one row per contact (decision date where the LA adds it).",
    "core_aa_early_help": "Annex A list 2: one row per early help assessment.",
    "core_aa_referrals": "Annex A list 3: one row per referral.",
    "core_aa_assessments": "Annex A list 4: one row per assessment.",
    "core_aa_section47": "Annex A list 5: one row per section 47 enquiry.",
    "core_aa_child_protection": "Annex A list 7: one row per child protection plan.",
    "core_aa_children_in_care": "Annex A list 8: one row per child in care.",
    "core_aa_care_leavers": "Annex A list 9: one row per care leaver.",
    "core_month_end": "One row per child in care at each month end (from history_years before the reporting year to its end).",
}


def dictionary_markdown() -> str:
    from pipeline.measures import load_all

    lines = [
        "# Data dictionary",
        "",
        "Generated from `pipeline/core/schemas.py` and the measure registry (`pipeline/reports/iro/measures/`):",
        "do not edit by hand; `python -c 'from pipeline.core.dictionary import write; write()'`.",
        "",
        "All tables are parquet files in `data/processed/` (the `paths.processed` folder).",
        "`manifest.json` there lists every table with its row count and sensitivity.",
        "",
        "| layer | sensitivity |",
        "| --- | --- |",
        "| `raw_<table>` | child-level: never published. Every input column as text, plus `source_file` and `source_row` |",
        "| `quarantine` | child-level: never published. `table, source_file, source_row, child_id, rule_code, message, fields` |",
        "| `validation_summary`, `validation_rules`, `validation_files`, `validation_supplied` | row counts per table, failures per rule, files read, supplied values set aside: published only through disclosure control as `pub_validation_summary` and `pub_validation_rules` |",
        "| `core_<table>` | child-level: never published. Typed and clean (below) |",
        "| `out_<measure>` | aggregate before disclosure control: not for publication |",
        "| `pub_<measure>` | aggregate after disclosure control: the only data notebooks and reports read |",
        "| `core_inputs` | which input tables were supplied: `input, file, is_supplied, rows_in, rows_used, first_date, last_date` (`pipeline/inputs/availability.py`) |",
        "| `pub_availability`, `pub_inputs` | names and sentences only: the figures not computed for want of an input and why (`report, figure, section, inputs, is_partial, reason`); per report, each input found or missing (`report, input, records, file, status, is_found`) |",
        "",
        "Column suffixes: `_date` (date), `_count` (number), `_pct` (percentage 0-100),",
        "`_per_10k` (rate per 10,000 children aged 0-17), `_days` (calendar days), `_wd`",
        "(working days); `is_`/`has_` are true/false; `_code` holds a DfE or contract code.",
        "",
        "## Core tables",
        "",
    ]
    for name, schema in CORE.items():
        lines += [f"### `{name}`", "", CORE_TABLES.get(name, ""), ""]
        lines += ["| column | type |", "| --- | --- |"]
        lines += [f"| `{col}` | {dtype} |" for col, dtype in schema.items()]
        lines.append("")
    lines += [
        "## Published tables (`pub_`)",
        "",
        "| table | title | definition |",
        "| --- | --- | --- |",
    ]
    for m in load_all().values():
        definition = " ".join(m.definition.split()).replace("|", "\\|")
        lines.append(f"| `pub_{m.name}` | {m.title} | {definition} |")
    lines += [
        "",
        "The performance pack adds `pub_pack_values`, `pub_pack_appendix` and `pub_pack_headlines`",
        "(`docs/indicators.md`).",
        "",
    ]
    return "\n".join(lines)


def write() -> None:
    from pathlib import Path

    Path(__file__).parents[2].joinpath("docs", "data-dictionary.md").write_text(
        dictionary_markdown(), encoding="utf-8"
    )
