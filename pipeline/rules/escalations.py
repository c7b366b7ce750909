"""Escalations: resolved not before raised, no future dates, area codes matching the stage.

Pre-escalations (STAGE PRE) record their own P_* concern types; informal escalations and
stages 1-5 use the other areas of focus. Mixing them means the row was keyed wrongly.
"""

from __future__ import annotations

import polars as pl

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLE = "escalations"
register_contract(TABLE)  # includes GX-ESCALATIONS-ESC_ID-UNIQUE


def _areas() -> pl.Expr:
    return pl.col("AREAS").str.split(";").list.eval(pl.element().str.strip_chars())


@rule(
    code="ES01",
    table=TABLE,
    fields=("RAISED", "RESOLVED"),
    message="Escalation resolved before it was raised",
)
def es01(raw, ctx):
    return date("RESOLVED") < date("RAISED")


@rule(
    code="ES02",
    table=TABLE,
    fields=("RAISED", "RESOLVED"),
    message="Escalation date after the extract date",
)
def es02(raw, ctx):
    return ctx.after_extract("RAISED", "RESOLVED")


@rule(
    code="ES03",
    table=TABLE,
    fields=("STAGE", "AREAS"),
    message="Pre-escalation (STAGE PRE) with an area that is not a pre-escalation type (P_*)",
)
def es03(raw, ctx):
    return (pl.col("STAGE") == "PRE") & _areas().list.eval(
        ~pl.element().str.starts_with("P_")
    ).list.any()


@rule(
    code="ES04",
    table=TABLE,
    fields=("STAGE", "AREAS"),
    message="Escalation (not STAGE PRE) with a pre-escalation type (P_*) as an area",
)
def es04(raw, ctx):
    return (pl.col("STAGE") != "PRE") & _areas().list.eval(
        pl.element().str.starts_with("P_")
    ).list.any()
