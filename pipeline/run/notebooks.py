"""Execute the report notebooks with papermill, in parallel, into the build folder.

Each report's notebooks live in its folder (`pipeline/reports/<report>/notebooks/`) and
are committed without outputs (tests/test_notebooks_clean.py); executed copies of all of
them live in `build/<authority>/<year>/notebooks/`, where the report sources embed their
labelled cells (so notebook names are unique across reports). A failing notebook gives one line naming the notebook and
the failing cell, not a traceback.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from functools import cache
from pathlib import Path

import nbformat

from pipeline.params import RunParams

_LABEL = re.compile(r"^#\|\s*label:\s*(\S+)", re.MULTILINE)


class NotebookError(RuntimeError):
    """A notebook failed to execute (one-line message)."""


def cell_label(source: str) -> str | None:
    """The Quarto label (`#| label: x`) of a cell, if any."""
    m = _LABEL.search(source)
    return m.group(1) if m else None


def report_notebooks() -> list[Path]:
    """Every report's notebooks, report by report in the order each report lists them."""
    from pipeline.reports import registry

    return [p for report in registry().values() for p in report.notebook_paths()]


def notebook_path(name: str) -> Path:
    """A report notebook by stem (e.g. '30_reviews')."""
    from pipeline.reports import find_notebook

    path = find_notebook(name)
    if path is None:
        raise NotebookError(f"no report has a notebook {name!r}")
    return path


def executed_dir(params: RunParams) -> Path:
    """Where executed notebooks go; the render stage is the folder above it."""
    return params.build_dir / params.slug / params.year_label / "notebooks"


def _describe(source: str) -> str:
    label = cell_label(source)
    if label:
        return f"cell {label}"
    lines = [ln.strip() for ln in source.splitlines() if ln.strip() and not ln.startswith("#|")]
    first = lines[0] if lines else "(empty)"
    return f"cell starting {first[:60]!r}"


def declared_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's `parameters` cell (papermill's own reading of it)."""
    import papermill as pm

    return set(pm.inspect_notebook(str(path)))


@cache
def _kernel_manager_class():
    """Kernels on IPC sockets (files in the temp folder) rather than local TCP
    ports: no 'running over TCP without encryption' warning, nothing on the network."""
    import tempfile
    import uuid

    from jupyter_client.manager import AsyncKernelManager
    from traitlets import CaselessStrEnum, default

    class IPCKernelManager(AsyncKernelManager):
        transport = CaselessStrEnum(["tcp", "ipc"], default_value="ipc", config=True)

        @default("ip")
        def _unique_ipc_path(self) -> str:
            # one socket-file prefix per kernel: kernels starting side by side must not
            # race for the same files (jupyter_client's default is ./kernel-ipc-N)
            return str(Path(tempfile.gettempdir()) / f"cic-kernel-{uuid.uuid4().hex[:12]}")

    return IPCKernelManager


def _execute(src: Path, out: Path, parameters: dict, cwd: Path) -> Path:
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    out.parent.mkdir(parents=True, exist_ok=True)
    declared = declared_parameters(src)
    try:
        pm.execute_notebook(
            str(src),
            str(out),
            parameters={k: v for k, v in parameters.items() if k in declared},
            kernel_name="python3",
            kernel_manager_class=_kernel_manager_class(),
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            report_mode=False,
        )
    except PapermillExecutionError as exc:
        evalue = str(exc.evalue).strip().splitlines()
        detail = f"{exc.ename}: {evalue[0]}" if evalue else exc.ename
        raise NotebookError(
            f"notebook {src.stem}: {_describe(exc.source)} failed: {detail}"
        ) from None
    return out


def run_notebooks(
    params: RunParams,
    notebooks: list[str | Path] | None = None,
    *,
    jobs: int = 2,
    config_path: Path,
    extra: dict | None = None,
) -> dict[str, Path]:
    """Execute notebooks (every report's by default); return stem -> executed path.

    `notebooks` holds report notebook stems ('30_reviews') or paths. The notebooks only
    read the processed layer, so they are independent and run in parallel, at most `jobs`
    at a time.
    """
    sources = [
        Path(n) if isinstance(n, Path) else notebook_path(n)
        for n in (report_notebooks() if notebooks is None else notebooks)
    ]
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise NotebookError(f"no notebook(s) {', '.join(missing)}")
    parameters = {
        "config_path": str(Path(config_path).resolve()),
        "year_end": params.year_end,
        "month": params.month,
        "quarter": params.csc_quarter,
        "processed_dir": str(params.processed_dir),
        **(extra or {}),
    }
    out_dir = executed_dir(params)
    cwd = params.root.resolve()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {
            src.stem: pool.submit(_execute, src, out_dir / src.name, parameters, cwd)
            for src in sources
        }
        errors, done = [], {}
        for n, fut in futures.items():
            try:
                done[n] = fut.result()
            except NotebookError as exc:
                errors.append(str(exc))
    if errors:
        raise NotebookError(errors[0] if len(errors) == 1 else "; ".join(errors))
    return done


def strip_outputs(path: Path) -> bool:
    """Remove outputs, execution counts and run metadata; True if the file changed."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in ("execution", "papermill"):
            cell.metadata.pop(key, None)
    nb.metadata.pop("papermill", None)
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.run.notebooks [files]`: strip outputs before committing."""
    import sys

    files = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or report_notebooks()
    for f in files:
        if strip_outputs(f):
            print(f"stripped {f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
