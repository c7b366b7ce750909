from pipeline.rules.testing import failing


def test_duc_required_and_may_be_in_the_future():
    rows = {"uasc": [{"CHILD": "C1", "DUC": "01/01/2030"}, {"CHILD": "C1", "DUC": None}]}
    assert failing("GX-UASC-DUC-NOT-NULL", rows) == [3]
