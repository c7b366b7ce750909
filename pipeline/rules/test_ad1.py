"""AD1: our date rules and the DfE rules on the adoption record against the episodes and
the cohort (collection year 2023-24). The adopted child C1 was adopted in the year."""

from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing

AD1 = {"CHILD": "C1", "DATE_INT": "01/02/2022", "DATE_MATCH": "01/06/2022"}
FULL = {
    **AD1,
    "FOSTER_CARE": "0",
    "NB_ADOPTR": "2",
    "SEX_ADOPTR": "MF",
    "LS_ADOPTR": "L0",
}
ADOPTED = [
    {**EPISODE, "DECOM": "01/01/2021", "DEC": "01/07/2022", "REC": "X1"},
    {
        **EPISODE,
        "DECOM": "01/07/2022",
        "RNE": "P",
        "LS": "E1",
        "PLACE": "A6",
        "DEC": "01/06/2023",
        "REC": "E11",
    },
]


def test_ad01_matched_before_decision():
    rows = {"ad1": [AD1, {**AD1, "DATE_MATCH": "01/01/2022"}]}
    assert failing("AD01", rows) == [3]


def test_ad02_after_extract_date():
    rows = {"ad1": [AD1, {**AD1, "DATE_MATCH": "01/06/2024"}]}
    assert failing("AD02", rows) == [3]


def test_dfe_333_match_needs_an_earlier_decision():
    rows = {
        "ad1": [
            AD1,
            {**AD1, "DATE_INT": None},
            {**AD1, "DATE_INT": "02/06/2022"},
            {**AD1, "DATE_INT": "01/06/2022"},
        ]
    }
    assert failing("DFE-333", rows) == [3, 4]


def test_dfe_331_match_after_the_adoptive_placement_started():
    rows = {
        "episodes": ADOPTED,
        "ad1": [FULL, {**FULL, "DATE_MATCH": "02/07/2022"}],
    }
    assert failing("DFE-331", rows) == [3]
    assert failing("DFE-331-EPISODES", rows) == [3]
    assert registry()["DFE-331-EPISODES"].severity == "warning"


def test_dfe_334_521_decision_date_against_the_episodes_only_warns():
    rows = {
        "episodes": ADOPTED,
        "ad1": [
            FULL,
            {**FULL, "DATE_INT": "31/12/2020"},  # before care started: 334
            {**FULL, "DATE_INT": "02/07/2022"},  # after the adoptive placement: 521
        ],
    }
    assert failing("DFE-334", rows) == [3]
    assert failing("DFE-334-EPISODES", rows) == [2]
    assert failing("DFE-521", rows) == [4]
    assert failing("DFE-521-EPISODES", rows) == [3]
    assert registry()["DFE-334"].severity == "warning"


def test_dfe_335_adopted_by_foster_carers_against_the_placement():
    rows = {"episodes": ADOPTED, "ad1": [FULL, {**FULL, "FOSTER_CARE": "1"}]}  # A6: not carers
    assert failing("DFE-335", rows) == [3]
    assert failing("DFE-335-EPISODES", rows) == [3]


def test_dfe_602_601_adoption_record_and_an_adoption_in_the_year():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}],
        "episodes": [*ADOPTED, {**EPISODE, "CHILD": "C2", "DEC": "01/02/2023", "REC": "E11"}],
        "ad1": [
            {**FULL, "NB_ADOPTR": None},  # 2: adopted in the year, items missing: 601
            {**FULL, "CHILD": "C2", "collection_year": 2024},  # 3: adopted in 2022-23: 602
        ],
    }
    assert failing("DFE-601", rows) == [2]
    assert failing("DFE-601-EPISODES", rows) == [3]
    assert failing("DFE-602", rows) == [3]
    # in a multi-year extract (no return year) an earlier year's adoption is history
    rows["ad1"][1] = {**FULL, "CHILD": "C2", "collection_year": None}
    assert failing("DFE-602", rows) == []
    assert failing("DFE-151", rows) == [2]


def test_dfe_582_adopted_on_the_day_of_the_match():
    rows = {"episodes": ADOPTED, "ad1": [{**FULL, "DATE_MATCH": "01/06/2023"}]}
    assert failing("DFE-582", rows) == [3]


def test_cohort_rules_quarantine_the_adoption_record():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}],
        "episodes": [EPISODE, *[{**e, "CHILD": "C2"} for e in ADOPTED]],
        "ad1": [FULL, {**FULL, "CHILD": "C2"}, {**FULL, "CHILD": "C2"}],
        "oc3": [{"CHILD": "C2", "IN_TOUCH": "YES", "ACTIV": "F1", "ACCOM": "B1"}],
    }
    assert failing("DFE-187-AD1", rows) == [2]  # C1 is continuously looked after
    assert failing("DFE-134", rows) == [3, 4]  # C2 is a care leaver
    assert failing("DFE-INT31", rows) == [3, 4]


def test_int11_date_of_birth():
    rows = {"ad1": [{**FULL, "DOB": "01/01/2010"}, {**FULL, "CHILD": "C1", "DOB": "01/01/2011"}]}
    assert failing("DFE-INT11", rows) == [3]
