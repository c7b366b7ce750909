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
