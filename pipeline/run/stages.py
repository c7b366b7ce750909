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


def stage_validate(ingested, params: RunParams):
    from pipeline.validate import validate

    return validate(ingested.tables, params)


def stage_transform(validated, params: RunParams) -> dict[str, pl.DataFrame]:
    from pipeline.core.build import build_transforms
    from pipeline.shared import sharing

    with sharing():
        return build_transforms(validated.core, params)


def stage_measures(core: dict[str, pl.DataFrame], params: RunParams):
    """Every aggregate computed once, each table protected on its own: (out_, pub_, pack values).

    The pub_ tables are published only after `stage_disclosure` has protected them together.
    """
    from pipeline.measures import compute, publish
    from pipeline.shared import sharing

    # one scope: review timeliness, periods crossed with months etc. are computed once
    # and reused by every measure and pack indicator that needs them
    with sharing():
        outs = compute(core, params)
        return outs, publish(outs, params) | _csc_tables(params, core), _pack_values(params, core)


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
        f"0 exposed; audit {a.programmes} linear programmes in {a.seconds:.1f} s"
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


def stage_write(params: RunParams, ingested, validated, core, pubs, warnings=()) -> None:
    from pipeline import io

    out = params.processed_dir
    io.write_tables(out, _raw_with_status(ingested, validated))
    io.write_tables(out, core)
    io.write_tables(
        out,
        {
            "quarantine": validated.quarantine,
            "returns_conflicts": validated.conflicts,
            "warnings": validated.warnings,
            "validation_summary": validated.summary,
            "validation_returns": validated.by_return,
            "validation_coverage": validated.coverage_table,
            "validation_rules": validated.rule_counts,
            "validation_files": _files_table(ingested.files),
        },
    )
    # the counted tables as protected together (stage_disclosure); the rest as they are
    rest = published_validation(validated, params, warnings)
    io.write_tables(out, pubs | {k: v for k, v in rest.items() if k not in pubs})


def process(
    params: RunParams, timer: StageTimer, *, force: bool = False
) -> tuple[dict[str, pl.DataFrame], RunResult]:
    """Ingest, validate, transform and publish; write the processed layer. Returns core tables.

    The guards (`pipeline.run.guards`) stop the run on input that would publish wrong
    figures; `force` turns each into a warning printed now and shown in the reports.
    """
    from pipeline.run import guards
    from pipeline.validate import summary_json

    with timer.stage("ingest"):
        ingested = stage_ingest(params)
    if ingested.codes_normalised:
        timer.say(
            f"  {ingested.codes_normalised:,} codes upper-cased (matched without regard to case)"
        )
    with timer.stage("validate"):
        validated = stage_validate(ingested, params)
    warnings = guards.reporting_year(validated, params, force=force)
    warnings += guards.quarantine_share(validated, params, force=force)
    with timer.stage("transform"):
        core = stage_transform(validated, params)
    warnings += guards.zero_headlines(ingested, validated, core, params, force=force)
    for w in warnings:
        timer.say(f"[bold yellow]data-quality warning (--force):[/] {w}")
    with timer.stage("measures"):
        measured = stage_measures(core, params)
    with timer.stage("disclosure"):
        pubs = stage_disclosure(params, measured, validated, timer.say)
    for w in guards.benchmark_gaps(pubs, params):
        timer.say(f"[yellow]warning:[/] {w}")
    with timer.stage("write processed"):
        stage_write(params, ingested, validated, core, pubs, warnings)
    return core, RunResult(
        params=params,
        summary=summary_json(validated),
        timings=timer.seconds,
        quarantined_rows=int(validated.summary["rows_quarantined"].sum()),
        warnings=warnings,
    )


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
    """Everything up to executed notebooks (`force`: see `process`)."""
    from pipeline.reports.csc import REPORT as CSC
    from pipeline.reports.csc.build import has_csc_data
    from pipeline.run.notebooks import report_notebooks, run_notebooks

    timer = StageTimer(say)
    core, result = process(params, timer, force=force)
    result.has_csc = has_csc_data(core)
    notebooks = [p for p in report_notebooks() if result.has_csc or p not in CSC.notebook_paths()]
    with timer.stage("notebooks"):
        result.notebooks = run_notebooks(params, notebooks, jobs=jobs, config_path=config_path)
    result.timings = timer.seconds
    return result
