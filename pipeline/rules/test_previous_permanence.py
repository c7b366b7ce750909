from pipeline.rules.testing import failing


def test_prev_perm_code_list():
    rows = {
        "previous_permanence": [
            {"CHILD": "C1", "PREV_PERM": "Z1"},
            {"CHILD": "C1", "PREV_PERM": "P9"},
        ]
    }
    assert failing("GX-PREVIOUS_PERMANENCE-PREV_PERM-IN-SET", rows) == [3]
