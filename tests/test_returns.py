"""Several annual returns stacked: the synth archive layout (one folder per collection year),
its XML twin, coverage, conflicts, and the guard on an untagged stack.

Expected values are worked out here from the returns' own files with the csv and xml modules.
"""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import polars as pl
import pytest
from helpers import sample_params

from pipeline.core.build import build_transforms
from pipeline.core.month_end import month_end_between
from pipeline.inputs.ingest import ingest
from pipeline.measures import load_all
from pipeline.reports.iro.measures import profile
from pipeline.synth import generate
from pipeline.validate import validate

YEARS = (2020, 2021, 2022, 2023, 2024)  # collection years (year ends) of the five returns
SSDA903 = (
    "header",
    "episodes",
    "reviews",
    "uasc",
    "missing",
    "oc2",
    "oc3",
    "ad1",
    "placed_for_adoption",
    "previous_permanence",
)
CHILDREN = 160


def folder(year: int) -> str:
    return f"{year - 1}-{year % 100:02d}"


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def day(s: str) -> dt.date:
    return dt.datetime.strptime(s, "%d/%m/%Y").date()


def in_care_on(episodes: list[dict], on: dt.date) -> int:
    """Children with an episode open on `on` (started by it, not ended by it), short breaks
    (V3, V4) excluded: the definition docs/definitions.md gives."""
    return len(
        {
            r["CHILD"]
            for r in episodes
            if day(r["DECOM"]) <= on
            and (not r["DEC"] or day(r["DEC"]) > on)
            and r["LS"] not in ("V3", "V4")
        }
    )


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("returns")
    generate(out, children=CHILDREN, seed=5, errors=False, layout="returns")
    return out


@pytest.fixture(scope="module")
def stacked(archive, tmp_path_factory):
    params = sample_params(archive, tmp_path_factory.mktemp("p"))
    ingested = ingest(archive)
    result = validate(ingested.tables, params, engine="polars")
    core = build_transforms(result.core, params)
    return ingested, result, core, params


def test_the_archive_has_one_complete_return_per_year(archive):
    for y in YEARS:
        here = archive / "ssda903" / folder(y)
        assert sorted(p.stem for p in here.glob("*.csv")) == sorted(SSDA903)
        eps = rows(here / "episodes.csv")
        start, end = dt.date(y - 1, 4, 1), dt.date(y, 3, 31)
        assert all(day(r["DECOM"]) <= end for r in eps)
        assert all(not r["DEC"] or start <= day(r["DEC"]) <= end for r in eps)
        assert all(start <= day(r["REVIEW"]) <= end for r in rows(here / "reviews.csv"))
        looked_after = {r["CHILD"] for r in eps}
        header = {r["CHILD"] for r in rows(here / "header.csv")}
        leavers = {r["CHILD"] for r in rows(here / "oc3.csv")}
        assert header == looked_after | leavers
    # consecutive returns overlap as real ones do: children in care on 1 April are in both
    a = {r["CHILD"] for r in rows(archive / "ssda903" / folder(2023) / "header.csv")}
    b = {r["CHILD"] for r in rows(archive / "ssda903" / folder(2024) / "header.csv")}
    assert len(a & b) > CHILDREN / 2


def test_every_file_gets_its_year_from_its_folder(stacked):
    ingested, *_ = stacked
    for f in ingested.files:
        if f.path.startswith("ssda903/"):
            assert f.year_source == "folder"
            assert f.collection_year == int(f.path.split("/")[1][:4]) + 1


def test_31_march_counts_equal_each_years_own_return(stacked, archive):
    _, _, core, _ = stacked
    for y in YEARS:
        own = rows(archive / "ssda903" / folder(y) / "episodes.csv")
        expected = in_care_on(own, dt.date(y, 3, 31))
        got = month_end_between(core, dt.date(y, 3, 31), dt.date(y, 3, 31))["child_id"].n_unique()
        assert got == expected, y
    # 31 March 2019 is known from the 2019-20 return (children looked after on 1 April 2019)
    first = rows(archive / "ssda903" / folder(2020) / "episodes.csv")
    got = month_end_between(core, dt.date(2019, 3, 31), dt.date(2019, 3, 31))
    assert got["child_id"].n_unique() == in_care_on(first, dt.date(2019, 3, 31))


def test_nothing_is_quarantined_for_being_repeated_and_repeats_are_superseded(stacked, archive):
    _, result, _, _ = stacked
    q = result.quarantine.filter(pl.col("table").is_in(SSDA903))
    assert q.height == 0, q["rule_code"].unique().to_list()
    by_return = {
        (r["table"], r["collection_year"]): r for r in result.by_return.iter_rows(named=True)
    }
    for table, key in (("header", ("CHILD",)), ("episodes", ("CHILD", "DECOM"))):
        later: set[tuple] = set()
        for y in reversed(YEARS):
            own = rows(archive / "ssda903" / folder(y) / f"{table}.csv")
            keys = [tuple(r[k] for k in key) for r in own]
            r = by_return[(table, y)]
            assert r["rows_in"] == len(own)
            assert r["rows_superseded"] == sum(k in later for k in keys), (table, y)
            assert r["rows_in"] == r["rows_clean"] + r["rows_superseded"]
            later |= set(keys)
    # OC2 is a per-year snapshot: a child's OC2 in two years are two facts, none superseded
    oc2 = result.summary.filter(pl.col("table") == "oc2").row(0, named=True)
    assert oc2["rows_superseded"] == 0
    assert oc2["rows_in"] == sum(
        len(rows(archive / "ssda903" / folder(y) / "oc2.csv")) for y in YEARS
    )
    assert result.core["core_oc2"]["collection_year"].unique().sort().to_list() == list(YEARS)


def test_coverage_years(stacked):
    _, result, _, _ = stacked
    cov = {r["year_end"]: r for r in result.coverage_table.iter_rows(named=True)}
    for y in YEARS:
        assert cov[y]["is_year_covered"] and cov[y]["has_return"]
    assert cov[2019]["is_31_march_covered"] and not cov[2019]["is_year_covered"]
    assert min(cov) == 2019  # the table starts at the first 31 March the data supports


def _trend(raw: Path, tmp: Path) -> pl.DataFrame:
    load_all()
    params = sample_params(raw, tmp)
    result = validate(ingest(raw).tables, params, engine="polars")
    core = build_transforms(result.core, params)
    return profile.cic_trend_4y(core, params)


def test_the_trend_shows_only_covered_years(archive, tmp_path):
    two = tmp_path / "two"
    for y in (2023, 2024):
        shutil.copytree(archive / "ssda903" / folder(y), two / "ssda903" / folder(y))
    trend = {r["year_label"]: r for r in _trend(two, tmp_path).iter_rows(named=True)}
    # 2020-21: no return, and 31 March 2021 is not in the 2021-22 return either
    assert trend["2020-21"]["children_count"] is None
    assert trend["2020-21"]["starts_count"] is None
    assert trend["2020-21"]["coverage_note"] == "not available: no return for 2020-21"
    # 2021-22: its 31 March is known (children looked after on 1 April 2022, return 2022-23),
    # but who started or left in it is not
    own = rows(two / "ssda903" / folder(2023) / "episodes.csv")
    assert trend["2021-22"]["children_count"] == in_care_on(own, dt.date(2022, 3, 31))
    assert trend["2021-22"]["starts_count"] is None and trend["2021-22"]["ends_count"] is None
    assert trend["2021-22"]["children_change_pct"] is None  # 31 March 2021 unknown
    assert trend["2021-22"]["coverage_note"] == "not available: no return for 2021-22"
    for label in ("2022-23", "2023-24"):
        assert trend[label]["starts_count"] is not None and trend[label]["coverage_note"] is None


def test_the_stacked_trend_equals_the_full_history_extract_for_covered_years(archive, tmp_path):
    stacked = _trend(archive, tmp_path / "s")
    extract = tmp_path / "extract"
    generate(extract, children=CHILDREN, seed=5, errors=False)
    full = _trend(extract, tmp_path / "e")
    assert stacked.equals(full)


def test_conflicts_are_reported_with_both_values_and_the_later_return_wins(archive, tmp_path):
    raw = tmp_path / "raw"
    shutil.copytree(archive, raw)
    early = raw / "ssda903" / folder(2023) / "header.csv"
    late = {r["CHILD"]: r for r in rows(raw / "ssda903" / folder(2024) / "header.csv")}
    text = early.read_text().splitlines()
    head = text[0].split(",")
    i_child, i_eth = head.index("CHILD"), head.index("ETHNIC")
    for n, line in enumerate(text[1:], start=1):
        cells = line.split(",")
        if cells[i_child] in late:
            child, was = cells[i_child], cells[i_eth]
            cells[i_eth] = "REFU" if was != "REFU" else "NOBT"
            text[n] = ",".join(cells)
            row = n + 1
            break
    early.write_text("\n".join(text) + "\n")
    params = sample_params(raw, tmp_path)
    result = validate(ingest(raw).tables, params, engine="polars")
    c = result.conflicts.filter((pl.col("table") == "header") & (pl.col("column") == "ETHNIC"))
    assert c.rows(named=True) == [
        {
            "table": "header",
            "child_id": child,
            "column": "ETHNIC",
            "earlier_value": cells[i_eth],
            "earlier_year": 2023,
            "earlier_file": f"ssda903/{folder(2023)}/header.csv",
            "earlier_row": row,
            "later_value": was,
            "later_year": 2024,
            "later_file": f"ssda903/{folder(2024)}/header.csv",
            "later_row": c["later_row"][0],
        }
    ]
    kid = result.core["core_children"].filter(pl.col("child_id") == child)
    assert kid["ethnicity_code"].to_list() == [late[child]["ETHNIC"]]
    # episodes open on 31 March 2023 and ended later are updates, not conflicts
    assert result.conflicts.filter(pl.col("table") == "episodes").height == 0


def xml_counts(path: Path) -> dict[str, int]:
    """Rows per table in a DfE XML return, counted with xml.etree."""
    root = ET.parse(path).getroot()
    n = dict.fromkeys(SSDA903, 0)
    for child in root.findall("CHILD"):
        h = child.find("HEADER")
        n["header"] += 1
        n["episodes"] += len(child.findall("EPISODE"))
        for tag, table in (
            ("AREVIEW", "reviews"),
            ("AMISSING", "missing"),
            ("OC2", "oc2"),
            ("PERMANENCE", "previous_permanence"),
            ("AD_PLACED", "placed_for_adoption"),
        ):
            n[table] += len(h.findall(tag))
        leaf = {e.tag: (e.text or "").strip() for e in h if len(e) == 0}
        n["uasc"] += leaf.get("UASC", "") not in ("", "0") or bool(leaf.get("DUC"))
        n["oc3"] += any(leaf.get(f) for f in ("IN_TOUCH", "ACTIV", "ACCOM"))
        n["ad1"] += any(leaf.get(f) for f in ("DATE_INT", "DATE_MATCH", "FOSTER_CARE"))
    return n


def test_the_xml_archive_accounts_exactly_and_matches_the_csv_archive(stacked, tmp_path):
    _, csv_result, _, params = stacked
    raw = tmp_path / "xml"
    generate(raw, children=CHILDREN, seed=5, errors=False, layout="returns", fmt="xml")
    files = sorted((raw / "ssda903").rglob("*.xml"))
    assert [f.parent.name for f in files] == [folder(y) for y in YEARS]
    expected = dict.fromkeys(SSDA903, 0)
    for f in files:
        for t, n in xml_counts(f).items():
            expected[t] += n
    ingested = ingest(raw)
    result = validate(ingested.tables, params.with_overrides(raw=str(raw)), engine="polars")
    summary = {r["table"]: r for r in result.summary.iter_rows(named=True)}
    for t in SSDA903:
        s = summary[t]
        assert s["rows_in"] == expected[t], t
        parts = ("rows_clean", "rows_quarantined", "rows_superseded", "rows_out_of_scope")
        assert s["rows_in"] == sum(s[c] for c in parts), t
    cols = ["table", "rows_in", "rows_clean", "rows_quarantined", "rows_superseded"]
    assert result.summary.select(cols).equals(csv_result.summary.select(cols))
    # every XML row knows its element's line (one element per line in the synth file)
    eps = ingested.tables["raw_episodes"]
    assert eps.select("source_file", "source_row").is_unique().all()
