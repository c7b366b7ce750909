"""A build from the SSDA903 alone (issue 17): no IRO service extracts, no supplied values,
no CIN census. Every section the 903 supports is filled; every other section says what is
missing, and no 0 or 0% from an absent input is published.

One small authority is synthesised, its `ssda903/` folder alone copied to a raw folder of
its own and built once with `cic-reports build` (disclosure control on, as published); the
tests read the published pages (HTML text), the appendix CSV, the build's messages, the
audit and a `--final` render.
"""

from __future__ import annotations

import csv
import html
import re
import shutil
from pathlib import Path

import pytest
import yaml
from test_incremental import cli

ROOT = Path(__file__).resolve().parents[1]
CHILDREN = 150
IRO = "iro-annual-report-2023-24.html"
PACK = "performance-pack-2024-03.html"

pytestmark = pytest.mark.slow

#: captions of the tables and charts whose input is an IRO extract: none may be published
IRO_EXTRACT_CAPTIONS = (
    "Quarterly timeliness of distribution of review minutes",
    "Social workers' pre-review reports received on or before the due date",
    "IRO contact with children in the six months up to the date",
    "Pre-escalations raised in",
    "Escalations concluded by stage",
    "Areas of focus named in escalations",
    "Escalations concluded in 2023-24 by area of focus",
    "Time taken to resolve escalations",
    "Notes recognising good practice by quarter",
)
#: the false facts of the issue, and the rows of the annual table the extract feeds
FALSE_FACTS = (
    "had a contact with their IRO",
    "escalations were concluded",
    "pre-escalation notes for",
    "notes recognising good practice were recorded",
    "Reviews with recommendations issued",
    "Reviews with minutes",
)
#: one sentence per heading whose figures need each missing extract
REASONS = {
    "review_process.csv": 3,  # recommendations and minutes; SW reports; the annual table's note
    "escalations.csv": 5,  # the section's headline, then its four headings on escalations
    "contacts.csv": 1,
    "practice_notes.csv": 1,
}


def page_text(path: Path) -> str:
    """The visible text of a published page, whitespace collapsed."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"(?is)<(script|style)\b.*?</\1>", " ", text)
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    return " ".join(text.split()).replace("’", "'")


@pytest.fixture(scope="module")
def build(tmp_path_factory) -> dict:
    work = tmp_path_factory.mktemp("absent")
    cli("synth", "--out", str(work / "full"), "--children", str(CHILDREN), "--seed", "3")
    shutil.copytree(work / "full" / "ssda903", work / "raw" / "ssda903")
    data = yaml.safe_load((ROOT / "config" / "sample.yml").read_text(encoding="utf-8"))
    data["paths"] = {
        "raw": str(work / "raw"),
        "processed": str(work / "processed"),
        "build": str(work / "build"),
        "output": str(work / "output"),
    }
    data["root"] = str(ROOT)
    cfg = work / "903-only.yml"
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    proc = cli("build", "--config", str(cfg), "--renderer", "pandoc")
    (out,) = (work / "output").iterdir()
    return {"work": work, "cfg": cfg, "stderr": proc.stderr, "out": out}


def test_both_reports_are_built_and_the_csc_report_is_not(build):
    names = {p.name for p in build["out"].iterdir()}
    assert {IRO, PACK} <= names
    assert not [n for n in names if n.startswith("csc-performance-report")]


def test_no_figure_from_an_absent_extract_is_published(build):
    text = page_text(build["out"] / IRO)
    # the definitions appendix says what every figure would count: the figures come before
    text = text[: text.index("What each figure in this report counts")]
    for caption in IRO_EXTRACT_CAPTIONS + FALSE_FACTS:
        assert caption not in text, caption
    # the draft banner lists each such section as unfinished (said up front) ...
    banner_at = text.index("Draft: not for publication")
    body_at = text.index("The IRO service", banner_at)
    banner, text = text[banner_at:body_at], text[body_at:]
    for section in (
        "recommendations-and-minutes",
        "escalations-concluded",
        "iro-contact-with-children",
    ):
        assert f"section '{section}': No IRO" in banner, section
    # ... and each heading whose figures need a missing extract says so once
    for file, n in REASONS.items():
        said = re.findall(
            rf"No IRO [a-z -]+ (?:records|notes) were supplied for 2023-24 \( ?{file}", text
        )
        assert len(said) == n, (file, len(said))


def test_every_section_the_903_supports_is_filled(build):
    text = page_text(build["out"] / IRO)
    for shown in (
        "Reviews held within timescale",
        "Quarterly timeliness of children in care reviews",
        "How children participated in their reviews",
        "Children participated in",
        "Children in care on 31 March by ethnic group",
    ):
        assert shown in text, shown
    # the annual table keeps its SSDA903 rows and says why the others are not shown
    assert "Recommendations and minutes are not shown: No IRO review-process records" in text


def test_about_the_data_lists_the_inputs_found_and_missing(build):
    text = page_text(build["out"] / IRO)
    about = text[text.index("Inputs this report needs") :]
    assert "reviews.csv found" in about
    for file in REASONS:
        assert f"{file} missing: not supplied" in about
    # a table that was not supplied is not listed with 0 rows received
    assert "Review process (IRO service) 0" not in text


def test_the_pack_shows_indicators_without_their_input_as_not_available(build):
    with (build["out"] / "performance-pack-2024-03.csv").open(encoding="utf-8") as f:
        rows = {r["indicator_id"]: r for r in csv.DictReader(f)}
    escalations = [r for i, r in rows.items() if i.startswith("iro_escalations_")]
    assert escalations
    for r in escalations:
        months = [v for k, v in r.items() if re.fullmatch(r"\d{4}-\d{2}", k)]
        assert set(months) == {""} and r["dot"] == "" and r["rag"] == "", r
    # an indicator the 903 supports has its figures
    assert rows["cic_count"]["2024-03"] not in ("", "0")
    text = page_text(build["out"] / PACK)
    assert text.count("Not available: No IRO escalation records were supplied") == len(escalations)


def test_build_prints_the_inputs_found_and_missing_per_report(build):
    err = build["stderr"]
    assert "inputs for the Independent Reviewing Officer annual report:" in err
    assert "review_process.csv (not supplied)" in err
    assert "inputs for the Corporate parenting performance pack:" in err


def test_validate_prints_the_inputs_too(build):
    proc = cli(
        "validate", "--raw", str(build["work"] / "raw"), "--config", str(build["cfg"]),
        "--engine", "polars",
    )  # fmt: skip
    assert "missing: review_process.csv (not supplied)" in proc.stdout


def test_not_available_markers_pass_the_audit(build):
    proc = cli("audit", "--config", str(build["cfg"]))
    assert proc.returncode == 0


def test_a_final_render_refuses_sections_that_are_not_available(build):
    proc = cli(
        "render", "--config", str(build["cfg"]), "--doc", "iro", "--final", "--renderer", "pandoc",
        check=False,
    )  # fmt: skip
    assert proc.returncode == 4
    (line,) = [ln for ln in proc.stderr.splitlines() if "not ready for a final render" in ln]
    for section in ("escalations-concluded", "iro-contact-with-children", "time-to-resolve"):
        assert f"section '{section}'" in line
    assert "report.omit_sections" in line
