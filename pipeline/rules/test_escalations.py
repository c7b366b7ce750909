from pipeline.rules.testing import failing

ESC = {
    "ESC_ID": "E1",
    "CHILD": "C1",
    "IRO": "I1",
    "RAISED": "01/02/2024",
    "STAGE": "S1",
    "AREAS": "CPI;EDU",
}
PRE = {**ESC, "ESC_ID": "E2", "STAGE": "PRE", "AREAS": "P_PLAN; P_EDU"}


def test_es01_resolved_before_raised():
    rows = {"escalations": [{**ESC, "RESOLVED": "02/02/2024"}, {**PRE, "RESOLVED": "31/01/2024"}]}
    assert failing("ES01", rows) == [3]


def test_es02_after_extract_date():
    rows = {"escalations": [ESC, {**PRE, "RAISED": "01/05/2024"}]}
    assert failing("ES02", rows) == [3]


def test_es03_es04_areas_match_stage():
    rows = {
        "escalations": [
            ESC,
            PRE,
            {**PRE, "ESC_ID": "E3", "AREAS": "P_PLAN;EDU"},
            {**ESC, "ESC_ID": "E4", "STAGE": "INF", "AREAS": "P_HLT"},
        ]
    }
    assert failing("ES03", rows) == [4]
    assert failing("ES04", rows) == [5]


def test_areas_code_list_and_unique_id():
    rows = {"escalations": [ESC, {**ESC, "AREAS": "CPI;NOPE"}, PRE]}
    assert failing("GX-ESCALATIONS-AREAS-IN-SET", rows) == [3]
    assert failing("GX-ESCALATIONS-ESC_ID-UNIQUE", rows) == [2, 3]
