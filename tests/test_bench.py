"""`cic-reports bench` runs end to end at a tiny size and reports every stage (no timing asserts)."""

from __future__ import annotations

import json
from pathlib import Path

from shared_data import need

from pipeline.run.bench import (
    DATA_STAGES,
    DATA_TOTAL,
    END_TO_END,
    WITHOUT_DFE,
    fake903_runs,
    run_bench,
)

ROOT = Path(__file__).resolve().parents[1]


def test_bench_reports_every_stage(tmp_path):
    lines: list[str] = []
    summary = run_bench(
        ROOT / "config" / "sample.yml",
        sizes=[0.2],
        repeat=1,
        out=tmp_path,
        with_render=False,
        with_builds=False,
        say=lines.append,
    )
    report = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    # validate in a fresh process on the same raw folder: peak RSS against its size on disk
    [mem] = report["validate_memory"]
    assert mem["size"] == 0.2 and mem["exit"] == 0
    assert mem["raw_mib"] > 0 and mem["peak_rss_mib"] > 0
    assert mem["with_gx_worker_mib"] > mem["peak_rss_mib"]  # GX ran beside, in a worker
    assert mem["ratio"] == mem["peak_rss_mib"] / mem["raw_mib"]
    assert report["builds"] == {}  # not asked for
    stages = {r["stage"] for r in report["stages"]}
    assert stages == {"synth", *DATA_STAGES, WITHOUT_DFE, DATA_TOTAL, END_TO_END}
    assert set(report["dfe_rules_add_pct"]) == {"0.2x"}
    assert report["fake_903"] == []  # not asked for
    assert report["sizes"] == {"0.2x": 90}
    for row in report["stages"]:
        assert row["runs"] == 1
        # every stage did some work (a wall-clock time, never asserted against a target)
        assert row["median_s"] > 0 and row["peak_rss_mib"] > 0
    med = {r["stage"]: r["median_s"] for r in report["stages"]}
    # one run: the data total is the sum of that run's data stages (validation without the
    # DfE rules is timed beside them, not as one of them)
    parts = [med[s] for s in DATA_STAGES]
    assert abs(med[DATA_TOTAL] - sum(parts)) < 1e-6 * max(1.0, med[DATA_TOTAL])
    assert report["machine"]["cpus"] >= 1
    assert summary == report["stages"]
    assert any("median s" in line for line in lines)
    # the bench's processed layer is complete enough for the notebooks
    assert (tmp_path / "x0.2" / "processed").is_dir()


def test_bench_times_validating_the_fake_903_in_fresh_processes(tmp_path):
    fake = ROOT / ".." / "shared" / "data" / "ssda903-fake"
    need(fake)
    lines: list[str] = []
    rows = fake903_runs(ROOT / "config" / "sample.yml", fake, 1, lines.append)
    names = {r["command"] for r in rows}
    assert {f"cic-reports validate ({e})" for e in ("beside", "gx", "polars")} <= names
    for r in rows:
        assert r["runs"] == 1 and r["median_s"] > 0 and r["peak_rss_mib"] > 0
