"""The pack as a service publishes it: any catalogue renders, supplied values that cannot be
true are quarantined, a draft says what is unfinished and a final render refuses it."""

from __future__ import annotations

import csv
import datetime as dt
import html
from pathlib import Path

import polars as pl
import pytest
import yaml
from helpers import ROOT, cli, sample_config, work_paths

from pipeline.reports.pack.catalogue import parse_catalogue
from pipeline.reports.pack.supplied import achievable, read_supplied

ODD_SECTIONS = [
    "Voice of the child",
    "Health & Wellbeing (Ages 0–5)",
    "Ünits / données",
    "10th: Placements",
    "Z",
    "Leaving care — 18+",
    "Courts",
    "Workforce",
    "Finance",
    "Everything else",
]


def _catalogue(sections: list[str]) -> dict:
    inds = []
    for n, section in enumerate(sections):
        inds.append(
            {
                "id": f"ind_{n}_pct",
                "title": f"Share number {n}",
                "section": section,
                "unit": "%",
                "polarity": "High" if n % 2 else "Low",
                "target": 50,
                "decimals": 1,
                "source": "supplied",
                "supplied_by": f"Team {n}",
                "headline": "{value} of something." if n == 0 else None,
            }
        )
        inds.append(
            {
                "id": f"ind_{n}_count",
                "title": f"Count number {n}",
                "section": section,
                "unit": "No.",
                "source": "supplied",
                "ytd": "sum",
            }
        )
    return {"sections": sections, "indicators": inds}


def _supplied(cat: dict, path: Path) -> Path:
    months = [f"2023-{m:02d}" for m in range(3, 13)] + ["2024-01", "2024-02", "2024-03"]
    lines = ["indicator_id,month,value"]
    for i, ind in enumerate(cat["indicators"]):
        for k, m in enumerate(months):
            lines.append(f"{ind['id']},{m},{40 + (i + k) % 20 if ind['unit'] == '%' else 10 + k}")
    path.write_text("\n".join(lines) + "\n")
    return path


def _config(tmp: Path, raw: Path, catalogue: Path) -> Path:
    paths = {
        **work_paths(tmp, raw),
        "catalogue": catalogue,
        "commentary": tmp / "commentary",
    }
    return sample_config(tmp / "config.yml", paths)


@pytest.mark.slow
@pytest.mark.parametrize("sections", [ODD_SECTIONS, ["Only one"]], ids=["ten", "one"])
def test_any_catalogue_renders(tmp_path, sections):
    """Sections are data: ten sections with names unlike the sample's, or a single one,
    render with a table and a chart each (the notebook is generated for the catalogue)."""
    cat = _catalogue(sections)
    catalogue = tmp_path / "indicators.yml"
    catalogue.write_text(yaml.safe_dump(cat, sort_keys=False, allow_unicode=True), "utf-8")
    raw = tmp_path / "raw" / "supplied"
    raw.mkdir(parents=True)
    _supplied(cat, raw / "indicators.csv")
    cfg = _config(tmp_path, tmp_path / "raw", catalogue)
    cli("pack", "--config", str(cfg), "--month", "2024-03")
    (page,) = (tmp_path / "output").glob("*/performance-pack-2024-03.html")
    text = html.unescape(page.read_text(encoding="utf-8"))
    for section in sections:
        assert f">{section}</h2>" in text or f">{section}\n</h2>" in text, section
    assert text.count('class="vega-chart"') >= len(sections)
    assert "Team 0" in text  # the source of supplied figures
    assert "Commentary for this section has not been provided" in text  # a draft shows the gap
    assert "Draft: not for publication" in text


def _cat(**extra) -> object:
    ind = [
        {"id": "starters", "title": "Starters", "section": "S", "unit": "No.",
         "source": {"computed": "started_count"}},
        {"id": "iha_pct", "title": "IHA", "section": "S", "unit": "%", "source": "supplied",
         "decimals": 2, "base": "started_count", "base_lag": 1},
        {"id": "due", "title": "Due", "section": "S", "unit": "No.", "source": "supplied"},
        {"id": "done", "title": "Done", "section": "S", "unit": "No.", "source": "supplied",
         "at_most": "due"},
        {"id": "placed_count", "title": "Placed", "section": "S", "unit": "No.",
         "source": "supplied", "at_most": "cic_count"},
    ]  # fmt: skip
    return parse_catalogue({"indicators": ind, **extra})


def test_k_of_n_achievable():
    # 11 new children: 10/11 = 90.91%, 11/11 = 100%; nothing in between
    assert achievable(90.91, 11, 0.005) and achievable(100, 11, 0.005)
    assert not achievable(98.26, 11, 0.005)
    assert achievable(98.3, 58, 0.05) and not achievable(98.0, 58, 0.05)  # 57/58 = 98.28
    assert not achievable(50.0, 0, 0.5)


def test_supplied_values_that_cannot_be_true_are_quarantined(tmp_path):
    p = tmp_path / "s.csv"
    p.write_text(
        "indicator_id,month,value,numerator,denominator\n"
        "iha_pct,2024-03,98.26,,\n"  # row 2: not k/11 for the 11 who started in February
        "iha_pct,2024-02,90.91,10,11\n"  # row 3: fine (10 of the 12 January starters? no: 11)
        "iha_pct,2024-01,75.00,3,4\n"  # row 4: denominator differs from the 8 recorded
        "iha_pct,2023-12,50.00,3,7\n"  # row 5: 3/7 is 42.86%, not 50%
        "iha_pct,2023-11,50,6,5\n"  # row 6: numerator above denominator
        "due,2024-03,7,,\n"  # row 7
        "done,2024-03,9,,\n"  # row 8: more done than due
        "placed_count,2024-03,500,,\n"  # row 9: more than the 450 children in care
        "placed_count,2024-02,300,,\n"  # row 10: fine
    )
    bases = {
        ("started_count", "2024-02"): 11.0,
        ("started_count", "2024-01"): 11.0,
        ("started_count", "2023-12"): 8.0,
        ("started_count", "2023-11"): 7.0,
        ("started_count", "2023-10"): 5.0,
        ("cic_count", "2024-03"): 450.0,
        ("cic_count", "2024-02"): 452.0,
    }
    s = read_supplied(p, _cat(), bases)
    reasons = dict(s.quarantine.select("row_number", "reason").rows())
    assert "cannot be a whole number of children out of the 11 recorded in 2024-02" in reasons[2]
    assert 3 not in reasons
    assert reasons[4].startswith("denominator 4 differs from the 8 recorded in 2023-12")
    assert reasons[5] == "50.00% is not 3 / 7 (42.86%)"
    assert "0 <= numerator <= denominator" in reasons[6]
    assert 7 not in reasons and reasons[8] == "9 is more than due (7) in 2024-03"
    assert reasons[9] == "500 is more than cic_count (450) in 2024-03" and 10 not in reasons
    assert s.values.height + s.quarantine.height == 9  # every row kept or quarantined
    kept = s.values.filter(pl.col("indicator_id") == "iha_pct").row(0, named=True)
    assert (kept["numerator_count"], kept["denominator_count"]) == (10, 11)


def test_sample_supplied_values_are_consistent_with_their_bases():
    from pipeline.reports.pack import DEFAULT_CATALOGUE
    from pipeline.reports.pack.catalogue import load_catalogue
    from pipeline.reports.pack.supplied import sample_supplied, validate_supplied

    cat = load_catalogue(DEFAULT_CATALOGUE)
    months = ["2024-01", "2024-02", "2024-03"]
    records = {("cic_count", m): 450.0 for m in months} | {("uasc_count", m): 54.0 for m in months}
    records |= {("started_count", m): 11.0 for m in ("2023-12", *months)}
    records |= {("started_excl_uasc_count", m): 9.0 for m in ("2023-12", *months)}
    records |= {("in_house_mainstream_fostering_count", m): 160.0 for m in months}
    records |= {("in_house_connected_fostering_count", m): 55.0 for m in months}
    df = sample_supplied(cat, months, seed=1, records=records)
    raw = df.rename({"numerator_count": "numerator", "denominator_count": "denominator"}).select(
        pl.all().cast(pl.String)
    )
    checked = validate_supplied(raw, cat, records)
    assert checked.quarantine.is_empty(), checked.quarantine.to_dicts()[:3]
    iha = df.filter(pl.col("indicator_id") == "iha_20_days_pct")
    assert (iha["denominator_count"] == 11).all()  # the new children of the month before
    v = {r["indicator_id"]: r["value"] for r in df.filter(pl.col("month") == "2024-03").to_dicts()}
    assert 5 <= v["suspension_pct"] <= 20  # England about 11%; Dorset 2-16%
    assert v["connected_carers_count"] >= 55 / 1.3  # households follow their children
    assert 0.9 <= v["fostering_utilisation_rate"] <= 1.4
    assert v["deregistered_foster_to_adopt_count"] <= 1
    assert v["foster_carers_count"] >= v["mainstream_carers_count"] + v["connected_carers_count"]


def test_numerator_and_denominator_are_cells_of_the_linked_protection():
    """'321 / 337' beside a percentage publishes two counts: the audit must see them as the
    percentage's numerator and denominator keys, and they go when the percentage goes."""
    from pipeline.disclosure.linked import Published, _apply
    from pipeline.reports.pack.build import COMPUTED_SPEC
    from pipeline.reports.pack.links import _month_key, provider
    from pipeline.run.disclosure import pack_spec

    cat = parse_catalogue(
        {
            "indicators": [
                {"id": "fost", "title": "Fostered", "section": "S", "unit": "%",
                 "source": {"computed": "foster_pct"}, "decimals": 1},
            ]
        }
    )  # fmt: skip
    grid = pl.DataFrame(
        {
            "indicator_id": ["fost", "fost"],
            "month": ["2024-02", "2024-03"],
            "value": [75.0, None],
            "is_value_suppressed": [False, True],
            "numerator_count": [30, None],
            "denominator_count": [40, None],
        }
    )
    cells, ratios, _ = provider(cat, 1000)("pack", "pub_pack_values", grid, None)
    shown = {(c.column, c.key, c.value) for c in cells}
    feb = [("in care", {"foster": "yes"}), ("in care", {})]
    assert shown == {
        ("numerator_count", _month_key(feb[0], "2024-02"), 30.0),
        ("denominator_count", _month_key(feb[1], "2024-02"), 40.0),
    }
    assert len(ratios) == 1  # the suppressed March bounds nothing
    spec = pack_spec(COMPUTED_SPEC)
    hidden = _apply(Published("pack", "pub_pack_values", grid, spec), [(0, "value")])
    assert hidden.row(0, named=True)["numerator_count"] is None
    assert hidden.row(0, named=True)["denominator_count"] is None


def test_draft_lists_what_is_unfinished_and_final_refuses_it(tmp_path, renderer):
    """A draft carries the banner naming the placeholder, the 'to verify' source and the
    missing commentary; a final render stops in one line naming all three."""
    from test_render import make_fixture, render_fixture

    from pipeline.publish.render.errors import RenderError

    params = make_fixture(tmp_path)
    (params.root / "report" / "narrative" / "bit.md").write_text(
        "**Service to edit:** replace this box.\n\n"
        "England figures (to verify against the national table).\n"
    )
    main = params.root / "report" / "iro-annual-report.qmd"
    main.write_text(
        main.read_text() + "\n## Health\n\nCommentary for this section has not been provided.\n"
    )
    page = html.unescape(render_fixture(params, renderer).path.read_text(encoding="utf-8"))
    banner = page[page.index("Draft: not for publication") :][:3000]
    assert "placeholder text ('Service to edit')" in banner
    assert "section 'Health': commentary not written" in banner
    assert "to verify against the national table" in banner
    with pytest.raises(RenderError) as err:
        render_fixture(params, renderer, final=True)
    msg = str(err.value)
    assert "\n" not in msg and "3 unfinished" in msg, msg
    assert "Service to edit" in msg and "Health" in msg and "to verify" in msg
    (params.root / "report" / "narrative" / "bit.md").write_text("Written.\n")
    main.write_text(main.read_text().replace("Commentary for this section has not been", "Done"))
    done = render_fixture(params, renderer, final=True).path.read_text(encoding="utf-8")
    assert "Draft: not for publication" not in done  # finished: published without the banner


def _national_days(stage: str, year: int) -> float:
    """A stage of the DfE's national adoption timeline ('YY:MM', years and months) in days."""
    from shared_data import DFE, need

    path = need(DFE / "national_cla_adopted_average_time_between_adoption_process_stages.csv")
    with path.open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if (
                r["time_period"] == str(year)
                and r["age_start_poc"] == "Total"
                and r["stage_of_adoption_process"].startswith(stage)
            ):
                y, m = (int(p) for p in r["number"].split(":"))
                return (12 * y + m) * 365.25 / 12
    raise AssertionError(f"stage {stage!r} not in {path.name} for {year}")


@pytest.mark.slow
def test_sample_key_figures_are_in_the_stated_ranges(sample_processed):
    """The sample reads like a real service: the adoption timeline near the DfE's national
    averages for 2024, stability and the need mix within the reference reports' ranges."""
    processed = sample_processed.processed_dir
    pack = pl.read_parquet(processed / "pub_pack_values.parquet").filter(
        pl.col("month") == "2024-03"
    )
    v = dict(pack.select("indicator_id", "value").rows())
    entry_to_placed = _national_days("4. Total average time between entry into care", 2024)
    decision_to_match = _national_days("2. Average time between decision", 2024)
    # England 2024: 1 year 7 months (~578 days) from entering care to moving in with adopters
    assert 0.75 * entry_to_placed <= v["entry_to_adoptive_placement_days"] <= 1.25 * entry_to_placed
    # the placement order comes after the decision (and ~26 weeks of proceedings): shorter
    # than decision to match (England ~10 months), but not the 178 days of the old sample
    assert 0.5 * decision_to_match <= v["placement_order_to_match_days"] <= decision_to_match
    assert 64 <= v["long_term_stability_pct"] <= 72  # references 64-72%
    assert 6 <= v["placements_3plus_pct"] <= 12  # England ~10%
    need_mix = pl.read_parquet(processed / "pub_cic_need_monthly.parquet")
    abuse = need_mix.filter(
        (pl.col("month_end_date") == dt.date(2024, 3, 31))
        & (pl.col("category") == "Abuse or neglect")
    ).row(0, named=True)
    assert 58 <= abuse["children_pct"] <= 70  # England ~64%


def test_precision_by_unit_and_dash_for_no_figure():
    """Counts print whole ('69', never '69.00'), percentages and rates at the catalogue's
    decimals; benchmarks and targets without padding zeros; no figure is a dash, a
    suppressed one c."""
    from pipeline.reports.pack.view import EN_DASH, appendix_display, value_text

    assert value_text(69.0, False, "No.", 2) == "69"
    assert value_text(1234.0, False, "No.", 1) == "1,234"
    assert value_text(68.18, False, "%", 2) == "68.18"
    assert value_text(68.1, False, "%", 2) == "68.10"  # the month's figure keeps its decimals
    assert value_text(69.0, False, "%", 2, own=True) == "69"  # a target of 69%
    assert value_text(67.92, False, "Rate", 2) == "67.92"
    assert value_text(None, False, "%", 1) == EN_DASH
    assert value_text(None, True, "No.", 0) == "c"
    months = ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    base = {
        "indicator_id": ["n", "p"],
        "title": ["Count", "Share"],
        "section": ["S", "S"],
        "unit": ["No.", "%"],
        "good_is": ["High", "High"],
        "england": [420.0, 69.0],
        "stat_neighbours": [None, 68.25],
        "target": [69.0, 70.0],
        "dot": ["", ""],
        "rag": ["", ""],
        "decimals": [2, 2],
        "source": ["computed", "computed"],
        "supplied_by": [None, None],
        "order": [0, 1],
    }
    for k, m in enumerate(months):
        base[m] = [69.0 + k, 68.18 if k < 5 else None]
        base[f"is_{m}_suppressed"] = [False, False]
    table = appendix_display(pl.DataFrame(base))
    rows = table.rows(named=True)
    assert rows[0]["Mar 2024"] == "74" and rows[0]["Oct 2023"] == "69"
    assert rows[0]["England"] == "420" and rows[0]["Target"] == "69"
    assert rows[1]["Feb 2024"] == "68.18" and rows[1]["Mar 2024"] == EN_DASH
    assert rows[1]["England"] == "69" and rows[1]["Statistical neighbours"] == "68.25"


def test_rag_tags_are_coloured_with_aa_contrast():
    """Each RAG tag has its own fill and text colour, and the text meets WCAG AA (4.5:1)
    on its fill; the tag keeps its word and shape (colour is never alone)."""
    import re

    from pipeline.publish.present import rag_span

    css = (ROOT / "pipeline" / "publish" / "render" / "assets" / "report.css").read_text()

    def lum(hex_: str) -> float:
        rgb = [int(hex_[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    fills = set()
    for word in ("green", "amber", "red"):
        rule = re.search(rf"\.rag-{word}\s*\{{([^}}]*)\}}", css).group(1)
        bg = re.search(r"background:\s*(#[0-9a-fA-F]{6})", rule).group(1)
        fg = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{6})", rule).group(1)
        hi, lo = sorted((lum(bg), lum(fg)), reverse=True)
        assert (hi + 0.05) / (lo + 0.05) >= 4.5, word
        fills.add(bg.lower())
        span = rag_span(f"■\u00a0{word.title()}")
        assert f"{{.rag .rag-{word}}}" in span and word.title() in span and "■" in span
    assert len(fills) == 3
