"""The CSC report's group table: target, the months so far, blank months after the quarter,
the four-year trend, n / d beside percentages, c for suppressed figures."""

import datetime as dt

import polars as pl

from pipeline.reports.csc.view import group_table, table_note


def test_group_table_layout():
    catalogue = pl.DataFrame(
        {
            "indicator_id": ["p", "n"],
            "code": ["CSC 1", ""],
            "title": ["Percent in time", "Number done"],
            "group_id": ["g", "g"],
            "unit": ["%", "No."],
            "good_is": ["High", None],
            "target": [90.0, None],
            "window": ["ytd", "month"],
            "source": ["computed", "computed"],
            "numerator": ["in time", ""],
            "denominator": ["done", ""],
            "decimals": [1, 1],
            "order": [0, 1],
        }
    )
    row = dict.fromkeys(
        [
            "is_value_suppressed",
            "is_numerator_count_suppressed",
            "is_denominator_count_suppressed",
            "is_supplied",
        ],
        False,
    )
    values = pl.DataFrame(
        [
            {
                **row,
                "indicator_id": "p",
                "period": "ytd",
                "label": "2023-04",
                "value": 75.0,
                "numerator_count": 30,
                "denominator_count": 40,
            },
            {
                **row,
                "indicator_id": "p",
                "period": "ytd",
                "label": "2023-05",
                "value": None,
                "numerator_count": None,
                "denominator_count": 41,
                "is_value_suppressed": True,
                "is_numerator_count_suppressed": True,
            },
            {
                **row,
                "indicator_id": "n",
                "period": "month",
                "label": "2023-04",
                "value": 40.0,
                "numerator_count": 40,
                "denominator_count": None,
            },
            {
                **row,
                "indicator_id": "n",
                "period": "month",
                "label": "2023-05",
                "value": 0.0,
                "numerator_count": 0,
                "denominator_count": None,
            },
            {
                **row,
                "indicator_id": "n",
                "period": "year",
                "label": "2023-24",
                "value": 40.0,
                "numerator_count": 40,
                "denominator_count": None,
            },
        ]
    ).with_columns(end_date=pl.lit(dt.date(2023, 5, 31)))
    t = group_table(values, catalogue, "g", "2023-24 Q1")
    assert t.columns == ["Period", "CSC 1: n / d", "CSC 1: %", "Number done"]
    r = {p: t.row(i) for i, p in enumerate(t["Period"])}
    assert r["Target"] == ("Target", "", "90", "")
    assert r["Apr 2023"] == ("Apr 2023", "30 / 40", "75.0", "40")
    assert r["May 2023"] == ("May 2023", "c / 41", "c", "0")
    assert r["Jun 2023"] == ("Jun 2023", "–", "–", "–")  # in the quarter, no figure
    assert r["Jul 2023"] == ("Jul 2023", "", "", "")  # after the quarter: blank
    assert r["2023-24 (year to date)"][3] == "40" and r["2020-21"][3] == "–"
    assert "CSC 1: Percent in time (n = in time, d = done)" in table_note(catalogue, "g")
