"""The stages strung together: ingest -> validate -> transform -> measures -> disclosure ->
processed layer -> notebooks -> reports. I/O lives here and in the CLI, not in transforms.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline.params import RunParams

Say = Callable[[str], None]


@dataclass
class StageTimer:
    """Wall seconds per stage, printed as the run goes and kept for the benchmark."""

    say: Say = print
    seconds: dict[str, float] = field(default_factory=dict)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        self.say(f"• {name} …")
        yield
        took = time.perf_counter() - start
        self.seconds[name] = self.seconds.get(name, 0.0) + took
        self.say(f"  {name} done in {took:.1f} s")


@dataclass
class RunResult:
    params: RunParams
    summary: dict
    timings: dict[str, float]
    notebooks: dict[str, Path] = field(default_factory=dict)
    quarantined_rows: int = 0
    has_records: bool = True
    warnings: list[str] = field(default_factory=list)  # data-quality warnings (with --force)
    has_csc: bool = False  # CIN census (or Annex A) data present: the CSC report is built


def data_files(raw_dir: Path) -> list[Path]:
    """The CSV, XLSX and XML files under the raw folder (its README does not count)."""
    if not raw_dir.is_dir():
        return []
    suffixes = {".csv", ".xlsx", ".xml"}
    return [p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() in suffixes]


def has_raw_data(raw_dir: Path) -> bool:
    """True when the raw folder holds at least one data file."""
    return bool(data_files(raw_dir))


def supplied_path(params: RunParams) -> Path | None:
    """The supplied indicator values: configured, else `<raw>/supplied/indicators.csv` if present."""
    configured = params.path(params.paths.supplied)
    if configured:
        return configured
    candidate = params.raw_dir / "supplied" / "indicators.csv"
    return candidate if candidate.is_file() else None


def stage_ingest(params: RunParams):
    from pipeline.inputs.ingest import ingest

    return ingest(params.raw_dir)


def stage_validate(ingested, params: RunParams, *, engine: str = "gx"):
    from pipeline.validate import validate

    return validate(ingested.tables, params, engine=engine)


def stage_transform(validated, params: RunParams) -> dict[str, pl.DataFrame]:
    from pipeline.core.build import build_transforms
    from pipeline.shared import sharing

    with sharing():
        return build_transforms(validated.core, params)


def stage_measures(core: dict[str, pl.DataFrame], params: RunParams):
    """Every aggregate computed once, each table protected on its own: (out_, pub_, pack values).

    The pub_ tables are published only after `stage_disclosure` has protected them together
    (a build computes the pack values in its own stage: `outcomes` and `stage_pack`).
    """
    from pipeline.shared import sharing

    # one scope: review timeliness, periods crossed with months etc. are computed once
    # and reused by every measure and pack indicator that needs them
    with sharing():
        outs, pubs = outcomes(core, params)
        return outs, pubs, _pack_values(params, core)


def outcomes(core: dict[str, pl.DataFrame], params: RunParams):
    """Every report's measures (out_) and the pub_ tables, each protected on its own; the
    CSC report's pub_csc_* tables are in `pubs` too (not linked yet: published as they are)."""
    from pipeline.measures import compute, publish
    from pipeline.shared import sharing

    with sharing():
        outs = compute(core, params)
        return outs, publish(outs, params) | _csc_tables(params, core)


def stage_disclosure(params: RunParams, measured, validated, say: Say = print):
    """Every published table protected together, then audited: refuses an exposed set."""
    from pipeline.run.disclosure import protect_run

    outs, pubs, pack_values = measured
    truth = {
        "validation_summary": validated.summary,
        "validation_rules": validated.rule_counts,
        "validation_returns": validated.by_return,
    }
    protected, protection = protect_run(
        params, pubs, outs, pack_values, published_validation(validated, params), truth
    )
    a = protection.audit
    say(
        f"  disclosure: {sum(a.published.values())} cells published, "
        f"{sum(a.suppressed.values())} suppressed ({protection.added} for linked tables), "
        f"0 exposed; {protection.programmes} linear programmes ({protection.rounds} rounds)"
    )
    return protected


_ROW_COUNTS = ("rows_quarantined", "rows_superseded", "rows_out_of_scope")
VALIDATION_DISCLOSURE = {
    # rows_in is published; small set-aside counts are suppressed, and rows_clean with them
    # (rows_in minus the others would reveal them)
    # rows_warned (clean rows with a warning) is a count of its own: suppressed when small
    "validation_summary": dict(
        counts=(*_ROW_COUNTS, "rows_warned"), derived={"rows_clean": _ROW_COUNTS}
    ),
    "validation_returns": dict(
        counts=_ROW_COUNTS, within=("table",), derived={"rows_clean": _ROW_COUNTS}
    ),
    "validation_rules": dict(counts=("rows_count",)),
}


ROW_STATUS = ("clean", "quarantined", "superseded", "out_of_scope")  # rows_in is their sum


def validation_spec(name: str):
    """The data-quality table's disclosure spec, with how its counts relate: rows_in is the
    sum of the statuses (per table, and per table and return). The returns of a table are
    not declared to add up to its summary row: for a multi-year extract `by_return` counts
    0 rows today while the summary counts them all, and a declared sum must hold."""
    from pipeline.disclosure import DisclosureSpec
    from pipeline.disclosure.relations import Link

    if name in ("validation_summary", "validation_returns"):
        dims = {"table": "table"}
        if name == "validation_returns":
            dims["return"] = pl.col("return_label").fill_null("multi-year extract")
        links = (Link("rows_in", "input rows", dims),) + tuple(
            Link(
                f"rows_{s}",
                "input rows",
                {**dims, "status": pl.lit(s)},
                complete={"status": ROW_STATUS},
            )
            for s in ROW_STATUS
        )
    else:  # a row can fail several rules: the rule counts do not add up to anything
        links = (Link("rows_count", "rows failing a rule", {"rule": "rule_code"}),)
    return DisclosureSpec(**VALIDATION_DISCLOSURE[name], links=links)


def published_validation(validated, params: RunParams, warnings=()) -> dict[str, pl.DataFrame]:
    """The data-quality tables as published: through the same disclosure control (and then,
    for the SSDA903 and IRO tables, the run-wide protection, `stage_disclosure`); the
    coverage table (years only) and any data-quality warnings as they are."""
    from pipeline.disclosure import DisclosureSpec, protect
    from pipeline.inputs.contract import tables as contract

    # the CIN census, Annex A and visits extracts' counts feed the CSC report
    csc = [n for n, s in contract().items() if s.source in ("CIN", "ANNEX_A", "SSD")]
    tables = {
        "validation_summary": validated.summary,
        "validation_rules": validated.rule_counts,
        "validation_returns": validated.by_return,
    }
    out = {}
    for name, df in tables.items():
        spec = validation_spec(name)
        is_csc = pl.col("table").is_in(csc)
        out[f"pub_{name}"] = protect(df.filter(~is_csc), spec, params.disclosure_threshold)
        if name != "validation_returns":
            out[f"pub_csc_{name}"] = protect(
                df.filter(is_csc),
                DisclosureSpec(**VALIDATION_DISCLOSURE[name]),
                params.disclosure_threshold,
            )
    out["pub_validation_coverage"] = validated.coverage_table
    out["pub_data_quality_warnings"] = pl.DataFrame(
        {"warning": list(warnings)}, schema={"warning": pl.String}
    )
    return out


def _raw_with_status(ingested, validated) -> dict[str, pl.DataFrame]:
    """raw_ tables as ingested plus each row's `row_status` (clean, quarantined, superseded,
    out of scope): which return every clean row came from is its source_file and year."""
    out = {}
    for name, df in ingested.tables.items():
        table = name.removeprefix("raw_")
        status = validated.row_status.filter(pl.col("table") == table).sort("row_id")
        out[name] = (
            df.with_columns(row_status=status["row_status"]) if status.height == df.height else df
        )
    return out


def processed_tables(params: RunParams, ingested, validated, core, pubs, warnings=()) -> dict:
    """Every table of the processed layer that the data stages make, by name."""
    return (
        _raw_with_status(ingested, validated)
        | dict(core)
        | {
            "quarantine": validated.quarantine,
            "returns_conflicts": validated.conflicts,
            "warnings": validated.warnings,
            "validation_summary": validated.summary,
            "validation_returns": validated.by_return,
            "validation_coverage": validated.coverage_table,
            "validation_rules": validated.rule_counts,
            "validation_files": _files_table(ingested.files),
        }
        | pubs
        | published_validation(validated, params, warnings)
    )


def stage_write(params: RunParams, ingested, validated, core, pubs, warnings=()) -> None:
    from pipeline import io

    io.write_tables(
        params.processed_dir, processed_tables(params, ingested, validated, core, pubs, warnings)
    )


@dataclass
class DataResult:
    """What the data stages made: core tables, the processed tables, warnings, summary."""

    core: dict[str, pl.DataFrame]
    tables: dict[str, pl.DataFrame]
    result: RunResult


def data_stages(
    params: RunParams, timer: StageTimer, *, force: bool = False, engine: str = "gx"
) -> DataResult:
    """Ingest, validate, guards, transform and every report's measures (not the pack).

    The guards (`pipeline.run.guards`) stop the run on input that would publish wrong
    figures; `force` turns each into a warning printed now and shown in the reports.
    """
    from pipeline.run import guards
    from pipeline.run.faults import pause
    from pipeline.validate import summary_json

    pause("ingest")
    with timer.stage("ingest"):
        ingested = stage_ingest(params)
    if ingested.codes_normalised:
        timer.say(
            f"  {ingested.codes_normalised:,} codes upper-cased (matched without regard to case)"
        )
    pause("validate")
    with timer.stage("validate"):
        validated = stage_validate(ingested, params, engine=engine)
    warnings = guards.reporting_year(validated, params, force=force)
    warnings += guards.quarantine_share(validated, params, force=force)
    pause("transform")
    with timer.stage("transform"):
        core = stage_transform(validated, params)
        core["core_inputs"] = inputs_of(ingested, validated, core)
    warnings += guards.zero_headlines(ingested, validated, core, params, force=force)
    for w in warnings:
        timer.say(f"[bold yellow]data-quality warning (--force):[/] {w}")
    pause("measures")
    with timer.stage("measures"):
        outs, pubs = outcomes(core, params)
    # the measures as computed (out_: unsuppressed, kept in data/ for the disclosure stage)
    # and the tables no disclosure relation covers (the CSC report's): the rest of the
    # published tables are the disclosure stage's (`stage_pack`)
    tables = processed_tables(params, ingested, validated, core, {}, warnings)
    tables = {k: v for k, v in tables.items() if k not in LINKED_VALIDATION} | outs
    tables |= {k: v for k, v in pubs.items() if k.startswith("pub_csc_")}
    tables |= {k: v for k, v in pubs.items() if k.startswith("validation_csc")}
    result = RunResult(
        params=params,
        summary=summary_json(validated),
        timings=timer.seconds,
        quarantined_rows=int(validated.summary["rows_quarantined"].sum()),
        warnings=warnings,
    )
    return DataResult(core, tables, result)


LINKED_VALIDATION = ("pub_validation_summary", "pub_validation_rules", "pub_validation_returns")


@dataclass
class Validation:
    """The validation tables the disclosure stage needs (as `validate` returns them, or as
    the processed layer holds them when a build reuses its data stage)."""

    summary: pl.DataFrame
    rule_counts: pl.DataFrame
    by_return: pl.DataFrame
    coverage_table: pl.DataFrame

    @classmethod
    def of(cls, tables: dict[str, pl.DataFrame]) -> Validation:
        return cls(
            tables["validation_summary"],
            tables["validation_rules"],
            tables["validation_returns"],
            tables["validation_coverage"],
        )


def stage_pack(
    params: RunParams,
    core: dict[str, pl.DataFrame] | None,
    timer: StageTimer,
    outs: dict[str, pl.DataFrame] | None = None,
    validation: Validation | None = None,
) -> tuple[dict[str, pl.DataFrame], list[str]]:
    """The pack's values, then the disclosure stage: every report's pub_ tables, the pack's
    and the data-quality tables protected together and audited (`stage_disclosure`; an
    exposed set raises, so is never written). Returns the tables and the benchmark gaps.

    With `core` None (supplied values alone: no child-level records) the pack is the only
    published table, protected on its own.
    """
    from pipeline.measures import publish
    from pipeline.run import guards
    from pipeline.run.faults import pause

    pause("pack")
    if core is None:
        with timer.stage("pack"):
            tables = _pack_tables(params, None)
        return tables, []
    with timer.stage("pack"):
        pack_values = _pack_values(params, core)
    with timer.stage("disclosure"):
        measured = (outs, publish(outs, params), pack_values)
        tables = stage_disclosure(params, measured, validation, timer.say)
    tables |= availability_tables(params, core, pack_values.missing)
    gaps = guards.benchmark_gaps(tables, params)
    for w in gaps:
        timer.say(f"[yellow]warning:[/] {w}")
    return tables, gaps


def say_inputs(pub_inputs: pl.DataFrame, say: Say) -> None:
    """Per report, the inputs found and missing (`validate` and `build` print this)."""
    from pipeline.inputs.availability import summary_lines

    for line in summary_lines(pub_inputs):
        say(line)


def process(
    params: RunParams, timer: StageTimer, *, force: bool = False
) -> tuple[dict[str, pl.DataFrame], RunResult]:
    """Data stages, the pack and the disclosure stage, written to the processed layer (in
    place: `build` stages and publishes it whole). Returns core tables."""
    from pipeline import io
    from pipeline.shared import sharing

    # in this process (no worker beside it): GX itself, unless the config says polars
    engine = "polars" if params.validation_engine == "polars" else "gx"
    with sharing():
        data = data_stages(params, timer, force=force, engine=engine)
        outs = {k: v for k, v in data.tables.items() if k.startswith("out_")}
        pack, _ = stage_pack(params, data.core, timer, outs, Validation.of(data.tables))
    with timer.stage("write processed"):
        io.write_tables(params.processed_dir, data.tables | pack)
    data.result.timings = timer.seconds
    return data.core, data.result


def inputs_of(ingested, validated, core: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """`core_inputs`: which input tables were supplied, their rows and the dates they span."""
    from pipeline.inputs.availability import inputs_table

    return inputs_table(core, validated.summary, _files_table(ingested.files))


def report_inputs_of(params: RunParams, ingested, validated) -> list[str]:
    """`validate`'s lines: per report, the inputs found and missing (from the clean rows)."""
    from pipeline.inputs.availability import report_inputs, summary_lines

    core = dict(validated.core)
    core["core_inputs"] = inputs_of(ingested, validated, core)
    return summary_lines(report_inputs(core, needed_inputs(params, core), params))


def needed_inputs(params: RunParams, core: dict | None = None) -> dict[str, set[str]]:
    """Report -> the input tables its figures declare (IRO measures, pack indicators, and
    the CSC report's when `core` holds its CIN census or Annex A)."""
    from pipeline.measures import inputs_needed
    from pipeline.reports.pack import REPORT as PACK
    from pipeline.reports.pack import catalogue_path
    from pipeline.reports.pack import indicators as ind_mod
    from pipeline.reports.pack.catalogue import load_catalogue

    needs = inputs_needed()
    pack = needs.setdefault(PACK.doc, set())
    for ind in load_catalogue(catalogue_path(params)).indicators:
        spec = ind_mod.REGISTRY.get(ind.function or "")
        if ind.is_computed and spec is not None:
            pack.update(spec.inputs)
    if core is not None:
        from pipeline.reports.csc import DEFAULT_CATALOGUE
        from pipeline.reports.csc import REPORT as CSC
        from pipeline.reports.csc import indicators as csc_mod
        from pipeline.reports.csc.build import has_csc_data
        from pipeline.reports.csc.catalogue import load_catalogue as load_csc

        if has_csc_data(core):
            path = params.path(params.paths.csc_catalogue) or DEFAULT_CATALOGUE
            needs[CSC.doc] = {
                t
                for ind in load_csc(path).indicators
                if ind.is_computed and ind.function in csc_mod.REGISTRY
                for t in csc_mod.REGISTRY[ind.function].inputs
            }
    return needs


def availability_tables(params: RunParams, core: dict[str, pl.DataFrame], pack_missing=None):
    """`pub_availability` (figures not computed for want of an input, and why) and
    `pub_inputs` (per report, each input found or missing): names and sentences only."""
    from pipeline.inputs.availability import availability_frame, report_inputs
    from pipeline.measures import availability
    from pipeline.reports.pack import REPORT as PACK

    rows = availability(core, params) + [
        {
            "report": PACK.doc,
            "figure": ind,
            "section": None,
            "inputs": None,
            "is_partial": False,
            "reason": why,
        }
        for ind, why in (pack_missing or {}).items()
    ]
    return {
        "pub_availability": availability_frame(rows),
        "pub_inputs": report_inputs(core, needed_inputs(params, core), params),
    }


def _files_table(files) -> pl.DataFrame:
    """Which files were read and how: publishable (names and row counts only)."""
    return pl.DataFrame(
        {
            "file": [str(f.path) for f in files],
            "table": [f.table or "" for f in files],
            "rows_count": [int(f.rows or 0) for f in files],
            "status": [f.status for f in files],
            "collection_year": [f.collection_year for f in files],
            "year_source": [f.year_source for f in files],
            "note": [f.note or "" for f in files],
        },
        schema={
            "file": pl.String,
            "table": pl.String,
            "rows_count": pl.Int64,
            "status": pl.String,
            "collection_year": pl.Int64,
            "year_source": pl.String,
            "note": pl.String,
        },
    ).rename({"file": "validation_file"})


def _pack_values(params: RunParams, core: dict[str, pl.DataFrame] | None):
    from pipeline.reports.pack import catalogue_path
    from pipeline.reports.pack.build import pack_values

    return pack_values(
        params,
        month=params.month,
        catalogue_path=catalogue_path(params),
        supplied_path=supplied_path(params),
        core=core,
    )


def _pack_tables(params: RunParams, core: dict[str, pl.DataFrame] | None) -> dict:
    """The pack protected on its own (supplied values only: nothing else is published)."""
    from pipeline.reports.pack import build_pack, catalogue_path

    pack = build_pack(
        params,
        month=params.month,
        catalogue_path=catalogue_path(params),
        supplied_path=supplied_path(params),
        core=core,
    )
    return pack.tables() | {"validation_supplied": pack.quarantine}


def _csc_tables(params: RunParams, core: dict[str, pl.DataFrame]) -> dict:
    """The CSC report's pub_csc_* tables, when CIN census (or Annex A) data is present."""
    from pipeline.reports.csc.build import csc_published

    return csc_published(params, core)


def run(
    params: RunParams,
    *,
    config_path: Path,
    jobs: int = 2,
    say: Say = print,
    force: bool = False,
) -> RunResult:
    """Everything up to executed notebooks, published together (`cic-reports run`)."""
    from pipeline.run.build import build

    outcome = build(params, config_path=config_path, formats=[], say=say, force=force)
    return outcome.result
