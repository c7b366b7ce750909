import datetime as dt

import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.inputs.ingest import date_year, ingest, parse_date

HEADER_CSV = "CHILD,SEX,DOB,ETHNIC\n0012,1,01/02/2010,WBRI\n"
EPISODES_CSV = "CHILD,DECOM,RNE,LS,CIN,PLACE\n0012,01/01/2020,S,C2,N1,U1\n"
REVIEWS_CSV = "CHILD,REVIEW,REVIEW_CODE\n0012,01/03/2020,PN1\n"


def write(folder, name, text, encoding="utf-8"):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


@pytest.fixture
def raw_dir(tmp_path):
    write(tmp_path, "header.csv", HEADER_CSV)
    write(tmp_path, "episodes.csv", EPISODES_CSV)
    write(tmp_path, "reviews.csv", REVIEWS_CSV)
    return tmp_path


def test_minimal_folder_gives_every_contract_table_as_strings(raw_dir):
    result = ingest(raw_dir)
    header = result.tables["raw_header"]
    assert header["CHILD"].to_list() == ["0012"]  # leading zeros kept
    assert header["UPN"].to_list() == [None]  # optional column absent -> null
    assert set(header.schema.values()) == {pl.String, pl.Int64}
    assert header["source_file"].to_list() == ["header.csv"]
    assert header["source_row"].to_list() == [2]
    assert result.tables["raw_escalations"].height == 0
    assert "raw_practice_notes" in result.tables


def test_headers_matched_loosely_extras_dropped_values_tidied(raw_dir):
    write(
        raw_dir,
        "header.csv",
        " child ,Sex, d o b ,ETHNIC,Notes\n  7 , 2 ,01/02/2010,,x\n\n8,1,2010-02-01,WBRI,\n",
    )
    result = ingest(raw_dir)
    header = result.tables["raw_header"]
    assert header.select("CHILD", "SEX", "ETHNIC", "source_row").rows() == [
        ("7", "2", None, 2),
        ("8", "1", "WBRI", 4),  # a blank line is row 3 in the file
    ]
    report = next(f for f in result.files if f.path == "header.csv")
    assert report.status == "ingested" and report.rows == 2
    assert "Notes" in report.note and "1 blank rows skipped" in report.note


def test_bom_and_windows_1252(raw_dir):
    write(
        raw_dir, "header.csv", "\ufeffCHILD,SEX,DOB,ETHNIC,UPN\n1,1,01/02/2010,WBRI,Zoë\n", "utf-8"
    )
    write(raw_dir, "uasc.csv", "CHILD,DUC,SEX\nRenée’s,01/01/2030,1\n", "cp1252")  # not UTF-8
    result = ingest(raw_dir)
    assert result.tables["raw_header"]["UPN"].to_list() == ["Zoë"]
    assert result.tables["raw_uasc"]["CHILD"].to_list() == ["Renée’s"]


def test_subfolders_case_insensitive_stems_and_several_files_concatenated(raw_dir):
    write(raw_dir, "ssda903/Episodes.CSV", EPISODES_CSV.replace("0012", "0099"))
    result = ingest(raw_dir)
    eps = result.tables["raw_episodes"]
    assert eps.select("CHILD", "source_file").rows() == [
        ("0012", "episodes.csv"),
        ("0099", "ssda903/Episodes.CSV"),
    ]


def test_xlsx_first_sheet_as_strings(raw_dir):
    (raw_dir / "header.csv").unlink()
    df = pl.DataFrame(
        {
            "CHILD": ["0012", "13"],
            "SEX": [1.0, 2.0],
            "DOB": [dt.date(2010, 2, 1), dt.date(2011, 3, 4)],
            "ETHNIC": ["WBRI", "AIND"],
        }
    )
    (raw_dir / "sub").mkdir()
    df.write_excel(raw_dir / "sub" / "Header.XLSX")
    header = ingest(raw_dir).tables["raw_header"]
    assert header["CHILD"].to_list() == ["0012", "13"]
    assert header["SEX"].to_list() == ["1", "2"]
    assert header.select(parse_date(pl.col("DOB")))["DOB"].to_list() == [
        dt.date(2010, 2, 1),
        dt.date(2011, 3, 4),
    ]
    assert header["source_row"].to_list() == [2, 3]


def test_unknown_and_empty_files_are_reported_not_fatal(raw_dir):
    write(raw_dir, "sw_episodes.csv", "CHILD,SW_ID\n1,2\n")
    write(raw_dir, "fake_903.xml", "<x/>")
    write(raw_dir, "README.md", "# raw\n")
    write(raw_dir, "missing.csv", "")
    status = {f.path: (f.table, f.status) for f in ingest(raw_dir).files}
    assert status["sw_episodes.csv"] == (None, "unknown file")
    assert status["fake_903.xml"] == (None, "not a 903 return")
    assert status["README.md"] == (None, "unknown file")
    assert status["missing.csv"] == ("missing", "empty")
    assert status["header.csv"] == ("header", "ingested")


def test_missing_required_table_names_the_table(raw_dir):
    (raw_dir / "reviews.csv").unlink()
    with pytest.raises(InputError, match=r"^table reviews: required table missing"):
        ingest(raw_dir)


def test_empty_required_table_is_missing(raw_dir):
    write(raw_dir, "reviews.csv", "")
    with pytest.raises(InputError, match=r"reviews\.csv \(empty\)"):
        ingest(raw_dir)


def test_missing_required_column_names_file_and_column(raw_dir):
    write(raw_dir, "ssda903/episodes.csv", "CHILD,RNE,LS,CIN,PLACE\n1,S,C2,N1,U1\n")
    with pytest.raises(InputError) as err:
        ingest(raw_dir)
    assert str(err.value) == "ssda903/episodes.csv: column DECOM: required column DECOM is missing"


def test_parse_date_formats():
    s = pl.DataFrame(
        {"d": ["01/02/2020", "1/2/2020", "2020-02-01", " 2020-02-01 ", "31/02/2020", "x", None]}
    )
    out = s.select(parse_date(pl.col("d")))["d"].to_list()
    feb1 = dt.date(2020, 2, 1)
    assert out == [feb1, feb1, feb1, feb1, None, None, None]


# ---------------------------------------------------------------- names, years, columns
def test_year_tagged_names_give_table_and_year(tmp_path):
    write(tmp_path, "2021-header.csv", HEADER_CSV)
    write(tmp_path, "SSDA903_2020_episodes.csv", EPISODES_CSV)
    write(tmp_path, "Episodes 2017-18.csv", EPISODES_CSV.replace("0012", "0013"))
    write(tmp_path, "returns/2019-20/reviews.csv", REVIEWS_CSV)
    write(tmp_path, "PrevPerm 2018_19.csv", "CHILD,PREV_PERM\n0012,Z1\n")
    found = {f.path: (f.table, f.collection_year, f.year_source) for f in ingest(tmp_path).files}
    assert found == {
        "2021-header.csv": ("header", 2021, "file name"),
        "SSDA903_2020_episodes.csv": ("episodes", 2020, "file name"),
        "Episodes 2017-18.csv": ("episodes", 2018, "file name"),
        "returns/2019-20/reviews.csv": ("reviews", 2020, "folder"),
        "PrevPerm 2018_19.csv": ("previous_permanence", 2019, "file name"),
    }
    eps = ingest(tmp_path).tables["raw_episodes"]
    assert dict(zip(eps["CHILD"], eps["collection_year"], strict=True)) == {
        "0012": 2020,
        "0013": 2018,
    }


def test_a_file_is_its_table_by_its_columns_whatever_its_name(raw_dir):
    (raw_dir / "reviews.csv").unlink()
    write(
        raw_dir,
        "export from liquidlogic.csv",
        "CHILD,DOB,REVIEW,REVIEW_CODE\n0012,,01/03/2020,pn1\n",
    )
    result = ingest(raw_dir)
    f = next(f for f in result.files if f.path == "export from liquidlogic.csv")
    assert (f.table, f.status) == ("reviews", "ingested")
    assert "recognised as reviews by its columns" in f.note
    # codes are matched without regard to case, and the change is counted
    assert result.tables["raw_reviews"]["REVIEW_CODE"].to_list() == ["PN1"]
    assert f.codes_normalised == 1 and result.codes_normalised == 1


def test_a_header_that_fits_two_tables_equally_is_a_one_line_error(raw_dir):
    write(raw_dir, "extra.csv", "CHILD,DOB\n0012,01/02/2010\n")  # oc2? ad1? permanence?
    with pytest.raises(InputError) as err:
        ingest(raw_dir)
    assert str(err.value).startswith("extra.csv: its columns fit ")
    assert "\n" not in str(err.value)


def test_required_table_missing_lists_every_ignored_file(raw_dir):
    (raw_dir / "reviews.csv").unlink()
    write(raw_dir, "notes.txt", "hello\n")
    write(raw_dir, "sw_episodes.csv", "CHILD,SW_ID,SW_DECOM\n1,SW1,01/01/2020\n")
    write(raw_dir, "other.xml", "<Message><Header/></Message>")
    with pytest.raises(InputError) as err:
        ingest(raw_dir)
    msg = str(err.value)
    assert msg.startswith("table reviews: required table missing from the raw folder")
    for name in (
        "notes.txt (unknown file",
        "sw_episodes.csv (unknown file",
        "other.xml (not a 903 return",
    ):
        assert name in msg
    assert "\n" not in msg


def test_years_from_dates_single_return_vs_multi_year_extract(tmp_path):
    one = tmp_path / "one"
    write(one, "header.csv", HEADER_CSV)
    write(
        one,
        "episodes.csv",
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC\n0012,01/06/2015,S,C2,N1,U1,\n0012,01/01/2019,S,C2,N1,U1,02/02/2019\n",
    )
    write(one, "reviews.csv", REVIEWS_CSV)
    files = {f.path: f for f in ingest(one).files}
    assert (files["header.csv"].collection_year, files["header.csv"].year_source) == (2019, "dates")
    many = tmp_path / "many"
    write(many, "header.csv", HEADER_CSV)
    write(
        many,
        "episodes.csv",
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC\n0012,01/06/2015,S,C2,N1,U1,01/07/2016\n0012,01/01/2019,S,C2,N1,U1,\n",
    )
    write(many, "reviews.csv", REVIEWS_CSV)
    f = {f.path: f for f in ingest(many).files}["episodes.csv"]
    assert f.collection_year is None and "multi-year extract" in f.note


# ---------------------------------------------------------------- the XML return, inline
# A DfE-shaped SSDA903 XML return, written here (not read from ../shared) so mutmut's copy
# of the tree can run it. Line numbers count from the XML declaration (line 1).
XML_RETURN = """\
<?xml version="1.0" encoding="UTF-8"?>
<EXPSSDA903>
  <CHILD>
    <HEADER>
      <CHILDID>0012</CHILDID><SEX>1</SEX><DOB>01/02/2010</DOB><ETHNIC>wbri</ETHNIC><FOO>x</FOO>
      <AREVIEW><REVIEW>01/03/2020</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
    </HEADER>
    <EPISODE><DECOM>01/01/2020</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U1</PL></EPISODE>
  </CHILD>
</EXPSSDA903>
"""


def test_xml_return_tables_lines_notes_and_folder_year(tmp_path):
    write(tmp_path, "2019-20/return.xml", XML_RETURN)
    result = ingest(tmp_path)
    files = {(f.path, f.table): f for f in result.files}
    assert set(files) == {
        ("2019-20/return.xml", "header"),
        ("2019-20/return.xml", "reviews"),
        ("2019-20/return.xml", "episodes"),
    }
    header = files[("2019-20/return.xml", "header")]
    # wbri -> WBRI is 1 code upper-cased; FOO is a HEADER leaf the contract does not know
    assert header.note == (
        "XML return, 1 children; year from folder 2019-20; 1 codes upper-cased; "
        "elements not read: HEADER.FOO (1)"
    )
    assert (header.status, header.rows, header.collection_year, header.year_source) == (
        "ingested",
        1,
        2020,
        "folder",
    )
    assert header.codes_normalised == 1
    # the unknown elements are noted on the header part only
    episodes = files[("2019-20/return.xml", "episodes")]
    assert episodes.note == "XML return, 1 children; year from folder 2019-20"
    assert episodes.codes_normalised == 0
    raw_header = result.tables["raw_header"]
    # line 4 is <HEADER>, line 6 <AREVIEW>, line 8 <EPISODE>
    assert raw_header.select("CHILD", "ETHNIC", "source_row", "collection_year").rows() == [
        ("0012", "WBRI", 4, 2020)
    ]
    assert result.tables["raw_reviews"].select("CHILD", "DOB", "source_row").rows() == [
        ("0012", "01/02/2010", 6)
    ]
    eps = result.tables["raw_episodes"]
    assert eps.select("CHILD", "PLACE", "DEC", "source_row", "source_file").rows() == [
        ("0012", "U1", None, 8, "2019-20/return.xml")
    ]


def test_xml_return_without_a_year_is_dated_by_its_own_episodes(tmp_path):
    # no year in folder or name: the episodes (latest start 01/01/2020, so 2019-20) date
    # the file's own parts, grouped by the file (not its folder)
    write(tmp_path, "return.xml", XML_RETURN)
    files = {f.table: f for f in ingest(tmp_path).files}
    for table in ("header", "reviews", "episodes"):
        assert (files[table].collection_year, files[table].year_source) == (2020, "dates")
    assert files["episodes"].note == (
        "XML return, 1 children; year from the dates of the episodes in return.xml"
    )


def test_xml_that_is_not_a_903_return_or_not_well_formed_is_reported(raw_dir):
    write(raw_dir, "other.xml", "<Message>\n  <Header/>\n</Message>\n")
    write(raw_dir, "broken.xml", "<EXPSSDA903>\n  <CHILD>\n    <HEADER>\n</EXPSSDA903>\n")
    files = {f.path: f for f in ingest(raw_dir).files}
    other = files["other.xml"]
    assert (other.table, other.rows, other.status, other.note) == (
        None,
        0,
        "not a 903 return",
        "root element <Message> holds no CHILD/HEADER records; ignored",
    )
    broken = files["broken.xml"]
    # lxml reports the mismatched end tag on line 4
    assert (broken.table, broken.rows, broken.status, broken.note) == (
        None,
        0,
        "unreadable",
        "not well-formed XML (line 4)",
    )


# ---------------------------------------------------------------- reports of files not used
def test_each_kind_of_file_not_used_is_reported_with_its_note(raw_dir):
    write(raw_dir, "README.md", "# raw\n")
    write(raw_dir, "missing.csv", " \n\n")  # only whitespace: empty
    write(raw_dir, "uasc.csv", "CHILD,DUC\n\x81\n", "latin-1")  # 0x81 is undefined in cp1252
    write(raw_dir, "oc3.xlsx", "not a workbook")
    write(raw_dir, "sw_episodes.csv", "CHILD,SW_ID\n1,2\n")
    files = {f.path: (f.table, f.rows, f.status, f.note) for f in ingest(raw_dir).files}
    assert files["README.md"] == (None, 0, "unknown file", "not CSV, Excel or XML; ignored")
    assert files["missing.csv"] == ("missing", 0, "empty", "file has no content")
    assert files["uasc.csv"] == (
        "uasc",
        0,
        "unreadable",
        "text encoding not UTF-8 or Windows-1252",
    )
    assert files["oc3.xlsx"][:3] == ("oc3", 0, "unreadable")
    assert files["oc3.xlsx"][3].startswith("could not be parsed (") and files["oc3.xlsx"][
        3
    ].endswith(")")
    assert files["sw_episodes.csv"] == (
        None,
        0,
        "unknown file",
        "name is not a contract table and its columns fit none; ignored",
    )


def test_required_table_missing_message_word_for_word(tmp_path):
    write(tmp_path, "header.csv", HEADER_CSV)
    write(tmp_path, "reviews.csv", REVIEWS_CSV)
    write(tmp_path, "notes.txt", "hello\n")
    write(tmp_path, "blank.csv", "")
    with pytest.raises(InputError) as err:
        ingest(tmp_path)
    # files sorted by path: blank.csv, header.csv, notes.txt, reviews.csv; the two ingested
    # ones are left out, each other one shows its status and note
    assert str(err.value) == (
        "table episodes: required table missing from the raw folder"
        " (expected episodes.csv or episodes.xlsx, a file with its columns, or an XML return)"
        "; files not used: blank.csv (empty: file has no content);"
        " notes.txt (unknown file: name is not a contract table and its columns fit none; ignored)"
    )


def test_required_table_missing_with_no_other_file(tmp_path):
    write(tmp_path, "header.csv", HEADER_CSV)
    write(tmp_path, "reviews.csv", REVIEWS_CSV)
    with pytest.raises(InputError) as err:
        ingest(tmp_path)
    assert str(err.value) == (
        "table episodes: required table missing from the raw folder"
        " (expected episodes.csv or episodes.xlsx, a file with its columns, or an XML return)"
        "; no other files found"
    )


def test_required_table_found_but_not_used_names_each_file(raw_dir):
    write(raw_dir, "reviews.csv", "")
    write(raw_dir, "2020/reviews.csv", "\n")
    with pytest.raises(InputError) as err:
        ingest(raw_dir)
    assert str(err.value) == (
        "table reviews: required table missing from the raw folder; found"
        " 2020/reviews.csv (empty), reviews.csv (empty)"
    )


def test_a_file_named_for_one_table_with_anothers_columns_is_that_table(raw_dir):
    (raw_dir / "reviews.csv").unlink()
    write(raw_dir, "uasc.csv", REVIEWS_CSV)  # uasc's DUC missing, and reviews' columns
    result = ingest(raw_dir)
    f = next(f for f in result.files if f.path == "uasc.csv")
    assert (f.table, f.status, f.note) == (
        "reviews",
        "ingested",
        "named like uasc but its columns are reviews's; optional columns absent: DOB"
        "; year from the dates of the episodes in the raw folder",
    )
    assert result.tables["raw_reviews"]["REVIEW_CODE"].to_list() == ["PN1"]
    assert result.tables["raw_uasc"].height == 0


def test_files_frame_has_one_row_per_report_in_its_schema(raw_dir):
    write(raw_dir, "README.md", "# raw\n")
    write(raw_dir, "2020/uasc.csv", "CHILD,DUC\nA1,01/01/2030\n")
    frame = ingest(raw_dir).files_frame()
    assert frame.schema == {
        "path": pl.String,
        "table": pl.String,
        "rows": pl.Int64,
        "status": pl.String,
        "note": pl.String,
        "collection_year": pl.Int64,
        "year_source": pl.String,
        "codes_normalised": pl.Int64,
    }
    # sorted by path: 2020/uasc.csv, README.md, episodes.csv, header.csv, reviews.csv
    assert frame["path"].to_list()[:2] == ["2020/uasc.csv", "README.md"]
    assert frame.row(0) == (
        "2020/uasc.csv",
        "uasc",
        1,
        "ingested",
        "year from folder 2020; optional columns absent: SEX, DOB",
        2020,
        "folder",
        0,
    )
    assert frame.row(1) == (
        "README.md",
        None,
        0,
        "unknown file",
        "not CSV, Excel or XML; ignored",
        None,
        "",
        0,
    )


# ---------------------------------------------------------------- collection year from dates
def _episodes(decom: list[str | None], dec: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame({"DECOM": decom, "DEC": dec}, schema={"DECOM": pl.String, "DEC": pl.String})


def test_date_year_is_the_year_of_the_latest_start_ending_31_march():
    # latest start 31 March 2020 -> 2019-20 (2020); 1 April 2020 -> 2020-21 (2021)
    assert date_year(_episodes(["01/06/2019", "31/03/2020"], [None, None])) == 2020
    assert date_year(_episodes(["01/06/2019", "2020-04-01"], [None, None])) == 2021
    # no start that parses: not a return
    assert date_year(_episodes(["x", None], [None, None])) is None
    assert date_year(_episodes([], [])) is None


def test_date_year_allows_endings_from_1_april_of_the_year_before():
    # year 2020: an episode ending 1 April 2019 was open in 2019-20; one ending 31 March
    # 2019 was not, and 1 of 2 (50%) is more than the 1% allowed
    assert date_year(_episodes(["01/01/2020", "01/06/2015"], [None, "01/04/2019"])) == 2020
    assert date_year(_episodes(["01/01/2020", "01/06/2015"], [None, "31/03/2019"])) is None


def test_date_year_tolerates_one_early_ending_in_a_hundred():
    # 1 of 100 episodes ending before 1 April 2019: 1 <= 0.01 * 100, still 2020;
    # 2 of 100: 2 > 1, a multi-year extract
    one = _episodes(["01/01/2020"] * 100, [None] * 99 + ["31/03/2019"])
    two = _episodes(["01/01/2020"] * 100, [None] * 98 + ["31/03/2019"] * 2)
    assert date_year(one) == 2020
    assert date_year(two) is None


def test_years_from_dates_per_folder_notes_and_tables_dated(tmp_path):
    # la/: the 903 and IRO files take their year from la/'s episodes; a CIN file does not
    write(tmp_path, "la/header.csv", HEADER_CSV)
    write(tmp_path, "la/episodes.csv", EPISODES_CSV)  # starts 01/01/2020 -> 2020
    write(tmp_path, "la/reviews.csv", REVIEWS_CSV)
    write(tmp_path, "la/review_process.csv", "CHILD,REVIEW,IRO\n0012,01/03/2020,I1\n")
    write(
        tmp_path,
        "la/cin_children.csv",
        "LAchildID,PersonBirthDate,GenderCurrent,Ethnicity,Year\nK1,01/02/2015,1,WBRI,2023\n",
    )
    # extra/ (read first): no episodes, so nothing to date its reviews by
    write(tmp_path, "extra/reviews.csv", REVIEWS_CSV)
    result = ingest(tmp_path)
    files = {f.path: f for f in result.files}
    note = "year from the dates of the episodes in la"
    for name in ("header", "episodes", "reviews", "review_process"):
        f = files[f"la/{name}.csv"]
        assert (f.collection_year, f.year_source) == (2020, "dates"), name
        assert f.note.endswith(note), name
    assert files["la/header.csv"].note == "optional columns absent: UPN, MOTHER, MC_DOB; " + note
    cin = files["la/cin_children.csv"]
    assert (cin.collection_year, cin.year_source) == (None, "")
    other = files["extra/reviews.csv"]
    assert (other.collection_year, other.year_source) == (None, "")
    assert other.note == "optional columns absent: DOB"
    # the rows carry the year their file was given
    process = result.tables["raw_review_process"]
    assert process.select("CHILD", "IRO", "collection_year").rows() == [("0012", "I1", 2020)]
    reviews = result.tables["raw_reviews"]
    assert reviews.select("source_file", "collection_year").rows() == [
        ("extra/reviews.csv", None),
        ("la/reviews.csv", 2020),
    ]


def test_a_multi_year_extract_says_so_after_its_other_notes(tmp_path):
    write(tmp_path, "header.csv", HEADER_CSV + "0013,1,01/02/2010,WBRI\n")
    write(
        tmp_path,
        "episodes.csv",
        "CHILD,DECOM,RNE,LS,CIN,PLACE,DEC\n0012,01/06/2015,S,C2,N1,U1,01/07/2016\n"
        "0012,01/01/2019,S,C2,N1,U1,\n",
    )
    write(tmp_path, "reviews.csv", REVIEWS_CSV)
    files = {f.path: f for f in ingest(tmp_path).files}
    multi = "no year in its folder or name, and its episodes span several years: read as a multi-year extract"
    assert files["reviews.csv"].note == "optional columns absent: DOB; " + multi
    assert files["header.csv"].collection_year is None


# ---------------------------------------------------------------- columns and values
def test_duplicate_blank_and_extra_headers_blank_rows_and_codes_in_the_note(raw_dir):
    write(
        raw_dir,
        "header.csv",
        " CHILD ,SEX,DOB,ETHNIC,child,,MOTHER, Notes \n"
        "1,1,01/02/2010,wbri,a,b,1,n\n"
        ",,,,z,,,\n"  # contract columns all blank: skipped (the extras do not count)
        "2,2,2010-02-01,WBRI,,,,\n",
    )
    result = ingest(raw_dir)
    f = next(f for f in result.files if f.path == "header.csv")
    assert f.note == (
        "extra columns dropped: child, (blank header), Notes; optional columns absent: UPN,"
        " MC_DOB; 1 blank rows skipped; 1 codes upper-cased"
        "; year from the dates of the episodes in the raw folder"
    )
    assert (f.rows, f.codes_normalised) == (2, 1)
    header = result.tables["raw_header"]
    assert header.columns == [
        "CHILD",
        "SEX",
        "DOB",
        "ETHNIC",
        "UPN",
        "MOTHER",
        "MC_DOB",
        "source_file",
        "source_row",
        "collection_year",
    ]
    assert header.select("CHILD", "ETHNIC", "MOTHER", "source_row").rows() == [
        ("1", "WBRI", "1", 2),
        ("2", "WBRI", None, 4),
    ]


def test_codes_in_every_code_column_and_list_columns_are_upper_cased_and_counted(raw_dir):
    write(
        raw_dir,
        "escalations.csv",
        "ESC_ID,CHILD,IRO,RAISED,STAGE,AREAS,OUTCOME\n"
        "E1,c1,i1,01/02/2020,s1,a1;b2,\n"  # STAGE and AREAS: 2 (ids are not codes)
        "E2,C2,I2,01/02/2020,S1,A1,o1\n",  # OUTCOME: 1
    )
    result = ingest(raw_dir)
    f = next(f for f in result.files if f.path == "escalations.csv")
    assert f.codes_normalised == 3
    assert f.note == (
        "optional columns absent: RESOLVED; 3 codes upper-cased"
        "; year from the dates of the episodes in the raw folder"
    )
    esc = result.tables["raw_escalations"]
    assert esc.select("CHILD", "STAGE", "AREAS", "OUTCOME").rows() == [
        ("c1", "S1", "A1;B2", None),
        ("C2", "S1", "A1", "O1"),
    ]
    assert result.codes_normalised == 3


def test_a_table_without_code_columns_and_a_header_only_file(raw_dir):
    write(raw_dir, "review_process.csv", "CHILD,REVIEW,IRO,SWR_DUE\n0012,01/03/2020,i1,\n")
    write(raw_dir, "2020/uasc.csv", "CHILD,DUC\n")
    result = ingest(raw_dir)
    files = {f.path: f for f in result.files}
    assert files["review_process.csv"].codes_normalised == 0
    assert result.tables["raw_review_process"]["IRO"].to_list() == ["i1"]
    uasc = files["2020/uasc.csv"]
    assert (uasc.status, uasc.rows, uasc.codes_normalised) == ("ingested", 0, 0)
    assert uasc.note == "year from folder 2020; optional columns absent: SEX, DOB"


def test_excel_number_and_midnight_forms_are_tidied_only_where_they_are_whole(raw_dir):
    write(
        raw_dir,
        "header.csv",
        "CHILD,SEX,DOB,ETHNIC,MC_DOB\n"
        " 0012 ,1.0,2010-02-01 00:00:00,WBRI,2011-01-01 00:00:00\n"
        "13,-2.00,2010-02-01T00:00:00.000,  ,\n"
        "14,2.5,2010-02-01 00:00:01,x.0,2011-01-01T00:00:00\n",
    )
    header = ingest(raw_dir).tables["raw_header"]
    assert header["CHILD"].to_list() == ["0012", "13", "14"]
    # SEX holds '.' but no midnight; MC_DOB midnight but no '.'
    assert header["SEX"].to_list() == ["1", "-2", "2.5"]
    assert header["DOB"].to_list() == ["2010-02-01", "2010-02-01", "2010-02-01 00:00:01"]
    assert header["ETHNIC"].to_list() == ["WBRI", None, "X.0"]
    assert header["MC_DOB"].to_list() == ["2011-01-01", None, "2011-01-01"]


# ---------------------------------------------------------------- CIN census and Annex A files
def _cin_census(year: str, children: str, reference: str = "") -> str:
    ref = f"<ReferenceDate>{reference}</ReferenceDate>" if reference else ""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n  <Header>\n'
        f"    <CollectionDetails><Collection>CIN</Collection><Year>{year}</Year>{ref}"
        "</CollectionDetails>\n  </Header>\n  <Children>\n"
        + children
        + "  </Children>\n</Message>\n"
    )


CIN_CHILD = """\
    <Child>
      <ChildIdentifiers><LAchildID>K1</LAchildID><GenderCurrent>1</GenderCurrent></ChildIdentifiers>
      <ChildCharacteristics><Ethnicity>wbri</Ethnicity></ChildCharacteristics>
      <CINdetails><CINreferralDate>2024-01-10</CINreferralDate><ReferralNFA>false</ReferralNFA></CINdetails>
    </Child>
"""


def test_a_cin_census_gives_one_part_per_table_with_rows_with_the_readers_notes(raw_dir):
    # ReferenceDate left out: the reader's note "ReferenceDate (missing) is not 31 March 2024";
    # its collection_year column is the reader's, not an extra column of the file
    write(raw_dir, "cin/census.xml", _cin_census("2024", CIN_CHILD))
    result = ingest(raw_dir)
    parts = {f.table: f for f in result.files if f.path == "cin/census.xml"}
    # only the tables with rows: the child and its one CINdetails
    assert set(parts) == {"cin_children", "cin_episodes"}
    ref = "ReferenceDate (missing) is not 31 March 2024"
    # wbri -> WBRI (1 code); ReferralNFA false -> FALSE (1 code)
    assert parts["cin_children"].note == ref + "; 1 codes upper-cased"
    assert parts["cin_episodes"].note == ref + "; 1 codes upper-cased"
    for f in parts.values():
        assert (f.status, f.rows, f.collection_year, f.year_source) == (
            "ingested",
            1,
            2024,
            "XML header",
        )
    children = result.tables["raw_cin_children"]
    # line 7 is <Child>, line 10 <CINdetails>; no stack_order for a census
    assert children.select("LAchildID", "Ethnicity", "source_row", "collection_year").rows() == [
        ("K1", "WBRI", 7, 2024)
    ]
    assert "stack_order" not in children.columns
    episodes = result.tables["raw_cin_episodes"]
    assert episodes.select("ReferralNFA", "source_row").rows() == [("FALSE", 10)]


def test_a_cin_census_with_no_children_is_empty_and_a_bad_one_unreadable(raw_dir):
    write(raw_dir, "cin/none.xml", _cin_census("2024", "", "2024-03-31"))
    write(raw_dir, "cin/broken.xml", "<Message><Header><Collection>CIN</Collection>\n<oops>\n")
    # '²' is a digit to str.isdigit but not to int(): the census reader raises ValueError
    write(raw_dir, "cin/odd.xml", _cin_census("²", CIN_CHILD))
    files = {f.path: (f.table, f.rows, f.status, f.note) for f in ingest(raw_dir).files}
    assert files["cin/none.xml"] == (None, 0, "empty", "no records")
    assert files["cin/broken.xml"] == (None, 0, "unreadable", "not well-formed XML (line 3)")
    assert files["cin/odd.xml"] == (None, 0, "unreadable", "could not be parsed (ValueError)")


def _annex_a(path, header: list[str], rows: list[list]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "List 1 - Contacts"
    ws.append(header)
    for row in rows:
        ws.append(row)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def test_an_annex_a_workbook_keeps_its_stack_order_and_its_year(raw_dir):
    header = ["Child Unique ID", "Gender", "Date of Contact"]
    _annex_a(raw_dir / "annex_a_2023-05-31.xlsx", header, [["C1", "a) male", "02/05/2023"]])
    result = ingest(raw_dir)
    part = next(f for f in result.files if f.path == "annex_a_2023-05-31.xlsx")
    # 31 May 2023 is in the year ending 31 March 2024; 'male' -> 'MALE' is 1 code
    assert (part.table, part.status, part.rows, part.collection_year, part.year_source) == (
        "aa_contacts",
        "ingested",
        1,
        2024,
        "file name date",
    )
    assert part.codes_normalised == 1
    # the reader's note, then ingest's; the reader's own columns (source_file, source_row,
    # collection_year, stack_order) are not reported as extra columns of the workbook
    assert part.note == (
        "List 1 - Contacts: optional columns absent: Ethnicity, Date of Birth, Contact Source,"
        " Date of Decision; 1 codes upper-cased"
    )
    contacts = result.tables["raw_aa_contacts"]
    assert contacts.select(
        "Child Unique ID", "Gender", "stack_order", "collection_year"
    ).rows() == [("C1", "MALE", "2023-05-31|annex_a_2023-05-31.xlsx", 2024)]
    # the stack order is a column of the workbook's tables only
    assert "stack_order" not in result.tables["raw_header"].columns


def test_an_annex_a_workbook_with_no_rows_is_empty_and_one_missing_a_column_stops(raw_dir):
    _annex_a(raw_dir / "annex_a.xlsx", ["Child Unique ID", "Date of Contact"], [])
    files = {f.path: (f.table, f.rows, f.status, f.note) for f in ingest(raw_dir).files}
    assert files["annex_a.xlsx"] == (None, 0, "empty", "no records")
    _annex_a(raw_dir / "annex_a.xlsx", ["Child Unique ID", "Gender"], [["C1", "a) Male"]])
    with pytest.raises(InputError) as err:
        ingest(raw_dir)
    assert str(err.value) == (
        "annex_a.xlsx: sheet 'List 1 - Contacts': required column Date of Contact is missing"
    )


# ---------------------------------------------------------------- folders, files, workbooks
def test_a_missing_raw_folder_is_an_input_error_naming_it(tmp_path):
    with pytest.raises(InputError) as err:
        ingest(tmp_path / "nowhere")
    assert str(err.value) == f"{tmp_path / 'nowhere'}: raw data folder not found"


def test_hidden_files_and_folders_are_not_read(raw_dir):
    write(raw_dir, ".DS_Store", "\x00\x01")
    write(raw_dir, ".backup/reviews.csv", "not,a,review\n")
    write(raw_dir, "old/.episodes.csv", EPISODES_CSV)
    paths = [f.path for f in ingest(raw_dir).files]
    assert paths == ["episodes.csv", "header.csv", "reviews.csv"]


def test_a_table_with_no_file_has_every_contract_column(raw_dir):
    uasc = ingest(raw_dir).tables["raw_uasc"]
    assert uasc.schema == {
        "CHILD": pl.String,
        "SEX": pl.String,
        "DOB": pl.String,
        "DUC": pl.String,
        "source_file": pl.String,
        "source_row": pl.Int64,
        "collection_year": pl.Int64,
    }
    assert uasc.height == 0


def test_a_ragged_line_keeps_its_first_fields(raw_dir):
    # one field more than the header on row 2: the extra field is dropped, the row kept
    write(raw_dir, "header.csv", "CHILD,SEX,DOB,ETHNIC\n0012,1,01/02/2010,WBRI,oops\n")
    header = ingest(raw_dir).tables["raw_header"]
    assert header.select("CHILD", "ETHNIC", "source_row").rows() == [("0012", "WBRI", 2)]


def test_a_workbook_named_for_a_table_is_that_table_whatever_its_sheet_is_called(raw_dir):
    from openpyxl import Workbook

    (raw_dir / "header.csv").unlink()
    wb = Workbook()
    ws = wb.active
    ws.title = "List 1 - Contacts"  # an Annex A list's title, but the file says header
    ws.append(["CHILD", "SEX", "DOB", "ETHNIC"])
    ws.append(["0012", "1", "01/02/2010", "WBRI"])
    wb.save(raw_dir / "header.xlsx")
    result = ingest(raw_dir)
    assert result.tables["raw_header"].select("CHILD", "source_file").rows() == [
        ("0012", "header.xlsx")
    ]
    assert result.tables["raw_aa_contacts"].height == 0


def test_excel_cells_are_read_as_written_not_typed_from_the_first_row(raw_dir):
    from openpyxl import Workbook

    (raw_dir / "header.csv").unlink()
    wb = Workbook()
    ws = wb.active
    ws.append(["CHILD", "SEX", "DOB", "ETHNIC"])
    # a number then a text id; datetimes with a time of day (not midnight: kept as written)
    ws.append([12, 1, dt.datetime(2010, 2, 1, 10, 30), "WBRI"])
    ws.append(["A7", 2, dt.datetime(2011, 3, 4, 9, 15), "AIND"])
    wb.save(raw_dir / "header.xlsx")
    header = ingest(raw_dir).tables["raw_header"]
    assert header["CHILD"].to_list() == ["12", "A7"]
    assert header["DOB"].to_list() == ["2010-02-01 10:30:00", "2011-03-04 09:15:00"]


def test_an_annex_a_workbook_and_a_csv_of_the_same_list_are_stacked(raw_dir):
    _annex_a(
        raw_dir / "annex_a.xlsx",
        ["Child Unique ID", "Date of Contact"],
        [["C1", "02/05/2023"]],
    )
    write(raw_dir, "aa_contacts.csv", "Child Unique ID,Date of Contact\nC2,03/05/2023\n")
    contacts = ingest(raw_dir).tables["raw_aa_contacts"]
    # files in path order (aa_contacts.csv, annex_a.xlsx); the CSV's rows have no stack order
    assert contacts.select("Child Unique ID", "stack_order").rows() == [
        ("C2", None),
        ("C1", "|annex_a.xlsx"),
    ]


# ---------------------------------------------------------------- boundaries from mutation survivors
def test_a_header_that_fits_three_tables_names_each_and_the_first_as_example(raw_dir):
    write(raw_dir, "extra.csv", "CHILD,DOB\n0012,01/02/2010\n")
    with pytest.raises(InputError) as err:
        ingest(raw_dir)
    assert str(err.value) == (
        "extra.csv: its columns fit oc2, ad1 and previous_permanence equally well: "
        "name the file after its table (e.g. oc2.csv)"
    )


def test_a_header_that_fits_two_tables_names_both(raw_dir):
    # every required column of header and of reviews, in a file named for neither
    write(raw_dir, "both.csv", "CHILD,SEX,DOB,ETHNIC,REVIEW,REVIEW_CODE\n1,1,01/02/2010,WBRI,,\n")
    with pytest.raises(InputError) as err:
        ingest(raw_dir)
    assert str(err.value) == (
        "both.csv: its columns fit header and reviews equally well: "
        "name the file after its table (e.g. header.csv)"
    )


def test_an_empty_or_header_only_workbook_is_reported_not_fatal(raw_dir):
    from openpyxl import Workbook

    Workbook().save(raw_dir / "missing.xlsx")  # one sheet, no cells at all
    wb = Workbook()
    wb.active.append(["CHILD", "SEX", "DOB", "DUC"])
    wb.save(raw_dir / "uasc.xlsx")
    files = {f.path: (f.table, f.rows, f.status, f.note) for f in ingest(raw_dir).files}
    assert files["missing.xlsx"] == ("missing", 0, "empty", "file has no content")
    assert files["uasc.xlsx"] == (
        "uasc",
        0,
        "ingested",
        "year from the dates of the episodes in the raw folder",
    )


def test_a_file_that_is_not_a_workbook_names_the_parser_failure(raw_dir):
    write(raw_dir, "oc3.xlsx", "not a workbook")
    files = {f.path: f.note for f in ingest(raw_dir).files}
    assert files["oc3.xlsx"] == "could not be parsed (CalamineError)"


def test_every_unknown_xml_element_is_listed_in_order(tmp_path):
    two = XML_RETURN.replace("<FOO>x</FOO>", "<FOO>x</FOO><BAR>y</BAR><BAR>z</BAR>")
    write(tmp_path, "2019-20/return.xml", two)
    header = next(f for f in ingest(tmp_path).files if f.table == "header")
    # counted once per record that holds it
    assert header.note.endswith("; elements not read: HEADER.BAR (1), HEADER.FOO (1)")


def test_parse_date_reads_slashes_only_as_day_month_year():
    s = pl.DataFrame({"d": ["2020/02/01", "02/01/2020", "13/01/2020"]})
    out = s.select(parse_date(pl.col("d")))["d"].to_list()
    assert out == [None, dt.date(2020, 1, 2), dt.date(2020, 1, 13)]


def test_files_frame_of_no_files_still_has_its_schema():
    from pipeline.inputs.ingest import FILES_SCHEMA, IngestResult

    frame = IngestResult().files_frame()
    assert frame.height == 0 and frame.schema == FILES_SCHEMA
    assert list(FILES_SCHEMA) == [
        "path",
        "table",
        "rows",
        "status",
        "note",
        "collection_year",
        "year_source",
        "codes_normalised",
    ]


def test_a_file_with_every_contract_column_notes_only_its_year(raw_dir):
    write(
        raw_dir,
        "header.csv",
        "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n0012,1,01/02/2010,WBRI,A123,0,\n",
    )
    report = next(f for f in ingest(raw_dir).files if f.path == "header.csv")
    # no "optional columns absent" (nor any other) note beside the year's
    assert (report.status, report.rows, report.note) == (
        "ingested",
        1,
        "year from the dates of the episodes in the raw folder",
    )


def test_a_multi_table_readers_own_columns_may_come_first():
    from pipeline.inputs.contract import tables
    from pipeline.inputs.ingest import _to_contract

    frame = pl.DataFrame(
        {"source_row": [5], "stack_order": [1], "CHILD": ["0012"], "SEX": ["1"], "Notes": ["x"]},
        schema_overrides={"source_row": pl.Int64},
    )
    out, note, upper = _to_contract(frame, "census.xml", tables()["header"])
    assert out.select("CHILD", "SEX", "DOB", "source_file", "source_row").rows() == [
        ("0012", "1", None, "census.xml", 5)
    ]
    assert (note, upper) == ("extra columns dropped: Notes", 0)
