"""A pack from supplied values alone; headlines; the CSV and xlsx appendix."""

from pathlib import Path

import openpyxl
import polars as pl
import pytest

from pipeline.reports.pack.headlines import headlines
from tests.builders import pack_from

ROOT = Path(__file__).parents[1]
CATALOGUE = {
    "sections": ["Profile", "Care Leavers"],
    "indicators": [
        {
            "id": "cic_count",
            "title": "No. of CIC",
            "section": "Profile",
            "unit": "No.",
            "polarity": "Low",
            "target": 420,
            "source": {"computed": "cic_count"},
        },
        {
            "id": "cic_rate",
            "title": "Rate of CIC",
            "section": "Profile",
            "unit": "Rate",
            "polarity": "Low",
            "decimals": 2,
            "source": {"computed": "cic_rate"},
        },
        {
            "id": "uasc_count",
            "title": "UASC",
            "section": "Profile",
            "unit": "No.",
            "source": {"computed": "uasc_count"},
        },
        {
            "id": "eet_pct",
            "title": "=Care leavers in EET",
            "section": "Care Leavers",
            "unit": "%",
            "polarity": "High",
            "target": 60,
            "decimals": 0,
            "source": "supplied",
            "headline": "{value} of our care leavers aged 19-21 are in education, employment or training.",
        },
    ],
}


@pytest.fixture
def pack(tmp_path):
    supplied = (
        "indicator_id,month,value\n"
        "cic_count,2024-02,440\ncic_count,2024-03,449\n"
        "cic_rate,2024-02,66.56\ncic_rate,2024-03,67.92\n"
        "uasc_count,2024-02,54\nuasc_count,2024-03,53\n"
        "eet_pct,2024-01,64\neet_pct,2024-02,64\neet_pct,2024-03,62\n"
    )
    return pack_from(tmp_path, CATALOGUE, supplied, core=None)


def test_pack_from_supplied_values_alone(pack, tmp_path):
    assert pack.indicator_count == 4
    assert pack.months == ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    row = pack.appendix.filter(pl.col("indicator_id") == "cic_count").row(0, named=True)
    assert (row["2024-02"], row["2024-03"], row["dot"], row["rag"]) == (
        440,
        449,
        "▲\u00a0Worse",  # up, and low is good
        "■\u00a0Red",
    )  # 29 over 420 > 21 (5%)
    eet = pack.appendix.filter(pl.col("indicator_id") == "eet_pct").row(0, named=True)
    assert (eet["dot"], eet["rag"]) == ("▼\u00a0Worse", "●\u00a0Green")
    pack.write(tmp_path / "processed")
    for name in ("pub_pack_appendix", "pub_pack_values", "pub_pack_headlines"):
        assert (tmp_path / "processed" / f"{name}.parquet").is_file()
    assert pack.values.columns == [
        "indicator_id",
        "month",
        "value",
        "is_value_suppressed",
        "numerator_count",
        "denominator_count",
    ]


def test_summary_headline_in_the_reference_manner(pack):
    text = pack.headlines["text"].to_list()
    assert text[0] == (
        "We have 449 children in care (rate of 67.92 per 10,000), of which 53 are unaccompanied "
        "asylum-seeking children. Last month we had 440 (66.56) and 54 respectively, so the "
        "number in care has risen by 9."
    )  # the rate as the table prints it (the catalogue's 2 decimals)
    assert text[1] == (
        "62% of our care leavers aged 19-21 are in education, employment or training. "
        "This is down from 64% last month, which is worse."
    )


def _appendix(rows: dict) -> pl.DataFrame:
    base = {
        "indicator_id": "eet_pct",
        "title": "EET",
        "section": "Care Leavers",
        "unit": "%",
        "decimals": 0,
        "order": 0,
        "headline": "{value} of care leavers are in EET.",
        "is_2024-02_suppressed": False,
        "is_2024-03_suppressed": False,
    }
    return pl.DataFrame([{**base, **rows}])


@pytest.mark.parametrize(
    ("latest", "previous", "ending"),
    [
        (62.0, 64.0, "This is down from 64% last month."),  # no polarity given: no judgement
        (66.0, 64.0, "This is up from 64% last month."),
        (64.2, 63.9, "This is unchanged from last month."),
        (64.0, None, "There is no published figure for last month to compare with."),
    ],
)
def test_headline_rise_fall_unchanged(latest, previous, ending):
    out = headlines(_appendix({"2024-03": latest, "2024-02": previous}), "2024-03", "2024-02")
    assert out["text"][0].endswith(ending)


def test_headline_suppressed_value_is_never_printed():
    out = headlines(
        _appendix({"2024-03": None, "2024-02": 64.0, "is_2024-03_suppressed": True}),
        "2024-03",
        "2024-02",
    )
    assert "not published" in out["text"][0] and "%" not in out["text"][0]


def test_unchanged_children_in_care():
    rows = [
        {
            "indicator_id": "cic_count",
            "title": "CIC",
            "section": "Profile",
            "unit": "No.",
            "decimals": 0,
            "order": 0,
            "headline": None,
            "2024-02": 440.0,
            "2024-03": 440.0,
            "is_2024-02_suppressed": False,
            "is_2024-03_suppressed": False,
        },
    ]
    out = headlines(pl.DataFrame(rows), "2024-03", "2024-02")
    assert (
        out["text"][0]
        == "We have 440 children in care. Last month we had 440, so the number in care is unchanged."
    )


def test_csv_columns_exactly(pack, tmp_path):
    path = pack.write_appendix_csv(tmp_path / "appendix.csv")
    header = path.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header == [
        "indicator_id",
        "title",
        "section",
        "unit",
        "good_is",
        "england",
        "stat_neighbours",
        "target",
        "2023-10",
        "2023-11",
        "2023-12",
        "2024-01",
        "2024-02",
        "2024-03",
        "dot",
        "rag",
    ]


def test_xlsx_to_the_gss_standard(pack, tmp_path):
    """Cover, contents, notes, one table per sheet with its title in A1; figures numeric,
    symbols in brackets; formula-like text neutralised; deterministic."""
    path = pack.write_appendix_xlsx(tmp_path / "appendix.xlsx")
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["Cover", "Contents", "Notes", "Table_1", "Table_2"]
    ws = wb["Table_1"]
    assert ws["A1"].value.startswith("Table 1:")
    assert list(ws.tables) == ["indicators"] and ws.tables["indicators"].ref.startswith("A5:")
    header = [c.value for c in ws[5]]
    rows = {
        r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=6, values_only=True)
    }
    assert list(rows) == ["cic_count", "cic_rate", "uasc_count", "eet_pct"]  # the HTML's order
    cic = rows["cic_count"]
    assert cic["March 2024"] == 449 and isinstance(cic["March 2024"], float | int)
    assert cic["October 2023"] == "[x]"  # no figure: a symbol, never a blank
    assert rows["eet_pct"]["Indicator"] == "'=Care leavers in EET"  # formula-like text is text
    assert rows["eet_pct"]["RAG"] == "●\u00a0Green"
    numeric = [h for h in header if h.endswith(("2023", "2024")) and "last year" not in h]
    for r in rows.values():  # every figure column holds numbers or a bracketed symbol
        assert all(isinstance(r[h], int | float) or r[h] in ("[c]", "[x]", "[z]") for h in numeric)
    notes = {r[0]: r[1] for r in wb["Notes"].iter_rows(min_row=5, values_only=True)}
    assert {"[c]", "[x]", "[z]"} <= set(notes)
    contents = [r for r in wb["Contents"].iter_rows(min_row=5, values_only=True)]
    assert [r[0] for r in contents] == ["Table_1", "Table_2"]
    assert pack.write_appendix_xlsx(tmp_path / "again.xlsx").read_bytes() == path.read_bytes()


def test_csv_and_xlsx_neutralise_tab_and_cr_but_keep_numbers(tmp_path):
    from pipeline.reports.pack.writers import appendix_csv_frame, neutralise

    for text in ("=1+1", "+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1"):
        assert neutralise(text) == "'" + text
    assert neutralise("Children in care") == "Children in care"
    df = pl.DataFrame(
        {
            "indicator_id": ["x"],
            "title": ["\t=HYPERLINK(1)"],
            "section": ["\r=2"],
            "unit": ["No."],
            "good_is": pl.Series([None], dtype=pl.String),
            "england": [-3.0],
            "stat_neighbours": pl.Series([None], dtype=pl.Float64),
            "target": pl.Series([None], dtype=pl.Float64),
            "2024-03": [-2.0],
            "is_2024-03_suppressed": [False],
            "dot": [""],
            "rag": [""],
            "decimals": [0],
            "order": [0],
        }
    )
    row = appendix_csv_frame(df, ["2024-03"]).row(0, named=True)
    assert row["title"] == "'\t=HYPERLINK(1)" and row["section"] == "'\r=2"
    assert row["england"] == "-3" and row["2024-03"] == "-2"  # numbers are not text to neutralise
