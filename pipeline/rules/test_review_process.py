from pipeline.rules.testing import failing

RP = {
    "CHILD": "C1",
    "REVIEW": "01/03/2024",
    "IRO": "I1",
    "RECS_ISSUED": "05/03/2024",
    "SWR_DUE": "01/06/2024",
}


def test_rp01_after_extract_date_but_due_dates_may_be_future():
    rows = {"review_process": [RP, {**RP, "MINUTES_DISTRIBUTED": "01/05/2024"}]}
    assert failing("RP01", rows) == [3]


def test_rp02_recommendations_before_review():
    rows = {"review_process": [RP, {**RP, "RECS_ISSUED": "28/02/2024"}]}
    assert failing("RP02", rows) == [3]


def test_iro_required():
    rows = {"review_process": [RP, {**RP, "IRO": None}]}
    assert failing("GX-REVIEW_PROCESS-IRO-NOT-NULL", rows) == [3]
