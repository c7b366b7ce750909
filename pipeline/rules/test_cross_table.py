from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing

REVIEW = {"CHILD": "C1", "REVIEW": "01/03/2024", "REVIEW_CODE": "PN1"}


def test_xt01_orphans_and_children_whose_header_row_is_quarantined():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2", "SEX": "9"}],
        "episodes": [EPISODE, {**EPISODE, "CHILD": "C2"}, {**EPISODE, "CHILD": "C3"}],
    }
    assert failing("XT01-EPISODES", rows) == [3, 4]


def test_xt02_episode_before_birth():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2", "DOB": "01/01/2021"}],
        "episodes": [EPISODE, {**EPISODE, "CHILD": "C2"}],
    }
    assert failing("XT02", rows) == [3]


def test_xt03_review_before_birth():
    rows = {"reviews": [REVIEW, {**REVIEW, "REVIEW": "01/01/2009"}]}
    assert failing("XT03", rows) == [3]


def test_xt04_review_inside_an_episode_inclusive_and_open_to_extract_date():
    rows = {
        "episodes": [
            {**EPISODE, "DECOM": "01/01/2020", "DEC": "01/06/2020"},
            {**EPISODE, "DECOM": "01/01/2021"},  # open: runs to the extract date 30/04/2024
        ],
        "reviews": [
            {**REVIEW, "REVIEW": "01/01/2020"},  # first day: inside
            {**REVIEW, "REVIEW": "01/06/2020"},  # last day: inside
            {**REVIEW, "REVIEW": "02/06/2020"},  # gap between episodes
            {**REVIEW, "REVIEW": "31/12/2019"},  # before any episode
            {**REVIEW, "REVIEW": "30/04/2024"},  # open episode, extract date
            {**REVIEW, "REVIEW": "01/05/2024"},  # after the extract date
        ],
    }
    assert failing("XT04", rows) == [4, 5, 7]


def test_xt04_ignores_quarantined_episodes():
    rows = {
        "episodes": [{**EPISODE, "DECOM": "01/01/2020", "PLACE": "ZZ"}],
        "reviews": [REVIEW],
    }
    assert failing("XT04", rows) == [2]


def test_dfe_1012_rows_of_a_child_with_no_episodes_only_warn():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}],
        "oc2": [{"CHILD": "C1"}, {"CHILD": "C2"}],
        "missing": [{"CHILD": "C2", "MISSING": "M", "MIS_START": "01/02/2024"}],
    }
    assert failing("DFE-1012-OC2", rows) == [3]
    assert failing("DFE-1012-MISSING", rows) == [2]
    assert registry()["DFE-1012-OC2"].severity == "warning"
