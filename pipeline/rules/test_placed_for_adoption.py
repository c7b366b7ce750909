from pipeline.rules.testing import failing

PA = {
    "CHILD": "C1",
    "DATE_PLACED": "01/02/2022",
    "DATE_PLACED_CEASED": "01/06/2022",
    "REASON_PLACED_CEASED": "E11",
}


def test_pa01_ceased_before_placed():
    rows = {"placed_for_adoption": [PA, {**PA, "DATE_PLACED_CEASED": "01/01/2022"}]}
    assert failing("PA01", rows) == [3]


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
