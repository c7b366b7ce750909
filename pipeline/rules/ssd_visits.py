"""Visits extracts (Standard Safeguarding Dataset ssd_cp_visits / ssd_cla_visits shape)."""

from __future__ import annotations

from pipeline.rules import rule
from pipeline.rules.contract import register_contract

for _t in ("ssd_cp_visits", "ssd_cla_visits"):
    register_contract(_t)


@rule(
    code="SSD-CPV-FUTURE",
    table="ssd_cp_visits",
    fields=("cppv_cp_visit_date",),
    message="CP visit dated after the extract date",
)
def cpv_future(raw, ctx):
    return ctx.after_extract("cppv_cp_visit_date")


@rule(
    code="SSD-CLAV-FUTURE",
    table="ssd_cla_visits",
    fields=("clav_cla_visit_date",),
    message="Children in care visit dated after the extract date",
)
def clav_future(raw, ctx):
    return ctx.after_extract("clav_cla_visit_date")
