import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipeline.core.schemas import CORE
from pipeline.params import load_params
from pipeline.rules.testing import EPISODE, HEADER, raw_tables
from pipeline.validate import (
    QUARANTINE_SCHEMA,
    read_operator_rows,
    rules_markdown,
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
    polars_q = run(rows, params, engine="polars").quarantine
    gx_q = run(rows, params, engine="gx").quarantine
    assert polars_q.height > 8
    assert gx_q.equals(polars_q)


def test_committed_rules_doc_matches_registry():
    committed = (ROOT / "docs" / "validation-rules.md").read_text(encoding="utf-8")
    assert committed == rules_markdown(), "regenerate docs/validation-rules.md (see its header)"
