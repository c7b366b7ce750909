"""Supplied values: every bad row quarantined with its reason and row number."""

import polars as pl

from pipeline.reports.pack.catalogue import parse_catalogue
from pipeline.reports.pack.supplied import read_supplied, sample_supplied, write_sample_supplied

CAT = parse_catalogue(
    {
        "indicators": [
            {
                "id": "visits_pct",
                "title": "Visits",
                "section": "S",
                "unit": "%",
                "source": "supplied",
                "target": 80,
            },
            {
                "id": "carers_count",
                "title": "Carers",
                "section": "S",
                "unit": "No.",
                "source": "supplied",
            },
            {
                "id": "cic_count",
                "title": "CIC",
                "section": "S",
                "unit": "No.",
                "source": {"computed": "cic_count"},
            },
        ]
    }
)


def test_each_reason_with_row_number(tmp_path):
    p = tmp_path / "supplied.csv"
    p.write_text(
        "indicator_id,month,value\n"
        "visits_pct,2024-03,81.5\n"  # row 2 good
        "nope,2024-03,1\n"  # row 3 unknown id
        "visits_pct,2024-13,50\n"  # row 4 bad month
        "carers_count,2024-03,lots\n"  # row 5 non-numeric
        "visits_pct,2024-02,101\n"  # row 6 percentage out of range
        "carers_count,2024-01,7\n"  # row 7 duplicate
        "carers_count,2024-01,8\n"  # row 8 duplicate
        "carers_count,2024-02,1,234\n".replace("1,234", '"1,234"')  # row 9 good (thousands)
    )
    s = read_supplied(p, CAT)
    assert s.values.sort("indicator_id").select("indicator_id", "month", "value").rows() == [
        ("carers_count", "2024-02", 1234.0),
        ("visits_pct", "2024-03", 81.5),
    ]
    reasons = dict(
        zip(s.quarantine["row_number"].to_list(), s.quarantine["reason"].to_list(), strict=True)
    )
    assert reasons[3].startswith("unknown indicator id 'nope'")
    assert reasons[4].startswith("bad month '2024-13'")
    assert reasons[5].startswith("non-numeric value 'lots'")
    assert reasons[6] == "percentage outside 0-100"
    assert reasons[7] == reasons[8] == "duplicate indicator_id and month"
    assert s.values.height + s.quarantine.height == 8  # nothing silently dropped


def test_no_file_configured_is_no_values():
    assert read_supplied(None, CAT).values.is_empty()


def test_sample_is_deterministic_and_valid(tmp_path):
    months = ["2024-01", "2024-02", "2024-03"]
    a = sample_supplied(CAT, months, seed=1)
    assert a.equals(sample_supplied(CAT, months, seed=1))
    assert set(a["indicator_id"]) == {"visits_pct", "carers_count"}  # supplied only
    assert a.height == 6
    assert a.filter(pl.col("indicator_id") == "visits_pct")["value"].is_between(0, 100).all()
    path = write_sample_supplied(tmp_path / "s.csv", CAT, months, seed=1)
    s = read_supplied(path, CAT)
    assert s.quarantine.is_empty() and s.values.height == 6
