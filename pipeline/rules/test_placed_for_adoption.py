"""Placed for adoption: our date rules and the DfE rules on decisions against the child's
episodes and AD1 (collection year 2023-24)."""

from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing

PA = {
    "CHILD": "C1",
    "DATE_PLACED": "01/02/2022",
    "DATE_PLACED_CEASED": "01/06/2022",
    "REASON_PLACED_CEASED": "RD1",
}
OPEN = {**PA, "DATE_PLACED_CEASED": None, "REASON_PLACED_CEASED": None}
# C1: in care from 2021, placement order from June 2022, placed for adoption from July 2022
EPS = [
    {**EPISODE, "DECOM": "01/01/2021", "DEC": "01/06/2022", "REC": "X1", "LS": "C1"},
    {**EPISODE, "DECOM": "01/06/2022", "RNE": "L", "LS": "E1", "DEC": "01/07/2022", "REC": "X1"},
    {**EPISODE, "DECOM": "01/07/2022", "RNE": "P", "LS": "E1", "PLACE": "A6"},
]


def test_pa01_ceased_before_placed():
    rows = {"placed_for_adoption": [PA, {**PA, "DATE_PLACED_CEASED": "01/01/2022"}]}
    assert failing("PA01", rows) == [3]
    assert registry()["PA01"].dfe_code == "522"


def test_pa02_after_extract_date_and_reason_code():
    rows = {
        "placed_for_adoption": [
            PA,
            {**PA, "DATE_PLACED": "01/06/2024", "DATE_PLACED_CEASED": None},
            {**PA, "REASON_PLACED_CEASED": "XXX"},
        ]
    }
    assert failing("PA02", rows) == [3]
    assert failing("GX-PLACED_FOR_ADOPTION-REASON_PLACED_CEASED-IN-SET", rows) == [4]


def test_decision_dates_against_the_episodes():
    rows = {
        "episodes": EPS,
        "placed_for_adoption": [
            OPEN,  # 2: fine
            {**OPEN, "DATE_PLACED": "31/12/2020"},  # 3: before care started: 1003
            {**OPEN, "DATE_PLACED": "02/06/2022"},  # 4: after the placement order: 554
            {**OPEN, "DATE_PLACED": "01/04/2024"},  # 5: after the year: 117, 554, 552
        ],
    }
    assert failing("DFE-1003", rows) == [3]
    assert failing("DFE-1003-EPISODES", rows) == [2]
    assert failing("DFE-554", rows) == [4, 5]
    assert failing("DFE-117", rows) == [5]
    assert failing("DFE-552", rows) == [5]  # the latest decision is after the placement
    assert failing("DFE-552-EPISODES", rows) == [4]
    assert registry()["DFE-554-EPISODES"].severity == "warning"


def test_dfe_117_after_the_child_left_care():
    eps = [*EPS[:2], {**EPS[2], "DEC": "01/03/2023", "REC": "E11"}]
    rows = {"episodes": eps, "placed_for_adoption": [{**PA, "DATE_PLACED_CEASED": "02/03/2023"}]}
    assert failing("DFE-117", rows) == [2]
    assert failing("DFE-117-EPISODES", rows) == [4]


def test_dfe_118_ceased_before_the_year_or_before_care_only_warns():
    rows = {
        "episodes": EPS,
        "placed_for_adoption": [
            {**PA, "DATE_PLACED_CEASED": "31/12/2020"},  # 2: before care started
            {**PA, "DATE_PLACED_CEASED": "31/03/2023", "collection_year": 2024},  # 3: before year
            {**PA, "DATE_PLACED_CEASED": "31/03/2023"},  # 4: a multi-year extract: history
        ],
    }
    assert failing("DFE-118", rows) == [2, 3]
    assert registry()["DFE-118"].severity == "warning"


def test_dfe_184_decision_before_birth():
    rows = {
        "header": [HEADER],
        "placed_for_adoption": [{**OPEN, "DATE_PLACED": "31/12/2009"}, OPEN],
    }
    assert failing("DFE-184", rows) == [2]


def test_dfe_579_583_decisions_while_an_earlier_one_is_open():
    rows = {
        "placed_for_adoption": [
            {**PA, "DATE_PLACED": "01/01/2021", "DATE_PLACED_CEASED": "01/06/2021"},
            {
                **PA,
                "DATE_PLACED": "01/06/2021",
                "DATE_PLACED_CEASED": None,
                "REASON_PLACED_CEASED": None,
            },
            {**PA, "DATE_PLACED": "01/07/2021"},  # the previous decision is still open
        ]
    }
    assert failing("DFE-579", rows) == [4]
    assert failing("DFE-583", rows) == [3]


def test_decisions_and_ceasing_consistency_only_warn():
    rows = {
        "episodes": [
            *EPS[:2],
            {**EPS[2], "DEC": "01/03/2023", "REC": "E4A"},  # left other than by adoption
            {**EPISODE, "CHILD": "C2", "LS": "E1"},  # placement order, no decision
            {**EPISODE, "CHILD": "C3", "PLACE": "A4"},  # placed, decision has no date
        ],
        "placed_for_adoption": [
            {**PA, "REASON_PLACED_CEASED": None},  # 2: date without reason: 119, and 557
            {**PA, "CHILD": "C3", "DATE_PLACED": None},  # 3: no date
        ],
    }
    assert failing("DFE-119", rows) == [2]
    assert failing("DFE-557", rows) == [4]
    assert failing("DFE-557-PLACED", rows) == [2]
    assert failing("DFE-553", rows) == [5]
    assert failing("DFE-551", rows) == [6]


def test_dfe_553_placed_an_open_placement_order_with_an_ended_decision():
    rows = {
        "episodes": [{**EPISODE, "LS": "E1"}],
        "placed_for_adoption": [PA, {**OPEN, "CHILD": "C2"}],
    }
    assert failing("DFE-553-PLACED", rows) == [2]


def test_dfe_558_adopted_child_with_ended_decisions():
    rows = {
        "episodes": [{**EPISODE, "DEC": "01/03/2023", "REC": "E11", "PLACE": "A6", "LS": "E1"}],
        "placed_for_adoption": [
            PA,
            {**PA, "DATE_PLACED": "01/07/2022", "DATE_PLACED_CEASED": "01/03/2023"},
        ],
    }
    assert failing("DFE-558", rows) == [2]


def test_dfe_525_523_against_the_adoption_record_only_warn():
    ad1 = {"CHILD": "C1", "DATE_INT": "01/03/2022", "DATE_MATCH": "01/06/2022"}
    rows = {
        "placed_for_adoption": [PA, {**OPEN, "CHILD": "C2"}],
        "ad1": [ad1, {**ad1, "CHILD": "C2", "DATE_INT": "01/02/2022"}],
    }
    assert failing("DFE-525", rows) == [2]  # reversed, yet adopted
    assert failing("DFE-525-AD1", rows) == [2]
    assert failing("DFE-523", rows) == [2]  # 01/02 against 01/03; C2's dates agree
    assert failing("DFE-523-AD1", rows) == [2]
