import datetime as dt
import logging
from pathlib import Path

import polars as pl
import pytest

from pipeline.core.schemas import CORE
from pipeline.inputs.contract import tables
from pipeline.params import load_params
from pipeline.rules.testing import EPISODE, HEADER, raw_tables
from pipeline.validate import (
    ISSUES_SCHEMA,
    QUARANTINE_SCHEMA,
    RETURNS_SCHEMA,
    RULE_COUNTS_SCHEMA,
    ValidationResult,
    escalation_areas,
    prepare,
    read_operator_rows,
    rules_markdown,
    run_rules,
    summary_json,
    summary_text,
    validate,
    write_operator_rows,
)

ROOT = Path(__file__).parents[1]
REVIEW = {"CHILD": "C1", "REVIEW": "01/03/2024", "REVIEW_CODE": "PN1"}


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "config" / "sample.yml", extract_date=dt.date(2024, 4, 30))


def run(rows, params, engine="polars"):
    return validate(raw_tables(rows), params, engine=engine)


def test_core_tables_typed_and_named_per_schema(params):
    result = run({"reviews": [REVIEW]}, params)
    assert set(result.core) == set(CORE) - {"core_periods_of_care", "core_month_end"}
    for name, df in result.core.items():
        assert df.schema == pl.Schema(CORE[name]), name
    assert result.core["core_escalations"].height == 0  # optional table not supplied
    assert result.core["core_reviews"].row(0) == ("C1", dt.date(2024, 3, 1), "PN1")


def test_core_children_derivations(params):
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2", "SEX": "2", "ETHNIC": "BAFR"}],
        "episodes": [EPISODE, {**EPISODE, "CHILD": "C2"}],
        "uasc": [{"CHILD": "C2", "DUC": "01/01/2030"}],
    }
    children = run(rows, params).core["core_children"].sort("child_id")
    assert children.select(
        "sex", "ethnicity_group", "is_white_british", "is_uasc", "uasc_ceased_date"
    ).rows() == [
        ("Male", "White", True, False, None),
        ("Female", "Black, African, Caribbean or Black British", False, True, dt.date(2030, 1, 1)),
    ]


def test_flags_and_escalation_areas(params):
    rows = {
        "oc2": [{"CHILD": "C1", "SDQ_SCORE": "12", "CONVICTED": "1", "HEALTH_CHECK": "0"}],
        "escalations": [
            {
                "ESC_ID": "E1",
                "CHILD": "C1",
                "IRO": "I1",
                "RAISED": "01/02/2024",
                "STAGE": "S1",
                "AREAS": "CPI; EDU",
            }
        ],
    }
    core = run(rows, params).core
    oc2 = core["core_oc2"]
    assert oc2.select("sdq_score", "is_convicted", "has_health_check", "has_teeth_check").row(
        0
    ) == (12, True, False, None)
    assert core["core_escalation_areas"].rows() == [("E1", "CPI"), ("E1", "EDU")]


def test_quarantine_reconciles_and_header_takes_the_childs_rows_with_it(params):
    rows = {
        "header": [
            HEADER,
            {**HEADER, "CHILD": "C2"},
            {**HEADER, "CHILD": "C2"},
            {**HEADER, "CHILD": "C3"},
        ],
        "episodes": [
            EPISODE,
            {**EPISODE, "CHILD": "C2"},
            {**EPISODE, "CHILD": "C3", "DEC": "01/01/2019", "REC": "E13"},
        ],
        "reviews": [REVIEW, {**REVIEW, "CHILD": "C2"}],
    }
    result = run(rows, params)
    summary = {r["table"]: r for r in result.summary.iter_rows(named=True)}
    assert {
        t: (s["rows_in"], s["rows_clean"], s["rows_quarantined"])
        for t, s in summary.items()
        if s["rows_in"]
    } == {
        "header": (4, 2, 2),
        "episodes": (3, 1, 2),
        "reviews": (2, 1, 1),
    }
    for s in summary.values():
        assert s["rows_in"] == s["rows_clean"] + s["rows_quarantined"]
    q = result.quarantine
    assert q.schema == pl.Schema(QUARANTINE_SCHEMA)
    assert q.filter(table="episodes").select(
        "source_file", "source_row", "child_id", "rule_code"
    ).rows() == [
        ("episodes.csv", 3, "C2", "XT01-EPISODES"),
        ("episodes.csv", 4, "C3", "EP01"),
    ]
    assert q.filter(table="header")["rule_code"].to_list() == ["GX-HEADER-CHILD-UNIQUE"] * 2
    assert "C2" not in result.core["core_children"]["child_id"].to_list()


def test_one_quarantine_row_per_failing_rule_counted_once(params):
    # a future review outside every episode fails RV01 and XT04
    result = run({"reviews": [REVIEW, {**REVIEW, "REVIEW": "01/06/2024"}]}, params)
    assert sorted(result.quarantine.filter(table="reviews")["rule_code"]) == ["RV01", "XT04"]
    reviews = result.summary.filter(table="reviews").row(0, named=True)
    assert (reviews["rows_in"], reviews["rows_clean"], reviews["rows_quarantined"]) == (2, 1, 1)
    rc = result.rule_counts.filter(severity="quarantine")
    assert dict(zip(rc["rule_code"], rc["rows_count"], strict=True)) == {"RV01": 1, "XT04": 1}


def test_warnings_keep_the_row_and_are_counted_apart(params):
    # C1 has been looked after since 2020 (continuously for 12 months at 31 March 2024) but
    # has no OC2 record (DfE 191, a warning); C2's review has a code that does not fit its
    # age (DfE 441: PN1 under 4, a warning); C3's OC2 record has items but C3 started in the
    # year (DfE 190: quarantined)
    rows = {
        "header": [
            HEADER,
            {**HEADER, "CHILD": "C2", "DOB": "01/06/2021"},
            {**HEADER, "CHILD": "C3"},
        ],
        "episodes": [
            EPISODE,
            {**EPISODE, "CHILD": "C2", "DECOM": "01/06/2023"},
            {**EPISODE, "CHILD": "C3", "DECOM": "01/06/2023"},
        ],
        "reviews": [{**REVIEW, "CHILD": "C2", "DOB": "01/06/2021"}],
        "oc2": [{"CHILD": "C3", "IMMUNISATIONS": "1"}],
    }
    result = run(rows, params)
    summary = {r["table"]: r for r in result.summary.iter_rows(named=True)}
    assert (summary["episodes"]["rows_clean"], summary["episodes"]["rows_warned"]) == (3, 1)
    assert (summary["reviews"]["rows_clean"], summary["reviews"]["rows_warned"]) == (1, 1)
    assert (summary["oc2"]["rows_quarantined"], summary["oc2"]["rows_warned"]) == (1, 0)
    assert result.core["core_reviews"].height == 1  # the warned review is used
    assert result.core["core_oc2"].height == 0
    w = result.warnings
    assert w.schema == pl.Schema(QUARANTINE_SCHEMA)
    assert sorted(zip(w["table"], w["source_row"], w["rule_code"], strict=True)) == [
        ("episodes", 2, "DFE-191-EPISODES"),
        ("reviews", 2, "DFE-441"),
    ]
    assert result.quarantine.select("table", "rule_code").rows() == [("oc2", "DFE-190")]
    rc = {r["rule_code"]: r for r in result.rule_counts.iter_rows(named=True)}
    assert (rc["DFE-441"]["severity"], rc["DFE-441"]["dfe_rule"]) == ("warning", "441")
    assert (rc["DFE-190"]["severity"], rc["DFE-190"]["dfe_rule"]) == ("quarantine", "190")
    # quarantining rules are listed first
    assert result.rule_counts["severity"].to_list()[0] == "quarantine"
    js = summary_json(result)
    assert js["rules"] == {"DFE-190": 1}
    assert js["warnings"] == {"DFE-191-EPISODES": 1, "DFE-441": 1}
    text = summary_text(result)
    assert "Warnings (rows kept" in text and "DfE 441" in text


def test_operator_rows_list_every_row_and_rule_with_both_severities(params, tmp_path):
    rows = {
        "header": [HEADER],
        "episodes": [EPISODE, {**EPISODE, "DECOM": "01/01/2021", "PLACE": "T1"}],
    }
    result = run(rows, params)
    out = tmp_path / "rows.csv"
    n = write_operator_rows(result, out)
    first = out.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# SENSITIVE")
    listed = read_operator_rows(out)
    assert n == listed.height
    assert listed.columns == [
        "table",
        "source_file",
        "source_row",
        "CHILD",
        "rule_code",
        "dfe_rule",
        "severity",
        "message",
    ]
    got = {
        (r["source_row"], r["rule_code"], r["dfe_rule"], r["severity"])
        for r in listed.iter_rows(named=True)
    }
    # row 2: open and followed by another episode (DfE 142, quarantined)
    assert (2, "DFE-142", "142", "quarantine") in got
    # row 3: a temporary placement with a provider (DfE 213 and 178, quarantined) that
    # starts a period with RNE S (DfE 380, a warning)
    assert {(3, "DFE-213", "213", "quarantine"), (3, "DFE-380", "380", "warning")} <= got
    assert set(listed["CHILD"]) == {"C1"}


def test_summaries_have_counts_and_no_child_values(params):
    rows = {"header": [HEADER, {**HEADER, "CHILD": "SECRET9", "SEX": "7"}]}
    result = run(rows, params)
    js = summary_json(result)
    assert js["header"] == {
        "rows_in": 2,
        "rows_clean": 1,
        "rows_quarantined": 1,
        "rows_superseded": 0,
        "rows_out_of_scope": 0,
        "rows_warned": 0,
    }
    assert js["rules"] == {"GX-HEADER-SEX-IN-SET": 1}
    text = summary_text(result)
    assert "header" in text and "GX-HEADER-SEX-IN-SET" in text
    for shared in (text, str(js), str(result.summary.rows()), str(result.rule_counts.rows())):
        assert "SECRET9" not in shared


def test_gx_engine_matches_polars_engine(params):
    """The GX suites and their polars twins quarantine exactly the same rows."""
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2", "SEX": "9", "DOB": "2010/1/1"}, HEADER],
        "episodes": [EPISODE, {**EPISODE, "LS": None, "DECOM": "31/02/2020"}],
        "oc2": [{"CHILD": "C1", "SDQ_SCORE": "x"}, {"CHILD": "C1", "SDQ_SCORE": "41"}],
        "escalations": [
            {
                "ESC_ID": "E1",
                "CHILD": "C1",
                "IRO": "I1",
                "RAISED": "01/02/2024",
                "STAGE": "S1",
                "AREAS": "CPI;ZZZ",
            },
            {
                "ESC_ID": "E1",
                "CHILD": "C1",
                "IRO": "I1",
                "RAISED": "01/02/2024",
                "STAGE": "XX",
                "AREAS": "CPI",
            },
        ],
    }
    from pipeline.validate import GX_BESIDE

    polars_q = run(rows, params, engine="polars").quarantine
    beside = _Beside()
    token = GX_BESIDE.set(beside)
    try:
        gx_q = validate(raw_tables(rows), params).quarantine  # GX is the default engine
    finally:
        GX_BESIDE.reset(token)
    assert beside.submitted == []  # GX itself ran: nothing handed to a worker beside
    assert polars_q.height > 8
    assert gx_q.equals(polars_q)


def test_committed_rules_doc_matches_registry():
    committed = (ROOT / "docs" / "validation-rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), "regenerate docs/validation-rules.md (see its header)"


def _two_returns():
    # Returns 2022-23 and 2023-24 (coverage from 1 April 2022, the earliest return's start).
    # C1 is in both; C2 only in 2023-24, with an invalid SEX.
    return {
        "header": [
            {**HEADER, "collection_year": 2023},  # row 2: superseded by row 3 (key CHILD)
            {**HEADER, "collection_year": 2024},  # row 3: clean
            {**HEADER, "CHILD": "C2", "SEX": "7", "collection_year": 2024},  # row 4: SEX 7
        ],
        "episodes": [
            {**EPISODE, "collection_year": 2023},  # row 2: superseded by row 3 (CHILD+DECOM)
            {**EPISODE, "collection_year": 2024},  # row 3: clean, warned (DfE 191: no OC2)
            {**EPISODE, "CHILD": "C2", "collection_year": 2024},  # row 4: C2's header is out
        ],
        "reviews": [
            {**REVIEW, "REVIEW": "01/03/2022", "collection_year": 2023},  # row 2: before 1/4/22
            {**REVIEW, "REVIEW": "01/03/2023", "collection_year": 2023},  # row 3: clean
            {**REVIEW, "collection_year": 2024},  # row 4: clean
            {**REVIEW, "CHILD": "C2", "collection_year": 2024},  # row 5: XT01 + XT04
            {**REVIEW, "CHILD": "C2", "REVIEW": "01/02/2024", "collection_year": 2024},  # row 6
        ],
    }


def test_every_row_has_one_status_and_the_counts_reconcile_per_table_and_return(params, caplog):
    with caplog.at_level(logging.INFO, logger="pipeline.validate"):
        result = run(_two_returns(), params)
    # row_id is the 0-based position in each raw table (row 2 of the file is row_id 0)
    assert result.row_status.rows() == [
        ("header", 0, "superseded", False),
        ("header", 1, "clean", False),
        ("header", 2, "quarantined", False),  # GX-HEADER-SEX-IN-SET
        ("episodes", 0, "superseded", False),
        # DfE 191 (looked after 12 months at 31 March 2024, no OC2) warns on both C1's and
        # C2's episode, but only a clean row counts as warned
        ("episodes", 1, "clean", True),
        ("episodes", 2, "quarantined", False),  # XT01-EPISODES
        ("reviews", 0, "out of scope", False),
        ("reviews", 1, "clean", False),
        ("reviews", 2, "clean", False),
        ("reviews", 3, "quarantined", False),  # XT01-REVIEWS and XT04, counted once
        ("reviews", 4, "quarantined", False),
    ]
    assert result.row_status.schema == pl.Schema(
        {"table": pl.String, "row_id": pl.UInt32, "row_status": pl.String, "is_warned": pl.Boolean}
    )
    # in = clean + quarantined + superseded + out of scope; warned counts clean rows
    # header 3 = 1 + 1 + 1 + 0; episodes 3 = 1 + 1 + 1 + 0 (1 warned); reviews 5 = 2 + 2 + 0 + 1
    summary = result.summary
    assert summary["table"].to_list()[:3] == ["header", "episodes", "reviews"]  # contract order
    assert summary.head(3).drop("table").rows() == [
        (3, 1, 1, 1, 0, 0),
        (3, 1, 1, 1, 0, 1),
        (5, 2, 2, 0, 1, 0),
    ]
    # every other contract table has a row of zeros
    assert summary["table"].to_list() == list(tables())
    assert summary.slice(3).drop("table").unique().rows() == [(0, 0, 0, 0, 0, 0)]
    assert summary.schema == pl.Schema(
        {"table": pl.String} | dict.fromkeys(summary.columns[1:], pl.Int64)
    )
    # per return: 2022-23 holds the superseded copies and the out-of-scope review
    assert result.by_return.rows() == [
        ("header", 2023, "return 2022-23", 1, 0, 0, 1, 0, 0),
        ("header", 2024, "return 2023-24", 2, 1, 1, 0, 0, 0),
        ("episodes", 2023, "return 2022-23", 1, 0, 0, 1, 0, 0),
        ("episodes", 2024, "return 2023-24", 2, 1, 1, 0, 0, 1),
        ("reviews", 2023, "return 2022-23", 2, 1, 0, 0, 1, 0),
        ("reviews", 2024, "return 2023-24", 3, 1, 2, 0, 0, 0),
    ]
    assert (result.core["core_children"].height, result.core["core_episodes"].height) == (1, 1)
    # the totals: 3 + 3 + 5 = 11 in; clean 1 + 1 + 2 = 4; quarantined 1 + 1 + 2 = 4;
    # superseded 1 + 1 = 2; out of scope 1; warned 1
    assert caplog.messages[-1] == (
        "validated 11 rows: 4 clean, 4 quarantined, 2 superseded, 1 out of scope; "
        "1 clean rows with warnings"
    )
    # coverage from year_end - history_years - 1 = 2024 - 4 - 1 = 2019 (the returns' years
    # before, 2022 and 2023, are later) to year_end
    assert result.coverage_table["year_end"].to_list() == [2019, 2020, 2021, 2022, 2023, 2024]
    assert result.core["core_coverage"].height == 6
    assert result.coverage.return_years == (2023, 2024)
    assert result.core["core_reviews"]["review_date"].to_list() == [
        dt.date(2023, 3, 1),
        dt.date(2024, 3, 1),
    ]


def test_rule_counts_quarantine_first_then_most_rows_then_code(params):
    result = run(_two_returns(), params)
    assert result.rule_counts.drop("message").rows() == [
        # quarantining rules: XT01-REVIEWS and XT04 (2 rows: C2's reviews 5 and 6) before
        # the rules with 1 row, each pair by code
        ("XT01-REVIEWS", "", "quarantine", "reviews", 2),
        ("XT04", "", "quarantine", "reviews", 2),
        ("GX-HEADER-SEX-IN-SET", "", "quarantine", "header", 1),
        ("XT01-EPISODES", "", "quarantine", "episodes", 1),
        # a warning comes last though it has 2 rows (C1's and C2's episodes, one of them
        # quarantined: a rule's count is of every row it flags)
        ("DFE-191-EPISODES", "191", "warning", "episodes", 2),
    ]
    q = result.quarantine
    # one row per (row, rule), in table, file and row order; the child and the fields named
    assert q.select(
        "table", "source_file", "source_row", "child_id", "rule_code", "fields"
    ).rows() == [
        ("episodes", "episodes.csv", 4, "C2", "XT01-EPISODES", "CHILD"),
        ("header", "header.csv", 4, "C2", "GX-HEADER-SEX-IN-SET", "SEX"),
        ("reviews", "reviews.csv", 5, "C2", "XT01-REVIEWS", "CHILD"),
        ("reviews", "reviews.csv", 5, "C2", "XT04", "CHILD, REVIEW"),
        ("reviews", "reviews.csv", 6, "C2", "XT01-REVIEWS", "CHILD"),
        ("reviews", "reviews.csv", 6, "C2", "XT04", "CHILD, REVIEW"),
    ]
    assert (
        q["message"][1] == result.rule_counts.filter(rule_code="GX-HEADER-SEX-IN-SET")["message"][0]
    )
    assert q["message"][1].startswith("SEX is not in the SEX code list")
    assert result.warnings.select("source_row", "child_id", "rule_code").rows() == [
        (3, "C1", "DFE-191-EPISODES"),
        (4, "C2", "DFE-191-EPISODES"),
    ]
    assert result.issues.filter(table="episodes", source_row=4).select(
        "rule_code", "dfe_rule", "severity"
    ).rows() == [("DFE-191-EPISODES", "191", "warning"), ("XT01-EPISODES", "", "quarantine")]


def test_extract_history_before_a_childs_first_episode_is_out_of_scope(params):
    # A multi-year extract (no collection year), plus one review from the 2023-24 return.
    # Coverage starts 1 April 2019: the 1 April on or before the extract's earliest review
    # (1 June 2019); the return's own start (1 April 2023) is later.
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}, {**HEADER, "CHILD": "C3"}],
        "episodes": [
            EPISODE,  # row 2: C1 from 1 January 2020
            {**EPISODE, "CHILD": "C2", "DECOM": "01/06/2021"},  # row 3
            # row 4: C3's earliest episode, quarantined (PLACE ZZ; and open, followed by row 5)
            {**EPISODE, "CHILD": "C3", "DECOM": "01/01/2018", "PLACE": "ZZ"},
            {**EPISODE, "CHILD": "C3", "DECOM": "01/01/2020", "RNE": "P"},  # row 5
        ],
        "reviews": [
            REVIEW,  # row 2: clean
            {**REVIEW, "REVIEW": "01/06/2019"},  # row 3: before C1's first episode: history
            {**REVIEW, "CHILD": "C2", "REVIEW": "31/05/2021"},  # row 4: the day before: history
            {**REVIEW, "CHILD": "C2", "REVIEW": "01/06/2021"},  # row 5: on the start: clean
            # row 6: after the extract date (RV01) as well as outside every episode (XT04)
            {**REVIEW, "CHILD": "C2", "REVIEW": "01/06/2024"},
            # row 7: before C3's first *clean* episode (2020; the 2018 one is quarantined)
            {**REVIEW, "CHILD": "C3", "REVIEW": "01/06/2019"},
            # row 8: before C2's first episode, but in a return: a return does not hold
            # history, so XT04 stands
            {**REVIEW, "CHILD": "C2", "REVIEW": "30/05/2021", "collection_year": 2024},
        ],
        "missing": [
            # row 2: before the coverage start (1 April 2019): out of scope
            {"CHILD": "C1", "MISSING": "M", "MIS_START": "31/03/2019", "MIS_END": "02/04/2019"},
            # row 3: on the coverage start: in scope (and quarantined: before C1's care)
            {"CHILD": "C1", "MISSING": "M", "MIS_START": "01/04/2019", "MIS_END": "02/04/2019"},
        ],
    }
    result = run(rows, params)
    status = result.row_status.filter(pl.col("table").is_in(["reviews", "missing"]))
    assert status.select("table", "row_status").rows() == [
        ("reviews", "clean"),
        ("reviews", "out of scope"),
        ("reviews", "out of scope"),
        ("reviews", "clean"),
        ("reviews", "quarantined"),
        ("reviews", "out of scope"),
        ("reviews", "quarantined"),
        ("missing", "out of scope"),
        ("missing", "quarantined"),
    ]
    q = result.quarantine.filter(table="reviews")
    assert q.select("source_row", "rule_code").rows() == [(6, "RV01"), (6, "XT04"), (8, "XT04")]
    # history is set aside, not a failure: neither in the quarantine nor in the rule counts
    xt04 = result.rule_counts.filter(rule_code="XT04")["rows_count"].to_list()
    assert xt04 == [2]  # rows 6 and 8
    assert result.core["core_reviews"]["review_date"].to_list() == [
        dt.date(2024, 3, 1),
        dt.date(2021, 6, 1),
    ]
    # per return; the extract's rows (collection year null) are counted too, after the
    # return's: reviews 7 = 1 (2023-24: row 8 quarantined) + 6 (extract: 2 clean, 1
    # quarantined, 3 out of scope); episodes 4 = 3 clean (all warned: DfE 191 or 433) + 1
    assert result.by_return.rows() == [
        ("header", None, "multi-year extract", 3, 3, 0, 0, 0, 0),
        ("episodes", None, "multi-year extract", 4, 3, 1, 0, 0, 3),
        ("reviews", 2024, "return 2023-24", 1, 0, 1, 0, 0, 0),
        ("reviews", None, "multi-year extract", 6, 2, 1, 0, 3, 0),
        ("missing", None, "multi-year extract", 2, 0, 1, 0, 1, 0),
    ]
    assert result.by_return.schema == pl.Schema(RETURNS_SCHEMA)


def test_prepare_numbers_rows_and_fills_what_a_reader_left_out():
    # a bare frame under the contract name (no raw_ prefix), with one contract column of
    # header's four and none of the reader's columns
    bare = pl.DataFrame({"CHILD": ["C1", "C2"], "EXTRA": ["x", "y"]})
    # CIN children as CSV: the return's year is the Year column (text; "n/a" is no year)
    cin = pl.DataFrame(
        {"LAchildID": ["A", "B", "C"], "Year": ["2024", "n/a", None]},
    ).with_columns(collection_year=pl.Series([None, 2023, 2022], dtype=pl.Int64))
    reviews = raw_tables({"reviews": [REVIEW]}, base=False)["raw_reviews"].with_columns(
        stack_order=pl.lit("b")
    )
    out = prepare({"header": bare, "cin_children": cin, "raw_reviews": reviews})
    assert list(out) == list(tables())  # every contract table, absent ones empty
    h = out["header"]
    header = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]  # tables.yml
    # EXTRA dropped; the reader's columns after the contract's
    assert h.columns == ["row_id", *header, "source_file", "source_row", "collection_year"]
    # row_id from 0; source_row as a spreadsheet numbers it (the header is row 1); the
    # file named after the table; no return year; absent columns null strings
    blank = (None,) * 6
    assert h.rows() == [(0, "C1", *blank, "header", 2, None), (1, "C2", *blank, "header", 3, None)]
    assert h.schema["source_row"] == pl.Int64 and h.schema["SEX"] == pl.String
    assert h.schema["collection_year"] == pl.Int64 and h.schema["row_id"] == pl.UInt32
    # Year wins where it reads as a year, else the reader's collection_year: 2024, 2023, 2022
    assert out["cin_children"]["collection_year"].to_list() == [2024, 2023, 2022]
    # a reader's own source columns and stack order are kept
    r = out["reviews"]
    assert r.select("source_file", "source_row", "stack_order").row(0) == ("reviews.csv", 2, "b")
    assert out["oc2"].height == 0 and "stack_order" not in out["oc2"].columns
    assert out["oc2"].schema["collection_year"] == pl.Int64


def test_escalation_areas_one_row_per_named_area():
    esc = pl.DataFrame({"ESC_ID": ["E1", "E2", "E3"], "AREAS": [" CPI ;EDU;; CPI", None, "HLT"]})
    # E1: " CPI ", "EDU", "", " CPI" -> stripped, the blank dropped, the repeat once;
    # E2: no areas; E3: one
    assert escalation_areas(None, esc).rows() == [("E1", "CPI"), ("E1", "EDU"), ("E3", "HLT")]


def _hand_built_result(**kw):
    """A ValidationResult from hand-made aggregate frames (no validation run)."""
    counts = ("rows_in", "rows_clean", "rows_quarantined", "rows_superseded", "rows_out_of_scope")
    summary = pl.DataFrame(
        [("episodes", 1234, 1000, 200, 30, 4, 5), ("reviews", 12, 10, 2, 0, 0, 1)],
        schema=["table", *counts, "rows_warned"],
        orient="row",
    )
    by_return = pl.DataFrame(
        [
            ("episodes", 2023, "return 2022-23", 1000, 900, 100, 0, 0, 5),
            ("episodes", 2024, "return 2023-24", 234, 100, 100, 30, 4, 0),
            ("reviews", 2024, "return 2023-24", 0, 0, 0, 0, 0, 0),  # no rows: not shown
            ("reviews", None, "multi-year extract", 12, 10, 2, 0, 0, 1),
        ],
        schema=RETURNS_SCHEMA,
        orient="row",
    )
    coverage = pl.DataFrame(
        [
            ("2021-22", False, True, "31 March only"),
            ("2022-23", True, True, "return 2022-23"),
        ],
        schema=["year_label", "is_year_covered", "is_31_march_covered", "basis"],
        orient="row",
    )
    conflicts = pl.DataFrame(
        [("header", f"C{i}", "SEX", "1", "a.csv", i, "2", "b.csv", 10 + i) for i in range(1, 4)]
        + [
            ("episodes", f"C{i}", "LS", "C1", "a.csv", i, "C2", "b.csv", 10 + i)
            for i in range(4, 8)
        ],
        schema=[
            "table",
            "child_id",
            "column",
            "earlier_value",
            "earlier_file",
            "earlier_row",
            "later_value",
            "later_file",
            "later_row",
        ],
        orient="row",
    )
    rule_counts = pl.DataFrame(
        [
            ("DFE-441", "441", "warning", "reviews", "Code does not fit the age", 3),
            ("XT04", "", "quarantine", "reviews", "Review outside every episode", 1234),
        ],
        schema=list(RULE_COUNTS_SCHEMA),
        orient="row",
    )
    parts = dict(
        core={},
        quarantine=None,
        summary=summary,
        rule_counts=rule_counts,
        by_return=by_return,
        coverage_table=coverage,
        conflicts=conflicts,
    )
    return ValidationResult(**(parts | kw))


def test_summary_text_lays_out_every_section():
    text = summary_text(_hand_built_result())
    # columns: each key as wide as its widest value (8, "episodes"; 18, "multi-year
    # extract"), then counts right-aligned in 12 with thousands separators, two spaces
    # apart; total = 1234 + 12, 1000 + 10, 200 + 2, ...; the per-return table leaves out
    # the return with no rows and has no total; a rule line: the code in 36, the DfE
    # number in 9 ("" for our own rules), the count in 9, then the reason
    assert text.splitlines() == [
        "table               in         clean   quarantined    superseded  out_of_scope        warned",
        "episodes         1,234         1,000           200            30             4             5",
        "reviews             12            10             2             0             0             1",
        "total            1,246         1,010           202            30             4             6",
        "",
        "Per return:",
        "table     return_label                  in         clean   quarantined    superseded  out_of_scope",
        "episodes  return 2022-23             1,000           900           100             0             0",
        "episodes  return 2023-24               234           100           100            30             4",
        "reviews   multi-year extract            12            10             2             0             0",
        "",
        "Coverage (collection years; 31 March = children in care that day):",
        "  2021-22  year: no   31 March: yes  31 March only",
        "  2022-23  year: yes  31 March: yes  return 2022-23",
        "",
        "Values two returns disagree on (the later return is used): 7 (episodes 4, header 3)",
        "  header child C1 SEX: '1' in a.csv row 1, '2' in b.csv row 11",
        "  header child C2 SEX: '1' in a.csv row 2, '2' in b.csv row 12",
        "  header child C3 SEX: '1' in a.csv row 3, '2' in b.csv row 13",
        "  episodes child C4 LS: 'C1' in a.csv row 4, 'C2' in b.csv row 14",
        "  episodes child C5 LS: 'C1' in a.csv row 5, 'C2' in b.csv row 15",
        "  ... and 2 more (data/processed/returns_conflicts.parquet)",
        "",
        "Rules that quarantined rows (left out of every figure):",
        "  XT04                                               1,234  Review outside every episode",
        "",
        "Warnings (rows kept in the figures, listed for correction):",
        "  DFE-441                              DfE 441           3  Code does not fit the age",
    ]


def test_summary_text_leaves_out_empty_sections():
    # one return year (the extract's null is not a second): no per-return table; no
    # coverage rows, no conflicts, no rules
    one_year = _hand_built_result().by_return.filter(pl.col("collection_year") != 2023)
    empty = _hand_built_result(
        by_return=one_year,
        coverage_table=_hand_built_result().coverage_table.head(0),
        conflicts=_hand_built_result().conflicts.head(0),
        rule_counts=pl.DataFrame(schema=RULE_COUNTS_SCHEMA),
    )
    assert summary_text(empty).splitlines()[4:] == []
    assert summary_text(_hand_built_result(by_return=None, coverage_table=None, conflicts=None))
    five = _hand_built_result(conflicts=_hand_built_result().conflicts.head(5))
    assert "... and" not in summary_text(five)  # 5 conflicts: all listed


def test_summary_json_counts_per_table_rules_returns_coverage_and_conflicts():
    js = summary_json(_hand_built_result())
    assert js["episodes"] == {
        "rows_in": 1234,
        "rows_clean": 1000,
        "rows_quarantined": 200,
        "rows_superseded": 30,
        "rows_out_of_scope": 4,
        "rows_warned": 5,
    }
    assert (js["rules"], js["warnings"], js["conflicts"]) == ({"XT04": 1234}, {"DFE-441": 3}, 7)
    assert js["returns"][3] == {
        "table": "reviews",
        "collection_year": None,
        "return_label": "multi-year extract",
        "rows_in": 12,
        "rows_clean": 10,
        "rows_quarantined": 2,
        "rows_superseded": 0,
        "rows_out_of_scope": 0,
        "rows_warned": 1,
    }
    assert js["coverage"][0]["basis"] == "31 March only"
    bare = summary_json(_hand_built_result(by_return=None, coverage_table=None, conflicts=None))
    assert set(bare) == {"episodes", "reviews", "rules", "warnings"}


def test_coverage_reaches_back_to_the_year_before_the_earliest_return(params):
    # a 2018-19 return (collection year 2019): the coverage table starts at 2019 - 1 = 2018,
    # before year_end - history_years - 1 = 2019
    result = run({"header": [{**HEADER, "collection_year": 2019}]}, params)
    assert result.coverage_table["year_end"].to_list() == list(range(2018, 2025))


def test_engine_must_be_gx_or_polars(params):
    with pytest.raises(ValueError, match="^engine must be 'gx' or 'polars', not 'pandas'$"):
        run({}, params, engine="pandas")


def test_postcode_file_configured_else_the_raw_folders_reference_file(params, tmp_path):
    from pipeline.validate import _postcode_file

    raw = tmp_path / "raw"
    at_raw = params.model_copy(update={"paths": params.paths.model_copy(update={"raw": raw})})
    assert _postcode_file(at_raw) is None  # nothing configured, no reference file
    (raw / "reference").mkdir(parents=True)
    assert _postcode_file(at_raw) is None  # the folder alone is not a file
    (raw / "reference" / "postcodes.csv").write_text("pcd,lat,long\n", encoding="utf-8")
    assert _postcode_file(at_raw) == raw / "reference" / "postcodes.csv"
    mine = tmp_path / "mine.csv"
    paths = at_raw.paths.model_copy(update={"postcodes": mine})
    assert _postcode_file(at_raw.model_copy(update={"paths": paths})) == mine  # configured wins


class _Beside:
    """Stands in for the build's GX worker (pipeline/run/gxcheck.py): records what it is given."""

    def __init__(self):
        self.submitted, self.expected = [], []

    def submit(self, raw, rules):
        self.submitted.append((raw, rules))

    def expect(self, failures):
        self.expected.append(failures)


def test_run_rules_hands_gx_the_rows_and_the_polars_result_when_beside():
    from pipeline.rules import registry
    from pipeline.validate import GX_BESIDE

    raw_ = prepare(raw_tables({"header": [HEADER, {**HEADER, "CHILD": "C2", "SEX": "7"}]}))
    beside = _Beside()
    token = GX_BESIDE.set(beside)
    try:
        failures = run_rules(raw_, dt.date(2024, 4, 30), engine="polars", year_end=2024)
    finally:
        GX_BESIDE.reset(token)
    ((raw_seen, rules),) = beside.submitted
    assert raw_seen is raw_
    gx_rules = [r.code for r in registry().values() if r.gx is not None]
    assert [r.code for r in rules] == gx_rules and len(gx_rules) > 10
    (expected,) = beside.expected
    assert expected.equals(failures)
    # C2's SEX 7 (row_id 1 of header) is the one failure among these rows
    assert failures.filter(table="header").rows() == [("header", 1, "GX-HEADER-SEX-IN-SET")]
    # without a worker beside, nothing is handed over
    assert run_rules(raw_, dt.date(2024, 4, 30), engine="polars", year_end=2024).equals(failures)
    assert len(beside.submitted) == 1


def test_quarantine_rows_are_the_quarantining_failures_where_to_find_them():
    from pipeline.validate import quarantine_rows

    raw_ = prepare(raw_tables({"header": [HEADER, {**HEADER, "CHILD": "C2", "SEX": "7"}]}))
    failures = run_rules(raw_, dt.date(2024, 4, 30), engine="polars", year_end=2024)
    # C1's episode (from 1 January 2020) only warns: DfE 191, no OC2
    assert failures.filter(table="episodes")["rule_code"].to_list() == ["DFE-191-EPISODES"]
    q = quarantine_rows(raw_, failures)
    assert q.schema == pl.Schema(QUARANTINE_SCHEMA)
    assert q.drop("message").rows() == [
        ("header", "header.csv", 3, "C2", "GX-HEADER-SEX-IN-SET", "SEX"),
    ]
    none = quarantine_rows(raw_, failures.head(0))  # nothing failed: empty, same columns
    assert (none.height, none.schema) == (0, pl.Schema(QUARANTINE_SCHEMA))


def test_validate_of_no_rows_at_all(params):
    # no table holds a row: every table's counts are 0, the per-return table is empty but
    # has its columns, no rule fired; coverage runs from year_end - history_years - 1 =
    # 2024 - 4 - 1 = 2019 (no return reaches further back) to 2024
    result = validate(raw_tables({}, base=False), params, engine="polars")
    assert result.summary.height == len(tables())
    assert result.summary.drop("table").sum().row(0) == (0, 0, 0, 0, 0, 0)
    assert result.by_return.height == 0
    assert result.by_return.schema == pl.Schema(RETURNS_SCHEMA)
    assert result.rule_counts.height == 0 and result.issues.height == 0
    assert (result.coverage.return_years, result.coverage.extract_start) == ((), None)
    assert result.coverage_table["year_end"].to_list() == [2019, 2020, 2021, 2022, 2023, 2024]
    assert summary_text(result).splitlines()[-7] == (
        "Coverage (collection years; 31 March = children in care that day):"
    )


def test_rules_doc_cells_keep_the_table_on_one_line():
    from pipeline.validate import _cell

    # a "|" would end the markdown cell and a newline the row
    assert _cell("a|b\nc") == "a/b c"
    assert _cell("plain") == "plain"


def test_operator_rows_read_back_child_ids_as_text(params, tmp_path):
    # a child ID of digits with a leading zero stays "0123" (read as a number it would be 123)
    result = run({"header": [{**HEADER, "CHILD": "0123", "SEX": "7"}], "episodes": []}, params)
    path = tmp_path / "rows.csv"
    assert write_operator_rows(result, path) == 1
    back = read_operator_rows(path)
    assert back["CHILD"].to_list() == ["0123"]
    assert back["dfe_rule"].to_list() == [""]  # our own rule: no DfE number, kept as text


def test_run_rules_defaults_to_polars_and_hands_gx_the_rows():
    from pipeline.validate import GX_BESIDE

    raw_ = prepare(raw_tables({"header": [HEADER]}))
    beside = _Beside()
    token = GX_BESIDE.set(beside)
    try:
        run_rules(raw_, dt.date(2024, 4, 30), year_end=2024)  # no engine: polars
    finally:
        GX_BESIDE.reset(token)
    assert len(beside.submitted) == 1 and len(beside.expected) == 1


def test_run_rules_failures_by_table_then_row_then_rule():
    raw_ = prepare(
        raw_tables(
            {
                # row 1: SEX 7 and ETHNIC XXXX (two rules); row 2: ETHNIC XXXX only
                "header": [
                    HEADER,
                    {**HEADER, "CHILD": "C2", "SEX": "7", "ETHNIC": "XXXX"},
                    {**HEADER, "CHILD": "C3", "ETHNIC": "XXXX"},
                ],
                # row 0: REVIEW_CODE PN9 is no code
                "reviews": [{**REVIEW, "REVIEW_CODE": "PN9"}],
            }
        )
    )
    failures = run_rules(raw_, dt.date(2024, 4, 30), engine="polars", year_end=2024)
    # C1's episode only warns (DfE 191: no OC2); tables in name order, then row, then code
    # (ETHNIC before SEX): sorting without the table would put reviews' row 0 before
    # header's row 1; without the row, header row 2's ETHNIC before row 1's SEX
    assert failures.rows() == [
        ("episodes", 0, "DFE-191-EPISODES"),
        ("header", 1, "GX-HEADER-ETHNIC-IN-SET"),
        ("header", 1, "GX-HEADER-SEX-IN-SET"),
        ("header", 2, "GX-HEADER-ETHNIC-IN-SET"),
        ("reviews", 0, "GX-REVIEWS-REVIEW_CODE-IN-SET"),
    ]


def test_issue_rows_in_table_file_row_then_rule_order():
    from pipeline.validate import issue_rows

    def rows(table, file, n):
        return raw_tables({table: [HEADER] * n}, base=False)[f"raw_{table}"].with_columns(
            source_file=pl.lit(file)
        )

    # header: b.csv rows 2-3 then a.csv rows 2-3 (row_id 0-3); reviews: a.csv row 2
    header = pl.concat([rows("header", "b.csv", 2), rows("header", "a.csv", 2)])
    raw_ = prepare({"raw_header": header, "raw_reviews": rows("reviews", "a.csv", 1)})
    failures = pl.DataFrame(
        [
            ("reviews", 0, "XT04"),
            ("header", 0, "GX-HEADER-SEX-IN-SET"),
            ("header", 3, "GX-HEADER-SEX-IN-SET"),
            ("header", 3, "GX-HEADER-ETHNIC-IN-SET"),
            ("header", 1, "GX-HEADER-ETHNIC-IN-SET"),
        ],
        schema={"table": pl.String, "row_id": pl.UInt32, "rule_code": pl.String},
        orient="row",
    )
    got = issue_rows(raw_, failures).select("table", "source_file", "source_row", "rule_code")
    # header (before reviews although its file b.csv sorts after reviews' a.csv) by file,
    # row (a.csv row 3 = row_id 3; b.csv rows 2 and 3 = row_ids 0 and 1), then code
    assert got.rows() == [
        ("header", "a.csv", 3, "GX-HEADER-ETHNIC-IN-SET"),
        ("header", "a.csv", 3, "GX-HEADER-SEX-IN-SET"),
        ("header", "b.csv", 2, "GX-HEADER-SEX-IN-SET"),
        ("header", "b.csv", 3, "GX-HEADER-ETHNIC-IN-SET"),
        ("reviews", "a.csv", 2, "XT04"),
    ]
    assert issue_rows(raw_, failures.head(0)).columns == [*ISSUES_SCHEMA, "fields"]


def test_row_status_without_a_warned_list_warns_nobody():
    from pipeline.validate import STATUS_SCHEMA, _row_status

    raw_ = prepare(raw_tables({"header": [HEADER, HEADER]}, base=False))
    failures = pl.DataFrame(
        [("header", 1, "GX-HEADER-CHILD-UNIQUE")],
        schema={"table": pl.String, "row_id": pl.UInt32, "rule_code": pl.String},
        orient="row",
    )
    status = _row_status(raw_, failures, pl.DataFrame(schema=STATUS_SCHEMA))
    # the warned list defaults to the failures, whose rows are quarantined, never clean
    assert status.filter(table="header").rows() == [
        ("header", 0, "clean", False),
        ("header", 1, "quarantined", False),
    ]


def test_placement_distance_from_the_configured_postcode_file(params, tmp_path):
    # home (0, 0) and placement (3000, 4000) metres: sqrt(3000² + 4000²) = 5000 m, at 1609.3 m
    # a mile 3.107 -> 3.1 miles; the placement's LA from the file
    pc = tmp_path / "postcodes.csv"
    pc.write_text(
        "postcode,easting,northing,la_code\nZZ1 1AA,0,0,E09000001\nZZ9 9ZZ,3000,4000,E09000002\n",
        encoding="utf-8",
    )
    mine = params.model_copy(update={"paths": params.paths.model_copy(update={"postcodes": pc})})
    episode = {**EPISODE, "HOME_POST": "ZZ1 1AA", "PL_POST": "ZZ9 9ZZ"}
    eps = validate(raw_tables({"episodes": [episode]}), mine, engine="polars").core["core_episodes"]
    assert eps.select("placement_distance_miles", "placement_la_code").rows() == [
        (3.1, "E09000002")
    ]


def test_typed_whole_numbers_too_large_are_null_not_an_error():
    from pipeline.validate import typed

    # 2**63 = 9223372036854775808 matches the integer pattern but does not fit an Int64
    raw_ = prepare(
        raw_tables(
            {
                "oc2": [
                    {"CHILD": "C1", "SDQ_SCORE": "12"},
                    {"CHILD": "C1", "SDQ_SCORE": "9223372036854775808"},
                ]
            },
            base=False,
        )
    )
    assert typed(raw_["oc2"], tables()["oc2"])["SDQ_SCORE"].to_list() == [12, None]


def test_aggregate_tables_are_the_shareable_frames_under_the_notebooks_names():
    r = _hand_built_result()
    got = r.aggregate_tables()
    assert list(got) == [
        "validation_summary",
        "validation_rules",
        "validation_returns",
        "validation_coverage",
    ]
    for name, frame in zip(
        got, (r.summary, r.rule_counts, r.by_return, r.coverage_table), strict=True
    ):
        assert got[name] is frame, name


def test_write_rules_doc_writes_the_generated_markdown_as_utf8(tmp_path):
    from pipeline.validate import write_rules_doc

    path = tmp_path / "validation-rules.md"
    write_rules_doc(path)
    assert path.read_bytes().decode("utf-8") == rules_markdown()


def test_extract_history_ignores_a_superseded_episode_as_it_does_a_quarantined_one(params):
    # Returns 2022-23 and 2023-24 hold C1's episodes; the reviews are a multi-year
    # extract's (no collection year). Coverage from 1 April 2022 (the 2023 return's start).
    rows = {
        "header": [{**HEADER, "collection_year": 2023}, {**HEADER, "collection_year": 2024}],
        "episodes": [
            # row 2: 1 June - 1 December 2022 in the 2022-23 return, superseded by row 3
            {**EPISODE, "DECOM": "01/06/2022", "DEC": "01/12/2022", "REC": "E11"}
            | {"collection_year": 2023},
            # row 3: the same episode in 2023-24, quarantined (LS ZZ)
            {**EPISODE, "DECOM": "01/06/2022", "DEC": "01/12/2022", "REC": "E11", "LS": "ZZ"}
            | {"collection_year": 2024},
            {**EPISODE, "DECOM": "01/06/2023", "collection_year": 2024},  # row 4: clean
        ],
        # 1 September 2022: outside every clean episode (XT04), and before C1's first
        # episode that is neither superseded nor quarantined (1 June 2023): history
        "reviews": [{**REVIEW, "REVIEW": "01/09/2022"}],
    }
    result = run(rows, params)
    assert result.row_status.filter(table="episodes")["row_status"].to_list() == [
        "superseded",
        "quarantined",
        "clean",
    ]
    assert result.row_status.filter(table="reviews")["row_status"].to_list() == ["out of scope"]
    assert result.rule_counts.filter(rule_code="XT04").height == 0


def test_summary_text_shows_a_one_row_return_a_sixth_conflict_and_31_march_not_covered():
    base = _hand_built_result()
    one_row = pl.DataFrame(
        [("header", 2024, "return 2023-24", 1, 1, 0, 0, 0, 0)], schema=RETURNS_SCHEMA, orient="row"
    )
    march_not = pl.DataFrame(
        [("2020-21", False, False, "not available")],
        schema=base.coverage_table.columns,
        orient="row",
    )
    text = summary_text(
        _hand_built_result(
            by_return=pl.concat([base.by_return, one_row]),
            coverage_table=march_not,
            conflicts=base.conflicts.head(6),
        )
    ).splitlines()
    # a return with 1 row in is listed (only 0 is left out): "header" in the 8 of
    # "episodes", the label in the 18 of "multi-year extract", counts in 12
    assert (
        "header    return 2023-24                 1             1             0             0"
        "             0"
    ) in text
    assert "  2020-21  year: no   31 March: no   not available" in text
    # 6 conflicts: five listed, "and 1 more" (6 - 5)
    assert "  ... and 1 more (data/processed/returns_conflicts.parquet)" in text


def test_validate_passes_its_engine_and_rule_selection_to_run_rules(params):
    from pipeline.validate import GX_BESIDE

    rows = {"header": [HEADER, {**HEADER, "CHILD": "C2", "SEX": "7"}]}
    beside = _Beside()
    token = GX_BESIDE.set(beside)
    try:
        # the polars engine hands the rows to GX beside (the build's check)
        everything = run(rows, params, engine="polars")
        assert len(beside.submitted) == 1
        # only the GX-coded rules: C2's SEX 7 still quarantined; C1's episode no longer
        # warned (DfE 191 is left out)
        gx_only = validate(
            raw_tables(rows), params, engine="polars", select=lambda r: r.code.startswith("GX-")
        )
    finally:
        GX_BESIDE.reset(token)
    assert "DFE-191-EPISODES" in everything.rule_counts["rule_code"].to_list()
    assert gx_only.rule_counts["rule_code"].to_list() == ["GX-HEADER-SEX-IN-SET"]
