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
