"""IRO contacts with children: contract rules and no future contact dates."""

from __future__ import annotations

from pipeline.rules import rule
from pipeline.rules.contract import register_contract

TABLE = "contacts"
register_contract(TABLE)


@rule(
    code="CT01",
    table=TABLE,
    fields=("CONTACT_DATE",),
    message="Contact date after the extract date",
)
def ct01(raw, ctx):
    return ctx.after_extract("CONTACT_DATE")
