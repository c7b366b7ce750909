"""Ofsted Annex A workbooks: sheets and headers found however they are written, coded cells
reduced to their codes, Excel row numbers kept, workbooks stacked, every row accounted for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
from openpyxl import Workbook

from pipeline.inputs.annex_a import code_value, read_workbook, sheet_table
from pipeline.inputs.ingest import ingest
from pipeline.params import load_params
from pipeline.validate import validate

ROOT = Path(__file__).parents[1]


def workbook(path: Path, contacts: list[list], *, blank_rows: int = 0) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "LIST 1 -  contacts"
    for _ in range(blank_rows):
        ws.append([])
    ws.append(
        [
            "child unique id",
            "GENDER",
            "Ethnicity ",
            "Date of birth",
            "Date of Contact",
            "Contact Source",
            "Contact Outcome Date",
        ]
    )
    for row in contacts:
        ws.append(row)
    other = wb.create_sheet("Notes")
    other.append(["not a list"])
    early = wb.create_sheet("List 2 Early Help")
    early.append(
        [
            "Child Unique ID",
            "Early Help Assessment Start Date",
            "Organisation completing assessment",
        ]
    )
    early.append(["E1", "03/04/2023", "Wessex Vale Council"])
    wb.save(path)
    return path


CONTACTS = [
    [
        "C1",
        "a) Male",
        "a) WBRI",
        "01/02/2015",
        dt.datetime(2023, 5, 2),
        "q) 6: Police",
        "03/05/2023",
    ],
    ["C2", "b) Female", "s) REFU", None, "04/05/2023", "e) 2A: Schools", None],
    [None, None, None, None, None, None, None],  # a blank row in the middle is skipped
    ["007", "b) Female", "a) WBRI", None, "31/02/2023", "u) 10: Unknown", "05/05/2023"],
]


def test_sheets_and_headers_matched_loosely():
    assert sheet_table("List 1 - Contacts") == "aa_contacts"
    assert sheet_table("list 10 adoption") is None  # not list 1
    assert sheet_table("Referrals") == "aa_referrals"
    assert sheet_table("List 9 – Care Leavers") == "aa_care_leavers"
    assert code_value("p1) 5D: LA services") == "5D" and code_value("a) Yes") == "Yes"
    assert (
        code_value("N1 - Abuse or neglect") == "N1"
        and code_value("b) Former relevant child") == "Former relevant child"
    )


def test_rows_read_with_excel_row_numbers(tmp_path):
    path = workbook(tmp_path / "annex_a.xlsx", CONTACTS, blank_rows=2)
    tables, info = read_workbook(path, "annex_a.xlsx")
    c = tables["aa_contacts"]
    assert c["source_row"].to_list() == [4, 5, 7]  # header on Excel row 3
    assert c["Date of Contact"].to_list() == ["2023-05-02", "04/05/2023", "31/02/2023"]
    assert c["Contact Source"].to_list() == ["6", "2A", "10"]
    assert c["Gender"].to_list() == ["Male", "Female", "Female"]  # upper-cased by ingest
    assert c["Date of Decision"].to_list() == ["03/05/2023", None, "05/05/2023"]  # alias header
    assert tables["aa_early_help"]["Assessment start date"].to_list() == ["03/04/2023"]
    assert info["rows"] == 4 and "sheets not read: Notes" in info["note"]


def _raw(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2010,WBRI\n")
    (raw / "episodes.csv").write_text("CHILD,DECOM,RNE,LS,CIN,PLACE\nC1,01/01/2020,S,C2,N1,U1\n")
    (raw / "reviews.csv").write_text("CHILD,REVIEW,REVIEW_CODE\n")
    return raw


def test_two_workbooks_stacked_and_accounted_for(tmp_path):
    raw = _raw(tmp_path)
    workbook(raw / "annex_a_2023-05-31.xlsx", CONTACTS)
    later = [
        CONTACTS[0][:6] + ["02/05/2023"],
        ["C9", "a) Male", None, None, "20/06/2023", "q) 6: Police", "19/06/2023"],
    ]
    workbook(raw / "annex_a_20230630.xlsx", later)
    params = load_params(ROOT / "config" / "sample.yml", extract_date=dt.date(2024, 4, 30))
    result = validate(ingest(raw).tables, params, engine="polars")
    s = {r["table"]: r for r in result.summary.iter_rows(named=True)}["aa_contacts"]
    # 5 rows: C1 in both (May superseded by June), C2 and 007 from May, C9 from June
    assert (s["rows_in"], s["rows_superseded"]) == (5, 1)
    q = result.quarantine.filter(pl.col("table") == "aa_contacts")
    # 31/02/2023 is not a date; C9 decided before the contact
    assert sorted(zip(q["source_file"], q["source_row"], q["rule_code"], strict=True)) == [
        ("annex_a_2023-05-31.xlsx", 5, "AA_CONTACTS-Date_of_Contact-REAL-DATE"),
        ("annex_a_20230630.xlsx", 3, "AA-L1-DECISION"),
    ]
    assert s["rows_quarantined"] == 2 and s["rows_clean"] == 2
    core = result.core["core_aa_contacts"].sort("child_id")
    assert core.select("child_id", "contact_date", "decision_date").rows() == [
        ("C1", dt.date(2023, 5, 2), dt.date(2023, 5, 2)),  # the June workbook's row
        ("C2", dt.date(2023, 5, 4), None),
    ]
