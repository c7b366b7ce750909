"""Guards: an untagged stack of returns stops the build with one line; --force publishes with a
visible data-quality warning. And a clone without ../shared publishes the same figures."""

from __future__ import annotations

import csv
from pathlib import Path

import polars as pl
import pytest
from helpers import sample_config, sample_params, work_paths
from shared_data import DFE, need

from pipeline.params import load_params
from pipeline.publish.narrative import data_quality_warnings
from pipeline.run import guards
from pipeline.run.stages import StageTimer, process
from pipeline.synth import generate


def quiet() -> StageTimer:
    return StageTimer(say=lambda _msg: None)


@pytest.fixture(scope="module")
def untagged(tmp_path_factory) -> Path:
    """Five annual returns concatenated into one folder, as if appended without year tags."""
    archive = tmp_path_factory.mktemp("archive")
    generate(archive, children=150, seed=2, errors=False, layout="returns")
    raw = tmp_path_factory.mktemp("untagged")
    for name in sorted({p.name for p in (archive / "ssda903").rglob("*.csv")}):
        parts = sorted((archive / "ssda903").rglob(name))
        with open(raw / name, "w", newline="", encoding="utf-8") as out:
            writer = None
            for part in parts:
                with open(part, newline="", encoding="utf-8") as f:
                    reader = csv.DictReader(f)
                    writer = writer or csv.DictWriter(out, reader.fieldnames, lineterminator="\n")
                    if out.tell() == 0:
                        writer.writeheader()
                    writer.writerows(reader)
    return raw


def test_an_untagged_stack_stops_the_build_with_one_line(untagged, tmp_path):
    with pytest.raises(guards.DataQualityError) as err:
        process(sample_params(untagged, tmp_path), quiet())
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith("table header: ")
    assert "% of rows quarantined" in message
    assert "top rule GX-HEADER-CHILD-UNIQUE" in message
    assert "looks like several annual returns in one folder without year tags" in message
    assert "--force" in message
    assert not (tmp_path / "processed" / "pub_cic_trend_4y.parquet").exists()  # nothing published


def test_force_publishes_with_a_visible_warning(untagged, tmp_path):
    _, result = process(sample_params(untagged, tmp_path), quiet(), force=True)
    assert result.warnings and result.warnings[0].startswith("table header: ")
    assert {w.split(":")[0] for w in result.warnings} >= {"table header", "table episodes"}
    pub = pl.read_parquet(tmp_path / "processed" / "pub_data_quality_warnings.parquet")
    assert pub["warning"].to_list() == result.warnings
    text = data_quality_warnings({"pub_data_quality_warnings": pub})
    assert text.startswith("**Data-quality warning.**")
    assert all(w in text for w in result.warnings)


def test_a_zero_headline_with_raw_rows_for_it_stops_the_build(tmp_path):
    """The same return saved twice in one folder: every child is a duplicate, so nobody is
    in care on 31 March, although the raw episodes hold hundreds open that day. With the
    share guard relaxed, the zero-headline guard still stops it."""
    archive = tmp_path / "archive"
    generate(archive, children=150, seed=2, errors=False, layout="returns")
    raw = tmp_path / "raw"
    one = archive / "ssda903" / "2023-24"
    raw.mkdir()
    for f in one.glob("*.csv"):
        (raw / f.name).write_bytes(f.read_bytes())
        (raw / f"{f.stem} (1).csv").write_bytes(f.read_bytes())
    lenient = sample_params(raw, tmp_path).with_overrides(
        guards={"max_quarantined_pct": 100, "min_rows": 0}
    )
    with pytest.raises(guards.DataQualityError) as err:
        process(lenient, quiet())
    message = str(err.value)
    assert message.startswith("table header: 0 children in care on 31 March 2024 although ")
    assert "top rule GX-HEADER-CHILD-UNIQUE" in message
    assert "the same children twice in returns for one collection year" in message


@pytest.fixture(scope="module")
def two_earlier_years(tmp_path_factory) -> Path:
    """The 2021-22 and 2022-23 returns only, each in its year folder: 2023-24 is missing."""
    archive = tmp_path_factory.mktemp("archive")
    generate(archive, children=60, seed=2, errors=False, layout="returns")
    raw = tmp_path_factory.mktemp("two_years")
    for year in ("2021-22", "2022-23"):
        (raw / "ssda903" / year).mkdir(parents=True)
        for f in (archive / "ssda903" / year).glob("*.csv"):
            (raw / "ssda903" / year / f.name).write_bytes(f.read_bytes())
    return raw


def test_a_reporting_year_with_no_return_stops_the_build(two_earlier_years, tmp_path):
    """year_end 2024 (the sample config's) with returns for the two years before it: the
    build stops before anything is computed, naming the years it has."""
    with pytest.raises(guards.DataQualityError) as err:
        process(sample_params(two_earlier_years, tmp_path), quiet())
    assert str(err.value) == (
        "reporting year 2023-24: not covered by the data (it holds 2021-22, 2022-23): "
        "set year_end to a covered year or add that year's return" + guards.FORCE
    )
    assert not (tmp_path / "processed").exists()


def test_a_covered_reporting_year_of_the_same_returns_passes(two_earlier_years, tmp_path):
    params = sample_params(two_earlier_years, tmp_path).with_overrides(year_end=2023)
    _, result = process(params, quiet())
    assert result.warnings == []


def test_a_clean_sample_passes_every_guard_and_writes_no_warning(sample_processed):
    """The sample, its deliberate errors included, processed once for the session
    (tests/conftest.py): no guard stopped it (the fixture would fail) and no warning is
    published (pub_data_quality_warnings holds the run's warnings, as the --force test shows)."""
    warnings = sample_processed.processed_dir / "pub_data_quality_warnings.parquet"
    assert pl.read_parquet(warnings).height == 0


def test_a_clone_without_shared_publishes_exactly_what_one_with_it_does(sample_processed, tmp_path):
    """The benchmark snapshot stands in for ../shared/data/dfe: same pub_ tables, byte for
    byte. "With" is the session's sample, processed with ../shared (tests/conftest.py)."""
    dfe = need(DFE)
    assert sample_processed.dfe_dir == dfe
    cfg = sample_config(tmp_path / "without.yml", work_paths(tmp_path, sample_processed.raw_dir))
    without = load_params(cfg)
    assert without.dfe_dir is None
    process(without, quiet())
    a = sorted(sample_processed.processed_dir.glob("pub_*.parquet"))
    b = sorted((tmp_path / "processed").glob("pub_*.parquet"))
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b, strict=True):
        assert pl.read_parquet(x).equals(pl.read_parquet(y), null_equal=True), x.name
        assert x.read_bytes() == y.read_bytes(), x.name
    bench = pl.read_parquet(tmp_path / "processed" / "pub_pack_appendix.parquet")
    assert bench.height  # the pack was built with its benchmarks
