from pipeline.rules.testing import failing

AD1 = {"CHILD": "C1", "DATE_INT": "01/02/2022", "DATE_MATCH": "01/06/2022"}


def test_ad01_matched_before_decision():
    rows = {"ad1": [AD1, {**AD1, "DATE_MATCH": "01/01/2022"}]}
    assert failing("AD01", rows) == [3]


def test_ad02_after_extract_date():
    rows = {"ad1": [AD1, {**AD1, "DATE_MATCH": "01/06/2024"}]}
    assert failing("AD02", rows) == [3]
