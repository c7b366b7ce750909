"""Incremental builds: each kind of input change re-runs exactly the stages that depend on it,
and what is published is byte for byte what a fresh build of the same inputs publishes.

One small authority is built with `cic-reports build` (fresh processes, as a user runs it);
then one input at a time is changed, the project rebuilt, the stages that ran compared with
the ones that must, and the output and processed folders compared, file by file, with a
`--fresh` build of the same inputs into folders of its own (which must run every stage). A successful build prints no
traceback and no ERROR line (issue 14, quiet output).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from helpers import ROOT, cli, sample_config, work_paths

CHILDREN = 60
MONTH = "2024-03"
IRO_HTML = "render:iro-annual-report-2023-24.html"
PACK_HTML = f"render:performance-pack-{MONTH}.html"
CSC_HTML = "render:csc-performance-report-2023-24-Q4.html"
ALL = {
    "data (ingest, validate, transform, measures)",
    "pack",
    "notebooks:iro-annual-report",
    "notebooks:performance-pack",
    "notebooks:csc-performance-report",
    IRO_HTML,
    PACK_HTML,
    CSC_HTML,
    "appendix",
}

pytestmark = pytest.mark.slow


def stages_of(stderr: str, which: str) -> set[str]:
    line = next(ln for ln in stderr.splitlines() if ln.startswith(f"{which}: "))
    text = line.split(": ", 1)[1]
    return set() if text == "nothing" else set(re.split(r", (?![^(]*\))", text))


def config(work: Path, inputs: Path, name: str) -> Path:
    """A config whose prose, catalogue and raw files are `inputs`' and whose processed,
    build and output folders are its own (`name`)."""
    paths = {
        **work_paths(work / name, inputs / "raw"),
        "narrative": inputs / "narrative",
        "commentary": inputs / "commentary",
        "analysis": inputs / "csc-analysis",
        "catalogue": inputs / "indicators.yml",
    }
    # which stages re-run does not depend on suppression, and the linked protection's linear
    # programmes would take most of each of these builds (docs/disclosure.md): unsuppressed,
    # as `disclosure: none` says (tests/test_disclosure_runs.py holds the protection)
    # Great Expectations beside, as `make report` builds: what it validates again is tested
    return sample_config(work / f"{name}.yml", paths, disclosure="none", validation_engine="beside")


def folder_bytes(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != "README.md"
    }


def assert_quiet(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr[-2000:]
    assert not [ln for ln in stderr.splitlines() if re.search(r"\bERROR\b", ln)], stderr[-2000:]


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("incremental")
    inputs = work / "inputs"
    cli("synth", "--out", str(inputs / "raw"), "--children", str(CHILDREN), "--seed", "7")
    shutil.copytree(ROOT / "report" / "narrative", inputs / "narrative")
    shutil.copytree(ROOT / "report" / "commentary", inputs / "commentary")
    shutil.copytree(ROOT / "report" / "csc-analysis", inputs / "csc-analysis")
    shutil.copyfile(
        ROOT / "pipeline" / "reports" / "pack" / "indicators.yml", inputs / "indicators.yml"
    )
    cfg = config(work, inputs, "main")
    first = cli("build", "--config", str(cfg), "--renderer", "pandoc")
    return {"work": work, "inputs": inputs, "cfg": cfg, "first": first, "n": 0}


def rebuild_and_compare(project: dict, *, compare: bool = True) -> set[str]:
    """Rebuild incrementally; check against a fresh build of the same inputs (`compare`:
    the prose edits are compared once, after the last of them — a reused output left stale
    by an earlier step would differ there too); the stages that ran."""
    again = cli("build", "--config", str(project["cfg"]), "--renderer", "pandoc")
    assert_quiet(again.stderr)
    ran, reused = stages_of(again.stderr, "ran"), stages_of(again.stderr, "reused")
    assert ran | reused == ALL and not ran & reused
    if not compare:
        return ran
    project["n"] += 1
    fresh_cfg = config(project["work"], project["inputs"], f"fresh{project['n']}")
    fresh = cli("build", "--config", str(fresh_cfg), "--renderer", "pandoc", "--fresh")
    assert stages_of(fresh.stderr, "ran") == ALL and stages_of(fresh.stderr, "reused") == set()
    for part in ("output", "processed"):
        mine = folder_bytes(project["work"] / "main" / part)
        theirs = folder_bytes(project["work"] / f"fresh{project['n']}" / part)
        assert sorted(mine) == sorted(theirs), part
        differ = [name for name in mine if mine[name] != theirs[name]]
        assert not differ, f"{part}: {differ} differ from a fresh build's"
    return ran


def test_a_first_build_runs_every_stage_quietly(project):
    first = project["first"]
    assert stages_of(first.stderr, "ran") == ALL
    assert_quiet(first.stderr)
    assert "Great Expectations ran" in first.stderr  # GX checked every suite, beside the build


def rebuild_unchanged(project: dict) -> None:
    """Rebuild; every stage must be reused and every published byte stay as it was."""
    before = {p: folder_bytes(project["work"] / "main" / p) for p in ("output", "processed")}
    again = cli("build", "--config", str(project["cfg"]), "--renderer", "pandoc")
    assert_quiet(again.stderr)
    assert stages_of(again.stderr, "ran") == set() and stages_of(again.stderr, "reused") == ALL
    assert "Great Expectations ran" not in again.stderr  # nothing validated again
    for part, files in before.items():
        assert folder_bytes(project["work"] / "main" / part) == files, part


def test_nothing_changed_reuses_every_stage(project):
    rebuild_unchanged(project)


def test_touching_a_raw_file_without_changing_it_reuses_every_stage(project):
    episodes = project["inputs"] / "raw" / "ssda903" / "episodes.csv"
    episodes.write_bytes(episodes.read_bytes())  # same bytes, new mtime
    rebuild_unchanged(project)


def test_a_commentary_edit_re_renders_the_pack_only(project):
    path = project["inputs"] / "commentary" / MONTH / "profile.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert rebuild_and_compare(project, compare=False) == {PACK_HTML}


def test_a_narrative_edit_re_renders_the_iro_report_only(project):
    path = project["inputs"] / "narrative" / "service.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more paragraph.\n", encoding="utf-8")
    assert rebuild_and_compare(project, compare=False) == {IRO_HTML}


def test_a_csc_analysis_edit_re_renders_the_csc_report_only(project):
    path = project["inputs"] / "csc-analysis" / "2023-24-Q4" / "cic.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nOne more sentence.\n", encoding="utf-8")
    assert rebuild_and_compare(project) == {CSC_HTML}


def test_a_catalogue_edit_re_runs_the_pack_stages_only(project):
    path = project["inputs"] / "indicators.yml"
    text = path.read_text(encoding="utf-8")
    new = re.sub(
        r"(\n\s+target:\s*)(\d+(?:\.\d+)?)",
        lambda m: f"{m.group(1)}{float(m.group(2)) + 1:g}",
        text,
        count=1,
    )
    assert new != text, "no target in the catalogue to change"
    path.write_text(new, encoding="utf-8")
    ran = rebuild_and_compare(project)
    assert ran == {"pack", "notebooks:performance-pack", PACK_HTML, "appendix"}
    # the IRO report was reused but carries the new run's id, as a fresh build's does
    out = project["work"] / "main" / "output"
    run = (project["work"] / "main" / "processed" / "run.json").read_text()
    run_id = re.search(r'"run": "([0-9a-f]{64})"', run).group(1)
    html = next(out.rglob("iro-annual-report-2023-24.html")).read_text(encoding="utf-8")
    assert f"run {run_id[:12]}" in html


def test_a_raw_change_re_runs_from_ingest(project):
    path = project["inputs"] / "raw" / "ssda903" / "episodes.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-3]), encoding="utf-8")  # three episodes fewer
    assert rebuild_and_compare(project) == ALL
