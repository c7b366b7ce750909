"""The CSC report's periods, values (month, year to date, quarter, four years), supplied
values, disclosure control, sources and catalogue."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import nbformat
import polars as pl
import pytest

from pipeline.core.schemas import frame
from pipeline.params import load_params
from pipeline.reports.csc import DEFAULT_CATALOGUE, REPORT
from pipeline.reports.csc.build import build_csc, periods, quarter_bounds
from pipeline.reports.csc.catalogue import load_catalogue, parse_catalogue
from pipeline.reports.csc.sources import PLACEHOLDER, csc_notebook, csc_qmd
from pipeline.reports.pack.catalogue import CatalogueError
from pipeline.reports.pack.sources import CommentaryError

ROOT = Path(__file__).parents[1]
D = dt.date


def params(**kw):
    return load_params(ROOT / "config" / "sample.yml", **kw)


def test_quarters_and_periods():
    assert quarter_bounds(2024, 1) == (D(2023, 4, 1), D(2023, 6, 30))
    assert quarter_bounds(2024, 4) == (D(2024, 1, 1), D(2024, 3, 31))
    per = periods("2023-24 Q2")
    months = per.filter(pl.col("period") == "month")
    assert months["label"].to_list() == [f"2023-{m:02d}" for m in range(4, 10)]  # no future months
    ytd = per.filter((pl.col("period") == "ytd") & (pl.col("label") == "2023-09")).row(
        0, named=True
    )
    assert (ytd["start_date"], ytd["end_date"]) == (D(2023, 4, 1), D(2023, 9, 30))
    years = per.filter(pl.col("period") == "year")
    assert years["label"].to_list() == ["2020-21", "2021-22", "2022-23", "2023-24"]
    assert years["end_date"].to_list()[-2:] == [D(2023, 3, 31), D(2023, 9, 30)]
    assert per.filter(pl.col("period") == "quarter")["label"].to_list() == [
        "2022-23 Q2",
        "2023-24 Q2",
    ]


def test_default_quarter_is_the_latest_complete_one():
    assert params().csc_quarter == "2023-24 Q4"  # extract date 30 April 2024
    assert params(extract_date=D(2023, 10, 15)).csc_quarter == "2023-24 Q2"
    assert params(extract_date=D(2023, 5, 1)).csc_quarter == "2023-24 Q1"
    assert params(quarter="2022-23 Q3").csc_quarter == "2022-23 Q3"


def _core() -> dict:
    """Assessments either side of 31 March / 1 April and in April 2023."""
    rows = []
    for i in range(6):  # authorised on 31 March 2024: 4 of them within 45 working days
        start = D(2024, 2, 1) if i < 4 else D(2023, 12, 1)
        rows.append(
            {
                "child_id": f"M{i}",
                "assessment_start_date": start,
                "assessment_authorised_date": D(2024, 3, 31),
            }
        )
    for i in range(6):  # 1 April 2024: the next reporting year
        rows.append(
            {
                "child_id": f"N{i}",
                "assessment_start_date": D(2024, 3, 1),
                "assessment_authorised_date": D(2024, 4, 1),
            }
        )
    for i in range(7):  # April 2023, all in time
        rows.append(
            {
                "child_id": f"P{i}",
                "assessment_start_date": D(2023, 4, 3),
                "assessment_authorised_date": D(2023, 4, 20),
            }
        )
    eps = [{"child_id": r["child_id"], "referral_date": r["assessment_start_date"]} for r in rows]
    return {
        "core_cin_assessments": frame("core_cin_assessments", rows),
        "core_cin_episodes": frame("core_cin_episodes", eps),
    }


def _value(values, indicator, period, label):
    rows = values.filter(
        (pl.col("indicator_id") == indicator)
        & (pl.col("period") == period)
        & (pl.col("label") == label)
    )
    return rows.select("value", "numerator_count", "denominator_count").row(0)


def test_month_year_to_date_quarter_and_year(tmp_path):
    p = params(disclosure="none", raw=str(tmp_path))
    v = build_csc(p, _core(), quarter="2023-24 Q4").values
    # 31 March 2024 is in March and in 2023-24; 1 April 2024 is in neither
    assert _value(v, "assessments_completed_count", "month", "2024-03") == (6.0, 6, None)
    assert _value(v, "assessments_completed_count", "month", "2023-04") == (7.0, 7, None)
    assert _value(v, "assessments_completed_count", "year", "2023-24") == (13.0, 13, None)
    assert _value(v, "assessments_completed_count", "quarter", "2023-24 Q4") == (6.0, 6, None)
    assert _value(v, "assessments_completed_ytd_count", "ytd", "2024-03") == (13.0, 13, None)
    n, d = 4 + 7, 13
    assert _value(v, "assessments_45wd_ytd_pct", "year", "2023-24") == (
        pytest.approx(100 * n / d),
        n,
        d,
    )
    assert _value(v, "assessments_45wd_month_pct", "month", "2024-03") == (
        pytest.approx(100 * 4 / 6),
        4,
        6,
    )
    # a rate per 10,000 of the configured 66,000 children aged 0-17
    assert _value(v, "assessments_rate_ytd", "ytd", "2024-03") == (
        pytest.approx(13 / 66000 * 10000),
        13,
        66000,
    )
    # nothing in 2022-23: zero counts, no percentage
    assert _value(v, "assessments_completed_count", "year", "2022-23") == (0.0, 0, None)
    assert _value(v, "assessments_45wd_ytd_pct", "year", "2022-23") == (None, 0, 0)


def test_small_counts_suppressed_with_their_percentages(tmp_path):
    v = build_csc(params(raw=str(tmp_path)), _core(), quarter="2023-24 Q4").values
    row = v.filter(
        (pl.col("indicator_id") == "assessments_45wd_month_pct")
        & (pl.col("period") == "month")
        & (pl.col("label") == "2024-03")
    ).row(0, named=True)
    assert row["is_numerator_count_suppressed"] and row["value"] is None  # 4 of 6
    year = v.filter(
        (pl.col("indicator_id") == "assessments_completed_count")
        & (pl.col("period") == "year")
        & (pl.col("label") == "2023-24")
    ).row(0, named=True)
    assert year["value"] == 13.0 and not year["is_value_suppressed"]


def test_supplied_values_for_supplied_indicators_and_absent_inputs(tmp_path):
    raw = tmp_path / "raw"
    (raw / "supplied").mkdir(parents=True)
    (raw / "supplied" / "csc-indicators.csv").write_text(
        "indicator_id,month,value\nbsf_children_count,2024-03,460\ncp_visits_10wd_month_pct,2024-03,64.1\n"
        "assessments_45wd_month_pct,2024-03,99\nnot_an_indicator,2024-03,1\n"
    )
    t = build_csc(params(raw=str(raw), disclosure="none"), _core(), quarter="2023-24 Q4")
    v = t.values
    assert _value(v, "bsf_children_count", "month", "2024-03")[0] == 460.0
    # no visits extract: the computed indicator shows the supplied figure
    visits = v.filter(
        (pl.col("indicator_id") == "cp_visits_10wd_month_pct") & (pl.col("label") == "2024-03")
    )
    assert visits.filter(pl.col("period") == "month")["value"].to_list() == [64.1]
    assert visits["is_supplied"].all()
    # computed from the records: the supplied figure is not used
    assert _value(v, "assessments_45wd_month_pct", "month", "2024-03")[0] == pytest.approx(
        100 * 4 / 6
    )
    assert t.quarantine["reason"].to_list() == ["unknown indicator id 'not_an_indicator'"]


def test_summary_sentence_from_the_quarter_with_target_and_last_year(tmp_path):
    t = build_csc(params(disclosure="none", raw=str(tmp_path)), _core(), quarter="2023-24 Q4")
    text = t.summary.filter(pl.col("indicator_id") == "assessments_45wd_month_pct")["text"][0]
    # no assessment in 2022-23 Q4: no comparison is printed
    assert text == (
        "66.7% of assessments completed in 2023-24 Q4 were completed within 45 working days, "
        "below the target of 90%."
    )


def test_catalogue_validation_errors_name_the_indicator():
    base = {"groups": [{"id": "g", "title": "G", "definition": "d"}], "indicators": []}
    entry = {
        "id": "x",
        "title": "X",
        "group": "g",
        "unit": "%",
        "window": "month",
        "source": "supplied",
    }
    with pytest.raises(
        CatalogueError, match="indicator 'x': a supplied indicator needs supplied_reason"
    ):
        parse_catalogue({**base, "indicators": [entry]})
    with pytest.raises(CatalogueError, match="group 'h' is not in 'groups'"):
        parse_catalogue({**base, "indicators": [{**entry, "group": "h", "supplied_reason": "r"}]})
    cat = load_catalogue(DEFAULT_CATALOGUE)
    codes = {i.code for i in cat.indicators if i.code}
    # the reference report's coded indicators are all in the catalogue
    for code in ("CSC 022", "CSC 026", "CSC 034", "CSC 032", "CSC 002", "CSC 001", "CSC 215", "CSC 246",
                 "CSC 037", "CSC 036", "CSC 035", "CSC 038", "CSC 040", "CSC 166", "CSC 164", "CSC 178",
                 "CSC 176", "CSC 182", "CSC 181", "CSC 183", "CSC 191a", "CSC 186", "CSC 188", "CSC 252a",
                 "CSC 252b", "CSC 201", "CSC 200", "CSC 209", "CSC 208b", "CSC 212", "CSC 211", "CSC 227",
                 "CSC 218", "CSC 260a", "CSC 260b", "CSC 228", "CSC 229", "CSC 230", "CSC 250", "CSC 250b",
                 "CSC 251", "CSC 251d", "CSC 286", "CSC 294"):  # fmt: skip
        assert code in codes, code


CSC_GROUP = {"id": "front-door", "title": "Front door", "definition": "Contacts and referrals."}
CSC_ENTRY = {
    "id": "decided_1wd_pct",
    "title": "Contacts decided within 1 working day",
    "group": "front-door",
    "unit": "%",
    "window": "month",
    "source": {"computed": "referral_decided_1wd_pct"},
}


@pytest.mark.parametrize(
    ("groups", "entries", "expected"),
    [
        (
            [CSC_GROUP],
            [{**CSC_ENTRY, "source": {"computed": "no_such"}}],
            "indicator 'decided_1wd_pct': no computed function 'no_such'",
        ),
        (
            [CSC_GROUP],
            [{**CSC_ENTRY, "source": {"computed": "cp_children_count"}}],
            "indicator 'decided_1wd_pct': a snapshot function needs window: snapshot",
        ),
        (
            [CSC_GROUP],
            [{**CSC_ENTRY, "window": "snapshot"}],
            "indicator 'decided_1wd_pct': an events function needs window month or ytd",
        ),
        (
            [{**CSC_GROUP, "chart": "nothing"}],
            [CSC_ENTRY],
            "group 'front-door': chart 'nothing' is no indicator",
        ),
        ([CSC_GROUP, CSC_GROUP], [CSC_ENTRY], "group 'front-door': duplicate id"),
        ([{**CSC_GROUP, "id": "Front Door"}], [], "group #1: id: String should match pattern"),
        ([CSC_GROUP], [CSC_ENTRY, CSC_ENTRY], "indicator 'decided_1wd_pct': duplicate id"),
        (
            [CSC_GROUP],
            [{**CSC_ENTRY, "colour": "red"}],
            "indicator 'decided_1wd_pct': unknown key 'colour'",
        ),
        ([CSC_GROUP], ["text"], "indicator #1: entry: Input should be a valid dictionary"),
    ],
    ids=[
        "unknown-function",
        "snapshot-in-month",
        "events-as-snapshot",
        "chart-unknown",
        "duplicate-group",
        "bad-group-id",
        "duplicate-indicator",
        "unknown-key",
        "not-mapping",
    ],
)
def test_a_custom_csc_catalogue_error_is_one_line(tmp_path, groups, entries, expected):
    import yaml

    path = tmp_path / "indicators.yml"
    path.write_text(yaml.safe_dump({"groups": groups, "indicators": entries}), encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    assert str(err.value).startswith(f"{path}: {expected}")
    assert "\n" not in str(err.value)


def test_a_custom_csc_catalogue_that_is_missing_or_not_yaml_is_one_line(tmp_path):
    path = tmp_path / "indicators.yml"
    with pytest.raises(CatalogueError, match="CSC indicator catalogue not found"):
        load_catalogue(path)
    path.write_text("groups:\n  - id: [front-door\nindicators: []\n", encoding="utf-8")
    with pytest.raises(CatalogueError) as err:
        load_catalogue(path)
    # the `[` of line 2 is not closed; the parser notices at line 3's `:`
    assert str(err.value) == (
        f"{path} line 3: not valid YAML (expected ',' or ']', but got ':'; "
        "the flow sequence began on line 2)"
    )
    path.write_text("indicators: []\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="expected the keys 'groups' and 'indicators'"):
        load_catalogue(path)


def test_committed_notebook_matches_the_catalogue_and_qmd_placeholder(tmp_path):
    cat = load_catalogue(DEFAULT_CATALOGUE)
    committed = nbformat.read(REPORT.notebook_dir / "60_csc.ipynb", 4)
    assert [c.source for c in committed.cells] == [c.source for c in csc_notebook(cat).cells]
    p = params(analysis=str(tmp_path))
    text = csc_qmd(p)
    assert (
        PLACEHOLDER in text
        and "#tbl-csc-icpc" in text
        and "## Care leavers {#sec-csc-care-leavers}" in text
    )
    with pytest.raises(CommentaryError, match="2023-24-Q4/referrals-timeliness.md"):
        csc_qmd(p, final=True)
    (tmp_path / "2023-24-Q4").mkdir()
    for g in cat.groups:
        (tmp_path / "2023-24-Q4" / f"{g.id}.md").write_text("Analysis.")
    assert "{{< include csc-analysis/2023-24-Q4/cp-plans.md >}}" in csc_qmd(p, final=True)
