"""OC3 (care leavers): contract rules only."""

from __future__ import annotations

from pipeline.rules.contract import register_contract

TABLE = "oc3"
register_contract(TABLE)
