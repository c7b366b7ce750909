from pipeline.rules.testing import failing

MIS = {"CHILD": "C1", "MISSING": "M", "MIS_START": "01/02/2024", "MIS_END": "03/02/2024"}


def test_ms01_ends_before_it_starts():
    rows = {"missing": [MIS, {**MIS, "MIS_END": "31/01/2024"}]}
    assert failing("MS01", rows) == [3]


def test_ms02_after_extract_date():
    rows = {"missing": [MIS, {**MIS, "MIS_START": "01/05/2024", "MIS_END": None}]}
    assert failing("MS02", rows) == [3]
