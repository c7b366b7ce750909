"""IRO practice notes: contract rules (unique NOTE_ID) and no future note dates."""

from __future__ import annotations

from pipeline.rules import rule
from pipeline.rules.contract import register_contract

TABLE = "practice_notes"
register_contract(TABLE)  # includes GX-PRACTICE_NOTES-NOTE_ID-UNIQUE


@rule(
    code="PN01",
    table=TABLE,
    fields=("NOTE_DATE",),
    message="Practice note dated after the extract date",
)
def pn01(raw, ctx):
    return ctx.after_extract("NOTE_DATE")
