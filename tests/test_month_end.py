"""Month-end snapshots: who is in care at each month end, and their characteristics then."""

import datetime as dt

import polars as pl

from pipeline.core.build import build_transforms
from pipeline.core.month_end import (
    age_band,
    age_years,
    dfe_age_band,
    duration_band,
    grouped,
    month_end_between,
    month_end_snapshots,
    month_ends,
    snapshot_at,
    whole_months,
)
from pipeline.core.schemas import CORE, frame
from pipeline.params import RunParams
from tests.builders import episode as ep

d = dt.date


def params(year_end=2024, history_years=1):
    return RunParams.model_validate(
        dict(
            authority=dict(name="Test", old_la_code="999", new_la_code="E06999999"),
            year_end=year_end,
            extract_date=d(year_end, 4, 30),
            population=dict(children_0_17=10_000),
            history_years=history_years,
        )
    )


def child(cid, birth, sex="1", eth="WBRI", uasc=False, ceased=None):
    return dict(
        child_id=cid,
        sex=sex,
        birth_date=birth,
        ethnicity_code=eth,
        is_white_british=eth == "WBRI",
        is_uasc=uasc,
        uasc_ceased_date=ceased,
    )


def core(episodes, children, uasc=()):
    return {
        "core_episodes": frame("core_episodes", episodes),
        "core_children": frame("core_children", children),
        "core_uasc": frame("core_uasc", list(uasc)),
    }


def at(snap, cid, month_end):
    rows = snap.filter((pl.col("child_id") == cid) & (pl.col("month_end_date") == month_end))
    assert rows.height <= 1
    return rows.row(0, named=True) if rows.height else None


def test_episode_ending_on_a_month_end_is_not_in_care_that_month_end():
    c = core(
        [ep("A", d(2023, 4, 10), d(2023, 6, 30), rec="E13")],
        [child("A", d(2010, 1, 1))],
    )
    snap = month_end_snapshots(c, params())
    assert snap["month_end_date"].to_list() == [d(2023, 4, 30), d(2023, 5, 31)]


def test_episode_starting_on_a_month_end_counts_that_month_end():
    c = core([ep("A", d(2023, 4, 30), None)], [child("A", d(2010, 1, 1))])
    snap = month_end_snapshots(c, params())
    assert snap.height == 12  # April 2023 .. March 2024
    assert snap["month_end_date"].min() == d(2023, 4, 30)
    assert at(snap, "A", d(2023, 4, 30))["months_in_care"] == 0


def test_leaving_and_returning_gives_two_periods_and_months_in_care_restarts():
    c = core(
        [
            ep("A", d(2022, 1, 15), d(2023, 5, 20), rec="E4A"),
            ep("A", d(2023, 8, 1), None, rne="S", ls="C1"),
        ],
        [child("A", d(2012, 7, 1))],
    )
    snap = month_end_snapshots(c, params())
    apr, may, jul, aug, mar = (
        d(2023, 4, 30),
        d(2023, 5, 31),
        d(2023, 7, 31),
        d(2023, 8, 31),
        d(2024, 3, 31),
    )
    assert at(snap, "A", apr)["period_of_care_id"] == "A-1"
    assert at(snap, "A", apr)["months_in_care"] == 15  # 15 Jan 2022 -> 30 Apr 2023
    assert at(snap, "A", may) is None and at(snap, "A", jul) is None
    assert at(snap, "A", aug)["period_of_care_id"] == "A-2"
    assert at(snap, "A", aug)["period_start_date"] == d(2023, 8, 1)
    assert at(snap, "A", aug)["months_in_care"] == 0
    assert at(snap, "A", mar)["months_in_care"] == 7
    assert at(snap, "A", apr)["duration_band"] == "13-24"
    assert at(snap, "A", mar)["duration_band"] == "7-12"
    assert at(snap, "A", mar)["legal_status_group"] == "Interim care order"
    # age: born 1 July 2012 -> 10 at 30 April 2023, 11 at 31 August 2023
    assert at(snap, "A", apr)["age_years"] == 10 and at(snap, "A", apr)["age_band"] == "10-12"
    assert at(snap, "A", aug)["age_years"] == 11


def test_short_break_episodes_are_not_counted():
    c = core(
        [
            ep("A", d(2023, 4, 1), None, ls="V3"),
            ep("B", d(2023, 4, 1), d(2023, 9, 10), ls="V4"),
            ep("B", d(2023, 9, 10), None, rne="L", ls="V2"),
        ],
        [child("A", d(2015, 1, 1)), child("B", d(2015, 1, 1))],
    )
    snap = month_end_snapshots(c, params())
    assert snap.filter(pl.col("child_id") == "A").is_empty()
    b = snap.filter(pl.col("child_id") == "B")
    assert b["month_end_date"].min() == d(2023, 9, 30)
    # the period of looked-after care starts with the first counted (V2) episode
    assert b["period_start_date"].unique().to_list() == [d(2023, 9, 10)]


def test_uasc_status_ceases_at_18():
    c = core(
        [ep("U", d(2023, 6, 5), None, ls="V2")],
        [child("U", d(2006, 1, 20), eth="AOTH", uasc=True)],
        uasc=[dict(child_id="U", uasc_ceased_date=d(2024, 1, 20))],
    )
    snap = month_end_snapshots(c, params())
    assert at(snap, "U", d(2023, 12, 31))["is_uasc"] is True
    assert at(snap, "U", d(2024, 1, 31))["is_uasc"] is False
    assert at(snap, "U", d(2024, 1, 31))["age_years"] == 18
    assert at(snap, "U", d(2023, 12, 31))["ethnicity_group"] == "Asian or Asian British"
    assert at(snap, "U", d(2023, 12, 31))["is_white_british"] is False


def test_uasc_in_core_uasc_only_counts_too():
    c = core(
        [ep("U", d(2023, 6, 5), None, ls="V2")],
        [child("U", d(2008, 1, 20), eth="BAFR")],
        uasc=[dict(child_id="U", uasc_ceased_date=None)],
    )
    snap = month_end_snapshots(c, params())
    assert snap["is_uasc"].all()


def test_placement_start_stays_across_a_legal_status_only_change():
    c = core(
        [
            ep("A", d(2023, 3, 10), d(2023, 7, 14), rne="S", ls="C1", place="U6", rec="X1"),
            ep("A", d(2023, 7, 14), d(2023, 11, 2), rne="L", ls="C2", place="U6", rec="X1"),
            ep("A", d(2023, 11, 2), None, rne="P", ls="C2", place="K2"),
        ],
        [child("A", d(2011, 5, 5))],
    )
    snap = month_end_snapshots(c, params())
    assert at(snap, "A", d(2023, 6, 30))["placement_start_date"] == d(2023, 3, 10)
    assert at(snap, "A", d(2023, 8, 31))["placement_start_date"] == d(2023, 3, 10)
    assert at(snap, "A", d(2023, 8, 31))["legal_status_code"] == "C2"
    assert at(snap, "A", d(2023, 11, 30))["placement_start_date"] == d(2023, 11, 2)
    assert at(snap, "A", d(2023, 11, 30))["placement_group"] == (
        "Secure units, children's homes and residential settings"
    )
    assert at(snap, "A", d(2023, 8, 31))["placement_group"] == "Foster placements"


def test_window_covers_history_years():
    c = core([ep("A", d(2019, 1, 1), None)], [child("A", d(2015, 2, 1))])
    snap = month_end_snapshots(c, params(history_years=2))
    assert snap["month_end_date"].min() == d(2022, 4, 30)
    assert snap["month_end_date"].max() == d(2024, 3, 31)
    assert snap.height == 24


def test_dfe_age_bands():
    ages = pl.DataFrame({"age_years": [0, 1, 4, 5, 9, 10, 15, 16, 17]})
    got = ages.select(dfe_age_band("age_years").alias("band"))["band"].to_list()
    assert got == ["Under 1", "1-4", "1-4", "5-9", "5-9", "10-15", "10-15", "16+", "16+"]


def test_build_transforms_adds_conformed_tables_and_handles_empty_input():
    c = {name: pl.DataFrame(schema=CORE[name]) for name in ("core_episodes", "core_children")}
    out = build_transforms(c, params())
    assert out["core_month_end"].schema == pl.Schema(CORE["core_month_end"])
    assert out["core_month_end"].is_empty()
    assert out["core_periods_of_care"].is_empty()


def test_snapshot_at_arbitrary_range():
    c = core([ep("A", d(2020, 5, 1), d(2021, 3, 31))], [child("A", d(2015, 2, 1))])
    snap = snapshot_at(c, d(2020, 3, 31), d(2021, 3, 31))
    assert snap["month_end_date"].to_list() == month_list(d(2020, 5, 31), d(2021, 2, 28))


def month_list(first, last):
    return (
        pl.date_range(first.replace(day=1), last.replace(day=1), "1mo", eager=True)
        .dt.month_end()
        .to_list()
    )


def test_bands_at_every_edge():
    """Each band's first and last value, and a null, through the default column names."""
    ages = pl.DataFrame({"age_years": [None, 0, 4, 5, 9, 10, 12, 13, 15, 16, 17]})
    assert ages.select(age_band()).to_series().to_list() == [
        None, "0-4", "0-4", "5-9", "5-9", "10-12", "10-12", "13-15", "13-15", "16+", "16+",
    ]  # fmt: skip
    dfe = pl.DataFrame({"age_years": [None, 0, 1, 4, 5, 9, 10, 15, 16]})
    assert dfe.select(dfe_age_band()).to_series().to_list() == [
        None, "Under 1", "1-4", "1-4", "5-9", "5-9", "10-15", "10-15", "16+",
    ]  # fmt: skip
    months = pl.DataFrame({"months_in_care": [None, 0, 3, 4, 6, 7, 12, 13, 24, 25, 36, 37]})
    assert months.select(duration_band()).to_series().to_list() == [
        None, "0-3", "0-3", "4-6", "4-6", "7-12", "7-12", "13-24", "13-24", "25-36", "25-36",
        "37+",
    ]  # fmt: skip
    # an expression in place of a column name: age 0 + 5 = 5
    five = pl.col("age_years") + 5
    assert ages.select(age_band(five)).to_series().to_list()[1] == "5-9"
    assert ages.select(dfe_age_band(five)).to_series().to_list()[1] == "5-9"
    assert months.select(duration_band(pl.col("months_in_care") + 4)).to_series()[1] == "4-6"


def test_a_child_whose_only_episode_starts_on_the_last_month_end_is_counted_there():
    # snapshots for April..June 2023: B starts on 30 June (start <= 30 June < no end), so
    # B is in care at 30 June; C starts on 1 July, after the window, and is in none
    c = core(
        [ep("B", d(2023, 6, 30), None), ep("C", d(2023, 7, 1), None)],
        [child("B", d(2010, 1, 1)), child("C", d(2010, 1, 1))],
    )
    snap = snapshot_at(c, d(2023, 4, 30), d(2023, 6, 30))
    assert at(snap, "B", d(2023, 6, 30)) is not None
    assert at(snap, "B", d(2023, 5, 31)) is None
    assert snap.filter(pl.col("child_id") == "C").is_empty()


def test_grouped_codes_are_text_and_an_unknown_code_is_null():
    df = pl.DataFrame({"legal_status_code": ["C2", "ZZ", None]})
    out = df.select(grouped("legal_status_code", "LS_GROUP")).to_series()
    assert out.dtype == pl.String
    assert out[0] is not None and out[1] is None and out[2] is None


def test_uasc_status_ceasing_on_a_month_end_is_not_uasc_that_month_end():
    # UASC status ceased on 31 May 2023: UASC at 30 April, not at 31 May (ceased > month
    # end means still UASC); a child whose is_uasc is unknown (null) is not UASC
    c = core(
        [ep("U", d(2023, 4, 1), None), ep("N", d(2023, 4, 1), None)],
        [child("U", d(2007, 1, 1), uasc=True, ceased=d(2023, 5, 31)), child("N", d(2010, 1, 1))],
    )
    c["core_children"] = c["core_children"].with_columns(
        is_uasc=pl.when(pl.col("child_id") == "N").then(None).otherwise(pl.col("is_uasc"))
    )
    snap = snapshot_at(c, d(2023, 4, 30), d(2023, 5, 31))
    assert at(snap, "U", d(2023, 4, 30))["is_uasc"] is True
    assert at(snap, "U", d(2023, 5, 31))["is_uasc"] is False
    assert at(snap, "N", d(2023, 4, 30))["is_uasc"] is False


def test_placement_start_is_each_childs_own():
    # A and B both have a first and a second placement (so both have placement numbers 1
    # and 2): each keeps its own start dates. B's second episode is a change of legal
    # status only (L): B's placement still starts on 1 Feb 2023
    c = core(
        [
            ep("A", d(2022, 6, 1), d(2023, 5, 10), rne="S", rec="X1"),
            ep("A", d(2023, 5, 10), None, rne="P", place="K2"),
            ep("B", d(2023, 2, 1), d(2023, 6, 5), rne="S", rec="X1"),
            ep("B", d(2023, 6, 5), d(2023, 8, 20), rne="L", ls="C1", rec="X1"),
            ep("B", d(2023, 8, 20), None, rne="T", place="K2"),
        ],
        [child("A", d(2012, 1, 1)), child("B", d(2013, 1, 1))],
    )
    snap = snapshot_at(c, d(2023, 4, 30), d(2023, 9, 30))
    starts = {
        (r["child_id"], r["month_end_date"]): r["placement_start_date"]
        for r in snap.iter_rows(named=True)
    }
    assert starts[("A", d(2023, 4, 30))] == d(2022, 6, 1)
    assert starts[("A", d(2023, 5, 31))] == d(2023, 5, 10)
    assert starts[("B", d(2023, 4, 30))] == d(2023, 2, 1)
    assert starts[("B", d(2023, 7, 31))] == d(2023, 2, 1)
    assert starts[("B", d(2023, 8, 31))] == d(2023, 8, 20)


def test_month_end_between_computes_snapshots_without_a_usable_core_month_end():
    c = core([ep("A", d(2023, 4, 10), None)], [child("A", d(2010, 1, 1))])
    want = [d(2023, 5, 31), d(2023, 6, 30)]
    # no core_month_end, or an empty one: computed from the episodes
    assert month_end_between(c, d(2023, 5, 1), d(2023, 6, 15))["month_end_date"].to_list() == want
    c["core_month_end"] = snapshot_at(c, d(2023, 5, 31), d(2023, 5, 31)).clear()
    assert month_end_between(c, d(2023, 5, 1), d(2023, 6, 15))["month_end_date"].to_list() == want
    # one that does not cover June: computed; one that covers both: filtered from it
    c["core_month_end"] = snapshot_at(c, d(2023, 4, 30), d(2023, 5, 31))
    assert month_end_between(c, d(2023, 5, 1), d(2023, 6, 15))["month_end_date"].to_list() == want
    c["core_month_end"] = snapshot_at(c, d(2023, 4, 30), d(2023, 7, 31)).with_columns(
        sex=pl.lit("from core_month_end")
    )
    got = month_end_between(c, d(2023, 5, 1), d(2023, 6, 15))
    assert got["month_end_date"].to_list() == want
    assert got["sex"].to_list() == ["from core_month_end"] * 2


def test_snapshot_without_child_records_keeps_every_child_in_care_in_month_then_child_order():
    # no core_children and no core_uasc: B (from 1 April) and A (from 2 May) are still
    # counted, with their characteristics unknown and not UASC; rows by month end, then child
    apr, may, jun = d(2023, 4, 30), d(2023, 5, 31), d(2023, 6, 30)
    c = {
        "core_episodes": frame(
            "core_episodes", [ep("B", d(2023, 4, 1), None), ep("A", d(2023, 5, 2), None)]
        )
    }
    snap = snapshot_at(c, apr, jun)
    assert snap.select("month_end_date", "child_id").rows() == [
        (apr, "B"),
        (may, "A"),
        (may, "B"),
        (jun, "A"),
        (jun, "B"),
    ]
    assert snap["sex"].null_count() == 5 and snap["age_years"].null_count() == 5
    assert snap["is_uasc"].to_list() == [False] * 5
    # nothing at all: an empty core_month_end
    none = snapshot_at({}, apr, jun)
    assert none.is_empty() and none.schema == pl.Schema(CORE["core_month_end"])


def test_a_recorded_ethnicity_group_is_kept_and_otherwise_derived_from_the_code():
    c = core(
        [ep("A", d(2023, 4, 1), None), ep("B", d(2023, 4, 1), None)],
        [child("A", d(2010, 1, 1), eth="NEWC"), child("B", d(2010, 1, 1), eth="WBRI")],
    )
    # A's code is not in the code list, but the group was recorded with it
    c["core_children"] = c["core_children"].with_columns(
        ethnicity_group=pl.when(pl.col("child_id") == "A").then(
            pl.lit("Mixed or multiple ethnic groups")
        )
    )
    snap = snapshot_at(c, d(2023, 4, 30), d(2023, 4, 30))
    assert snap.select("child_id", "ethnicity_group").rows() == [
        ("A", "Mixed or multiple ethnic groups"),
        ("B", "White"),
    ]


def test_month_ends_lists_each_month_once_from_first_to_last():
    # from mid-November to early February of a leap year: four month ends, each once
    assert month_ends(d(2023, 11, 15), d(2024, 2, 3)) == [
        d(2023, 11, 30),
        d(2023, 12, 31),
        d(2024, 1, 31),
        d(2024, 2, 29),
    ]
    assert month_ends(d(2024, 2, 29), d(2024, 2, 29)) == [d(2024, 2, 29)]


def test_age_and_whole_months_take_expressions_as_well_as_column_names():
    df = pl.DataFrame({"b": [d(2012, 7, 1)], "on": [d(2023, 6, 30)], "shift": [1]})
    # born 1 July 2012: 10 on 30 June 2023, 11 a day later; 1 July 2012 -> 30 June 2023
    # is 131 whole months (the month end completes June), 132 on 1 July
    a_day_later = pl.col("on") + pl.duration(days=pl.col("shift"))
    got = df.select(
        by_name=age_years("b", "on"),
        by_expr=age_years(pl.col("b"), a_day_later),
        birth_expr=age_years(pl.col("b") + pl.duration(days=pl.col("shift")), a_day_later),
        months_by_name=whole_months("b", "on"),
        months_by_expr=whole_months(pl.col("b"), a_day_later),
        start_expr=whole_months(pl.col("b") + pl.duration(days=pl.col("shift")), a_day_later),
    ).row(0)
    assert got == (10, 11, 10, 131, 132, 131)
