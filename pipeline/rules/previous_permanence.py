"""Previous permanence: contract rules only (DATE_PERM is free text in the return)."""

from __future__ import annotations

from pipeline.rules.contract import register_contract

TABLE = "previous_permanence"
register_contract(TABLE)
