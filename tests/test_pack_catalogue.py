"""Catalogue validation: one-line errors naming the file and the indicator."""

from pathlib import Path

import pytest
import yaml

from pipeline.reports.pack.catalogue import CatalogueError, load_catalogue

ROOT = Path(__file__).parents[1]
GOOD = {
    "id": "cic_count",
    "title": "Children in care",
    "section": "Profile",
    "unit": "No.",
    "polarity": "Low",
    "source": {"computed": "cic_count"},
}


def _write(tmp_path, entries, **top):
    p = tmp_path / "indicators.yml"
    p.write_text(yaml.safe_dump({"indicators": entries, **top}))
    return p


def _error(path) -> str:
    with pytest.raises(CatalogueError) as exc:
        load_catalogue(path)
    msg = str(exc.value)
    assert "\n" not in msg
    assert str(path) in msg
    return msg


def test_unknown_key(tmp_path):
    msg = _error(_write(tmp_path, [{**GOOD, "colour": "red"}]))
    assert "'cic_count'" in msg and "unknown key 'colour'" in msg


def test_duplicate_id(tmp_path):
    msg = _error(_write(tmp_path, [GOOD, {**GOOD, "title": "again"}]))
    assert "'cic_count'" in msg and "duplicate id" in msg


def test_bad_unit(tmp_path):
    msg = _error(_write(tmp_path, [{**GOOD, "unit": "percent"}]))
    assert "'cic_count'" in msg and "unit" in msg and "'percent'" in msg


def test_unknown_computed_function(tmp_path):
    msg = _error(_write(tmp_path, [{**GOOD, "source": {"computed": "no_such"}}]))
    assert "no_such" in msg


def test_unknown_benchmark_pointer_key(tmp_path):
    bench = {"england": {"file": "x.csv", "value_col": "v", "filter": {}}}
    msg = _error(_write(tmp_path, [{**GOOD, "benchmarks": bench}]))
    assert "'cic_count'" in msg and "filter" in msg


def test_section_not_in_sections_list(tmp_path):
    msg = _error(_write(tmp_path, [GOOD], sections=["Adoption"]))
    assert "Profile" in msg


def test_shipped_catalogue_has_the_84_reference_indicators():
    cat = load_catalogue(ROOT / "pipeline" / "reports" / "pack" / "indicators.yml")
    assert len(cat) == 84
    assert cat.sections == [
        "Profile",
        "Adoption",
        "Care Leavers",
        "Education",
        "Health & Emotional Wellbeing",
        "Permanence",
        "Placement",
        "Safety",
        "Sufficiency",
    ]
    computed = [i for i in cat.indicators if i.is_computed]
    assert 35 <= len(computed) < 84
    assert all(i.definition for i in cat.indicators)
    assert cat.get("cic_rate").unit == "Rate"
    assert cat.get("foster_carers_count").source == "supplied"


PCT = {**GOOD, "id": "stable_pct", "unit": "%", "source": "supplied"}


@pytest.mark.parametrize(
    ("entries", "top", "expected"),
    [
        (
            [{**GOOD, "decimals": 1}],
            {},
            "indicator 'cic_count': a count (unit No.) has no decimals",
        ),
        (
            [{**GOOD, "base": "started_count"}],
            {},
            "indicator 'cic_count': 'base' is for percentages",
        ),
        ([{**GOOD, "ytd": "ratio"}], {}, "indicator 'cic_count': ytd 'ratio' is for percentages"),
        (
            [{**PCT, "base": "no_such_base"}],
            {},
            "indicator 'stable_pct': no computed base 'no_such_base'",
        ),
        (
            [{**PCT, "at_most": "nothing"}],
            {},
            "indicator 'stable_pct': at_most 'nothing' is neither a computed function nor an indicator",
        ),
        ([GOOD, "just text"], {}, "indicator #2: expected a mapping"),
        ({"cic_count": GOOD}, {}, "expected a list under 'indicators'"),
        ([GOOD], {"colours": ["red"]}, "unknown top-level key 'colours'"),
        ([GOOD], {"sections": "Profile"}, "'sections' must be a list of section names"),
    ],
    ids=[
        "count-decimals",
        "base-on-count",
        "ytd-ratio-on-count",
        "unknown-base",
        "unknown-at-most",
        "entry-not-mapping",
        "indicators-not-list",
        "unknown-top-key",
        "sections-not-list",
    ],
)
def test_each_inconsistent_entry_is_one_line_naming_file_and_indicator(
    tmp_path, entries, top, expected
):
    msg = _error(_write(tmp_path, entries, **top))
    assert msg == f"{tmp_path / 'indicators.yml'}: {expected}"


def test_an_at_most_naming_another_indicator_is_accepted(tmp_path):
    # at_most may name a catalogue id as well as a computed function
    cat = load_catalogue(
        _write(tmp_path, [GOOD, {**GOOD, "id": "placed_count", "at_most": "cic_count"}])
    )
    assert cat.get("placed_count").at_most == "cic_count"


def test_invalid_yaml_names_its_line(tmp_path):
    p = tmp_path / "indicators.yml"
    p.write_text("indicators:\n  - id: cic_count\n    title: [unclosed\n    section: Profile\n")
    # the `[` opened on line 3 is not closed; the parser notices at line 4's `:`
    assert _error(p) == (
        f"{p} line 4: not valid YAML (expected ',' or ']', but got ':'; "
        "the flow sequence began on line 3)"
    )


def test_a_missing_catalogue_is_one_line(tmp_path):
    assert (
        _error(tmp_path / "indicators.yml")
        == f"{tmp_path / 'indicators.yml'}: indicator catalogue not found"
    )
