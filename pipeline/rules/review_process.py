"""IRO review process extract: no future events, nothing issued before the review itself."""

from __future__ import annotations

import polars as pl

from pipeline.rules import date, rule
from pipeline.rules.contract import register_contract

TABLE = "review_process"
register_contract(TABLE)
AFTER_REVIEW = ("RECS_ISSUED", "MINUTES_COMPLETED", "MINUTES_DISTRIBUTED")


@rule(
    code="RP01",
    table=TABLE,
    fields=("REVIEW", *AFTER_REVIEW, "SWR_RECEIVED"),
    message="Review process date after the extract date (SWR_DUE may be in the future)",
)
def rp01(raw, ctx):
    return ctx.after_extract("REVIEW", *AFTER_REVIEW, "SWR_RECEIVED")


@rule(
    code="RP02",
    table=TABLE,
    fields=("REVIEW", *AFTER_REVIEW),
    message="Recommendations or minutes dated before the review took place",
)
def rp02(raw, ctx):
    return pl.any_horizontal([date(c) < date("REVIEW") for c in AFTER_REVIEW])
