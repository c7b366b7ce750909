"""DOT and RAG truth tables: polarity x direction x missing months x target position."""

import polars as pl
import pytest

from pipeline.reports.pack.rag import (
    NBSP,
    dot,
    dot_label,
    dot_text,
    movement,
    rag,
    rag_text,
    status_columns,
)


@pytest.mark.parametrize(
    ("polarity", "latest", "previous", "expected"),
    [
        ("High", 11, 10, "Improving"),
        ("High", 9, 10, "Worsening"),
        ("High", 10, 10, "Same"),
        ("Low", 11, 10, "Worsening"),
        ("Low", 9, 10, "Improving"),
        ("Low", 10, 10, "Same"),
        (None, 11, 10, ""),
        (None, 9, 10, ""),
        (None, 10, 10, ""),
        ("High", 11, None, "n/a"),
        ("Low", None, 10, "n/a"),
        ("High", None, None, "n/a"),
        (None, None, 10, ""),
    ],
)
def test_dot_truth_table(polarity, latest, previous, expected):
    assert dot(latest, previous, polarity) == expected


def test_dot_same_when_equal_at_published_decimals():
    assert dot(66.561, 66.559, "Low", decimals=2) == "Same"
    assert dot(66.57, 66.55, "Low", decimals=2) == "Worsening"


@pytest.mark.parametrize(
    ("polarity", "latest", "target", "tolerance", "expected"),
    [
        ("High", 95, 90, None, "Green"),  # better
        ("High", 90, 90, None, "Green"),  # exactly on target
        ("High", 86, 90, None, "Amber"),  # 4 short, within 4.5 (5% of 90)
        ("High", 85.5, 90, None, "Amber"),  # exactly at the tolerance edge
        ("High", 85, 90, None, "Red"),  # 5 short
        ("Low", 400, 420, None, "Green"),
        ("Low", 420, 420, None, "Green"),
        ("Low", 440, 420, None, "Amber"),  # 20 over, within 21
        ("Low", 442, 420, None, "Red"),
        ("Low", 1, 0, None, "Red"),  # target 0: no tolerance
        ("Low", 0, 0, None, "Green"),
        ("High", 88, 90, 1, "Red"),  # explicit tolerance
        ("High", 89, 90, 1, "Amber"),
        ("High", None, 90, None, "n/a"),
        ("High", 95, None, None, ""),
        (None, 95, 90, None, ""),
    ],
)
def test_rag_truth_table(polarity, latest, target, tolerance, expected):
    assert rag(latest, target, polarity, tolerance) == expected


def test_text_always_has_word_and_distinct_shape():
    assert dot_text("Improving") == f"▲{NBSP}Improving"
    assert dot_text("Worsening") == f"▼{NBSP}Worsening"
    shapes = {rag_text(s).split()[0] for s in ("Green", "Amber", "Red")}
    assert len(shapes) == 3
    assert rag_text("") == ""


def test_status_columns_suppressed_previous_month_gives_na():
    df = pl.DataFrame(
        {
            "good_is": ["High", "Low", None],
            "target": [90.0, None, 5.0],
            "tolerance": [None, None, None],
            "decimals": [0, 0, 0],
            "2024-02": [None, 10.0, 3.0],  # first row: suppressed (null)
            "2024-03": [95.0, 12.0, 4.0],
        }
    )
    out = status_columns(df, "2024-03", "2024-02")
    # Low is good and 12 > 10: the figure went up (▲) and that is worse; no polarity: movement only
    assert out["dot"].to_list() == [f"–{NBSP}n/a", f"▲{NBSP}Worse", f"▲{NBSP}Up"]
    assert out["rag"].to_list() == [f"●{NBSP}Green", "", ""]


@pytest.mark.parametrize(
    ("latest", "previous", "polarity", "expected"),
    [
        (9, 10, "Low", "▼ Better"),  # a low-is-good figure fell: arrow down, word better
        (11, 10, "Low", "▲ Worse"),
        (11, 10, "High", "▲ Better"),
        (9, 10, "High", "▼ Worse"),
        (10, 10, "High", "▬ Same"),
        (9, 10, None, "▼ Down"),
        (None, 10, "High", "– n/a"),
        (None, 10, None, ""),
    ],
)
def test_dot_label_arrow_is_movement_word_is_judgement(latest, previous, polarity, expected):
    assert dot_label(latest, previous, polarity, 0) == expected.replace(" ", NBSP)


def test_movement_is_the_one_comparison_at_published_decimals():
    assert movement(87.85, 88.20, 1) == "down"  # 87.9 vs 88.2
    assert movement(87.84, 87.86, 1) == "down"  # 87.8 against 87.9
    assert movement(87.86, 87.94, 1) == "same"  # both 87.9
    assert movement(None, 3, 0) is None


def test_status_columns_use_each_rows_decimals_and_tolerance():
    """Each row's own decimals and tolerance reach DOT and RAG (killed mutants: a row's
    decimals or tolerance dropped, or replaced by the defaults)."""
    df = pl.DataFrame(
        {
            "good_is": ["High", "High", "High", "High"],
            "target": [95.0, None, 90.0, 90.0],
            "tolerance": [10.0, None, None, None],
            "decimals": [1, 1, 1, 1],
            "2024-02": [90.01, 90.04, None, None],
            "2024-03": [90.04, 90.26, 89.6, 89.96],
        }
    )
    out = status_columns(df, "2024-03", "2024-02")
    # row 1: 90.0 vs 90.0 at one decimal: Same (at two, 90.04 > 90.01 would be Better);
    # row 2: 90.3 vs 90.0: Better (at none, 90 vs 90 would be Same)
    assert out["dot"].to_list()[:2] == [f"▬{NBSP}Same", f"▲{NBSP}Better"]
    # row 1: 95 - 90.0 = 5.0 short, within its own tolerance 10: Amber (the default 5% of
    # 95 = 4.75 would make it Red); row 3: 89.6 is 0.4 short of 90: Amber (rounded to no
    # decimals, 90: Green); row 4: 89.96 is 90.0 at one decimal: Green (at two: Amber)
    assert out["rag"].to_list() == [f"◆{NBSP}Amber", "", f"◆{NBSP}Amber", f"●{NBSP}Green"]


def test_status_columns_of_an_empty_appendix_are_text_columns():
    """No indicator (an empty catalogue section): the columns are still strings, so the
    CSV and the workbook writers read them as text (a bare list would give nulls)."""
    empty = pl.DataFrame(
        schema={
            "good_is": pl.String,
            "target": pl.Float64,
            "tolerance": pl.Float64,
            "decimals": pl.Int64,
            "2024-02": pl.Float64,
            "2024-03": pl.Float64,
        }
    )
    out = status_columns(empty, "2024-03", "2024-02")
    assert out.height == 0
    assert out.schema["dot"] == pl.String and out.schema["rag"] == pl.String


def test_dot_compares_at_two_decimals_unless_told():
    # 1.004 and 1.001 are both 1.00 at two decimals: Same (at three, 1.004 > 1.001)
    assert dot(1.004, 1.001, "High") == "Same"
    assert dot(1.004, 1.001, "High", 3) == "Improving"


def test_defaults_are_two_decimals():
    # 1.004 vs 1.001 are 1.00 and 1.00 at two decimals (at three, 1.004 is up)
    assert movement(1.004, 1.001) == "same"
    assert dot_label(1.004, 1.001, "High") == f"▬{NBSP}Same"
    # 89.996 is 90.00 at two decimals: on target (at three, 0.004 short: Amber)
    assert rag(89.996, 90, "High") == "Green"


def test_dot_label_passes_its_decimals_to_the_arrow_and_the_word():
    # at one decimal 90.04 vs 90.01 is 90.0 vs 90.0 (at two: up, better)
    assert dot_label(90.04, 90.01, "High", 1) == f"▬{NBSP}Same"
    # 90.26 vs 90.04 is 90.3 vs 90.0: up, better (at none: 90 vs 90, same)
    assert dot_label(90.26, 90.04, "High", 1) == f"▲{NBSP}Better"
    # a missing month with either polarity: n/a
    assert dot_label(None, 10, "Low", 0) == f"–{NBSP}n/a"
