import datetime as dt

import polars as pl
import pytest

from pipeline.errors import InputError
from pipeline.inputs.ingest import ingest, parse_date

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
