from pipeline.rules.testing import failing

PN = {"NOTE_ID": "N1", "CHILD": "C1", "NOTE_DATE": "01/03/2024", "NOTE_TYPE": "GOOD"}


def test_pn01_after_extract_date():
    rows = {"practice_notes": [PN, {**PN, "NOTE_ID": "N2", "NOTE_DATE": "01/05/2024"}]}
    assert failing("PN01", rows) == [3]


def test_note_id_unique():
    rows = {"practice_notes": [PN, {**PN, "NOTE_ID": "N2"}, PN]}
    assert failing("GX-PRACTICE_NOTES-NOTE_ID-UNIQUE", rows) == [2, 4]
