from pipeline.rules.testing import failing


def test_visits_unique_and_not_in_the_future():
    v = {
        "cppv_cp_visit_id": "V1",
        "cppv_person_id": "K1",
        "cppv_cp_visit_date": "01/03/2024",
        "cppv_cp_visit_seen": "Y",
    }
    rows = {
        "ssd_cp_visits": [
            v,
            {**v, "cppv_cp_visit_id": "V2", "cppv_cp_visit_date": "01/05/2024"},
            {**v, "cppv_cp_visit_id": "V2"},
        ]
    }
    assert failing("SSD-CPV-FUTURE", rows) == [3]
    assert failing("GX-SSD_CP_VISITS-cppv_cp_visit_id-UNIQUE", rows) == [3, 4]
