"""Benchmarks from the real published DfE files: latest year, symbols are missing values."""

import pytest
from shared_data import DFE, need

from pipeline.reports.pack.benchmarks import england, stat_neighbours
from pipeline.reports.pack.catalogue import Pointer

STABILITY = Pointer(
    file="la_cla_placement_stability.csv",
    value_col="children_percent",
    filters={
        "cla_group": "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years",
        "placement_stability": "Living with the same carer for at least 2 years",
    },
)


@pytest.fixture(autouse=True)
def _needs_dfe():
    need(DFE)


def test_england_2024_long_term_stability():
    b = england(STABILITY, DFE, up_to=2024)
    assert b.value == 68  # national row for 2024: 19620 children, 68%
    assert b.label == "England (2024)"


def test_latest_year_without_cap_is_the_newest_in_the_file():
    assert england(STABILITY, DFE).year == 2025


def test_symbol_rows_are_missing_not_zero():
    # Rutland (857) is 'c' and Cumbria (909) 'z' in 2024: no value, no contribution.
    only_symbols = stat_neighbours(STABILITY, DFE, ["857", "909"], "neighbours", up_to=2024)
    assert only_symbols.value is None
    assert only_symbols.label == "Mean of 0 neighbours (2024)"
    mixed = stat_neighbours(STABILITY, DFE, ["857", "908"], "neighbours", up_to=2024)
    assert mixed.n_contributing == 1
    assert mixed.label == "Mean of 1 neighbours (2024)"


def test_neighbour_label_says_who_and_how_many():
    codes = ["908", "845", "926", "893", "933", "865", "885"]
    b = stat_neighbours(
        STABILITY, DFE, codes, "good and outstanding statistical neighbours", up_to=2024
    )
    assert b.label == "Mean of 7 good and outstanding statistical neighbours (2024)"
    assert b.value is not None and 50 < b.value < 90


def test_lait_parquet_pointer():
    p = Pointer(
        file="lait_bds_long_0.parquet", value_col="value", filters={"measure": "Children_missing"}
    )
    assert england(p, DFE, up_to=2024).value == 11


def test_missing_dfe_dir_or_file_is_no_benchmark_without_the_snapshot(tmp_path):
    assert england(STABILITY, None, snapshot=False).value is None
    assert england(STABILITY, tmp_path / "nowhere", snapshot=False).value is None
    assert stat_neighbours(STABILITY, tmp_path, ["908"], snapshot=False).value is None


def test_the_snapshot_gives_what_the_published_files_give(tmp_path):
    codes = ["908", "845", "926", "893", "933", "865", "885"]
    for up_to in (2022, 2024, None):
        from_files = england(STABILITY, DFE, up_to=up_to)
        assert england(STABILITY, None, up_to=up_to) == from_files
        assert england(STABILITY, tmp_path, up_to=up_to) == from_files  # file absent there
        assert stat_neighbours(STABILITY, None, codes, up_to=up_to) == stat_neighbours(
            STABILITY, DFE, codes, up_to=up_to
        )


def test_typed_number_is_used_as_is():
    assert england(9.0, None).value == 9.0
