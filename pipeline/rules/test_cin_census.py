from pipeline.rules.testing import failing

CHILD = {
    "LAchildID": "K1",
    "PersonBirthDate": "2015-06-14",
    "GenderCurrent": "1",
    "Ethnicity": "WBRI",
    "Year": "2024",
}
EP = {"LAchildID": "K1", "CINreferralDate": "2023-05-02", "ReferralSource": "6", "PrimaryNeedCode": "N1",
      "ReferralNFA": "false", "Year": "2024"}  # fmt: skip
KEY = {"LAchildID": "K1", "CINreferralDate": "2023-05-02", "Year": "2024"}


def rows(**tables):
    return {"cin_children": [CHILD], "cin_episodes": [EP], **tables}


def test_children_birth_dates_sex_and_codes_for_the_year():
    kids = [CHILD, {**CHILD, "LAchildID": "K2", "ExpectedPersonBirthDate": "2024-06-01"},
            {**CHILD, "LAchildID": "K3", "PersonBirthDate": None}]  # fmt: skip
    assert failing("CIN-8525Q", {"cin_children": kids}) == [3, 4]
    kids = [CHILD, {**CHILD, "LAchildID": "K2", "GenderCurrent": None}]
    assert failing("CIN-4180", {"cin_children": kids}) == [3]
    kids = [CHILD, {**CHILD, "LAchildID": "K2", "Sex": "M"},  # Sex before 2024-25
            {**CHILD, "LAchildID": "K3", "Year": "2025"},  # GenderCurrent in 2024-25
            {**CHILD, "LAchildID": "K4", "Year": "2025", "Sex": "F", "GenderCurrent": None}]  # fmt: skip
    assert failing("CIN-YEAR-SEX", {"cin_children": kids}) == [3, 4]
    kids = [
        CHILD,
        {**CHILD, "LAchildID": "K2", "Disabilities": "NONE;AUT"},
        {**CHILD, "LAchildID": "K3", "Disabilities": "AUT;LD"},
    ]
    assert failing("CIN-8790", {"cin_children": kids}) == [3]
    kids = [CHILD, {**CHILD, "LAchildID": "K2", "Ethnicity": "WXYZ"}]
    assert failing("GX-CIN_CHILDREN-Ethnicity-IN-SET", {"cin_children": kids}) == [3]


def test_episode_dates_in_order_and_within_the_year():
    eps = [
        EP,
        {
            **EP,
            "CINreferralDate": "2023-06-01",
            "CINclosureDate": "2023-05-31",
            "ReasonForClosure": "RC7",
        },
    ]
    assert failing("CIN-8630", rows(cin_episodes=eps)) == [3]
    eps = [
        EP,
        {**EP, "CINreferralDate": "2024-04-01"},
        {**EP, "CINreferralDate": "2024-03-31", "Year": None},
    ]
    # 1 April 2024 is after the 2023-24 census reference date; no year -> only the extract date
    assert failing("CIN-8600", rows(cin_episodes=eps)) == [3]
    eps = [EP, {**EP, "CINreferralDate": "2023-07-01", "CINclosureDate": "2023-08-01"}]
    assert failing("CIN-8805", rows(cin_episodes=eps)) == [3]
    eps = [EP, {**EP, "CINreferralDate": "2023-07-01", "PrimaryNeedCode": None},
           {**EP, "CINreferralDate": "2023-08-01", "PrimaryNeedCode": None, "ReferralNFA": "true"}]  # fmt: skip
    assert failing("CIN-8610", rows(cin_episodes=eps)) == [3]
    eps = [EP, {**EP, "ReferralNFA": "yes"}]
    assert failing("GX-CIN_EPISODES-ReferralNFA-IN-SET", rows(cin_episodes=eps)) == [3]


def test_overlapping_episodes_the_later_one_quarantined():
    closed = {**EP, "CINclosureDate": "2023-06-30", "ReasonForClosure": "RC7"}
    eps = [
        closed,
        {**EP, "CINreferralDate": "2023-06-30"},  # starts the day the first closed: fine
        {**EP, "CINreferralDate": "2023-07-10"},
    ]  # the second is still open: overlap
    assert failing("CIN-8820", rows(cin_episodes=eps)) == [4]


def test_referral_before_assessment_and_authorisation_after_start():
    a = {
        **KEY,
        "AssessmentActualStartDate": "2023-05-03",
        "AssessmentAuthorisationDate": "2023-06-23",
    }
    bad = [
        a,
        {**a, "AssessmentActualStartDate": "2023-05-01"},
        {**a, "AssessmentAuthorisationDate": "2023-05-02"},
    ]
    assert failing("CIN-1103", rows(cin_assessments=bad)) == [3]
    assert failing("CIN-8608", rows(cin_assessments=bad)) == [4]
    factors = [{**a, "AssessmentFactors": "21"}, {**a, "AssessmentFactors": "21;3A"}]
    assert failing("CIN-8869", rows(cin_assessments=factors)) == [3]


def test_s47_before_icpc_and_cp_plan_dates():
    s = {
        **KEY,
        "S47ActualStartDate": "2023-08-21",
        "DateOfInitialCPC": "2023-09-05",
        "ICPCnotRequired": "false",
    }
    bad = [s, {**s, "S47ActualStartDate": "2023-05-01"}, {**s, "DateOfInitialCPC": "2023-08-20"}]
    assert failing("CIN-2889", rows(cin_section47=bad)) == [3]
    assert failing("CIN-8615", rows(cin_section47=bad)) == [4]
    p = {**KEY, "CPPstartDate": "2023-09-05", "InitialCategoryOfAbuse": "NEG", "LatestCategoryOfAbuse": "NEG",
         "NumberOfPreviousCPP": "0"}  # fmt: skip
    bad = [
        p,
        {**p, "CPPstartDate": "2023-05-01"},
        {**p, "CPPendDate": "2023-09-04"},
        {**p, "NumberOfPreviousCPP": "-1"},
    ]
    assert failing("CIN-1105", rows(cin_cp_plans=bad)) == [3]
    assert failing("CIN-8925", rows(cin_cp_plans=bad)) == [4]
    assert failing("CIN-8730", rows(cin_cp_plans=bad)) == [5]


def test_reviews_after_the_plan_starts_once_each_and_linked_to_a_plan():
    p = {**KEY, "CPPstartDate": "2023-09-05", "InitialCategoryOfAbuse": "NEG", "LatestCategoryOfAbuse": "NEG",
         "NumberOfPreviousCPP": "0"}  # fmt: skip
    r = {**KEY, "CPPstartDate": "2023-09-05", "CPPreviewDate": "2023-11-28"}
    reviews = [r, {**r, "CPPreviewDate": "2023-09-05"}, {**r, "CPPreviewDate": "2024-01-10"},
               {**r, "CPPreviewDate": "2024-01-10"}, {**r, "CPPstartDate": "2023-10-01", "CPPreviewDate": "2023-12-01"}]  # fmt: skip
    t = rows(cin_cp_plans=[p], cin_cp_reviews=reviews)
    assert failing("CIN-8841", t) == [3]
    assert failing("CIN-CPR-DUP", t) == [4, 5]
    assert failing("CIN-XT-REVIEW", t) == [6]  # no plan starting 1 October


def test_a_module_of_a_quarantined_episode_goes_with_it():
    a = {**KEY, "AssessmentActualStartDate": "2023-05-03"}
    orphan = {
        **a,
        "LAchildID": "NOBODY",
        "CINreferralDate": "2023-07-01",
        "AssessmentActualStartDate": "2023-07-02",
    }
    eps = [EP, {**EP, "CINreferralDate": "2023-07-01", "LAchildID": "NOBODY"}]
    t = {"cin_children": [CHILD], "cin_episodes": eps, "cin_assessments": [a, orphan]}
    assert failing("CIN-XT-CHILD", t) == [3]
    assert failing("CIN-XT-ASSESSMENTS", t) == [3]
