"""Profile measures on a hand-built dozen children; every expected figure is worked out below.

Reporting year 2023-24 (year_end 2024). The children (b = born, eps = episodes):

C01 b 2020-05-01 M WBRI  S 2021-01-10 open C2 N1                 31/3/24: age 3, 38 months
C02 b 2023-11-15 F WBRI  S 2023-12-01 open C1 N1                 31/3/24: age 0, 3 months
C03 b 2012-06-01 M MWBC  S 2022-09-01 -> 2023-06-15 V2 N4 E4A    left Q1 (returned home)
C04 b 2007-02-10 M BAFR  UASC; S 2023-08-20 open V2 N8           31/3/24: age 17, 7 months
C05 b 2015-03-31 F WBRI  S 2019-04-01 C2 -> L 2022-01-01 E1 open 31/3/24: age 9, 59 months
C06 b 2009-09-09 F WBRI  S 2023-05-05 -> 2024-02-10 V2 N5 E13    started Q1, left Q4
C07 b 2010-01-01 M AIND  V3 short breaks only                    never counted
C08 b 2006-03-31 M WBRI  S 2020-01-01 -> 2024-03-31 C2 E17       ends ON 31/3/24: not in care
C09 b 2013-07-01 F REFU  S 2022-10-01 open C2 N2                 31/3/24: age 10, 17 months
C10 b 2011-11-11 M WIRI  S 2021-04-01 -> 2023-04-01 C2 E41;      left Q1 2023-24,
                         S 2023-10-01 open C1 N1                 came back Q3: age 12, 5 months
C11 b 2008-05-05 F WBRI  S 2023-01-10 -> 2023-03-20 V2 E4A       2022-23 only
C12 b 2016-08-08 M WBRI  S 2022-06-01 open C2 N1                 31/3/24: age 7, 21 months

In care 31/3/24: C01 C02 C04 C05 C09 C10 C12 = 7.  31/3/23: C01 C03 C05 C08 C09 C10 C12 = 7.
"""

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
from shared_data import need

from pipeline.core.build import build_transforms
from pipeline.core.schemas import CORE, frame
from pipeline.disclosure import protect
from pipeline.measures import REGISTRY, load_all
from pipeline.params import RunParams
from pipeline.reports.iro.measures import profile as pr
from tests.builders import episode as ep

d = dt.date
ROOT = Path(__file__).resolve().parents[1]


def params(year_end=2024, history_years=2, dfe=None, threshold=5):
    paths = {"dfe": str(dfe)} if dfe else {}
    return RunParams.model_validate(
        dict(
            authority=dict(name="Test", old_la_code="999", new_la_code="E06999999"),
            year_end=year_end,
            extract_date=d(2024, 4, 30),
            population=dict(children_0_17=10_000),
            history_years=history_years,
            disclosure_threshold=threshold,
            paths=paths,
            root=str(ROOT),
        )
    )


def ch(cid, birth, sex, eth, uasc=False, ceased=None):
    return dict(
        child_id=cid,
        birth_date=birth,
        sex={"1": "Male", "2": "Female"}[sex],  # core_children holds labels, as validate writes
        ethnicity_code=eth,
        is_white_british=eth == "WBRI",
        is_uasc=uasc,
        uasc_ceased_date=ceased,
    )


CHILDREN = [
    ch("C01", d(2020, 5, 1), "1", "WBRI"),
    ch("C02", d(2023, 11, 15), "2", "WBRI"),
    ch("C03", d(2012, 6, 1), "1", "MWBC"),
    ch("C04", d(2007, 2, 10), "1", "BAFR", uasc=True, ceased=d(2025, 2, 10)),
    ch("C05", d(2015, 3, 31), "2", "WBRI"),
    ch("C06", d(2009, 9, 9), "2", "WBRI"),
    ch("C07", d(2010, 1, 1), "1", "AIND"),
    ch("C08", d(2006, 3, 31), "1", "WBRI"),
    ch("C09", d(2013, 7, 1), "2", "REFU"),
    ch("C10", d(2011, 11, 11), "1", "WIRI"),
    ch("C11", d(2008, 5, 5), "2", "WBRI"),
    ch("C12", d(2016, 8, 8), "1", "WBRI"),
]
EPISODES = [
    ep("C01", d(2021, 1, 10), None),
    ep("C02", d(2023, 12, 1), None, ls="C1"),
    ep("C03", d(2022, 9, 1), d(2023, 6, 15), ls="V2", need="N4", rec="E4A"),
    ep("C04", d(2023, 8, 20), None, ls="V2", need="N8"),
    ep("C05", d(2019, 4, 1), d(2022, 1, 1), rec="X1"),
    ep("C05", d(2022, 1, 1), None, rne="L", ls="E1"),
    ep("C06", d(2023, 5, 5), d(2024, 2, 10), ls="V2", need="N5", rec="E13"),
    ep("C07", d(2023, 6, 1), None, ls="V3", need="N2"),
    ep("C08", d(2020, 1, 1), d(2024, 3, 31), rec="E17"),
    ep("C09", d(2022, 10, 1), None, need="N2"),
    ep("C10", d(2021, 4, 1), d(2023, 4, 1), rec="E41"),
    ep("C10", d(2023, 10, 1), None, ls="C1"),
    ep("C11", d(2023, 1, 10), d(2023, 3, 20), ls="V2", rec="E4A"),
    ep("C12", d(2022, 6, 1), None),
]


@pytest.fixture(scope="module")
def core():
    base = {
        "core_children": frame("core_children", CHILDREN).with_columns(
            ethnicity_group=pl.lit(None, pl.String)
        ),
        "core_episodes": frame("core_episodes", EPISODES),
        "core_uasc": frame("core_uasc", [dict(child_id="C04", uasc_ceased_date=d(2025, 2, 10))]),
    }
    return build_transforms(base, params())


def month(df, m, **eq):
    out = df.filter(pl.col("month_end_date") == m)
    for k, v in eq.items():
        out = out.filter(pl.col(k) == v)
    return out


def counts(df, key="category"):
    return dict(zip(df[key].to_list(), df["children_count"].to_list(), strict=True))


def test_cic_monthly_counts_rates_and_uasc(core):
    out = pr.cic_monthly(core, params())
    assert out.height == 24  # 2022-23 and 2023-24
    assert out["month_end_date"].min() == d(2022, 4, 30)
    apr22 = month(out, d(2022, 4, 30)).row(0, named=True)
    assert apr22["children_count"] == 4  # C01 C05 C08 C10
    assert apr22["year_label"] == "2022-23"
    apr23 = month(out, d(2023, 4, 30)).row(0, named=True)
    assert apr23["children_count"] == 6  # C10 left 1 April
    aug = month(out, d(2023, 8, 31)).row(0, named=True)
    assert (aug["children_count"], aug["uasc_count"]) == (7, 1)
    assert aug["uasc_pct"] == pytest.approx(100 / 7)
    mar = month(out, d(2024, 3, 31)).row(0, named=True)
    assert (mar["children_count"], mar["uasc_count"]) == (7, 1)
    assert mar["rate_per_10k"] == pytest.approx(7.0)  # 7 / 10,000 * 10,000
    assert mar["non_uasc_rate_per_10k"] == pytest.approx(6.0)
    assert mar["year_label"] == "2023-24"


def test_monthly_breakdowns_at_march(core):
    p, mar = params(), d(2024, 3, 31)
    age = month(pr.cic_age_monthly(core, p), mar)
    assert counts(age) == {"0-4": 2, "5-9": 2, "10-12": 2, "13-15": 0, "16+": 1}
    assert age["children_pct"].to_list()[0] == pytest.approx(200 / 7)
    assert counts(month(pr.cic_gender_monthly(core, p), mar)) == {"Male": 4, "Female": 3}
    dur = counts(month(pr.cic_duration_monthly(core, p), mar))
    assert dur == {"0-3": 1, "4-6": 1, "7-12": 1, "13-24": 2, "25-36": 0, "37+": 2}
    ls = counts(month(pr.cic_legal_status_monthly(core, p), mar))
    assert ls["C2 Full care order"] == 3 and ls["C1 Interim care order"] == 2
    assert ls["E1 Placement order granted"] == 1
    assert ls["V2 Single period of accommodation under section 20"] == 1
    eth = counts(month(pr.cic_ethnicity_monthly(core, p), mar))
    assert eth["White"] == 5 and eth["Black, African, Caribbean or Black British"] == 1
    assert eth["Refused or not yet obtained"] == 1 and eth["Asian or Asian British"] == 0
    wb = counts(month(pr.cic_white_british_monthly(core, p), mar))
    assert wb == {"White British": 4, "Not White British": 3}
    need = counts(month(pr.cic_need_monthly(core, p), mar))
    # N1: C01 C02 C05 C10 C12; N2: C09; N8: C04. N4 (C03) and N5 (C06) were seen earlier
    # in the year, so they are shown with zero children in March
    assert need == {
        "Abuse or neglect": 5,
        "Child's disability": 1,
        "Absent parenting": 1,
        "Family in acute stress": 0,
        "Family dysfunction": 0,
    }
    long = month(pr.cic_time_in_care_monthly(core, p), mar)
    assert counts(long.filter(pl.col("split") == "12 months or more")) == {
        "12 months or more": 4,
        "Less than 12 months": 3,
    }
    assert counts(long.filter(pl.col("split") == "2.5 years or more")) == {
        "2.5 years or more": 2,
        "Less than 2.5 years": 5,
    }
    # every month of the reporting year is present, even for a category with no children
    assert pr.cic_age_monthly(core, p)["month_end_date"].n_unique() == 12


def test_starts_in_the_year_by_age_legal_status_and_need(core):
    out = pr.starts_year(core, params())
    by = {b: counts(out.filter(pl.col("breakdown") == b)) for b in out["breakdown"].unique()}
    assert by["Age at start"] == {"0-4": 1, "5-9": 0, "10-12": 1, "13-15": 1, "16+": 1}
    ls = by["Legal status at start"]
    assert ls == {
        "C1 Interim care order": 2,
        "V2 Single period of accommodation under section 20": 2,
    }
    assert by["Category of need"] == {
        "Abuse or neglect": 2,
        "Family dysfunction": 1,
        "Absent parenting": 1,
    }
    monthly = pr.starts_monthly(core, params())
    dec = month(monthly, d(2023, 12, 31), breakdown="Age at start")
    assert counts(dec)["0-4"] == 1 and dec["children_count"].sum() == 1


def test_leavers_by_reason_group_each_year(core):
    out = pr.leavers_reason_trend(core, params(history_years=2))
    y24 = counts(out.filter(pl.col("year_label") == "2023-24"), "reason_group")
    assert y24 == {
        "Turned 18 or moved to independent living": 1,
        "Returned home": 2,
        "Special guardianship or child arrangements order": 1,
        "Adopted": 0,
        "Other": 0,
    }
    pct = out.filter(pl.col("year_label") == "2023-24")["children_pct"].to_list()
    assert pct == pytest.approx([25, 50, 25, 0, 0])
    y23 = counts(out.filter(pl.col("year_label") == "2022-23"), "reason_group")
    assert y23["Returned home"] == 1 and sum(y23.values()) == 1
    assert out["year_end_date"].unique().sort().to_list() == [d(2023, 3, 31), d(2024, 3, 31)]


def test_four_year_trend(core):
    out = pr.cic_trend_4y(core, params())
    assert out["year_label"].to_list() == ["2020-21", "2021-22", "2022-23", "2023-24"]
    # 31 March 2020: C05 C08 = 2; 2021: + C01 = 3; 2022: + C10 = 4; 2023: 7; 2024: 7
    assert out["children_count"].to_list() == [3, 4, 7, 7]
    assert out["starts_count"].to_list() == [1, 1, 4, 4]  # C01; C10; C03 C09 C11 C12; ...
    assert out["ends_count"].to_list() == [0, 0, 1, 4]  # C05's X1 is not a leaving
    assert out["children_change_pct"].to_list() == pytest.approx([50, 100 / 3, 75, 0])


def test_quarterly_starts_and_ends_with_last_year(core):
    out = pr.starts_ends_quarterly(core, params())
    assert out["quarter_label"].to_list() == [f"Q{q} 2023-24" for q in (1, 2, 3, 4)]
    assert out["starts_count"].to_list() == [1, 1, 2, 0]  # C06; C04; C10 C02; -
    assert out["starts_last_year_count"].to_list() == [1, 1, 1, 1]  # C12; C03; C09; C11
    assert out["starts_change_count"].to_list() == [0, 0, 1, -1]
    assert out["ends_count"].to_list() == [2, 0, 0, 2]  # C10 C03; -; -; C06 C08
    assert out["ends_last_year_count"].to_list() == [0, 0, 0, 1]  # C11
    assert out["ends_change_count"].to_list() == [2, 0, 0, 1]


def test_age_by_legal_status_at_31_march_with_totals(core):
    out = pr.age_legal_status_31mar(core, params())
    cell = {(a, g): n for a, g, n in out.iter_rows()}
    assert cell[("Under 1", "Interim care order")] == 1  # C02
    assert cell[("1-4", "Full care order")] == 1  # C01
    assert cell[("5-9", "Placement order")] == 1 and cell[("5-9", "Full care order")] == 1
    assert cell[("10-15", "Full care order")] == 1 and cell[("10-15", "Interim care order")] == 1
    assert cell[("16+", "Section 20 (voluntary)")] == 1  # C04
    assert cell[("16+", "Full care order")] == 0
    assert cell[("Total", "Interim care order")] == 2 and cell[("Total", "Full care order")] == 3
    assert cell[("5-9", "Total")] == 2 and cell[("Total", "Total")] == 7
    # no emergency or youth justice children: those columns are left out
    assert "Youth justice" not in out["legal_status_group"].to_list()


def test_ethnicity_by_uasc_at_31_march(core):
    out = pr.ethnicity_uasc_31mar(core, params())
    cell = {(e, c): (n, p) for e, c, n, p in out.iter_rows()}
    assert cell[("White", "All children")] == (5, pytest.approx(500 / 7))
    assert cell[("White", "Not UASC")] == (5, pytest.approx(500 / 6))
    assert cell[("Black, African, Caribbean or Black British", "UASC")] == (1, 100)
    assert cell[("White", "UASC")][0] == 0


def test_england_comparison_with_and_without_dfe_files(core, monkeypatch):
    from pipeline.reports.pack import benchmarks

    # no DfE folder and no snapshot: no England figures (the snapshot case is tested below)
    monkeypatch.setattr(benchmarks, "_from_snapshot", lambda name: None)
    none = pr.england_comparison(core, params())
    rate = none.filter(pl.col("comparison") == "Rate").row(0, named=True)
    assert rate["la_value"] == pytest.approx(7.0) and rate["england_value"] is None
    ls = counts(
        none.filter(pl.col("comparison") == "Legal status").rename({"la_count": "children_count"}),
        "measure",
    )
    # care orders = interim + full: C01 C02 C09 C10 C12
    assert ls == {
        "Care order": 5,
        "Placement order": 1,
        "Voluntary agreement (section 20)": 1,
        "Other legal status": 0,
    }
    male = none.filter(pl.col("measure") == "Male").row(0, named=True)
    assert male["la_value"] == pytest.approx(400 / 7)
    assert male["england_value"] == 57  # pipeline/inputs/benchmarks/england_published.csv, 2024
    shared = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "dfe"
    need(shared)
    got = pr.england_comparison(core, params(dfe=shared))
    assert got.filter(pl.col("comparison") == "Rate")["england_value"][0] == 69
    assert got.filter(pl.col("comparison") == "UASC")["england_value"][0] == 9
    monkeypatch.undo()
    snapshot = pr.england_comparison(core, params())  # the project's snapshot of those files
    assert snapshot.equals(got)


def test_disclosure_of_a_small_cell_and_its_secondary_in_a_monthly_table(core):
    load_all()
    spec = REGISTRY["cic_age_monthly"].disclosure
    out = protect(pr.cic_age_monthly(core, params()), spec, threshold=1)
    mar = month(out, d(2024, 3, 31))
    # 16+ = 1 is primary; the smallest other non-zero (0-4 = 2, first of the 2s) is secondary
    assert mar["is_children_count_suppressed"].to_list() == [True, False, False, False, True]
    assert mar["children_count"].to_list() == [None, 2, 2, 0, None]
    assert mar["children_pct"].to_list()[0] is None and mar["children_pct"][1] is not None


def test_every_measure_runs_on_empty_tables_and_for_another_year():
    empty_core = build_transforms(
        {n: pl.DataFrame(schema=CORE[n]) for n in ("core_episodes", "core_children")}, params()
    )
    names = [n for n, m in load_all().items() if m.func.__module__ == pr.__name__]
    assert len(names) >= 15
    for name in names:
        out = REGISTRY[name].func(empty_core, params())
        assert isinstance(out, pl.DataFrame), name
        protect(out, REGISTRY[name].disclosure, 5)
    trend = pr.cic_trend_4y(empty_core, params())
    assert trend["children_count"].to_list() == [0, 0, 0, 0]


def test_measures_for_year_end_2023(core):
    p = params(year_end=2023)
    mar = month(pr.cic_monthly(core, p), d(2023, 3, 31)).row(0, named=True)
    assert mar["children_count"] == 7  # C01 C03 C05 C08 C09 C10 C12
    assert pr.cic_trend_4y(core, p)["children_count"].to_list() == [2, 3, 4, 7]
