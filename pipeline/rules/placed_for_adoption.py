"""Placed for adoption: ceasing not before placing, no future dates."""

from __future__ import annotations

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLE = "placed_for_adoption"
register_contract(TABLE)


@rule(
    code="PA01",
    table=TABLE,
    fields=("DATE_PLACED", "DATE_PLACED_CEASED"),
    message="Placed-for-adoption decision ceased before it was made",
)
def pa01(raw, ctx):
    return date("DATE_PLACED_CEASED") < date("DATE_PLACED")


@rule(
    code="PA02",
    table=TABLE,
    fields=("DATE_PLACED", "DATE_PLACED_CEASED"),
    message="Placed-for-adoption date after the extract date",
)
def pa02(raw, ctx):
    return ctx.after_extract("DATE_PLACED", "DATE_PLACED_CEASED")
