"""Placement distance from HOME_POST and PL_POST, as the DfE's SSDA903 checks compute it."""

import polars as pl

from pipeline.core.distance import directory, distances


def test_straight_line_miles_from_the_ons_postcode_directory(tmp_path):
    home = pl.Series(["DL1 1QX", "dl11qx", "DL1 1QX", None, "BT1 1AA", "WX1 1AA"])
    placed = pl.Series(["DH1 1AA", "NE1 1AA", "SW1A 1AA", "DL1 1QX", "DL1 1QX", "WX2 2BB"])
    local = tmp_path / "postcodes.csv"
    # a local directory adds made-up postcodes (as the sample does): 3,000 m apart
    local.write_text(
        "postcode,easting,northing,la_code\nWX1 1AA,400000,400000,E06999999\nWX2 2BB,403000,404000,E06999999\n"
    )
    found = directory(pl.concat([home, placed]), local)
    out = distances(home, placed, found)
    # published checks: DL1 1QX -> DH1 1AA 17.2, -> NE1 1AA 30.4, -> SW1A 1AA 217.5 miles
    assert out["placement_distance_miles"].to_list() == [
        17.2,
        30.4,
        217.5,
        None,
        None,
        round(5000 / 1609.3, 1),
    ]
    # Darlington; Durham; Newcastle; Westminster; the made-up one
    assert out["placement_la_code"].to_list() == [
        "E06000047",
        "E08000021",
        "E09000033",
        "E06000005",
        "E06000005",
        "E06999999",
    ]
