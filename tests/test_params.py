"""Configuration: one frozen, typed parameters object with one-line errors."""

import datetime as dt
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.params import ConfigError, load_params

ROOT = Path(__file__).parents[1]
SAMPLE = ROOT / "config" / "sample.yml"


def write(tmp_path: Path, text: str) -> Path:
    cfg = tmp_path / "config"
    cfg.mkdir(exist_ok=True)
    path = cfg / "la.yml"
    path.write_text(text, encoding="utf-8")
    return path


BASE = """authority: {name: Test LA, old_la_code: "123", new_la_code: E06000123}
year_end: 2024
extract_date: 2024-04-30
population: {children_0_17: 50000}
"""


def test_sample_config_loads_with_derived_period():
    p = load_params(SAMPLE)
    assert p.period_start == dt.date(2023, 4, 1)
    assert p.period_end == dt.date(2024, 3, 31)
    assert p.year_label == "2023-24"
    assert p.raw_dir == (ROOT / "data" / "raw").resolve()
    assert p.previous.year_label == "2022-23"


def test_params_are_frozen():
    p = load_params(SAMPLE)
    with pytest.raises(ValidationError):
        p.year_end = 2020


def test_unknown_key_is_a_one_line_error_naming_it(tmp_path):
    path = write(tmp_path, BASE + "disclosure_treshold: 5\n")
    with pytest.raises(ConfigError) as exc:
        load_params(path)
    msg = str(exc.value)
    assert "disclosure_treshold" in msg and "\n" not in msg


def test_bad_la_code_names_the_field(tmp_path):
    path = write(tmp_path, BASE.replace('"123"', '"12"'))
    with pytest.raises(ConfigError, match="authority.old_la_code"):
        load_params(path)


def test_population_needs_a_source(tmp_path):
    path = write(tmp_path, BASE.replace("population: {children_0_17: 50000}", "population: {}"))
    with pytest.raises(ConfigError, match="population"):
        load_params(path)


def test_relative_paths_resolve_against_the_project_root(tmp_path):
    (tmp_path / "_quarto.yml").write_text("project: {type: default}\n")
    p = load_params(write(tmp_path, BASE))
    assert p.root == tmp_path.resolve()
    assert p.raw_dir == (tmp_path / "data" / "raw").resolve()


def test_a_config_outside_config_folder_uses_the_project_root_not_its_folder(tmp_path, monkeypatch):
    elsewhere = tmp_path / "somewhere" / "else"
    elsewhere.mkdir(parents=True)
    cfg = elsewhere / "la.yml"
    cfg.write_text(BASE, encoding="utf-8")
    monkeypatch.chdir(ROOT / "docs")  # anywhere inside the project
    p = load_params(cfg)
    assert p.root == ROOT.resolve()  # where _quarto.yml and pyproject.toml are
    assert p.raw_dir == (ROOT / "data" / "raw").resolve()
    assert (p.root / "_quarto.yml").is_file()
    other = tmp_path / "project"
    other.mkdir()
    q = load_params(cfg, project_dir=other)  # --project-dir
    assert q.root == other.resolve() and q.raw_dir == (other / "data" / "raw").resolve()
    with pytest.raises(ConfigError, match="project folder not found"):
        load_params(cfg, project_dir=tmp_path / "nope")


def test_overrides_are_validated_and_map_month(tmp_path):
    p = load_params(write(tmp_path, BASE), year_end=2023, month="2023-02", raw="/x/raw")
    assert p.year_end == 2023 and p.month == "2023-02" and p.raw_dir == Path("/x/raw")
    with pytest.raises(ConfigError):
        load_params(write(tmp_path, BASE), month="2023-13")


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_params(tmp_path / "nope.yml")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_params(write(tmp_path, "a: [1,\n"))
