from pipeline.rules import registry
from pipeline.rules.testing import HEADER, failing


def test_duplicated_child_quarantines_every_copy():
    rows = {"header": [HEADER, {**HEADER, "CHILD": "C2"}, HEADER]}
    assert failing("GX-HEADER-CHILD-UNIQUE", rows) == [2, 4]


def test_required_code_list_and_date_format():
    rows = {
        "header": [
            HEADER,
            {**HEADER, "CHILD": "C2", "SEX": None},
            {**HEADER, "CHILD": "C3", "ETHNIC": "XXXX"},
            {**HEADER, "CHILD": "C4", "DOB": "2010/01/01"},
            {**HEADER, "CHILD": "C5", "DOB": "31/02/2010"},
        ]
    }
    assert failing("GX-HEADER-SEX-NOT-NULL", rows) == [3]
    assert failing("GX-HEADER-ETHNIC-IN-SET", rows) == [4]
    assert failing("GX-HEADER-DOB-DATE-FORMAT", rows) == [5]
    assert failing("HEADER-DOB-REAL-DATE", rows) == [6]


def test_iso_and_short_dates_are_dates():
    rows = {
        "header": [{**HEADER, "DOB": "2010-01-31"}, {**HEADER, "CHILD": "C2", "DOB": "1/2/2010"}]
    }
    assert failing("GX-HEADER-DOB-DATE-FORMAT", rows) == []
    assert failing("HEADER-DOB-REAL-DATE", rows) == []


def test_hd01_future_date_of_birth():
    rows = {"header": [HEADER, {**HEADER, "CHILD": "C2", "DOB": "01/05/2024"}]}
    assert failing("HD01", rows) == [3]


def test_dfe_301_351_dates_of_birth_against_the_collection_year_only_warn():
    rows = {
        "header": [
            {**HEADER, "DOB": "31/03/2024"},  # born on the last day: fine
            {**HEADER, "CHILD": "C2", "DOB": "01/04/2024"},  # after the year end: 301
            {**HEADER, "CHILD": "C3", "DOB": "01/04/1998"},  # 25 on 1 April 2023: fine
            {**HEADER, "CHILD": "C4", "DOB": "31/03/1998"},  # over 25 at the start: 351
        ]
    }
    assert failing("DFE-301", rows) == [3]
    assert failing("DFE-351", rows) == [5]
    assert registry()["DFE-301"].severity == "warning"
