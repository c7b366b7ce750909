"""The shared fake SSDA903 extract (../shared/data/ssda903-fake), ingested and validated as-is."""

import csv
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipeline.inputs.contract import tables
from pipeline.inputs.ingest import ingest
from pipeline.params import load_params
from pipeline.validate import CORE_SOURCE, validate

ROOT = Path(__file__).parents[1]
FAKE = ROOT / ".." / "shared" / "data" / "ssda903-fake"
EXTRACT_DATE = dt.date(2020, 4, 1)  # the fake episodes run to 2018; reviews run on to 2030

pytestmark = pytest.mark.skipif(not FAKE.is_dir(), reason="shared fake SSDA903 data not present")


def csv_rows(name: str) -> list[dict]:
    """Data rows of one fake file read with the csv module (independent of ingest)."""
    with open(FAKE / f"{name}.csv", newline="", encoding="utf-8-sig") as f:
        return [r for r in csv.DictReader(f) if any((v or "").strip() for v in r.values())]


@pytest.fixture(scope="module")
def ingested():
    return ingest(FAKE)


@pytest.fixture(scope="module")
def result(ingested):
    params = load_params(ROOT / "config" / "sample.yml", extract_date=EXTRACT_DATE)
    return validate(ingested.tables, params, engine="gx")


def quarantined_rows(result, table: str, code: str) -> set[int]:
    q = result.quarantine.filter((pl.col("table") == table) & (pl.col("rule_code") == code))
    return set(q["source_row"].to_list())


def test_unknown_files_reported_not_fatal(ingested):
    status = {f.path: f.status for f in ingested.files}
    assert status["sw_episodes.csv"] == "unknown file"
    assert status["fake_903.xml"] == "unknown file"
    assert status["episodes.csv"] == "ingested"


def test_every_row_accounted_for(result):
    supplied = {p.stem for p in FAKE.glob("*.csv")} & set(tables())
    summary = {r["table"]: r for r in result.summary.iter_rows(named=True)}
    assert set(summary) == set(tables())
    for table, s in summary.items():
        expected_in = len(csv_rows(table)) if table in supplied else 0
        assert s["rows_in"] == expected_in, table
        assert s["rows_in"] == s["rows_clean"] + s["rows_quarantined"], table
        distinct_q = (
            result.quarantine.filter(pl.col("table") == table)
            .select("source_file", "source_row")
            .unique()
        )
        assert distinct_q.height == s["rows_quarantined"], table
    for core_name, table in CORE_SOURCE.items():
        assert result.core[core_name].height == summary[table]["rows_clean"], core_name


def test_future_reviews_quarantined(result):
    future = {
        i + 2
        for i, r in enumerate(csv_rows("reviews"))
        if dt.datetime.strptime(r["REVIEW"], "%d/%m/%Y").date() > EXTRACT_DATE
    }
    assert future  # the fake data has reviews up to 2030
    assert quarantined_rows(result, "reviews", "RV01") == future
    assert result.core["core_reviews"]["review_date"].max() <= EXTRACT_DATE


def test_known_bad_rows(result):
    # every placed-for-adoption row has REASON_PLACED_CEASED "XXX"
    pfa = csv_rows("placed_for_adoption")
    assert quarantined_rows(
        result, "placed_for_adoption", "GX-PLACED_FOR_ADOPTION-REASON_PLACED_CEASED-IN-SET"
    ) == {i + 2 for i, r in enumerate(pfa) if r["REASON_PLACED_CEASED"] == "XXX"}
    # OC3 row 2 has ACCOM "01", not a code
    assert 2 in quarantined_rows(result, "oc3", "GX-OC3-ACCOM-IN-SET")
    # a child with reviews but no episodes: every review is outside an episode
    no_episodes = {r["CHILD"] for r in csv_rows("reviews")} - {
        r["CHILD"] for r in csv_rows("episodes")
    }
    expected = {i + 2 for i, r in enumerate(csv_rows("reviews")) if r["CHILD"] in no_episodes}
    assert expected and expected <= quarantined_rows(result, "reviews", "XT04")


def test_overlapping_episodes_quarantine_the_later_one(result):
    eps = csv_rows("episodes")
    by_child: dict[str, list[tuple]] = {}
    for i, r in enumerate(eps):
        start = dt.datetime.strptime(r["DECOM"], "%d/%m/%Y").date()
        end = dt.datetime.strptime(r["DEC"], "%d/%m/%Y").date() if r["DEC"] else dt.date.max
        by_child.setdefault(r["CHILD"], []).append((start, end, i + 2))
    overlapping = set()
    for rows in by_child.values():
        latest = None
        for start, end, row in sorted(rows):
            if latest is not None and start < latest:
                overlapping.add(row)
            latest = end if latest is None else max(latest, end)
    assert quarantined_rows(result, "episodes", "EP03") == overlapping
