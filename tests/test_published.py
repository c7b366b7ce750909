"""The published-statistics snapshot shipped with the project (pipeline/inputs/benchmarks/)."""

from __future__ import annotations

import subprocess
import sys

import polars as pl
from shared_data import DFE, ROOT, need

from pipeline.inputs.published import LAIT, SNAPSHOT, manifest, needs, snapshot_file
from pipeline.reports.pack.benchmarks import published_frame, read_published


def test_the_snapshot_is_small_and_names_its_sources():
    size = sum(p.stat().st_size for p in SNAPSHOT.iterdir())
    assert size < 300_000
    m = manifest()
    assert set(m["file"]) == set(needs())
    assert m["publication"].str.len_chars().min() > 10
    assert (m["first_year"] <= m["last_year"]).all()
    for name in m["file"]:
        assert snapshot_file(name) is not None


def test_the_snapshot_holds_england_regions_and_every_la_for_what_the_reports_read():
    rate = published_frame(None, "cla_number_and_rate_per_10k_children.csv")
    levels = set(rate["geographic_level"])
    assert {"National", "Regional", "Local authority"} <= levels
    assert (
        rate.filter(pl.col("geographic_level") == "Local authority")["old_la_code"].n_unique() > 140
    )
    lait = published_frame(None, LAIT)
    assert set(lait["measure"]) == {f["measure"] for f in needs()[LAIT].filters}


def test_rebuilding_from_the_published_files_gives_the_committed_snapshot(tmp_path):
    """`cic-reports benchmarks update --from DIR` is how it was made: same bytes again."""
    src = need(DFE)
    out = tmp_path / "snap"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "benchmarks",
            "update",
            "--from",
            str(src),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr
    for p in sorted(out.iterdir()):
        assert p.read_bytes() == (SNAPSHOT / p.name).read_bytes(), p.name
    # and what it holds reads back as the published files do, for every row it keeps
    for name in needs():
        full = read_published(src / name)
        snap = published_frame(None, name)
        keep = snap.columns if name == LAIT else [c for c in snap.columns if c in full.columns]
        assert (
            snap.select(keep)
            .sort(keep, nulls_last=True)
            .equals(
                full.select(keep)
                .join(snap.select(keep), on=keep, how="semi", nulls_equal=True)
                .unique()
                .sort(keep, nulls_last=True)
            )
        ), name


def test_update_from_a_folder_missing_a_file_is_one_line(tmp_path):
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "pipeline",
            "benchmarks",
            "update",
            "--from",
            str(tmp_path),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2
    lines = [x for x in proc.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and "published statistics file not found" in lines[0]


def test_a_benchmark_found_nowhere_is_a_printed_warning_never_silent(monkeypatch):
    from pipeline.params import load_params
    from pipeline.reports.pack import benchmarks
    from pipeline.run import guards

    params = load_params(ROOT / "config" / "sample.yml")
    assert guards.benchmark_gaps({}, params) == []  # the snapshot has everything the pack uses
    monkeypatch.setattr(benchmarks, "_from_snapshot", lambda name: None)
    gaps = guards.benchmark_gaps({}, params)
    assert any(g.startswith("no England benchmark for pack indicator") for g in gaps)
    assert any("statistical-neighbour benchmark" in g for g in gaps)
    comparison = pl.DataFrame(
        {"measure": ["Children in care per 10,000 children"], "england_value": [None]}
    )
    (line,) = guards.benchmark_gaps({"pub_england_comparison": comparison}, params)[:1]
    assert "no published England figure for 'Children in care per 10,000 children'" in line
