"""Dispute resolution measures on a hand-built year (2023-24)."""

import datetime as dt

import polars as pl

from pipeline.core.schemas import frame
from pipeline.disclosure import protect
from pipeline.disclosure.relations import key, table_cells
from pipeline.measures import load_all
from pipeline.reports.iro.measures.escalations import (
    area_mentions,
    good_practice,
    pre_escalation_types,
    resolution,
    stage_counts,
)
from tests.builders import escalation as esc
from tests.test_reviews import make_params

d = dt.date
P = make_params()


ESC = frame(
    "core_escalations",
    [
        # pre-escalations raised in the year: child A twice, child B once; one last year
        esc("p1", "A", "PRE", d(2023, 11, 1)),
        esc("p2", "A", "PRE", d(2023, 12, 1)),
        esc("p3", "B", "PRE", d(2024, 1, 5)),
        esc("p0", "C", "PRE", d(2023, 3, 1)),
        # escalations: resolved in the year
        # e1 informal: Mon 4 Sep 2023 -> Fri 29 Sep 2023 = 19 wd (within 20)
        esc("e1", "A", "INF", d(2023, 9, 4), d(2023, 9, 29)),
        # e2 informal: Fri 1 Mar 2024 -> Tue 2 Apr 2024 -> outside the year, open at 31 Mar
        esc("e2", "B", "INF", d(2024, 3, 1), d(2024, 4, 2)),
        # e3 stage 1: Mon 3 Jul 2023 -> Mon 31 Jul 2023 = 20 wd (within)
        esc("e3", "C", "S1", d(2023, 7, 3), d(2023, 7, 31)),
        # e4 stage 2: Mon 3 Jul 2023 -> Tue 1 Aug 2023 = 21 wd (not within)
        esc("e4", "C", "S2", d(2023, 7, 3), d(2023, 8, 1)),
        # e5 stage 1 raised last year, resolved Mon 3 Apr 2023 (this year): Fri 24 Mar 2023
        # -> 27-31 Mar (5), 3 Apr (6)
        esc("e5", "D", "S1", d(2023, 3, 24), d(2023, 4, 3)),
        # e6 stage 3 never resolved: open
        esc("e6", "E", "S3", d(2023, 6, 1)),
        # e7 informal concluded last year
        esc("e7", "F", "INF", d(2022, 5, 2), d(2022, 5, 20)),
        # e8 raised after the year end: not open at 31 March
        esc("e8", "G", "INF", d(2024, 4, 5)),
    ],
)
AREAS = frame(
    "core_escalation_areas",
    [
        {"escalation_id": "p1", "area_code": "P_PLAN"},
        {"escalation_id": "p1", "area_code": "P_EDU"},
        {"escalation_id": "p2", "area_code": "P_PLAN"},
        {"escalation_id": "p3", "area_code": "P_PLAN"},
        {"escalation_id": "p0", "area_code": "P_HLT"},
        {"escalation_id": "e1", "area_code": "CPI"},
        {"escalation_id": "e1", "area_code": "REG"},
        {"escalation_id": "e3", "area_code": "CPI"},
        {"escalation_id": "e4", "area_code": "CPI"},
        {"escalation_id": "e4", "area_code": "EDU"},
        {"escalation_id": "e5", "area_code": "REG"},
        {"escalation_id": "e2", "area_code": "SAF"},  # not concluded this year
    ],
)


def test_pre_escalations_children_versus_notes():
    out = pre_escalation_types(ESC, AREAS, P)
    rows = {
        r["area_code"]: (r["children_count"], r["notes_count"]) for r in out.iter_rows(named=True)
    }
    assert rows["P_PLAN"] == (2, 3)  # A (p1, p2) and B (p3)
    assert rows["P_EDU"] == (1, 1)
    assert rows["P_HLT"] == (0, 0)  # last year's note is outside the year
    assert rows["Total"] == (2, 3)  # p1 counts once though it names two types
    assert out["area_code"].to_list()[-1] == "Total"
    assert out.filter(pl.col("area_code") == "P_PLAN")["area"].item().startswith("Care/pathway")


def test_escalations_by_stage_this_year_and_last():
    out = stage_counts(ESC, P)
    got = {
        r["stage_code"]: (r["escalations_count"], r["last_year_escalations_count"])
        for r in out.iter_rows(named=True)
    }
    # concluded this year: e1 (INF), e3 (S1), e5 (S1), e4 (S2); last year: e7 (INF)
    assert got == {
        "INF": (1, 1),
        "S1": (2, 0),
        "S2": (1, 0),
        "S3": (0, 0),
        "S4": (0, 0),
        "S5": (0, 0),
        "Total": (4, 1),
    }


def test_multi_area_escalations_count_each_area():
    out = area_mentions(ESC, AREAS, P)
    got = dict(zip(out["area_code"], out["area_mentions_count"], strict=True))
    # CPI: e1, e3, e4; REG: e1, e5; EDU: e4; SAF only on e2 (not concluded)
    assert (got["CPI"], got["REG"], got["EDU"], got["SAF"], got["STF"]) == (3, 2, 1, 0, 0)
    assert sum(got.values()) == 6  # 6 mentions from 4 escalations
    assert not any(c.startswith("P_") for c in got)


def test_resolution_median_within_20_and_open_at_year_end():
    out = resolution(ESC, P)
    rows = {r["stage_group"]: r for r in out.iter_rows(named=True)}
    inf, formal, every = rows["Informal"], rows["Formal (stages 1-5)"], rows["All escalations"]
    # informal concluded: e1 (19 wd); open: e2 (resolved after 31 March). e8 raised later.
    assert (inf["concluded_count"], inf["median_resolution_wd"]) == (1, 19.0)
    assert (inf["resolved_within_20wd_count"], inf["open_at_year_end_count"]) == (1, 1)
    # formal concluded: e3 (20), e4 (21), e5 (6): median 20; within 20: e3, e5; open: e6
    assert (formal["concluded_count"], formal["median_resolution_wd"]) == (3, 20.0)
    assert (formal["resolved_within_20wd_count"], formal["resolved_within_20wd_pct"]) == (2, 66.7)
    assert formal["open_at_year_end_count"] == 1
    # all: 19, 20, 21, 6 -> median 19.5; within 3 of 4 = 75.0%; open 2
    assert (every["concluded_count"], every["median_resolution_wd"]) == (4, 19.5)
    assert (every["resolved_within_20wd_pct"], every["open_at_year_end_count"]) == (75.0, 2)


def test_resolution_published_hides_median_over_few_escalations():
    pub = protect(resolution(ESC, P), load_all()["escalation_resolution"].disclosure, 3)
    # informal n=1 and formal n=3 are small at threshold 3: median and % suppressed
    assert pub["median_resolution_wd"].to_list() == [None, None, 19.5]
    assert pub["is_median_resolution_wd_suppressed"].to_list() == [True, True, False]


def test_good_practice_notes_per_quarter():
    notes = frame(
        "core_practice_notes",
        [
            {
                "note_id": "1",
                "child_id": "A",
                "note_date": d(2023, 10, 2),
                "note_type_code": "GOOD",
            },
            {
                "note_id": "2",
                "child_id": "B",
                "note_date": d(2023, 12, 31),
                "note_type_code": "GOOD",
            },
            {"note_id": "3", "child_id": "B", "note_date": d(2024, 1, 1), "note_type_code": "GOOD"},
            {
                "note_id": "4",
                "child_id": "C",
                "note_date": d(2024, 2, 1),
                "note_type_code": "OTHER",
            },
            {"note_id": "5", "child_id": "C", "note_date": d(2022, 4, 1), "note_type_code": "GOOD"},
        ],
    )
    out = good_practice(notes, P)
    assert out.rows() == [("Q1", 0, 1), ("Q2", 0, 0), ("Q3", 2, 0), ("Q4", 1, 0), ("Year", 3, 1)]
    # recording started in October 2023 (the first note of any type): earlier quarters, and
    # the whole of last year, were not collected: null (a dash), not 0
    later = good_practice(notes.filter(pl.col("note_id") != "5"), P)
    assert later.rows() == [
        ("Q1", None, None),
        ("Q2", None, None),
        ("Q3", 2, None),
        ("Q4", 1, None),
        ("Year", 3, None),
    ]


def test_pre_escalation_types_in_contract_order_then_unrecorded_codes_then_the_total():
    # p3 also names a type the contract does not list: shown under its code, after the
    # contract's types and before the total
    areas = pl.concat(
        [AREAS, frame("core_escalation_areas", [{"escalation_id": "p3", "area_code": "P_NEW"}])]
    )
    out = pre_escalation_types(ESC, areas, P)
    assert out.columns == ["area_code", "area", "children_count", "notes_count"]
    assert out["area_code"].to_list() == [
        "P_PLAN",
        "P_FILE",
        "P_VOICE",
        "P_EDU",
        "P_FAM",
        "P_HLT",
        "P_PERM",
        "P_NEW",
        "Total",
    ]
    assert out["area"].to_list()[-2:] == ["P_NEW", "All pre-escalations"]
    assert out.row(7) == ("P_NEW", "P_NEW", 1, 1)
    assert out.row(8) == ("Total", "All pre-escalations", 2, 3)


def test_area_mentions_in_contract_order_then_unrecorded_codes_once_each():
    areas = pl.concat(
        [AREAS, frame("core_escalation_areas", [{"escalation_id": "e3", "area_code": "NEW"}])]
    )
    out = area_mentions(ESC, areas, P)
    # the 14 escalation areas of the contract, each once, then the unrecorded code
    assert out["area_code"].to_list() == [
        "CPI",
        "SRV",
        "SAF",
        "HOM",
        "EDU",
        "HLT",
        "FAM",
        "LSW",
        "OTH",
        "ORD",
        "STF",
        "REG",
        "TRN",
        "VOC",
        "NEW",
    ]
    assert out.row(0) == ("CPI", "Care plan implementation", 3)
    assert out.row(14) == ("NEW", "NEW", 1)


def test_stages_are_labelled_in_order_with_the_total_last():
    out = stage_counts(ESC, P)
    assert out.columns == [
        "stage_code",
        "stage",
        "escalations_count",
        "last_year_escalations_count",
    ]
    assert out["stage"].to_list() == [
        "Informal escalation",
        "Stage 1",
        "Stage 2",
        "Stage 3",
        "Stage 4",
        "Stage 5",
        "Total",
    ]
    assert out["escalations_count"].to_list() == [1, 2, 1, 0, 0, 0, 4]


def test_stage_cells_are_keyed_by_their_year_and_stage():
    spec = load_all()["escalations_by_stage"].disclosure
    cells, _, _ = table_cells("iro", "escalations_by_stage", stage_counts(ESC, P), spec.links, P)
    got = {(c.row, c.column): (c.key, c.value) for c in cells if c.row in (0, 6)}
    concluded = "escalations concluded"
    assert got == {
        (0, "escalations_count"): (key(concluded, period="2023-24", stage="INF"), 1.0),
        (0, "last_year_escalations_count"): (key(concluded, period="2022-23", stage="INF"), 1.0),
        # the total row is the margin over stages
        (6, "escalations_count"): (key(concluded, period="2023-24"), 4.0),
        (6, "last_year_escalations_count"): (key(concluded, period="2022-23"), 1.0),
    }


def test_resolution_keeps_a_stage_group_with_no_escalations_at_zero():
    # only formal escalations: the informal row is still there, with zero counts
    out = resolution(ESC.filter(pl.col("stage_code") != "INF"), P)
    assert out["stage_group"].to_list() == ["Informal", "Formal (stages 1-5)", "All escalations"]
    inf = out.row(0, named=True)
    assert (
        inf["concluded_count"],
        inf["median_resolution_wd"],
        inf["resolved_within_20wd_count"],
        inf["resolved_within_20wd_pct"],
        inf["open_at_year_end_count"],
    ) == (0, None, 0, None, 0)
    # all = formal: e3 (20), e4 (21), e5 (6); open: e6
    every = out.row(2, named=True)
    assert (every["concluded_count"], every["median_resolution_wd"]) == (3, 20.0)
    assert (every["resolved_within_20wd_count"], every["open_at_year_end_count"]) == (2, 1)
    assert out.schema["median_resolution_wd"] == pl.Float64


def test_resolution_cells_are_keyed_by_stage_group():
    spec = load_all()["escalation_resolution"].disclosure
    cells, _, _ = table_cells("iro", "escalation_resolution", resolution(ESC, P), spec.links, P)
    got = {(c.row, c.column): c.key for c in cells if c.column == "concluded_count"}
    # "All escalations" is the margin over the stage groups
    assert got == {
        (0, "concluded_count"): key("escalations concluded", period="2023-24", stage="Informal"),
        (1, "concluded_count"): key(
            "escalations concluded", period="2023-24", stage="Formal (stages 1-5)"
        ),
        (2, "concluded_count"): key("escalations concluded", period="2023-24"),
    }
    open_ = {c.row: c.key for c in cells if c.column == "open_at_year_end_count"}
    assert open_[0] == key("escalations open", date="2024-03-31", stage="Informal")


def good_note(note_id, date, type_code="GOOD"):
    return {"note_id": note_id, "child_id": "A", "note_date": date, "note_type_code": type_code}


def test_good_practice_quarters_collected_from_the_one_holding_the_first_note():
    def quarters(*dates):
        notes = frame("core_practice_notes", [good_note(str(i), x) for i, x in enumerate(dates)])
        return good_practice(notes, P)

    # first note on 30 June, the last day of Q1: Q1 was collected
    on_q1_end = quarters(d(2023, 6, 30), d(2023, 8, 1))
    assert on_q1_end.columns == ["period", "notes_count", "last_year_notes_count"]
    assert on_q1_end["notes_count"].to_list() == [1, 1, 0, 0, 2]
    # first note on 1 July: Q1 was not
    assert quarters(d(2023, 7, 1))["notes_count"].to_list() == [None, 1, 0, 0, 1]
    # first note in February: only Q4 was collected, and the year's total is Q4's
    assert quarters(d(2024, 2, 1))["notes_count"].to_list() == [None, None, None, 1, 1]


def test_good_practice_cells_are_keyed_by_quarter_and_year():
    notes = frame(
        "core_practice_notes", [good_note("1", d(2022, 5, 1)), good_note("2", d(2023, 5, 1))]
    )
    spec = load_all()["good_practice_notes"].disclosure
    cells, _, _ = table_cells("iro", "good_practice_notes", good_practice(notes, P), spec.links, P)
    got = {(c.row, c.column): c.key for c in cells if c.row in (0, 4)}
    notes_pop = "good practice notes"
    assert got == {
        (0, "notes_count"): key(notes_pop, period="2023-24 Q1"),
        (0, "last_year_notes_count"): key(notes_pop, period="2022-23 Q1"),
        (4, "notes_count"): key(notes_pop, period="2023-24"),
        (4, "last_year_notes_count"): key(notes_pop, period="2022-23"),
    }
