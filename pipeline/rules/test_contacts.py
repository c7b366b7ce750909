from pipeline.rules.testing import failing

CT = {"CHILD": "C1", "IRO": "I1", "CONTACT_DATE": "01/03/2024", "CONTACT_TYPE": "VISIT"}


def test_ct01_after_extract_date():
    rows = {"contacts": [CT, {**CT, "CONTACT_DATE": "2024-05-01"}]}
    assert failing("CT01", rows) == [3]


def test_contact_type_code_list():
    rows = {"contacts": [CT, {**CT, "CONTACT_TYPE": "visit"}]}
    assert failing("GX-CONTACTS-CONTACT_TYPE-IN-SET", rows) == [3]
