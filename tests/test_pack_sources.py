"""The pack notebook and qmd follow the catalogue; missing commentary is visible or an error."""

from pathlib import Path

import nbformat

from pipeline.params import load_params
from pipeline.reports.pack import DEFAULT_CATALOGUE, REPORT
from pipeline.reports.pack.catalogue import load_catalogue
from pipeline.reports.pack.sources import PLACEHOLDER, CommentaryError, pack_notebook, pack_qmd

ROOT = Path(__file__).parents[1]


def test_committed_notebook_matches_the_catalogue():
    cat = load_catalogue(DEFAULT_CATALOGUE)
    committed = nbformat.read(REPORT.notebook_dir / "50_pack.ipynb", 4)
    assert [c.source for c in committed.cells] == [c.source for c in pack_notebook(cat).cells]
    assert committed.cells[1].metadata["tags"] == ["parameters"]


def test_qmd_missing_commentary_is_a_visible_placeholder(tmp_path):
    """A missing commentary file is a placeholder in draft and final alike: the render's
    list of what is unfinished names it, and a final render stops on it (test_render)."""
    params = load_params(ROOT / "config" / "sample.yml", commentary=str(tmp_path))
    text = pack_qmd(params, final=False)
    assert 'title: "Corporate parenting performance pack"' in text
    assert PLACEHOLDER in text and "#tbl-pack-health-emotional-wellbeing" in text
    assert pack_qmd(params, final=True) == text
    assert issubclass(CommentaryError, FileNotFoundError)  # kept for the CSC report


def test_sample_commentary_is_included():
    params = load_params(ROOT / "config" / "sample.yml")
    text = pack_qmd(params, final=True)
    assert "{{< include commentary/2024-03/sufficiency.md >}}" in text
