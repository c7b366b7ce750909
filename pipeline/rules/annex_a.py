"""Ofsted Annex A lists: contract rules, dates in order, nothing after the extract date."""

from __future__ import annotations

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLES = (
    "aa_contacts",
    "aa_early_help",
    "aa_referrals",
    "aa_assessments",
    "aa_section47",
    "aa_child_protection",
    "aa_children_in_care",
    "aa_care_leavers",
)
for _t in TABLES:
    register_contract(_t)

# (code, table, earlier, later, what)
ORDER = (
    ("AA-L1-DECISION", "aa_contacts", "Date of Contact", "Date of Decision", "Decision before the contact"),
    ("AA-L2-COMPLETE", "aa_early_help", "Assessment start date", "Assessment completion date", "Early help assessment completed before it started"),
    ("AA-L4-AUTHORISED", "aa_assessments", "Continuous Assessment Start Date", "Continuous Assessment Date of Authorisation", "Assessment authorised before it started"),
    ("AA-L5-ICPC", "aa_section47", "Strategy discussion initiating Section 47 Enquiry Start Date", "Date of Initial Child Protection Conference", "Initial child protection conference before the section 47 enquiry started"),
    ("AA-L7-END", "aa_child_protection", "Child Protection Plan Start Date", "Child Protection Plan End Date", "Child protection plan ended before it started"),
    ("AA-L8-CEASED", "aa_children_in_care", "Date Started to be Looked After", "Date Ceased to be Looked After", "Ceased to be looked after before starting"),
)  # fmt: skip
FUTURE = {
    "aa_contacts": ("Date of Contact", "Date of Decision"),
    "aa_early_help": ("Assessment start date", "Assessment completion date"),
    "aa_referrals": ("Date of referral",),
    "aa_assessments": ("Continuous Assessment Start Date", "Continuous Assessment Date of Authorisation"),
    "aa_section47": ("Strategy discussion initiating Section 47 Enquiry Start Date", "Date of Initial Child Protection Conference"),
    "aa_child_protection": ("Child Protection Plan Start Date", "Child Protection Plan End Date"),
    "aa_children_in_care": ("Date Started to be Looked After", "Date Ceased to be Looked After"),
    "aa_care_leavers": ("Latest Date of Contact",),
}  # fmt: skip


def _order_rule(code: str, table: str, earlier: str, later: str, what: str) -> None:
    @rule(
        code=code,
        table=table,
        fields=(earlier, later),
        message=f"{what} ({later} before {earlier})",
    )
    def check(raw, ctx):
        return date(later) < date(earlier)


def _future_rule(table: str, cols: tuple[str, ...]) -> None:
    @rule(
        code=f"AA-{table.removeprefix('aa_').upper()}-FUTURE",
        table=table,
        fields=cols,
        message="Date after the extract date",
    )
    def check(raw, ctx):
        return ctx.after_extract(*cols)


for _args in ORDER:
    _order_rule(*_args)
for _t, _cols in FUTURE.items():
    _future_rule(_t, _cols)
