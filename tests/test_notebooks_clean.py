"""Committed notebooks carry no outputs: outputs may hold child-level data and make diffs noisy.

Fix with `python -m pipeline.run.notebooks` (strips every report's notebooks).
"""

from __future__ import annotations

from pathlib import Path

import nbformat

from pipeline.run.notebooks import strip_outputs

REPORTS = Path(__file__).resolve().parents[1] / "pipeline" / "reports"


def _dirty(path: Path) -> list[str]:
    nb = nbformat.read(path, as_version=4)
    problems = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            problems.append(f"cell {i} has outputs")
        if cell.get("execution_count") is not None:
            problems.append(f"cell {i} has an execution count")
    return problems


def test_committed_notebooks_have_no_outputs():
    # each report's notebooks and the analysts' (notebooks/: child-level when run)
    paths = [
        *REPORTS.glob("*/notebooks/*.ipynb"),
        *(REPORTS.parents[1] / "notebooks").glob("*.ipynb"),
    ]
    found = {p.name: _dirty(p) for p in sorted(paths)}
    assert "explore-processed-data.ipynb" in found
    assert found
    dirty = {k: v for k, v in found.items() if v}
    assert not dirty, f"run `python -m pipeline.run.notebooks` to strip: {dirty}"


def test_strip_outputs_cleans_an_executed_notebook(tmp_path):
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.execution_count = 3
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    nb.cells.append(cell)
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    assert _dirty(path)
    assert strip_outputs(path) is True
    assert _dirty(path) == []
    assert strip_outputs(path) is False


def _project(tmp_path: Path, cells: dict[str, list[str]]):
    import datetime as dt

    from pipeline.params import Authority, Population, RunParams

    (tmp_path / "notebooks").mkdir()
    for name, sources in cells.items():
        nb = nbformat.v4.new_notebook()
        params = nbformat.v4.new_code_cell(
            "config_path = None\nyear_end = None\nmonth = None\nprocessed_dir = None"
        )
        params.metadata["tags"] = ["parameters"]
        nb.cells = [params, *(nbformat.v4.new_code_cell(s) for s in sources)]
        nb.metadata["kernelspec"] = {
            "name": "python3",
            "display_name": "Python 3",
            "language": "python",
        }
        nbformat.write(nb, tmp_path / "notebooks" / f"{name}.ipynb")
    return RunParams(
        authority=Authority(name="Wessex Vale Council", old_la_code="999", new_la_code="E06999999"),
        year_end=2024,
        extract_date=dt.date(2024, 4, 30),
        population=Population(children_0_17=66000),
        root=tmp_path,
    )


def test_run_notebooks_executes_with_parameters_and_names_a_failing_cell(tmp_path):
    import pytest

    from pipeline.run.notebooks import NotebookError, run_notebooks

    params = _project(
        tmp_path,
        {
            "ok": ["#| label: tbl-x\nprint(year_end, month)"],
            "bad": ["#| label: tbl-broken\nraise ValueError('no table pub_x\\nmore')"],
        },
    )
    nbs = tmp_path / "notebooks"
    done = run_notebooks(params, [nbs / "ok.ipynb"], config_path=tmp_path / "c.yml")
    out = done["ok"]
    assert (
        out
        == tmp_path
        / "build"
        / "wessex-vale-council-e06999999"
        / "2023-24"
        / "notebooks"
        / "ok.ipynb"
    )
    text = out.read_text()
    assert "2024 2024-03" in text
    with pytest.raises(NotebookError) as exc:
        run_notebooks(params, sorted(nbs.glob("*.ipynb")), config_path=tmp_path / "c.yml")
    msg = str(exc.value)
    assert msg == "notebook bad: cell tbl-broken failed: ValueError: no table pub_x"
