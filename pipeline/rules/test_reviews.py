from pipeline.rules import registry
from pipeline.rules.testing import EPISODE, HEADER, failing

REVIEW = {"CHILD": "C1", "REVIEW": "01/03/2024", "REVIEW_CODE": "PN1"}


def test_rv01_after_extract_date():
    rows = {"reviews": [REVIEW, {**REVIEW, "REVIEW": "01/05/2024"}]}
    assert failing("RV01", rows) == [3]


def test_review_code_list():
    rows = {"reviews": [REVIEW, {**REVIEW, "REVIEW_CODE": "PN9"}]}
    assert failing("GX-REVIEWS-REVIEW_CODE-IN-SET", rows) == [3]


def test_dfe_399_reviews_of_a_short_breaks_only_child():
    rows = {
        "header": [HEADER, {**HEADER, "CHILD": "C2"}, {**HEADER, "CHILD": "C3", "MOTHER": "0"}],
        "episodes": [
            EPISODE,
            {**EPISODE, "CHILD": "C2", "LS": "V3"},
            {**EPISODE, "CHILD": "C2", "DECOM": "01/02/2020", "LS": "V4"},
            {**EPISODE, "CHILD": "C3", "LS": "V3"},  # no reviews, but MOTHER is completed
            {**EPISODE, "CHILD": "C3", "DECOM": "01/02/2020", "LS": "C2"},  # not all V3/V4
        ],
        "reviews": [
            REVIEW,
            {**REVIEW, "CHILD": "C2"},
            {**REVIEW, "CHILD": "C2", "REVIEW": "01/01/2024"},
        ],
    }
    assert failing("DFE-399", rows) == [3, 4]
    assert failing("DFE-399-EPISODES", rows) == [3, 4]
    assert failing("DFE-399-HEADER", rows) == [3]
    assert registry()["DFE-399"].severity == "quarantine"
    assert registry()["DFE-399-EPISODES"].severity == "warning"
    # the mother field alone flags a short-breaks child's header and episodes
    rows["episodes"][4] = {**rows["episodes"][4], "LS": "V4"}
    assert failing("DFE-399-HEADER", rows) == [3, 4]


def test_dfe_440_441_participation_code_against_age_only_warns():
    dob = {"DOB": "01/03/2020"}  # 4 on 1 March 2024
    rows = {
        "reviews": [
            {**REVIEW, **dob, "REVIEW": "01/03/2024", "REVIEW_CODE": "PN0"},  # on the birthday
            {**REVIEW, **dob, "REVIEW": "02/03/2024", "REVIEW_CODE": "PN0"},  # 440
            {**REVIEW, **dob, "REVIEW": "29/02/2024", "REVIEW_CODE": "PN1"},  # 441
            {**REVIEW, **dob, "REVIEW": "01/03/2024", "REVIEW_CODE": "PN7"},  # fine
        ]
    }
    assert failing("DFE-440", rows) == [3]
    assert failing("DFE-441", rows) == [4]
    assert registry()["DFE-440"].severity == "warning"


def test_int17_date_of_birth_against_the_header():
    rows = {"reviews": [{**REVIEW, "DOB": "01/01/2010"}, {**REVIEW, "DOB": "01/01/2011"}]}
    assert failing("DFE-INT17", rows) == [3]
