from pipeline.rules.testing import HEADER, failing

UASC = {"CHILD": "C1", "SEX": "1", "DOB": "01/01/2010", "DUC": "01/01/2028"}


def test_duc_required_and_may_be_in_the_future():
    rows = {"uasc": [{"CHILD": "C1", "DUC": "01/01/2030"}, {"CHILD": "C1", "DUC": None}]}
    assert failing("GX-UASC-DUC-NOT-NULL", rows) == [3]


def test_int36_a_duplicated_child_quarantines_every_copy():
    rows = {"uasc": [UASC, {**UASC, "CHILD": "C2"}, UASC]}
    assert failing("DFE-INT36", rows) == [2, 4]
    # one row per child per return: two returns may each list the child
    rows = {"uasc": [{**UASC, "collection_year": 2023}, {**UASC, "collection_year": 2024}]}
    assert failing("DFE-INT36", rows) == []


def test_int18_int21_date_of_birth_and_sex_against_the_header():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}],
        "uasc": [
            UASC,
            {**UASC, "CHILD": "C2", "DOB": "02/01/2010", "SEX": "2"},
            {**UASC, "CHILD": "C3", "DOB": "02/01/2010"},  # not in the header: not compared
        ],
    }
    assert failing("DFE-INT18", rows) == [3]
    assert failing("DFE-INT21", rows) == [3]


def test_dfe_104_304_date_uasc_status_ceased():
    rows = {
        "uasc": [
            UASC,  # ceases on the 18th birthday: fine
            {**UASC, "CHILD": "C2", "DUC": "02/01/2028"},  # after 18: 304
            {**UASC, "CHILD": "C3", "DUC": "31/03/2023", "collection_year": 2024},  # 104
            {**UASC, "CHILD": "C4", "DUC": "31/03/2023"},  # a multi-year extract: history
        ]
    }
    assert failing("DFE-304", rows) == [3]
    assert failing("DFE-104", rows) == [4]
