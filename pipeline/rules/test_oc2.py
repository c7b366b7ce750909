from pipeline.rules.testing import failing

OC2 = {"CHILD": "C1", "SDQ_SCORE": "40", "CONVICTED": "0"}


def test_oc201_sdq_outside_0_40():
    rows = {
        "oc2": [
            OC2,
            {**OC2, "SDQ_SCORE": "0"},
            {**OC2, "SDQ_SCORE": "41"},
            {**OC2, "SDQ_SCORE": "-1"},
        ]
    }
    assert failing("OC201", rows) == [4, 5]


def test_sdq_not_a_whole_number_and_flags():
    rows = {"oc2": [OC2, {**OC2, "SDQ_SCORE": "12.5"}, {**OC2, "CONVICTED": "Y"}]}
    assert failing("GX-OC2-SDQ_SCORE-INT-FORMAT", rows) == [3]
    assert failing("OC201", rows) == []
    assert failing("GX-OC2-CONVICTED-IN-SET", rows) == [4]
