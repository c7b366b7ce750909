"""Code lists by collection year, and history before the data's coverage.

Each row is checked against its own return's year (a row of unknown year against the
reporting year); reviews dated before the coverage are out of scope, not failures.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipeline.inputs.contract import codes_for
from pipeline.params import load_params
from pipeline.rules.testing import EPISODE, HEADER, raw
from pipeline.validate import validate

ROOT = Path(__file__).parents[1]


@pytest.fixture
def params():
    return load_params(ROOT / "config" / "sample.yml", extract_date=dt.date(2024, 4, 30))


def tables(rows: dict[str, list[dict]], years: dict[str, list[int | None]]) -> dict:
    out = {}
    for t, r in rows.items():
        df = raw(t, r)
        y = years.get(t, [None] * len(r))
        out[f"raw_{t}"] = df.with_columns(collection_year=pl.Series(y, dtype=pl.Int64))
    return out


def failed(result, table: str) -> dict[int, set[str]]:
    # the DfE rules (DFE-...) have tests of their own; these rows are not built for them
    q = result.quarantine.filter(
        (pl.col("table") == table) & ~pl.col("rule_code").str.starts_with("DFE-")
    )
    out: dict[int, set[str]] = {}
    for r in q.iter_rows(named=True):
        out.setdefault(r["source_row"], set()).add(r["rule_code"])
    return out


OC3 = {"CHILD": "C1", "DOB": "01/01/2001", "IN_TOUCH": "YES"}


def test_lists_carry_their_years():
    assert set(codes_for("SEX", 2024)) == {"1", "2"}
    assert set(codes_for("SEX", 2026)) == {"M", "F", "U"}
    assert {"1", "M"} <= set(codes_for("SEX", 2025))  # the change year accepts both
    assert "S1" in codes_for("ACCOM", 2018) and "S1" not in codes_for("ACCOM", 2023)
    assert "S2" in codes_for("ACCOM", 2023) and "X2" in codes_for("ACCOM", 2023)
    assert "F3" in codes_for("ACTIV", 2018) and "F3" not in codes_for("ACTIV", 2023)


def test_rows_are_checked_against_their_own_returns_year(params):
    header = [HEADER]
    oc3 = [
        OC3 | {"ACTIV": "F3", "ACCOM": "S1"},  # 2017-18: both valid then
        OC3 | {"ACTIV": "F3", "ACCOM": "S2"},  # 2022-23: F3 gone
        OC3 | {"ACTIV": "F4", "ACCOM": "X1"},  # 2022-23: X1 gone
        OC3 | {"ACTIV": "F4", "ACCOM": "X2"},  # 2022-23: fine
        OC3 | {"ACTIV": "F9"},  # never a code
    ]
    result = validate(
        tables(
            {"header": header, "episodes": [EPISODE], "reviews": [], "oc3": oc3},
            {"oc3": [2018, 2023, 2023, 2023, 2023]},
        ),
        params,
        engine="polars",
    )
    f = failed(result, "oc3")
    assert 2 not in f and 5 not in f
    assert f[3] == {"OC3-ACTIV-CODE-YEAR"}
    assert f[4] == {"OC3-ACCOM-CODE-YEAR"}
    assert f[6] == {"GX-OC3-ACTIV-IN-SET"}


def test_rows_of_unknown_year_use_the_reporting_year(params):
    kids = [HEADER | {"CHILD": "A", "SEX": "M"}, HEADER | {"CHILD": "B", "SEX": "1"}]
    eps = [EPISODE | {"CHILD": "A"}, EPISODE | {"CHILD": "B"}]
    rows = {"header": kids, "episodes": eps, "reviews": []}
    in_2024 = validate(tables(rows, {}), params, engine="polars")
    assert failed(in_2024, "header") == {2: {"HEADER-SEX-CODE-YEAR"}}  # M is not a 2023-24 code
    in_2026 = validate(tables(rows, {}), params.with_overrides(year_end=2026), engine="polars")
    assert failed(in_2026, "header") == {3: {"HEADER-SEX-CODE-YEAR"}}  # 1 no longer is


def test_reviews_before_the_coverage_are_out_of_scope_not_failures(params):
    """A 2019-20 return: a review from 2017 is history it does not cover; a review inside
    the year but outside any episode is still an error."""
    episode = EPISODE | {"DECOM": "01/06/2019"}
    reviews = [
        {"CHILD": "C1", "REVIEW": "15/03/2017", "REVIEW_CODE": "PN1"},  # before 1 April 2019
        {"CHILD": "C1", "REVIEW": "15/05/2019", "REVIEW_CODE": "PN1"},  # in the year, no episode
        {"CHILD": "C1", "REVIEW": "15/07/2019", "REVIEW_CODE": "PN1"},  # fine
    ]
    result = validate(
        tables(
            {"header": [HEADER], "episodes": [episode], "reviews": reviews},
            {"header": [2020], "episodes": [2020], "reviews": [2020, 2020, 2020]},
        ),
        params,
        engine="polars",
    )
    s = result.summary.filter(pl.col("table") == "reviews").row(0, named=True)
    assert (s["rows_in"], s["rows_clean"], s["rows_quarantined"], s["rows_out_of_scope"]) == (
        3,
        1,
        1,
        1,
    )
    assert failed(result, "reviews") == {3: {"XT04"}}
    assert "XT04" in result.rule_counts["rule_code"].to_list()
    assert result.rule_counts.filter(pl.col("rule_code") == "XT04")["rows_count"][0] == 1


def test_an_extracts_reviews_before_a_childs_first_episode_are_out_of_scope(params):
    episode = EPISODE | {"DECOM": "01/06/2021"}
    reviews = [
        {"CHILD": "C1", "REVIEW": "15/03/2020", "REVIEW_CODE": "PN1"},  # before the episode
        {"CHILD": "C1", "REVIEW": "15/07/2021", "REVIEW_CODE": "PN1"},
        {"CHILD": "C2", "REVIEW": "15/07/2021", "REVIEW_CODE": "PN1"},  # orphan: an error
    ]
    header = [HEADER, HEADER | {"CHILD": "C2"}]
    result = validate(
        tables({"header": header, "episodes": [episode], "reviews": reviews}, {}),
        params,
        engine="polars",
    )
    s = result.summary.filter(pl.col("table") == "reviews").row(0, named=True)
    assert (s["rows_clean"], s["rows_quarantined"], s["rows_out_of_scope"]) == (1, 1, 1)
    assert failed(result, "reviews") == {4: {"XT04"}}
