from pipeline.rules.testing import EPISODE, HEADER, failing

MIS = {"CHILD": "C1", "MISSING": "M", "MIS_START": "01/02/2024", "MIS_END": "03/02/2024"}


def test_ms01_ends_before_it_starts():
    rows = {"missing": [MIS, {**MIS, "MIS_END": "31/01/2024"}]}
    assert failing("MS01", rows) == [3]


def test_ms02_after_extract_date():
    rows = {"missing": [MIS, {**MIS, "MIS_START": "01/05/2024", "MIS_END": None}]}
    assert failing("MS02", rows) == [3]


def test_dfe_574_overlapping_missing_periods_blame_the_later():
    rows = {
        "missing": [
            {**MIS, "MIS_START": "01/02/2024", "MIS_END": "05/02/2024"},
            {**MIS, "MIS_START": "05/02/2024", "MIS_END": "06/02/2024"},  # starts as it ends: fine
            {**MIS, "MIS_START": "05/02/2024", "MIS_END": "10/02/2024"},  # before row 3 ends
            {**MIS, "CHILD": "C2", "MIS_START": "01/02/2024", "MIS_END": None},  # open
            {**MIS, "CHILD": "C2", "MIS_START": "03/02/2024", "MIS_END": "04/02/2024"},
        ]
    }
    # sorted by end (an open period by its start): C2's closed period comes after the open one
    assert failing("DFE-574", rows) == [4, 6]


def test_missing_periods_outside_care():
    eps = [
        {**EPISODE, "DECOM": "01/01/2023", "DEC": "01/06/2023", "REC": "E13"},
        {**EPISODE, "DECOM": "01/09/2023", "RNE": "S"},  # a second, open period
    ]
    rows = {
        "episodes": eps,
        "missing": [
            {**MIS, "MIS_START": "01/05/2023", "MIS_END": "02/05/2023"},  # 2: inside: fine
            {**MIS, "MIS_START": "30/05/2023", "MIS_END": "03/06/2023"},  # 3: ends after: 577
            {**MIS, "MIS_START": "01/05/2023", "MIS_END": None},  # 4: open, period over: 577
            {**MIS, "MIS_START": "01/07/2023", "MIS_END": "02/07/2023"},  # 5: between: 578 581
            {**MIS, "MIS_START": "01/10/2023", "MIS_END": None},  # 6: open, open period: fine
            {**MIS, "CHILD": "C9", "MIS_START": "01/10/2023"},  # 7: no episodes: not checked
        ],
    }
    assert failing("DFE-577", rows) == [3, 4, 5]
    assert failing("DFE-578", rows) == [5]
    assert failing("DFE-581", rows) == [5]


def test_dfe_575_open_missing_period_from_a_placement_that_ended():
    rows = {
        "episodes": [
            {**EPISODE, "DECOM": "01/01/2023", "DEC": "01/06/2023", "REC": "X1"},
            {**EPISODE, "DECOM": "01/06/2023", "RNE": "P"},
        ],
        "missing": [
            {**MIS, "MIS_START": "01/05/2023", "MIS_END": None},  # from the ended placement
            {**MIS, "MIS_START": "01/07/2023", "MIS_END": None},  # from the open one: fine
        ],
    }
    assert failing("DFE-575", rows) == [2]


def test_missing_dates_against_the_year_and_birth():
    rows = {
        "header": [HEADER],
        "missing": [
            {**MIS, "MIS_START": "01/04/2024", "MIS_END": None},  # 2: starts after: 570
            {**MIS, "MIS_START": "01/03/2024", "MIS_END": "01/04/2024"},  # 3: ends after: 571
            {**MIS, "MIS_START": "01/03/2023", "MIS_END": "31/03/2023", "collection_year": 2024},
            {**MIS, "MIS_START": "01/03/2023", "MIS_END": "31/03/2023"},  # 5: extract history
            {**MIS, "DOB": "01/01/2010", "MIS_START": "01/01/2010", "MIS_END": None},  # 586
            {**MIS, "DOB": "02/01/2010", "MIS_START": "03/01/2010", "MIS_END": None},  # INT13
        ],
    }
    assert failing("DFE-570", rows) == [2]
    assert failing("DFE-571", rows) == [3, 4]
    assert failing("DFE-586", rows) == [6]
    assert failing("DFE-INT13", rows) == [7]
