"""Lookups in published DfE / ONS files (pipeline/inputs/dfe.py) on small hand-made files:
symbols are missing values, neighbours from the groupings file, population from ONS."""

import polars as pl

from pipeline.inputs.dfe import (
    england_value,
    la_value,
    neighbour_codes,
    neighbours_mean,
    per_10k,
    population_0_17,
    read_ees,
)
from pipeline.params import RunParams

EES = """\ufefftime_period,geographic_level,old_la_code,new_la_code,cla_group,children_percent,number
2024,National,,,all,68,"19,620"
2024,Local authority,800,E06000022,all,71,40
2024,Local authority,801,E06000023,all,c,x
2024,Local authority,802,E06000024,all,65,30
2024,Local authority,803,E06000025,all, 59 ,low
2023,National,,,all,67,19000
2024,National,,,other,1,1
"""


def params(_tmp_path, **extra) -> RunParams:
    base = dict(
        authority={"name": "Test", "old_la_code": "800", "new_la_code": "E06000022"},
        year_end=2024,
        extract_date="2024-04-30",
        population={"children_0_17": 1000},
    )
    return RunParams.model_validate({**base, **extra})  # absolute paths: no project root


def test_values_symbols_and_filters(tmp_path):
    f = tmp_path / "stability.csv"
    f.write_text(EES, encoding="utf-8")
    df = read_ees(f)
    # value columns are numbers: "19,620" -> 19620; c, x, low -> missing; " 59 " -> 59
    assert df.schema["children_percent"] == pl.Float64 and df.schema["number"] == pl.Float64
    assert england_value(df, year=2024, value_col="number", cla_group="all") == 19620
    assert england_value(df, year=2023, value_col="children_percent", cla_group="all") == 67
    assert england_value(df, year=2022, value_col="number", cla_group="all") is None
    assert la_value(df, year=2024, la_code="801", value_col="children_percent") is None
    assert la_value(df, year=2024, la_code="803", value_col="children_percent") == 59
    # neighbours 801 (c), 802 (65), 803 (59), 999 (absent): mean of the two published = 62
    assert neighbours_mean(
        df, year=2024, codes=["801", "802", "803", "999"], value_col="children_percent"
    ) == (62.0, 2)
    assert neighbours_mean(df, year=2024, codes=["801"], value_col="children_percent") == (
        None,
        0,
    )


def test_neighbour_codes_from_the_config_or_the_groupings_file(tmp_path):
    groupings = tmp_path / "sn.csv"
    groupings.write_text(
        "\ufeffLA code,LA name,SN1,SN2,SN3,SN notes\n800,Test,801,802,803,x\n900,Other,1,2,3,y\n",
        encoding="utf-8",
    )
    assert neighbour_codes(params(tmp_path, statistical_neighbours={"codes": ["850", "851"]})) == [
        "850",
        "851",
    ]
    sn = {"groupings_file": str(groupings)}
    # the authority's own row (800): SN1..SN3, not the notes column
    assert neighbour_codes(params(tmp_path, statistical_neighbours=sn)) == ["801", "802", "803"]
    other = {**sn, "of_la_code": "900"}
    assert neighbour_codes(params(tmp_path, statistical_neighbours=other)) == ["1", "2", "3"]
    absent = {**sn, "of_la_code": "123"}
    assert neighbour_codes(params(tmp_path, statistical_neighbours=absent)) == []
    missing = {"groupings_file": str(tmp_path / "none.csv")}
    assert neighbour_codes(params(tmp_path, statistical_neighbours=missing)) == []


def test_population_from_config_or_the_ons_mid_year_before(tmp_path):
    ons = tmp_path / "ons.csv"
    ons.write_text(
        "time_period,geographic_level,old_la_code,new_la_code,population_estimate\n"
        "2023,Local authority,800,E06000022,41230\n"
        "2022,Local authority,800,E06000022,40990\n"
        "2023,Local authority,801,E06000023,9000\n",
        encoding="utf-8",
    )
    assert population_0_17(params(tmp_path)) == 1000  # configured number wins
    from_file = params(tmp_path, population={"ons_file": str(ons)})
    # 31 March 2024 rates use the mid-2023 estimate; 2022-23 uses mid-2022
    assert population_0_17(from_file) == 41230
    assert population_0_17(from_file, year_end=2023) == 40990
    by_new_code = params(tmp_path, population={"ons_file": str(ons), "ons_la_code": "E06000023"})
    assert population_0_17(by_new_code) == 9000
    assert population_0_17(from_file, year_end=2030) is None
    gone = params(tmp_path, population={"ons_file": str(tmp_path / "none.csv")})
    assert population_0_17(gone) is None


def test_per_10k():
    # 53 children in 41,230: 53 / 41230 * 10000 = 12.854...
    assert round(per_10k(53, 41230), 3) == 12.855
    assert per_10k(None, 41230) is None and per_10k(53, None) is None and per_10k(53, 0) is None
