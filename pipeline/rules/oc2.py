"""OC2 (health and offending): contract rules and the SDQ score range."""

from __future__ import annotations

import polars as pl

from pipeline.inputs.contract import tables
from pipeline.rules import rule
from pipeline.rules.contract import register_contract

TABLE = "oc2"
register_contract(TABLE)
_SDQ = tables()[TABLE].column("SDQ_SCORE")


@rule(
    code="OC201",
    table=TABLE,
    fields=("SDQ_SCORE",),
    message=f"SDQ score outside {_SDQ.min}-{_SDQ.max}",
)
def oc201(raw, ctx):
    score = pl.col("SDQ_SCORE").cast(pl.Int64, strict=False)
    return (score < _SDQ.min) | (score > _SDQ.max)
