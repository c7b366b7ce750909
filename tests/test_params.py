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


def test_validation_engine_defaults_to_beside_and_changes_no_figure(tmp_path):
    """The engine is read from the config, defaults to GX beside the polars twins, and is
    left out of the stages' keys (as locations are): switching it re-runs nothing."""
    from pipeline.run.fingerprint import params_content

    default = load_params(write(tmp_path, BASE))
    assert default.validation_engine == "beside"
    polars = load_params(write(tmp_path, BASE + "validation_engine: polars\n"))
    assert polars.validation_engine == "polars"
    assert params_content(polars) == params_content(default)
    assert params_content(polars.with_overrides(history_years=3)) != params_content(default)


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


# ---------------------------------------------------------------- every config problem: one line
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            BASE.replace("2024-04-30", "2024-02-30"),
            r"la\.yml line 3: extract_date: .*day value is outside expected range.*'2024-02-30'",
        ),
        (
            BASE.replace("year_end: 2024", "year_end: twenty"),
            r"la\.yml line 2: year_end: Input should be a valid integer.*'twenty'",
        ),
        (BASE + "disclosure_treshold: 5\n", r"la\.yml line 5: disclosure_treshold: unknown key"),
        (BASE + "paths:\n  raww: data/x\n", r"la\.yml line 6: paths\.raww: unknown key"),
        (BASE + "year_end: 2023\n", r"la\.yml line 5: duplicate key 'year_end'"),
        (BASE + "pack_month: 2024-3\n", r"la\.yml line 5: pack_month: String should match pattern"),
        (
            BASE + "validation_engine: pandas\n",
            r"la\.yml line 5: validation_engine: Input should be 'beside', 'gx' or 'polars'",
        ),
        ("- just\n- a list\n", r"la\.yml: expected a mapping of settings"),
        ("authority: {name: [\n", r"la\.yml line 2: not valid YAML"),
        (
            BASE.replace("population: {children_0_17: 50000}\n", ""),
            r"la\.yml: population: required key missing",
        ),
    ],
)
def test_config_problems_are_one_line_naming_file_key_and_problem(tmp_path, text, expected):
    import re

    with pytest.raises(ConfigError) as exc:
        load_params(write(tmp_path, text))
    msg = str(exc.value)
    assert "\n" not in msg
    assert re.search(expected, msg), msg


def test_a_config_saved_as_windows_1252_is_one_line_naming_the_line(tmp_path):
    path = tmp_path / "la.yml"
    path.write_bytes(BASE.replace("Test LA", "Test LA \u2013 Council").encode("cp1252"))
    with pytest.raises(ConfigError) as exc:
        load_params(path)
    msg = str(exc.value)
    assert (
        msg
        == f"{path} line 1: not UTF-8 text (byte 0x96; saved as Windows-1252?): save the file as UTF-8"
    )


def test_utf8_with_bom_is_accepted(tmp_path):
    path = tmp_path / "la.yml"
    path.write_bytes(b"\xef\xbb\xbf" + BASE.encode("utf-8"))
    assert load_params(path).extract_date == dt.date(2024, 4, 30)


def test_cli_prints_config_problems_with_exit_3(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, BASE.replace("2024-04-30", "2024-02-30"))
    proc = subprocess.run(
        [sys.executable, "-m", "pipeline", "validate", "--raw", str(tmp_path), "--config", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert proc.returncode == 3
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "extract_date" in lines[0] and "Traceback" not in proc.stderr


# ---------------------------------------------------------------- folders unique per authority
def _authority(tmp_path, name: str, code: str):
    text = BASE.replace("name: Test LA", f"name: {name!r}").replace("E06000123", code)
    return load_params(write(tmp_path, text))


def test_output_folders_are_unique_per_authority(tmp_path):
    # St Helens is E08000013; a second authority with a near-identical name has its own code
    a = _authority(tmp_path, "St. Helens", "E08000013")
    b = _authority(tmp_path, "St Helens", "E08000099")
    assert a.slug == "st-helens-e08000013" and b.slug == "st-helens-e08000099"
    assert a.output_dir / a.slug != b.output_dir / b.slug
    punct = _authority(tmp_path, "!!! ...", "E06000123")
    assert punct.slug == "e06000123"  # never the output folder itself
    assert (punct.output_dir / punct.slug) != punct.output_dir


# ---------------------------------------------------------------- the pack month follows the year
def test_an_earlier_year_moves_the_configured_pack_month_with_it(tmp_path):
    p = load_params(write(tmp_path, BASE + "pack_month: 2024-01\n"))
    assert p.month == "2024-01"
    assert (
        load_params(write(tmp_path, BASE + "pack_month: 2024-01\n"), year_end=2023).month
        == "2023-01"
    )
    assert (
        load_params(write(tmp_path, BASE + "pack_month: 2024-03\n"), year_end=2022).month
        == "2022-03"
    )
    # a month given as well wins; no pack_month: March of the year, as before
    q = load_params(write(tmp_path, BASE + "pack_month: 2024-03\n"), year_end=2023, month="2022-11")
    assert q.month == "2022-11"
    assert load_params(write(tmp_path, BASE), year_end=2023).month == "2023-03"


def test_an_earlier_year_moves_a_configured_csc_quarter_with_it(tmp_path):
    cfg = write(tmp_path, BASE + 'quarter: "2023-24 Q2"\n')
    assert load_params(cfg).csc_quarter == "2023-24 Q2"
    assert load_params(cfg, year_end=2023).csc_quarter == "2022-23 Q2"
    assert load_params(cfg, year_end=2020).csc_quarter == "2019-20 Q2"
    assert load_params(cfg, year_end=2023, quarter="2022-23 Q1").csc_quarter == "2022-23 Q1"


def test_a_relative_config_path_resolves_from_the_project_root_in_any_folder(monkeypatch):
    notebooks = ROOT / "pipeline" / "reports" / "iro" / "notebooks"
    monkeypatch.chdir(notebooks)  # where JupyterLab starts a notebook's kernel
    p = load_params("config/sample.yml")
    assert p.root == ROOT.resolve() and p.processed_dir == (ROOT / "data" / "processed").resolve()
