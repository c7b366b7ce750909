from pipeline.rules.testing import failing

REVIEW = {"CHILD": "C1", "REVIEW": "01/03/2024", "REVIEW_CODE": "PN1"}


def test_rv01_after_extract_date():
    rows = {"reviews": [REVIEW, {**REVIEW, "REVIEW": "01/05/2024"}]}
    assert failing("RV01", rows) == [3]


def test_review_code_list():
    rows = {"reviews": [REVIEW, {**REVIEW, "REVIEW_CODE": "PN9"}]}
    assert failing("GX-REVIEWS-REVIEW_CODE-IN-SET", rows) == [3]
