"""`cic-reports bench` runs end to end at a tiny size and reports every stage (no timing asserts)."""

from __future__ import annotations

import json
from pathlib import Path

from shared_data import FAKE_903, need

from pipeline.run.bench import (
    DATA_STAGES,
    DATA_TOTAL,
    END_TO_END,
    WITHOUT_DFE,
    cases_for,
    fake903_runs,
    format_table,
    ratio_cases,
    ratios,
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
    fake = FAKE_903
    need(fake)
    lines: list[str] = []
    rows = fake903_runs(ROOT / "config" / "sample.yml", fake, 1, lines.append)
    names = {r["command"] for r in rows}
    assert {f"cic-reports validate ({e})" for e in ("beside", "gx", "polars")} <= names
    for r in rows:
        assert r["runs"] == 1 and r["median_s"] > 0 and r["peak_rss_mib"] > 0


def test_sizes_above_csc_up_to_go_without_the_csc_inputs_and_ratios_compare_like_with_like():
    cases = cases_for([200, 1, 10], csc_up_to=10)
    assert [c.label for c in cases] == ["1x", "1x 903+IRO", "10x", "200x 903+IRO"]
    assert [c.children for c in cases] == [450, 450, 4500, 90000]
    assert len({c.folder for c in cases}) == 4  # each sample in its own folder
    # every size with the CSC inputs: no extra case, and the ratio is largest / smallest
    assert [c.label for c in cases_for([1, 10], csc_up_to=10)] == ["1x", "10x"]

    def row(case, size, csc, stage, secs):
        return {
            "case": case, "size": size, "csc_inputs": csc, "stage": stage, "median_s": secs,
            "min_s": secs, "max_s": secs, "runs": 1, "peak_rss_mib": 100.0,
        }  # fmt: skip

    summary = [
        row("1x", 1, True, "ingest", 2.0),  # CIN census and Annex A: most of 1x ingest
        row("1x 903+IRO", 1, False, "ingest", 0.5),
        row("10x", 10, True, "ingest", 9.0),
        row("200x 903+IRO", 200, False, "ingest", 40.0),
    ]
    assert ratio_cases(summary) == ("1x 903+IRO", "200x 903+IRO")
    assert ratios(summary) == {"ingest": 80.0}  # 40 / 0.5, not 40 / 2.0
    assert "time(200x 903+IRO)/time(1x 903+IRO): ingest 80.0" in format_table(
        summary, {"ingest": 80.0}
    )
    assert ratios(summary[:1]) == {}  # one case: nothing to compare


def test_the_generator_leaves_out_the_csc_inputs_when_asked(tmp_path):
    from pipeline.synth import generate

    with_csc = generate(tmp_path / "a", children=90, seed=1, year_end=2024)
    without = generate(tmp_path / "b", children=90, seed=1, year_end=2024, csc=False)
    assert (tmp_path / "a" / "cin").is_dir() and (tmp_path / "a" / "annex_a").is_dir()
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["iro", "ssda903"]
    # the SSDA903 and IRO extracts are the same children either way
    assert {k: v for k, v in with_csc.items() if k in without} == without
