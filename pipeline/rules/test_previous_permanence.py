from pipeline.rules.testing import HEADER, failing


def test_prev_perm_code_list():
    rows = {
        "previous_permanence": [
            {"CHILD": "C1", "PREV_PERM": "Z1"},
            {"CHILD": "C1", "PREV_PERM": "P9"},
        ]
    }
    assert failing("GX-PREVIOUS_PERMANENCE-PREV_PERM-IN-SET", rows) == [3]


def test_int35_duplicates_and_int16_date_of_birth():
    pp = {"CHILD": "C1", "DOB": "01/01/2010", "PREV_PERM": "Z1"}
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}],
        "previous_permanence": [pp, pp, {**pp, "CHILD": "C2", "DOB": "01/02/2010"}],
    }
    assert failing("DFE-INT35", rows) == [2, 3]
    assert failing("DFE-INT16", rows) == [4]
