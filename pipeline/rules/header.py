"""Header (one row per child): contract rules, unique CHILD, no future dates of birth."""

from __future__ import annotations

from pipeline.rules import rule
from pipeline.rules.contract import register_contract

TABLE = "header"
register_contract(TABLE)  # includes GX-HEADER-CHILD-UNIQUE: every copy of a duplicated CHILD


@rule(
    code="HD01",
    table=TABLE,
    fields=("DOB", "MC_DOB"),
    message="Date of birth after the extract date",
)
def hd01(raw, ctx):
    return ctx.after_extract("DOB", "MC_DOB")
