"""Absent is not zero (issue 17): a figure whose input table is absent, empty or has no
rows in its year is not computed and says why; with the input present and covering the
year, a figure where nothing qualifies is still 0.

Each IRO service section is computed twice on the same hand-built year: once without its
extract (no rows, and a reason naming the file), once with an extract holding one record
in the year that does not qualify (published as 0).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from pipeline.core.build import build_transforms
from pipeline.core.schemas import frame
from pipeline.inputs.availability import inputs_table, reason, report_inputs, summary_lines
from pipeline.measures import availability, compute
from pipeline.publish.present import code_spans
from pipeline.publish.render.draft import not_available, omit_sections, slug
from tests.test_reviews import make_params

d = dt.date
P = make_params()
NINETEEN_03 = ["header", "episodes", "reviews"]
ROOT_CONFIG = Path(__file__).resolve().parents[1] / "config" / "sample.yml"


def _core(**extra: list[dict]) -> dict[str, pl.DataFrame]:
    """One child in care all year (placed U4, reviewed in June), plus `extra` core tables."""
    core = {
        "core_children": frame("core_children", [dict(child_id="A", birth_date=d(2012, 5, 1))]),
        "core_episodes": frame(
            "core_episodes",
            [
                dict(
                    child_id="A",
                    episode_start_date=d(2022, 1, 10),
                    new_episode_reason_code="S",
                    legal_status_code="C2",
                    need_code="N1",
                    placement_code="U4",
                )
            ],
        ),
        "core_reviews": frame(
            "core_reviews",
            [dict(child_id="A", review_date=d(2023, 6, 1), participation_code="PN1")],
        ),
    }
    for name, rows in extra.items():
        core[f"core_{name}"] = frame(f"core_{name}", rows)
    return build_transforms(core, P)


def _with_inputs(core: dict, supplied: list[str]) -> dict:
    """`core` with its `core_inputs`, as if files were read for the tables in `supplied`."""
    files = pl.DataFrame(
        {"validation_file": [f"x/{t}.csv" for t in supplied], "table": supplied},
        schema={"validation_file": pl.String, "table": pl.String},
    )
    summary = pl.DataFrame(
        {
            "table": supplied,
            "rows_in": [core.get(f"core_{t}", pl.DataFrame()).height for t in supplied],
        }
    )
    return core | {"core_inputs": inputs_table(core, summary, files)}


# ------------------------------------------------------------------------- reasons
def test_reason_says_not_supplied_naming_the_file_and_year():
    core = _with_inputs(_core(), NINETEEN_03)
    why = reason(
        ["escalations"], core, year_label="2023-24", start=d(2023, 4, 1), end=d(2024, 3, 31)
    )
    assert why == (
        "No IRO escalation records were supplied for 2023-24 (`escalations.csv`, see the data "
        "contract)."
    )


def test_reason_says_supplied_but_no_usable_rows():
    core = _with_inputs(_core(), [*NINETEEN_03, "contacts"])  # file read, no clean rows
    why = reason(["contacts"], core, year_label="2023-24", start=P.period_start, end=P.period_end)
    assert why is not None and "`contacts.csv`" in why and "no usable rows" in why


def test_reason_says_no_records_for_the_year_with_the_files_span():
    old = [dict(child_id="A", contact_date=d(2021, 5, 3), contact_type_code="VISIT")]
    core = _with_inputs(_core(contacts=old), [*NINETEEN_03, "contacts"])
    why = reason(["contacts"], core, year_label="2023-24", start=P.period_start, end=P.period_end)
    assert why is not None
    assert "for 2023-24" in why and "May 2021 to May 2021" in why


def test_no_reason_when_the_input_covers_the_year_or_nothing_is_known():
    rows = [dict(child_id="A", contact_date=d(2023, 5, 3), contact_type_code="VISIT")]
    core = _with_inputs(_core(contacts=rows), [*NINETEEN_03, "contacts"])
    assert (
        reason(["contacts"], core, year_label="x", start=P.period_start, end=P.period_end) is None
    )
    # hand-built data without core_inputs: every input counts as supplied
    bare = _core()
    assert (
        reason(["contacts"], bare, year_label="x", start=P.period_start, end=P.period_end) is None
    )


# --------------------------------------------------- absent vs zero, section by section
def _esc(stage, raised, resolved=None):
    return dict(
        escalation_id="e1",
        child_id="A",
        iro_id="I1",
        stage_code=stage,
        raised_date=raised,
        resolved_date=resolved,
    )


def _total(df, key, value, col):
    return df.filter(pl.col(key) == value)[col].item()


# measure: (input table, core rows present in the year that do not qualify, the zero check)
SECTIONS = {
    "escalations_by_stage": (
        "escalations",
        {"escalations": [_esc("PRE", d(2023, 9, 1))]},  # a pre-escalation is not concluded
        lambda df: _total(df, "stage_code", "Total", "escalations_count") == 0,
    ),
    "pre_escalations_by_type": (
        "escalations",
        {"escalations": [_esc("INF", d(2023, 9, 1))]},  # an escalation, not a pre-escalation
        lambda df: _total(df, "area_code", "Total", "notes_count") == 0,
    ),
    "escalations_by_area": (
        "escalations",
        {"escalations": [_esc("S1", d(2023, 9, 1))]},  # raised, not concluded in the year
        lambda df: df.height > 0 and df["area_mentions_count"].sum() == 0,
    ),
    "escalation_resolution": (
        "escalations",
        {"escalations": [_esc("PRE", d(2023, 9, 1), d(2023, 9, 5))]},
        lambda df: _total(df, "stage_group", "All escalations", "concluded_count") == 0,
    ),
    "good_practice_notes": (
        "practice_notes",
        {
            "practice_notes": [
                dict(note_id="n1", child_id="A", note_date=d(2023, 7, 1), note_type_code="OTHER")
            ]
        },
        lambda df: _total(df, "period", "Year", "notes_count") == 0,
    ),
    "iro_contact": (
        "contacts",
        # a contact in the year with a child not in care at 31 March
        {"contacts": [dict(child_id="Z", contact_date=d(2024, 1, 9), contact_type_code="VISIT")]},
        lambda df: (
            _total(df, "measure_code", "contact_6m", "children_count") == 0
            and _total(df, "measure_code", "children_in_care", "children_count") == 1
        ),
    ),
    "minutes_quarterly": (
        "review_process",
        {"review_process": [dict(child_id="A", review_date=d(2023, 6, 1), iro_id="I1")]},
        lambda df: (
            df.filter(pl.col("status") == "In timescale")["reviews_count"].sum() == 0
            and df.filter(pl.col("status") == "Total held")["reviews_count"].sum() == 1
        ),
    ),
    "sw_reports_quarterly": (
        "review_process",
        {"review_process": [dict(child_id="A", review_date=d(2023, 6, 1), iro_id="I1")]},
        lambda df: df["due_count"].sum() == 0,  # no report due date recorded
    ),
}


@pytest.mark.parametrize("name", list(SECTIONS))
def test_absent_input_gives_no_figure_and_a_reason(name):
    table, _, _ = SECTIONS[name]
    core = _with_inputs(_core(), NINETEEN_03)
    outs = compute(core, P)
    assert outs[f"out_{name}"].is_empty()
    gaps = {r["figure"]: r for r in availability(core, P)}
    assert f"`{table}.csv`" in gaps[name]["reason"]
    assert gaps[name]["section"] and not gaps[name]["is_partial"]


@pytest.mark.parametrize("name", list(SECTIONS))
def test_present_input_where_nothing_qualifies_is_zero(name):
    table, rows, is_zero = SECTIONS[name]
    core = _with_inputs(_core(**rows), [*NINETEEN_03, table])
    outs = compute(core, P)
    assert not outs[f"out_{name}"].is_empty()
    assert is_zero(outs[f"out_{name}"])
    assert name not in {r["figure"] for r in availability(core, P)}


def test_reviews_annual_keeps_the_903_rows_without_the_review_process_extract():
    core = _with_inputs(_core(), NINETEEN_03)
    annual = compute(core, P)["out_reviews_annual"]
    assert annual["measure_code"].to_list() == ["reviews_held", "in_timescale"]
    partial = [r for r in availability(core, P) if r["figure"] == "reviews_annual"]
    assert partial and partial[0]["is_partial"] and "review_process.csv" in partial[0]["reason"]
    rows = SECTIONS["minutes_quarterly"][1]
    full = compute(_with_inputs(_core(**rows), [*NINETEEN_03, "review_process"]), P)
    assert full["out_reviews_annual"].height == 6


def test_a_903_figure_is_computed_without_the_iro_extracts():
    outs = compute(_with_inputs(_core(), NINETEEN_03), P)
    assert not outs["out_participation_annual"].is_empty()
    assert not outs["out_reviews_quarterly"].is_empty()


# ----------------------------------------------------------------- pack indicators
def test_pack_indicator_without_its_input_is_not_available_never_zero():
    from pipeline.reports.pack import catalogue_path
    from pipeline.reports.pack.build import build_pack

    core = _with_inputs(_core(), NINETEEN_03)
    pack = build_pack(P, month="2024-03", catalogue_path=catalogue_path(P), core=core)
    row = pack.appendix.filter(pl.col("indicator_id") == "iro_escalations_informal_count")
    assert "`escalations.csv`" in row["not_available"].item()
    assert row["2024-03"].item() is None and row["dot"].item() is None and row["rag"].item() is None
    # the same indicator with the extract present and nothing raised: 0
    with_esc = _with_inputs(
        _core(escalations=[_esc("PRE", d(2023, 9, 1))]), [*NINETEEN_03, "escalations"]
    )
    pack = build_pack(P, month="2024-03", catalogue_path=catalogue_path(P), core=with_esc)
    row = pack.appendix.filter(pl.col("indicator_id") == "iro_escalations_informal_count")
    assert row["not_available"].item() is None and row["2024-03"].item() == 0


def test_pack_indicator_without_its_input_takes_the_services_supplied_value(tmp_path):
    from pipeline.reports.pack import catalogue_path
    from pipeline.reports.pack.build import build_pack

    # no escalations extract, but the IRO service supplies the month's count
    supplied = tmp_path / "supplied.csv"
    supplied.write_text(
        "indicator_id,month,value\niro_escalations_informal_count,2024-03,12\n", encoding="utf-8"
    )
    core = _with_inputs(_core(), NINETEEN_03)
    pack = build_pack(
        P, month="2024-03", catalogue_path=catalogue_path(P), supplied_path=supplied, core=core
    )
    row = pack.appendix.filter(pl.col("indicator_id") == "iro_escalations_informal_count")
    assert row["not_available"].item() is None
    assert row["2024-03"].item() == 12 and row["source"].item() == "supplied"
    assert row["2024-02"].item() is None  # only the month supplied
    # the value is used, not set aside as "computed from child-level records"
    assert "iro_escalations_informal_count" not in pack.quarantine["indicator_id"].to_list()
    # an indicator that is computed keeps its computed value and sets the supplied one aside
    supplied.write_text("indicator_id,month,value\ncic_count,2024-03,999\n", encoding="utf-8")
    pack = build_pack(
        P, month="2024-03", catalogue_path=catalogue_path(P), supplied_path=supplied, core=core
    )
    row = pack.appendix.filter(pl.col("indicator_id") == "cic_count")
    assert row["2024-03"].item() != 999 and row["source"].item() == "computed"
    assert pack.quarantine.filter(pl.col("indicator_id") == "cic_count").height == 1


# ---------------------------------------------------------------- said up front
def test_inputs_found_and_missing_per_report_are_listed():
    core = _with_inputs(_core(), NINETEEN_03)
    table = report_inputs(core, {"iro-annual-report": {"reviews", "contacts"}}, P)
    status = dict(zip(table["input"], table["status"], strict=True))
    assert status == {"reviews": "found", "contacts": "missing: not supplied"}
    lines = summary_lines(table)
    assert lines[1] == "  found: reviews.csv"
    assert lines[2].startswith("  missing: contacts.csv (not supplied)")


def test_omitted_sections_do_not_appear_at_all():
    text = "## Dispute resolution\n\nx\n\n### Time to resolve\n\ny\n\n## About the data\n\nz\n"
    assert omit_sections(text, {"time-to-resolve"}) == (
        "## Dispute resolution\n\nx\n\n## About the data\n\nz\n"
    )
    assert omit_sections(text, {"dispute-resolution"}) == "## About the data\n\nz\n"
    assert slug("Social workers' reports before reviews {#sec-x}") == (
        "social-workers-reports-before-reviews-sec-x"
    )


def _marked_notebook(folder, core) -> None:
    """A staged notebook whose cells show each unavailable figure as present.figure does."""
    import json

    from pipeline.publish.present import NOT_AVAILABLE_KEY

    cells = [
        {
            "cell_type": "code",
            "source": f"#| label: tbl-{r['figure']}",
            "outputs": [
                {
                    "output_type": "display_data",
                    "data": {"text/markdown": r["reason"]},
                    "metadata": {NOT_AVAILABLE_KEY: r},
                }
            ],
        }
        for r in availability(core, P)
        if not r["is_partial"]
    ]
    folder.mkdir(exist_ok=True)
    (folder / "30_x.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")


def test_final_render_refuses_unavailable_sections_unless_omitted(tmp_path):
    core = _with_inputs(_core(), NINETEEN_03)
    _marked_notebook(tmp_path, core)
    items = not_available(tmp_path, [])
    assert any(i.startswith("section 'time-to-resolve': No IRO escalation records") for i in items)
    sections = {r["section"] for r in availability(core, P) if not r["is_partial"]}
    assert not_available(tmp_path, sorted(sections)) == []


def test_code_spans_escape_the_text_around_file_names():
    assert code_spans("No *x* (`a_b.csv`, see)") == r"No \*x\* \(`a_b.csv`, see\)"


def test_last_year_is_blank_not_zero_when_the_extract_starts_this_year():
    rows = {"escalations": [_esc("INF", d(2023, 9, 1), d(2023, 9, 8))]}
    core = _with_inputs(_core(**rows), [*NINETEEN_03, "escalations"])
    by_stage = compute(core, P)["out_escalations_by_stage"]
    total = by_stage.filter(pl.col("stage_code") == "Total").row(0, named=True)
    assert total["escalations_count"] == 1
    assert total["last_year_escalations_count"] is None
    assert "for 2022-23" in total["last_year_note"]
    # with a record last year too, last year is counted (0 concluded is a real 0)
    rows["escalations"].append(_esc("PRE", d(2022, 9, 1)) | {"escalation_id": "e0"})
    core = _with_inputs(_core(**rows), [*NINETEEN_03, "escalations"])
    by_stage = compute(core, P)["out_escalations_by_stage"]
    total = by_stage.filter(pl.col("stage_code") == "Total").row(0, named=True)
    assert total["last_year_escalations_count"] == 0


def test_csc_indicator_without_its_extract_is_not_available_never_zero():
    from pipeline.reports.csc import DEFAULT_CATALOGUE
    from pipeline.reports.csc.build import not_available
    from pipeline.reports.csc.catalogue import load_catalogue

    cat = load_catalogue(DEFAULT_CATALOGUE)
    core = _with_inputs(_core(), NINETEEN_03)  # no visits extract, no missing table
    missing = not_available(cat, core, 2024)
    visits = [i.id for i in cat.indicators if i.function == "cla_visits_in_time_pct"]
    assert visits and all("visit records" in missing[i] for i in visits)
    assert not [i for i in missing if "episode" in missing[i]]  # the 903 ones are there
    with_visits = _with_inputs(
        _core(cla_visits=[dict(child_id="A", visit_date=d(2023, 5, 2))]),
        [*NINETEEN_03, "ssd_cla_visits"],
    )
    assert not set(visits) & set(not_available(cat, with_visits, 2024))


def test_a_section_inside_an_omitted_one_is_not_asked_for(tmp_path):
    from pipeline.publish.render.draft import staged_headings

    _marked_notebook(tmp_path / "notebooks", _with_inputs(_core(), NINETEEN_03))
    staged = tmp_path / "report"
    staged.mkdir()
    text = "## Reviews\n\n### Recommendations and minutes\n\n## Dispute resolution\n\n### Time to resolve\n"
    (staged / "r.qmd").write_text(omit_sections(text, {"dispute-resolution"}), encoding="utf-8")
    items = not_available(tmp_path / "notebooks", ["dispute-resolution"], staged_headings(staged))
    assert items and not [i for i in items if "time-to-resolve" in i]
    assert [i for i in items if "recommendations-and-minutes" in i]


def test_a_section_name_that_is_not_a_heading_slug_is_a_one_line_config_error(tmp_path):
    from pipeline.params import ConfigError, load_params

    cfg = tmp_path / "c.yml"
    text = (
        ROOT_CONFIG.read_text(encoding="utf-8")
    ) + "report:\n  omit_sections: [Dispute Resolution]\n"
    cfg.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_params(cfg)
    assert "report.omit_sections" in str(err.value) and "\n" not in str(err.value)


def test_the_definitions_appendix_leaves_out_the_figures_of_omitted_sections():
    """`report.omit_sections` removes a heading from the IRO report; the appendix must not
    define figures the reader cannot find. By heading (all five dispute-resolution figures)
    or by one measure's own section (only that figure); the others keep the report's order."""
    from pipeline.reports.iro.measures import definitions_by_section

    full = definitions_by_section()
    sections = list(dict.fromkeys(r["section"] for r in full))
    assert sections == [
        "Profile of children in care",
        "Performance of the service",
        "Voice and participation of children",
        "Dispute resolution",
    ]
    without_disputes = definitions_by_section(["dispute-resolution"])
    assert without_disputes == [r for r in full if r["section"] != "Dispute resolution"]
    assert len(full) - len(without_disputes) == 5  # pre-escalations .. good practice notes
    without_one = definitions_by_section(["time-to-resolve"])
    assert [r for r in full if r not in without_one] == [
        r for r in full if r["title"].lower().startswith("time")
    ]
    assert len(without_one) == len(full) - 1
