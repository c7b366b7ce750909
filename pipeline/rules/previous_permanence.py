"""Previous permanence: contract rules (DATE_PERM is free text in the return); the DfE
duplicate and date-of-birth checks."""

from __future__ import annotations

from pipeline.rules import WARNING, rule
from pipeline.rules.contract import register_contract
from pipeline.rules.dfe import dob_differs_from_header, duplicated_per_year

TABLE = "previous_permanence"
register_contract(TABLE)


@rule(
    code="DFE-INT35",
    table=TABLE,
    fields=("CHILD",),
    message="Child appears more than once in previous permanence for the same year (every copy quarantined)",
    dfe_code="INT35",
    protects="Previously in care (previous permanence) counts: a child counted twice.",
)
def dfe_int35(raw, ctx):
    return duplicated_per_year(ctx, raw)


@rule(
    code="DFE-INT16",
    table=TABLE,
    fields=("DOB",),
    message="Date of birth in previous permanence differs from the header",
    dfe_code="INT16",
    severity=WARNING,
    protects="None: figures take ages from the header; kept and listed.",
)
def dfe_int16(raw, ctx):
    return dob_differs_from_header(ctx, raw)
