"""CIN census XML and CSV: every element read into the raw tables with its line, returns
stacked (latest wins, superseded counted), every row accounted for."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipeline.inputs.cin import is_cin_census, read_cin_xml
from pipeline.inputs.ingest import ingest
from pipeline.params import load_params
from pipeline.validate import validate

ROOT = Path(__file__).parents[1]


def census(year: int, children: str) -> str:
    head = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n  <Header>\n'
        f"    <CollectionDetails><Collection>CIN</Collection><Year>{year}</Year>"
        f"<ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails>\n"
        "    <Source><SourceLevel>L</SourceLevel><LEA>999</LEA></Source>\n  </Header>\n  <Children>\n"
    )
    return head + children + "\n  </Children>\n</Message>\n"


# line numbers below count from the XML declaration (line 1)
CHILD_A = """\
    <Child>
      <ChildIdentifiers><LAchildID>A1</LAchildID><PersonBirthDate>2015-06-14</PersonBirthDate><GenderCurrent>2</GenderCurrent></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>WBRI</Ethnicity><Disabilities><Disability>NONE</Disability></Disabilities></ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2023-05-02</CINreferralDate><ReferralSource>6</ReferralSource><PrimaryNeedCode>N1</PrimaryNeedCode>
        <Assessments><AssessmentActualStartDate>2023-05-03</AssessmentActualStartDate><AssessmentAuthorisationDate>2023-06-23</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment><AssessmentFactors>3A</AssessmentFactors><AssessmentFactors>16A</AssessmentFactors></FactorsIdentifiedAtAssessment></Assessments>
        <Section47><S47ActualStartDate>2023-08-21</S47ActualStartDate><DateOfInitialCPC>2023-09-05</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired></Section47>
        <ReferralNFA>false</ReferralNFA>
        <ChildProtectionPlans><CPPstartDate>2023-09-05</CPPstartDate><InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse><LatestCategoryOfAbuse>NEG</LatestCategoryOfAbuse><NumberOfPreviousCPP>0</NumberOfPreviousCPP>
          <Reviews><CPPreviewDate>2023-11-28</CPPreviewDate><CPPreviewDate>2024-03-26</CPPreviewDate></Reviews>
        </ChildProtectionPlans>
        <PreProceedings><PPStartDate>2023-10-01</PPStartDate></PreProceedings>
      </CINdetails>
    </Child>"""
CHILD_B = """\
    <Child>
      <ChildIdentifiers><LAchildID>B2</LAchildID><ExpectedPersonBirthDate>2024-06-01</ExpectedPersonBirthDate><GenderCurrent>0</GenderCurrent></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>NOBT</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>2024-01-10</CINreferralDate><ReferralSource>3B</ReferralSource><CINclosureDate>2024-01-11</CINclosureDate><ReasonForClosure>RC8</ReasonForClosure><ReferralNFA>true</ReferralNFA></CINdetails>
    </Child>"""


@pytest.fixture
def xml(tmp_path) -> Path:
    path = tmp_path / "cin_2024.xml"
    path.write_text(census(2024, CHILD_A + "\n" + CHILD_B), encoding="utf-8")
    return path


def test_every_element_read_with_its_line(xml):
    tables, info = read_cin_xml(xml, "cin_2024.xml")
    heights = {t: df.height for t, df in tables.items()}
    assert heights == {
        "cin_children": 2,
        "cin_episodes": 2,
        "cin_assessments": 1,
        "cin_plans": 0,
        "cin_section47": 1,
        "cin_cp_plans": 1,
        "cin_cp_reviews": 2,  # both review dates, not only the first
    }
    assert info["rows"] == 9 and info["year"] == 2024
    lines = xml.read_text().splitlines()
    for table, tag in [
        ("cin_children", "<Child>"),
        ("cin_episodes", "<CINdetails>"),
        ("cin_assessments", "<Assessments>"),
    ]:
        row = tables[table].row(0, named=True)
        assert tag in lines[row["source_row"] - 1], table
        assert row["source_file"] == "cin_2024.xml" and row["collection_year"] == 2024
    reviews = tables["cin_cp_reviews"]
    assert reviews["CPPreviewDate"].to_list() == ["2023-11-28", "2024-03-26"]
    assert reviews["CPPstartDate"].to_list() == ["2023-09-05"] * 2
    assert tables["cin_assessments"]["AssessmentFactors"][0] == "3A;16A"
    child_b = tables["cin_children"].row(1, named=True)
    assert (child_b["ExpectedPersonBirthDate"], child_b["PersonBirthDate"]) == ("2024-06-01", None)
    assert "PreProceedings (1)" in info["note"] and "PPStartDate (1)" in info["note"]


def test_header_checks_and_sniffing(tmp_path):
    bad = tmp_path / "x.xml"
    bad.write_text(census(2024, CHILD_B).replace("2024-03-31", "2024-04-01"))
    _, info = read_cin_xml(bad, "x.xml")
    assert "ReferenceDate 2024-04-01 is not 31 March 2024" in info["note"]
    other = tmp_path / "fake_903.xml"
    other.write_text("<Message><Header><CollectionDetails><Collection>SSDA903</Collection>")
    assert is_cin_census(bad) and not is_cin_census(other)


def _raw_folder(tmp_path: Path) -> Path:
    raw = tmp_path / "raw"
    (raw / "cin").mkdir(parents=True)
    for name in ("header", "episodes", "reviews"):
        src = ROOT / "tests" / "data" / f"{name}.csv"
        if src.is_file():
            (raw / f"{name}.csv").write_bytes(src.read_bytes())
    (raw / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\nC1,1,01/01/2010,WBRI\n")
    (raw / "episodes.csv").write_text("CHILD,DECOM,RNE,LS,CIN,PLACE\nC1,01/01/2020,S,C2,N1,U1\n")
    (raw / "reviews.csv").write_text("CHILD,REVIEW,REVIEW_CODE\n")
    return raw


def test_two_returns_latest_wins_and_every_row_is_accounted_for(tmp_path):
    raw = _raw_folder(tmp_path)
    # 2022-23 return: A1 referred in May 2022 (closed in 2022-23) and B2's episode open at year end
    old_a = (
        CHILD_A.replace("2023-", "2022-")
        .replace("2024-03-26", "2023-01-10")
        .replace(
            "<PrimaryNeedCode>N1</PrimaryNeedCode>",
            "<PrimaryNeedCode>N1</PrimaryNeedCode><CINclosureDate>2023-03-01</CINclosureDate>"
            "<ReasonForClosure>RC7</ReasonForClosure>",
        )
    )
    old_b = CHILD_B.replace(
        "<CINclosureDate>2024-01-11</CINclosureDate><ReasonForClosure>RC8</ReasonForClosure>", ""
    ).replace("2024-01-10", "2023-01-10")
    (raw / "cin" / "cin_2023.xml").write_text(census(2023, old_a + "\n" + old_b))
    # 2023-24 return: A1's new episode, and B2's same episode (2023-01-10), now closed
    new_b = CHILD_B.replace("2024-01-10", "2023-01-10").replace("2024-01-11", "2023-04-20")
    (raw / "cin" / "cin_2024.xml").write_text(census(2024, CHILD_A + "\n" + new_b))
    ingested = ingest(raw)
    params = load_params(ROOT / "config" / "sample.yml", extract_date=dt.date(2024, 4, 30), raw=raw)
    result = validate(ingested.tables, params, engine="polars")
    s = {r["table"]: r for r in result.summary.iter_rows(named=True)}
    # children: A1 and B2 in both returns -> the 2023 rows superseded
    assert (s["cin_children"]["rows_in"], s["cin_children"]["rows_superseded"]) == (4, 2)
    # episodes: A1 2022 (only in 2023 return, kept), B2 2023-01-10 (in both: old superseded), A1 2023
    assert (s["cin_episodes"]["rows_in"], s["cin_episodes"]["rows_superseded"]) == (4, 1)
    assert s["cin_cp_reviews"]["rows_in"] == 4 and s["cin_cp_reviews"]["rows_superseded"] == 0
    for r in s.values():
        parts = r["rows_clean"] + r["rows_quarantined"] + r["rows_superseded"]
        assert r["rows_in"] == parts + r["rows_out_of_scope"]
    eps = result.core["core_cin_episodes"].sort("child_id", "referral_date")
    b2 = eps.filter(pl.col("child_id") == "B2").row(0, named=True)
    assert b2["closure_date"] == dt.date(2023, 4, 20) and b2["collection_year"] == 2024
    assert eps.height == 3
    assert result.core["core_cp_reviews"].height == 4


def test_flat_csv_form_matches_on_dates_in_either_format(tmp_path):
    raw = _raw_folder(tmp_path)
    (raw / "cin_children.csv").write_text(
        "LAchildID,PersonBirthDate,GenderCurrent,Ethnicity,Year\nK1,01/02/2015,1,WBRI,2023\nK1,01/02/2015,1,WBRI,2024\n"
    )
    (raw / "cin_episodes.csv").write_text(
        "LAchildID,CINreferralDate,ReferralSource,PrimaryNeedCode,ReferralNFA,Year\n"
        "K1,05/03/2023,6,N1,false,2023\nK1,2023-03-05,6,N1,false,2024\n"
    )
    result = validate(
        ingest(raw).tables, load_params(ROOT / "config" / "sample.yml"), engine="polars"
    )
    s = {r["table"]: r for r in result.summary.iter_rows(named=True)}
    assert (s["cin_episodes"]["rows_in"], s["cin_episodes"]["rows_clean"]) == (2, 1)
    assert s["cin_episodes"]["rows_superseded"] == 1
    assert result.core["core_cin_episodes"]["collection_year"].to_list() == [2024]


def test_annex_a_workbooks_of_one_year_in_file_date_order():
    from pipeline.inputs.returns import superseded
    from pipeline.rules.testing import raw

    row = {"Child Unique ID": "C1", "Date of Contact": "02/05/2023"}
    df = (
        raw("aa_contacts", [row, {**row, "Date of Contact": "2023-05-02"}])
        .with_columns(
            collection_year=pl.lit(2024, pl.Int64),
            stack_order=pl.Series(["2023-09-30|a.xlsx", "2024-03-31|b.xlsx"]),
        )
        .with_row_index("row_id")
    )
    sup, _ = superseded("aa_contacts", df)
    assert sup["row_id"].to_list() == [0]  # the September workbook's copy


def test_unreadable_xml_is_reported_not_fatal(tmp_path):
    raw = _raw_folder(tmp_path)
    (raw / "cin" / "broken.xml").write_text("<Message><Header><Collection>CIN</Collection>\n<oops>")
    files = {f.path: f for f in ingest(raw).files}
    report = files["cin/broken.xml"]
    assert report.status == "unreadable" and "line" in report.note
