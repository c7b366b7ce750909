from pipeline.rules.testing import failing


def test_in_touch_required_and_coded():
    rows = {
        "oc3": [
            {"CHILD": "C1", "IN_TOUCH": "YES", "ACCOM": "0"},
            {"CHILD": "C1", "IN_TOUCH": "MAYBE"},
        ]
    }
    assert failing("GX-OC3-IN_TOUCH-IN-SET", rows) == [3]
    assert failing("GX-OC3-ACCOM-IN-SET", rows) == []
