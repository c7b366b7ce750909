"""OC2: our SDQ range rule and the DfE cohort and consistency rules. The collection year is
2023-24: a child is looked after continuously for 12 months at 31 March 2024 when care did
not start or end within the year (a start on 1 April, or an end on 31 March, is no break)."""

from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing

OC2 = {"CHILD": "C1", "SDQ_SCORE": "40", "CONVICTED": "0"}
FULL = {
    "CHILD": "C1",
    "DOB": "01/01/2010",
    "SDQ_SCORE": "12",
    "CONVICTED": "0",
    "IMMUNISATIONS": "1",
    "TEETH_CHECK": "1",
    "HEALTH_ASSESSMENT": "1",
    "SUBSTANCE_MISUSE": "0",
}


def test_oc201_sdq_outside_0_40():
    rows = {
        "oc2": [
            OC2,
            {**OC2, "SDQ_SCORE": "0"},
            {**OC2, "SDQ_SCORE": "41"},
            {**OC2, "SDQ_SCORE": "-1"},
        ]
    }
    assert failing("OC201", rows) == [4, 5]


def test_sdq_not_a_whole_number_and_flags():
    rows = {"oc2": [OC2, {**OC2, "SDQ_SCORE": "12.5"}, {**OC2, "CONVICTED": "Y"}]}
    assert failing("GX-OC2-SDQ_SCORE-INT-FORMAT", rows) == [3]
    assert failing("OC201", rows) == []
    assert failing("GX-OC2-CONVICTED-IN-SET", rows) == [4]


def cohort(*extra):
    """C1 in care since 2020 (continuously looked after); C2 started on 1 April 2023 (still
    continuously); C3 started in May 2023 (not); C4 left on 31 March 2024 (still); C5 left
    in March 2024 (not); C6 short breaks (not); C7 no episodes (not)."""
    header = [{**HEADER, "CHILD": c} for c in ("C1", "C2", "C3", "C4", "C5", "C6", "C7")]
    eps = [
        EPISODE,
        {**EPISODE, "CHILD": "C2", "DECOM": "01/04/2023"},
        {**EPISODE, "CHILD": "C3", "DECOM": "01/05/2023"},
        {**EPISODE, "CHILD": "C4", "DEC": "31/03/2024", "REC": "E13"},
        {**EPISODE, "CHILD": "C5", "DEC": "30/03/2024", "REC": "E13"},
        {**EPISODE, "CHILD": "C6", "LS": "V3"},
    ]
    oc2 = [{**FULL, "CHILD": c} for c in ("C1", "C2", "C3", "C4", "C5", "C6", "C7")]
    return {"header": header, "episodes": eps, "oc2": oc2 + list(extra)}


def test_dfe_190_185_198_oc2_data_for_a_child_not_in_the_cohort_is_quarantined():
    rows = cohort(
        {"CHILD": "C3", "SDQ_REASON": "SDQ2"},  # 9: reason only, not in the cohort: 198
        {"CHILD": "C3"},  # 10: nothing completed: fine
    )
    assert failing("DFE-190", rows) == [4, 6, 7, 8]
    assert failing("DFE-185", rows) == [4, 6, 7, 8]
    assert failing("DFE-198", rows) == [9]
    assert registry()["DFE-190"].severity == "quarantine"


def test_dfe_191_cohort_child_with_blank_items_and_cohort_child_without_oc2():
    rows = cohort({**FULL, "CHILD": "C2", "TEETH_CHECK": None})
    rows["oc2"] = [r for r in rows["oc2"] if r["CHILD"] != "C4"]  # C4 in the cohort, no OC2
    # the OC2 rows are now C1 C2 C3 C5 C6 C7 (rows 2-7), then C2 again (row 8)
    assert failing("DFE-191", rows) == [8]
    assert failing("DFE-191-EPISODES", rows) == [5]


def test_sdq_by_age():
    def child(c, dob, **kw):
        return {**FULL, "CHILD": c, "DOB": dob, **kw}

    none = {"SDQ_SCORE": None, "SDQ_REASON": None}
    rows = {
        "header": [{**HEADER, "CHILD": c} for c in "ABCDEFGH"],
        "episodes": [{**EPISODE, "CHILD": c, "DECOM": "01/01/2019"} for c in "ABCDEFGH"],
        "oc2": [
            child("A", "01/04/2019", **none),  # 2: 4 on 1 April 2023: 186, and 197B (inclusive)
            child("B", "02/04/2019", **none),  # 3: turns 4 in the year: 197B, not 186
            child("C", "01/04/2020", SDQ_SCORE="10"),  # 4: under 4 at 31 March 2024: 188
            child("D", "31/03/2006", SDQ_SCORE="10"),  # 5: 17 before 1 April 2023: 189
            child("E", "01/04/2006", SDQ_SCORE="10"),  # 6: 17 on 1 April: fine
            child("F", "01/01/2012", SDQ_SCORE=None, SDQ_REASON="SDQ1"),  # 7: 157
            child("G", "01/01/2012", SDQ_SCORE="10", SDQ_REASON="SDQ2"),  # 8: both: 197a
            child("H", "31/03/2007", **none),  # 9: turns 17 on 31 March 2024: 197B
        ],
    }
    assert failing("DFE-186", rows) == [2]
    assert failing("DFE-197B", rows) == [2, 3, 9]
    assert failing("DFE-188", rows) == [4]
    assert failing("DFE-189", rows) == [5]
    assert failing("DFE-157", rows) == [7]
    assert failing("DFE-197A", rows) == [8]


def test_items_consistency():
    def row(c, dob="01/01/2010", **kw):
        return {**FULL, "CHILD": c, "DOB": dob, **kw}

    rows = {
        "header": [{**HEADER, "CHILD": c} for c in "ABCDEFGHIJKLM"],
        "episodes": [{**EPISODE, "CHILD": c, "DECOM": "01/01/2019"} for c in "ABCDEFGHIJKLM"],
        "oc2": [
            row("A", TEETH_CHECK=None),  # 2: 182 (others set), 544 no (CONVICTED 0)
            row("B", dob="01/04/2014", CONVICTED="0"),  # 3: under 10 at 31 March: 542
            row("C", CONVICTED=None),  # 4: 10+ and in the cohort: 543
            row("D", CONVICTED="1", IMMUNISATIONS=None),  # 5: 544 (and 182)
            row("E", dob="01/04/2019", HEALTH_CHECK=None, CONVICTED=None),  # 6: under 5: 545
            row("F", HEALTH_CHECK="0"),  # 7: 5+ with a health check answer: 546
            row("G", HEALTH_CHECK="1", SUBSTANCE_MISUSE=None),  # 8: 547 and 546
            row("H", SUBSTANCE_MISUSE="1", INTERVENTION_RECEIVED=None),  # 9: 192
            row("I", INTERVENTION_OFFERED="1"),  # 10: no misuse but offered: 193
            row("J", SUBSTANCE_MISUSE="1", INTERVENTION_RECEIVED="1", INTERVENTION_OFFERED="0"),
            row("K", SUBSTANCE_MISUSE="1", INTERVENTION_RECEIVED="0"),  # 12: 159
            row("L", SUBSTANCE_MISUSE="1", INTERVENTION_RECEIVED="0", INTERVENTION_OFFERED="1"),
            row("M", dob="31/03/2014", CONVICTED=None),  # 14: 10 on 31 March: not 543
        ],
    }
    assert failing("DFE-182", rows) == [2, 5, 8]
    assert failing("DFE-542", rows) == [3]
    assert failing("DFE-543", rows) == [4]
    assert failing("DFE-544", rows) == [5]
    assert failing("DFE-545", rows) == [6]
    assert failing("DFE-546", rows) == [7, 8]
    assert failing("DFE-547", rows) == [8]
    assert failing("DFE-192", rows) == [9]
    assert failing("DFE-193", rows) == [10]
    assert failing("DFE-158", rows) == [11]
    assert failing("DFE-159", rows) == [12]


def test_dfe_215_care_leaver_with_oc2_items_quarantines_both_and_int33_int14():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}],
        "oc2": [FULL, {"CHILD": "C2", "SDQ_SCORE": "3"}, FULL],
        "oc3": [
            {"CHILD": "C1", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"},
            {"CHILD": "C2", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"},
        ],
    }
    assert failing("DFE-215", rows) == [2, 4]  # C2's row has only an SDQ score
    assert failing("DFE-215-OC3", rows) == [2]
    assert failing("DFE-INT33", rows) == [2, 4]
    rows["oc2"][1] = {"CHILD": "C2", "DOB": "02/01/2010"}
    assert failing("DFE-INT14", rows) == [3]


def test_dfe_215_compares_within_one_return():
    """Stacked returns: OC2 in 2020-21, care leaver in 2023-24: two facts, no conflict."""
    leaver = {"CHILD": "C1", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"}
    rows = {
        "oc2": [{**FULL, "collection_year": 2021}, {**FULL, "collection_year": 2024}],
        "oc3": [{**leaver, "collection_year": 2024}],
    }
    assert failing("DFE-215", rows) == [3]
    assert failing("DFE-215-OC3", rows) == [2]
