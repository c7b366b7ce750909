"""Reviews: contract rules and no review dated after the extract date."""

from __future__ import annotations

from pipeline.rules import rule
from pipeline.rules.contract import register_contract

TABLE = "reviews"
register_contract(TABLE)


@rule(code="RV01", table=TABLE, fields=("REVIEW",), message="Review date after the extract date")
def rv01(raw, ctx):
    return ctx.after_extract("REVIEW")
