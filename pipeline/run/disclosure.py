"""The run's disclosure stage: every published table, protected together and audited.

`protect_run` (called by `process`, so by `run`, `build` and `pack`) gathers the IRO
measures' pub_ tables, the pack's values and the data-quality tables, runs the linked
protection (pipeline.disclosure.linked) and then the exact audit; an exposed set is never
written. `audit_processed` (`cic-reports audit`) reads the pub_ tables a run wrote and
audits them on their own: it needs nothing that is not published.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from pipeline.disclosure import DisclosureSpec
from pipeline.disclosure.audit import AuditResult
from pipeline.disclosure.linked import (
    DisclosureError,
    Protection,
    Published,
    audit_tables,
    protect_linked,
)
from pipeline.params import RunParams

DATA_QUALITY = "data quality"
PACK_TABLE = "pub_pack_values"


def _report_of(module: str) -> str:
    from pipeline.reports import registry

    for report in registry().values():
        if report.measures and module.startswith(report.measures):
            return report.doc
    return module


def measure_tables(tables: dict[str, pl.DataFrame], truths: dict[str, pl.DataFrame] | None):
    """Published: each registered measure's pub_ table (if present) with its spec."""
    from pipeline.measures import load_all

    out = []
    for m in load_all().values():
        name = f"pub_{m.name}"
        if name in tables:
            truth = None if truths is None else truths.get(f"out_{m.name}")
            out.append(
                Published(
                    _report_of(m.func.__module__), name, tables[name], m.disclosure, None, truth
                )
            )
    return out


def pack_spec(computed: DisclosureSpec) -> DisclosureSpec:
    """The pack's values table: a percentage's numerator and denominator go with it (and
    it with them)."""
    derived = dict(computed.derived) | {
        "numerator_count": ("value",),
        "denominator_count": ("value",),
    }
    return DisclosureSpec(counts=("value",), derived=derived)


def pack_table(params: RunParams, grid: pl.DataFrame, truth=None, population=None) -> Published:
    from pipeline.reports.pack import REPORT, catalogue_path
    from pipeline.reports.pack.build import COMPUTED_SPEC
    from pipeline.reports.pack.catalogue import load_catalogue
    from pipeline.reports.pack.links import provider

    if population is None:
        from pipeline.inputs.dfe import population_0_17
        from pipeline.reports.pack.build import financial_year_end

        population = population_0_17(params, year_end=financial_year_end(params.month))
    spec = pack_spec(COMPUTED_SPEC)
    cat = load_catalogue(catalogue_path(params))
    return Published(REPORT.doc, PACK_TABLE, grid, spec, provider(cat, population), truth)


def validation_tables(tables: dict[str, pl.DataFrame], truths=None) -> list[Published]:
    from pipeline.run.stages import VALIDATION_DISCLOSURE, validation_spec

    out = []
    for name in VALIDATION_DISCLOSURE:
        if f"pub_{name}" in tables:
            truth = None if truths is None else truths.get(name)
            out.append(
                Published(
                    DATA_QUALITY,
                    f"pub_{name}",
                    tables[f"pub_{name}"],
                    validation_spec(name),
                    None,
                    truth,
                )
            )
    return out


def protect_run(
    params: RunParams,
    pubs: dict[str, pl.DataFrame],
    outs: dict[str, pl.DataFrame],
    pack_values,
    validation_pubs: dict[str, pl.DataFrame],
    validation_truth: dict[str, pl.DataFrame],
) -> tuple[dict[str, pl.DataFrame], Protection]:
    """Linked protection of everything the run publishes; refuses an exposed set."""
    from pipeline.reports.pack.build import VALUES_SCHEMA, assemble

    tables = measure_tables(pubs, outs) + validation_tables(validation_pubs, validation_truth)
    pack = pack_table(params, pack_values.grid, pack_values.truth, pack_values.population)
    tables.append(pack)
    protection = protect_linked(tables, params)
    _refuse_exposed(protection.audit)
    protected = dict(protection.tables)
    grid = protected.pop(PACK_TABLE).select(list(VALUES_SCHEMA))
    pack = assemble(pack_values, grid)
    # tables no relation covers yet (e.g. the CSC report's, protected table by table) as they are
    final = pubs | protected | pack.tables() | {"validation_supplied": pack.quarantine}
    return final, _audit_as_written(params, final, pack_values.population, protection)


def _refuse_exposed(result: AuditResult, of: str = "") -> None:
    """One-line refusal naming the first exposed figure; nothing is written."""
    if result.ok:
        return
    first = result.lines()[1:2] or ["a derived value"]
    raise DisclosureError(
        f"disclosure audit{of}: {result.n_exposed} suppressed figure(s) could be worked out "
        f"from the published tables; nothing published ({first[0].strip()})"
    )


def _audit_as_written(params, final, population, protection: Protection) -> Protection:
    """The audit again, of the tables exactly as they will be written (after the pack's
    values are assembled with the supplied ones): what is published passes, and the
    figures the build prints are those `cic-reports audit` gives for the same run."""
    written = measure_tables(final, None) + validation_tables(final)
    if PACK_TABLE in final:
        written.append(pack_table(params, final[PACK_TABLE], population=population))
    check = audit_tables(written, params)
    _refuse_exposed(check, " of the tables as written")
    protection.programmes += check.programmes
    protection.audit = check
    return protection


def published_tables(params: RunParams, folder: Path | None = None) -> list[Published]:
    """The pub_ tables a run wrote, as the audit sees them (no unsuppressed figures)."""
    from pipeline.io import read_table

    folder = folder or params.processed_dir
    names = {p.stem for p in Path(folder).glob("pub_*.parquet")}
    if not names:
        raise FileNotFoundError(f"{folder}: no published tables (run `cic-reports run` first)")
    tables = {n: read_table(folder, n) for n in names}
    out = measure_tables(tables, None) + validation_tables(tables)
    if PACK_TABLE in tables:
        out.append(pack_table(params, tables[PACK_TABLE]))
    return out


def audit_processed(params: RunParams, *, integer: bool = True) -> AuditResult:
    """`cic-reports audit`: the audit of what the last run published."""
    return audit_tables(published_tables(params), params, integer=integer)
