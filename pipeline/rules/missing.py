"""Missing/away episodes: end not before start, neither after the extract date."""

from __future__ import annotations

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLE = "missing"
register_contract(TABLE)


@rule(
    code="MS01",
    table=TABLE,
    fields=("MIS_START", "MIS_END"),
    message="Missing episode ends before it starts",
)
def ms01(raw, ctx):
    return date("MIS_END") < date("MIS_START")


@rule(
    code="MS02",
    table=TABLE,
    fields=("MIS_START", "MIS_END"),
    message="Missing episode date after the extract date",
)
def ms02(raw, ctx):
    return ctx.after_extract("MIS_START", "MIS_END")
