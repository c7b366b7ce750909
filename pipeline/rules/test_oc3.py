"""OC3: contract rules and the DfE rules on who may have care leaver information (the
collection year is 2023-24: 17th birthday by 31 March 2024, and so on)."""

from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing

LEAVER = {"IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"}


def oc3(child, dob, **kw):
    return {"CHILD": child, "DOB": dob, **LEAVER, **kw}


def test_in_touch_required_and_coded():
    rows = {
        "oc3": [
            {"CHILD": "C1", "IN_TOUCH": "YES", "ACCOM": "0"},
            {"CHILD": "C1", "IN_TOUCH": "MAYBE"},
        ]
    }
    assert failing("GX-OC3-IN_TOUCH-IN-SET", rows) == [3]
    assert failing("GX-OC3-ACCOM-IN-SET", rows) == []


def test_dfe_391_under_17_at_the_year_end():
    rows = {"oc3": [oc3("C1", "31/03/2007"), oc3("C2", "01/04/2007")]}
    assert failing("DFE-391", rows) == [3]
    assert registry()["DFE-391"].severity == "quarantine"


def test_dfe_1007_still_looked_after_on_the_17th_or_18th_birthday():
    rows = {
        "header": [{**HEADER, "CHILD": c} for c in ("A", "B", "C")],
        "episodes": [
            # A: 17 on 10/10/2023, looked after then (left in January)
            {**EPISODE, "CHILD": "A", "DECOM": "01/01/2020", "DEC": "01/01/2024", "REC": "E8"},
            # B: 18 on 10/10/2023, left the day before
            {**EPISODE, "CHILD": "B", "DECOM": "01/01/2020", "DEC": "09/10/2023", "REC": "E8"},
            # C: 17 on 10/10/2023, still looked after and open: the DfE does not count it
            {**EPISODE, "CHILD": "C", "DECOM": "01/01/2020"},
        ],
        "oc3": [oc3("A", "10/10/2006"), oc3("B", "10/10/2005"), oc3("C", "10/10/2006")],
    }
    assert failing("DFE-1007", rows) == [2]


def test_dfe_1016_left_care_after_the_birthday_from_2023_24():
    rows = {
        "episodes": [
            {**EPISODE, "CHILD": "A", "DECOM": "01/01/2020", "DEC": "11/10/2023", "REC": "E8"},
            {**EPISODE, "CHILD": "B", "DECOM": "01/01/2020", "DEC": "09/10/2023", "REC": "E8"},
        ],
        "oc3": [oc3("A", "10/10/2006"), oc3("B", "10/10/2006")],
    }
    assert failing("DFE-1016", rows) == [2]
    assert failing("DFE-1016", rows, year_end=2023) == []  # the rule starts in 2023-24


def test_dfe_1000_1011_died_in_care_or_transferred():
    rows = {
        "episodes": [
            {**EPISODE, "CHILD": "A", "DEC": "01/01/2022", "REC": "E2"},
            {**EPISODE, "CHILD": "B", "DECOM": "01/01/2019", "DEC": "01/01/2020", "REC": "E3"},
            {**EPISODE, "CHILD": "B", "DECOM": "01/02/2020", "DEC": "01/01/2022", "REC": "E8"},
            {**EPISODE, "CHILD": "C", "DEC": "01/01/2022", "REC": "E3"},
        ],
        "oc3": [
            {"CHILD": "A", "DOB": "01/01/2003"},  # died: flagged whatever it holds
            oc3("B", "01/01/2003"),  # transferred once, but not at the end: fine
            oc3("C", "01/01/2003"),  # last episode transferred: 1011
        ],
    }
    assert failing("DFE-1000", rows) == [2]
    assert failing("DFE-1011", rows) == [4]


def test_dfe_187_continuously_looked_after_child_with_care_leaver_data():
    rows = {"oc3": [oc3("C1", "01/01/2003"), oc3("C2", "01/01/2003")]}  # C1 in care since 2020
    assert failing("DFE-187", rows) == [2]


def test_codes_consistency_only_warns():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2", "DOB": "01/01/2007"}],
        "oc3": [
            oc3("C1", "01/01/2003"),  # 2: fine
            oc3("C1", "01/01/2003", IN_TOUCH="DIED", ACTIV="0", ACCOM="0"),  # 3: fine
            oc3("C1", "01/01/2003", IN_TOUCH="RHOM", ACTIV=None, ACCOM="0"),  # 4: 344, 153
            oc3("C1", "01/01/2003", ACTIV="0"),  # 5: in touch with activity 0: 345
            oc3("C2", "01/01/2007", ACCOM="Z1"),  # 6: 17 in the year, with former carers: 3001
        ],
    }
    assert failing("DFE-344", rows) == [4]
    assert failing("DFE-153", rows) == [4]
    assert failing("DFE-345", rows) == [5]
    assert failing("DFE-3001", rows) == [6]
    assert all(registry()[c].severity == "warning" for c in ("DFE-344", "DFE-345", "DFE-3001"))


def test_int34_duplicates_per_return_and_int15_date_of_birth():
    rows = {
        "header": [{**HEADER, "DOB": "01/01/2003"}],
        "oc3": [
            oc3("C1", "01/01/2003", collection_year=2023),
            oc3("C1", "01/01/2003", collection_year=2024),  # another year's return: fine
            oc3("C1", "02/01/2003", collection_year=2024),  # a second 2023-24 row
        ],
    }
    assert failing("DFE-INT34", rows) == [3, 4]
    assert failing("DFE-INT15", rows) == [4]
    assert registry()["DFE-INT15"].severity == "quarantine"
