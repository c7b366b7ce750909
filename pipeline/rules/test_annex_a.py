from pipeline.rules.testing import failing


def test_dates_in_order_per_list():
    c = {"Child Unique ID": "C1", "Date of Contact": "02/05/2023", "Date of Decision": "03/05/2023"}
    assert failing(
        "AA-L1-DECISION", {"aa_contacts": [c, {**c, "Date of Decision": "01/05/2023"}]}
    ) == [3]
    s = {"Child Unique ID": "C1", "Strategy discussion initiating Section 47 Enquiry Start Date": "02/05/2023",
         "Date of Initial Child Protection Conference": "01/05/2023"}  # fmt: skip
    assert failing("AA-L5-ICPC", {"aa_section47": [s]}) == [2]


def test_nothing_after_the_extract_date_and_codes_checked():
    c = {"Child Unique ID": "C1", "Date of Contact": "02/05/2024"}  # extract date 30/04/2024
    assert failing("AA-CONTACTS-FUTURE", {"aa_contacts": [c]}) == [2]
    cl = {"Child Unique ID": "C1", "Date of Birth": "01/01/2003", "Activity Status": "Z9"}
    assert failing("GX-AA_CARE_LEAVERS-Activity_Status-IN-SET", {"aa_care_leavers": [cl]}) == [2]
