"""The command line: JSON accounting, exit codes and one-line errors (never a traceback)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from helpers import ROOT, cli
from shared_data import FAKE_903, need

FAKE = FAKE_903


def rows(path: Path) -> int:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return sum(1 for _ in csv.DictReader(f))


def test_validate_fake_903_json_accounts_for_every_row():
    need(FAKE)
    proc = cli(
        "validate", "--raw", str(FAKE), "--json", "--extract-date", "2020-04-01", check=False
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    from_csv = {f["table"]: f for f in data["files"] if f["file"].endswith(".csv") and f["table"]}
    for table in ("header", "episodes", "reviews", "uasc", "missing", "oc2", "oc3", "ad1"):
        t = data[table]
        assert from_csv[table]["status"] == "ingested"
        assert from_csv[table]["collection_year"] == 2018  # 2017-18, from the episodes' dates
        parts = ("rows_clean", "rows_quarantined", "rows_superseded", "rows_out_of_scope")
        assert t["rows_in"] == sum(t[c] for c in parts)
        assert t["rows_in"] >= rows(FAKE / f"{table}.csv")
    assert data["reviews"]["rows_quarantined"] > 2000  # reviews dated up to 2030
    assert data["reviews"]["rows_out_of_scope"] > 5000  # reviews before 1 April 2017
    statuses = {(Path(f["file"]).name, f["table"]): f["status"] for f in data["files"]}
    assert statuses[("sw_episodes.csv", None)] == "unknown file"
    assert statuses[("fake_903.xml", "episodes")] == "ingested"
    years = {y["year_label"]: y for y in data["coverage"]}
    assert years["2017-18"]["is_year_covered"] and not years["2016-17"]["is_year_covered"]
    assert years["2016-17"]["is_31_march_covered"]


def test_strict_exits_1_when_rows_are_quarantined():
    need(FAKE)
    proc = cli(
        "validate", "--raw", str(FAKE), "--strict", "--extract-date", "2020-04-01", check=False
    )
    assert proc.returncode == 1
    assert "quarantined" in proc.stderr


def test_missing_required_table_is_one_line_exit_2(tmp_path):
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\n1,1,01/01/2010,WBRI\n")
    proc = cli("validate", "--raw", str(tmp_path), check=False)
    assert proc.returncode == 2
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "episodes" in lines[0]
    assert "Traceback" not in proc.stderr


def test_missing_required_column_names_file_and_column(tmp_path):
    (tmp_path / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\n1,1,01/01/2010,WBRI\n")
    (tmp_path / "episodes.csv").write_text("CHILD,RNE,LS,CIN,PLACE\n1,S,C2,N1,U4\n")
    (tmp_path / "reviews.csv").write_text("CHILD,REVIEW,REVIEW_CODE\n")
    proc = cli("validate", "--raw", str(tmp_path), check=False)
    assert proc.returncode == 2
    assert "episodes.csv" in proc.stderr and "DECOM" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_bad_config_is_one_line_exit_3(tmp_path):
    cfg = tmp_path / "bad.yml"
    cfg.write_text("authority: {name: X}\n")
    proc = cli("run", "--config", str(cfg), check=False)
    assert proc.returncode == 3
    assert "Traceback" not in proc.stderr and str(cfg) in proc.stderr


def test_synth_layouts_and_formats(tmp_path):
    proc = cli(
        "synth",
        "--out",
        str(tmp_path / "x"),
        "--children",
        "60",
        "--layout",
        "returns",
        "--format",
        "xml",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    ssda = (tmp_path / "x" / "ssda903").rglob("*.xml")  # cin/ holds the CIN census XML
    xml = sorted(p.relative_to(tmp_path / "x").as_posix() for p in ssda)
    assert xml == [
        f"ssda903/{y}/ssda903_{y}.xml"
        for y in ("2019-20", "2020-21", "2021-22", "2022-23", "2023-24")
    ]
    bad = cli("synth", "--out", str(tmp_path / "y"), "--layout", "folders", check=False)
    assert bad.returncode == 3 and "--layout" in bad.stderr


def test_validate_with_a_config_outside_the_config_folder(tmp_path):
    cfg = tmp_path / "elsewhere" / "la.yml"
    cfg.parent.mkdir()
    cfg.write_text((ROOT / "config" / "sample.yml").read_text(encoding="utf-8"), encoding="utf-8")
    raw = tmp_path / "raw"
    assert cli("synth", "--out", str(raw), "--children", "60", check=False).returncode == 0
    proc = cli("validate", "--raw", str(raw), "--config", str(cfg), check=False)
    assert proc.returncode == 0, proc.stderr
    assert "Coverage (collection years" in proc.stdout


def test_validate_rows_writes_the_operators_list_with_dfe_numbers(tmp_path):
    need(FAKE)
    out = tmp_path / "rows.csv"
    proc = cli(
        "validate",
        "--raw",
        str(FAKE),
        "--year-end",
        "2018",
        "--rows",
        str(out),
        "--engine",
        "polars",
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("# SENSITIVE")
    with out.open(encoding="utf-8", newline="") as f:
        next(f)
        lines = list(csv.DictReader(f))
    assert list(lines[0]) == [
        "table",
        "source_file",
        "source_row",
        "CHILD",
        "rule_code",
        "dfe_rule",
        "severity",
        "message",
    ]
    assert f"wrote {len(lines):,} flagged" in proc.stderr
    # every line points at a real row of its file, with that row's CHILD
    episodes = {}
    with (FAKE / "episodes.csv").open(encoding="utf-8-sig", newline="") as f:
        for n, row in enumerate(csv.DictReader(f), start=2):
            episodes[n] = row["CHILD"]
    eps = [ln for ln in lines if ln["source_file"] == "episodes.csv"]
    assert eps and all(episodes[int(ln["source_row"])] == ln["CHILD"] for ln in eps)
    severities = {ln["severity"] for ln in lines}
    assert severities == {"quarantine", "warning"}
    ours = {ln["rule_code"] for ln in lines if not ln["dfe_rule"]}
    assert "XT04" in ours  # our own rules have no DfE number
    assert {ln["dfe_rule"] for ln in lines if ln["rule_code"] == "DFE-385"} == {"385"}


def test_validate_rows_refuses_the_output_folder(tmp_path):
    (tmp_path / "raw").mkdir()
    (tmp_path / "raw" / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\n1,1,01/01/2010,WBRI\n")
    cfg = tmp_path / "cfg.yml"
    base = (ROOT / "config" / "sample.yml").read_text(encoding="utf-8")
    cfg.write_text(base.replace("  output: output", f"  output: {tmp_path / 'out'}"))
    target = tmp_path / "out" / "x" / "rows.csv"
    target.parent.mkdir(parents=True)
    proc = cli(
        "validate",
        "--raw",
        str(tmp_path / "raw"),
        "--config",
        str(cfg),
        "--rows",
        str(target),
        check=False,
    )
    assert proc.returncode == 3
    assert "refusing" in proc.stderr and "Traceback" not in proc.stderr
    assert not target.exists()


def _project(tmp_path: Path, **settings) -> Path:
    from helpers import sample_config, work_paths

    return sample_config(tmp_path / "la.yml", work_paths(tmp_path), **settings)


def test_render_of_an_unknown_report_is_one_line_exit_4(tmp_path):
    proc = cli("render", "--config", str(_project(tmp_path)), "--doc", "iro-anual", check=False)
    assert proc.returncode == 4
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert (
        len(lines) == 1 and "--doc: unknown report 'iro-anual' (one of iro, pack, csc, " in lines[0]
    )
    assert "iro-annual-report" in lines[0] and "Traceback" not in proc.stderr


def test_an_unknown_format_or_renderer_is_refused_before_any_work(tmp_path):
    cfg = str(_project(tmp_path))
    for args, message in (
        (("render", "--to", "pfd"), "unknown output format 'pfd' (one of html, docx, pdf)"),
        (
            ("render", "--renderer", "pandco"),
            "unknown renderer 'pandco' (one of auto, quarto, pandoc)",
        ),
        (("build", "--to", "html", "--to", "pfd"), "unknown output format 'pfd'"),
    ):
        proc = cli(*args, "--config", cfg, check=False)
        lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
        assert proc.returncode == 4 and len(lines) == 1 and message in lines[0], proc.stderr
    assert not (tmp_path / "raw").exists()  # the build stopped before generating a sample


def test_audit_before_any_run_is_one_line_exit_2(tmp_path):
    proc = cli("audit", "--config", str(_project(tmp_path)), check=False)
    assert proc.returncode == 2
    assert "no published tables (run `cic-reports run` first)" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_audit_with_disclosure_off_says_there_is_nothing_to_audit(tmp_path):
    proc = cli("audit", "--config", str(_project(tmp_path, disclosure="none")))
    assert proc.stdout.strip() == (
        "disclosure: none — every figure is published unsuppressed; nothing to audit"
    )


def test_a_bad_option_value_is_one_line_exit_3(tmp_path):
    engine = cli("validate", "--raw", str(tmp_path), "--engine", "pandas", check=False)
    assert engine.returncode == 3
    assert "--engine must be beside, gx or polars, not 'pandas'" in engine.stderr
    fmt = cli("synth", "--out", str(tmp_path / "out"), "--format", "docx", check=False)
    assert fmt.returncode == 3 and "--format must be one of " in fmt.stderr
    assert "not 'docx'" in fmt.stderr
    assert "Traceback" not in engine.stderr + fmt.stderr
