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


def data_files(raw_dir: Path) -> list[Path]:
    """The CSV and XLSX files under the raw folder (its README does not count)."""
    if not raw_dir.is_dir():
        return []
    return [p for p in raw_dir.rglob("*") if p.is_file() and p.suffix.lower() in {".csv", ".xlsx"}]


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


def stage_measures(core: dict[str, pl.DataFrame], params: RunParams) -> dict[str, pl.DataFrame]:
    """Every aggregate computed once, then disclosure control: the pub_ tables."""
    from pipeline.measures import compute, publish
    from pipeline.shared import sharing

    # one scope: review timeliness, periods crossed with months etc. are computed once
    # and reused by every measure and pack indicator that needs them
    with sharing():
        return publish(compute(core, params), params) | _pack_tables(params, core)


VALIDATION_DISCLOSURE = {
    # rows_in is published; a small quarantined count is suppressed, and rows_clean with it
    # (rows_in - rows_clean would reveal it)
    "validation_summary": dict(
        counts=("rows_quarantined",), derived={"rows_clean": ("rows_quarantined",)}
    ),
    "validation_rules": dict(counts=("rows_count",)),
}


def published_validation(validated, params: RunParams) -> dict[str, pl.DataFrame]:
    """The data-quality tables as published: through the same disclosure control."""
    from pipeline.disclosure import DisclosureSpec, protect

    tables = {"validation_summary": validated.summary, "validation_rules": validated.rule_counts}
    return {
        f"pub_{name}": protect(
            df, DisclosureSpec(**VALIDATION_DISCLOSURE[name]), params.disclosure_threshold
        )
        for name, df in tables.items()
    }


def stage_write(params: RunParams, ingested, validated, core, pubs) -> None:
    from pipeline import io

    out = params.processed_dir
    io.write_tables(out, ingested.tables)
    io.write_tables(out, core)
    io.write_tables(
        out,
        {
            "quarantine": validated.quarantine,
            "validation_summary": validated.summary,
            "validation_rules": validated.rule_counts,
            "validation_files": _files_table(ingested.files),
        },
    )
    io.write_tables(out, pubs | published_validation(validated, params))


def process(params: RunParams, timer: StageTimer) -> tuple[dict[str, pl.DataFrame], RunResult]:
    """Ingest, validate, transform and publish; write the processed layer. Returns core tables."""
    from pipeline.validate import summary_json

    with timer.stage("ingest"):
        ingested = stage_ingest(params)
    with timer.stage("validate"):
        validated = stage_validate(ingested, params)
    with timer.stage("transform"):
        core = stage_transform(validated, params)
    with timer.stage("measures"):
        pubs = stage_measures(core, params)
    with timer.stage("write processed"):
        stage_write(params, ingested, validated, core, pubs)
    return core, RunResult(
        params=params,
        summary=summary_json(validated),
        timings=timer.seconds,
        quarantined_rows=int(validated.summary["rows_quarantined"].sum()),
    )


def _files_table(files) -> pl.DataFrame:
    """Which files were read and how: publishable (names and row counts only)."""
    return pl.DataFrame(
        {
            "file": [str(f.path) for f in files],
            "table": [f.table or "" for f in files],
            "rows_count": [int(f.rows or 0) for f in files],
            "status": [f.status for f in files],
            "note": [f.note or "" for f in files],
        },
        schema={
            "file": pl.String,
            "table": pl.String,
            "rows_count": pl.Int64,
            "status": pl.String,
            "note": pl.String,
        },
    ).rename({"file": "validation_file"})


def _pack_tables(params: RunParams, core: dict[str, pl.DataFrame] | None) -> dict:
    from pipeline.reports.pack import build_pack, catalogue_path

    pack = build_pack(
        params,
        month=params.month,
        catalogue_path=catalogue_path(params),
        supplied_path=supplied_path(params),
        core=core,
    )
    return pack.tables() | {"validation_supplied": pack.quarantine}


def run(params: RunParams, *, config_path: Path, jobs: int = 2, say: Say = print) -> RunResult:
    """Everything up to executed notebooks."""
    from pipeline.run.notebooks import run_notebooks

    timer = StageTimer(say)
    _, result = process(params, timer)
    with timer.stage("notebooks"):
        result.notebooks = run_notebooks(params, jobs=jobs, config_path=config_path)
    result.timings = timer.seconds
    return result
