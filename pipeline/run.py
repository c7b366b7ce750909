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


def has_raw_data(raw_dir: Path) -> bool:
    """True when the raw folder holds at least one data file (the README does not count)."""
    if not raw_dir.is_dir():
        return False
    return any(p.is_file() and p.suffix.lower() in {".csv", ".xlsx"} for p in raw_dir.rglob("*"))


def process(params: RunParams, timer: StageTimer) -> tuple[dict[str, pl.DataFrame], RunResult]:
    """Ingest, validate, transform and publish; write the processed layer. Returns core tables."""
    from pipeline import io
    from pipeline.ingest import ingest
    from pipeline.measures import compute, publish
    from pipeline.transform.core import build_transforms
    from pipeline.validate import summary_json, validate

    out = params.processed_dir
    with timer.stage("ingest"):
        ingested = ingest(params.raw_dir)
    with timer.stage("validate"):
        result = validate(ingested.tables, params)
    with timer.stage("transform"):
        core = build_transforms(result.core, params)
    with timer.stage("measures"):
        pubs = publish(compute(core, params), params)
        pubs |= _pack_tables(params, core)
    with timer.stage("write processed"):
        io.write_tables(out, ingested.tables)
        io.write_tables(out, core)
        io.write_tables(
            out,
            {
                "quarantine": result.quarantine,
                "validation_summary": result.summary,
                "validation_rules": result.rule_counts,
                "validation_files": _files_table(ingested.files),
            },
        )
        io.write_tables(out, pubs)
    summary = summary_json(result)
    return core, RunResult(
        params=params,
        summary=summary,
        timings=timer.seconds,
        quarantined_rows=int(result.summary["rows_quarantined"].sum()),
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
    from pipeline.pack import build_pack

    pack = build_pack(
        params,
        month=params.month,
        catalogue_path=params.path(params.paths.catalogue),
        supplied_path=params.path(params.paths.supplied) or _default_supplied(params),
        core=core,
    )
    return pack.tables()


def _default_supplied(params: RunParams) -> Path | None:
    candidate = params.raw_dir / "supplied" / "indicators.csv"
    return candidate if candidate.is_file() else None


def run(params: RunParams, *, config_path: Path, jobs: int = 2, say: Say = print) -> RunResult:
    """Everything up to executed notebooks."""
    from pipeline.notebooks import run_notebooks

    timer = StageTimer(say)
    _, result = process(params, timer)
    with timer.stage("notebooks"):
        result.notebooks = run_notebooks(params, jobs=jobs, config_path=config_path)
    result.timings = timer.seconds
    return result
