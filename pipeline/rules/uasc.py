"""UASC: contract rules only (DUC, the date UASC status ceases, may lie in the future)."""

from __future__ import annotations

from pipeline.rules.contract import register_contract

TABLE = "uasc"
register_contract(TABLE)
