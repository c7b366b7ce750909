"""AD1 (adoption decisions): match not before the decision, no future dates."""

from __future__ import annotations

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLE = "ad1"
register_contract(TABLE)


@rule(
    code="AD01",
    table=TABLE,
    fields=("DATE_INT", "DATE_MATCH"),
    message="Matched with adopters before the decision that the child should be placed for adoption",
)
def ad01(raw, ctx):
    return date("DATE_MATCH") < date("DATE_INT")


@rule(
    code="AD02",
    table=TABLE,
    fields=("DATE_INT", "DATE_MATCH"),
    message="Adoption date after the extract date",
)
def ad02(raw, ctx):
    return ctx.after_extract("DATE_INT", "DATE_MATCH")
