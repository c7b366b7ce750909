"""Notebooks an analyst can open (issue 14, item 4).

Every notebook — each report's and the exploration notebook in `notebooks/` — runs top to
bottom in a Jupyter kernel with the project's kernel spec and *its own folder* as the
working directory, as JupyterLab runs it (`make lab`). The exploration notebook reads
child-level tables: it is committed without outputs, says so at its top, and no report
embeds it.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import nbformat
import pytest
from helpers import ROOT

from pipeline.run.notebooks import _injected_cell, analyst_notebooks, report_notebooks

EXPLORE = ROOT / "notebooks" / "explore-processed-data.ipynb"
KERNEL = "cic-reports"  # installed into .venv by `make install`


def test_the_exploration_notebook_is_where_make_lab_opens_first():
    assert EXPLORE.is_file()
    assert analyst_notebooks() == [EXPLORE]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    lab = makefile[makefile.index("\nlab:") :].split("\n\n")[0]
    assert "notebooks/explore-processed-data.ipynb" in lab and "root_dir=." in lab


def test_the_exploration_notebook_is_marked_child_level_and_committed_without_outputs():
    nb = nbformat.read(EXPLORE, as_version=4)
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert "CHILD-LEVEL DATA" in first.source and "NEVER PUBLISH" in first.source
    assert nb.metadata["cic-reports-exploration"] == {"child_level": True, "published": False}
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code and all(not c.outputs and c.execution_count is None for c in code)
    text = "\n".join(c.source for c in code)
    assert 'read_layer(params.processed_dir, "core_")' in text  # the processed core_ tables
    for table in ("children", "episodes", "periods_of_care", "month_end", "reviews", "escalations"):
        assert f'"core_{table}"' in text, table


def test_no_report_embeds_or_includes_the_exploration_notebook():
    from pipeline.params import load_params
    from pipeline.reports import registry
    from pipeline.run.build import embedded_notebooks

    params = load_params(ROOT / "config" / "sample.yml")
    sources = [
        *ROOT.glob("pipeline/reports/*/report/**/*.qmd"),
        *ROOT.glob("report/**/*.md"),
        ROOT / "_quarto.yml",
    ]
    for path in sources:
        assert "explore-processed-data" not in path.read_text(encoding="utf-8"), path
    for report in registry().values():
        generated = report.generate_sources(params, False) if report.sources_generator else {}
        assert "explore-processed-data" not in embedded_notebooks(report, generated)
        assert EXPLORE not in report.notebook_paths()


@pytest.fixture(scope="module")
def built(sample_build) -> Path:
    """The config of an authority with a processed layer: the session's sample build
    (tests/conftest.py; the notebooks only read it)."""
    return sample_build["cfg"]


def _kernel_or_fail() -> None:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL)
    except NoSuchKernel:
        pytest.fail(f"the project's Jupyter kernel {KERNEL!r} is not installed: run `make install`")


@pytest.mark.slow
@pytest.mark.parametrize(
    "path",
    [*report_notebooks(), EXPLORE],
    ids=lambda p: p.stem,
)
def test_every_notebook_runs_top_to_bottom_from_its_own_folder(built, path):
    """As JupyterLab does: the project's kernel, started in the notebook's folder; only the
    config path is set (to the small authority's), as an analyst would edit it."""
    from nbclient import NotebookClient

    _kernel_or_fail()
    nb = nbformat.read(path, as_version=4)
    at = next(i for i, c in enumerate(nb.cells) if "parameters" in (c.metadata.get("tags") or []))
    nb.cells.insert(at + 1, _injected_cell({"config_path": str(built)}))
    nb.cells.append(nbformat.v4.new_code_cell("import os; print(os.getcwd())"))
    client = NotebookClient(
        nb,
        kernel_name=KERNEL,
        timeout=600,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError naming the cell if any cell fails
    assert nb.cells[-1].outputs[0]["text"].strip() == str(path.parent)  # ran in its folder
    errors = [o for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    if path == EXPLORE:
        shown = json.dumps([c.get("outputs", []) for c in nb.cells])
        assert re.search(r"had three or more placements in 2023-24", shown)
