"""Execute the report notebooks in this process, into the build folder.

Each report's notebooks live in its folder (`pipeline/reports/<report>/notebooks/`) and
are committed without outputs (tests/test_notebooks_clean.py); executed copies of all of
them live in `build/<authority>/<year>/notebooks/`, where the report sources embed their
labelled cells (so notebook names are unique across reports).

Why in-process rather than one Jupyter kernel per notebook (papermill): a kernel costs
about two seconds to start and to import polars, altair and the pipeline again, for every
notebook; here the build's own interpreter runs each notebook's cells through IPython
(`InteractiveShell`, the same display machinery a kernel uses, so outputs are the same
MIME bundles), each notebook in a fresh namespace. Parameters are injected after the
`parameters` cell as papermill does (a cell tagged `injected-parameters`). Stream output
(prints, warnings) is captured into the notebook, never printed, and a failing cell is one
line naming the notebook and the cell, not a traceback. Chart PNGs (needed only for DOCX
and PDF) are left for the render stage to draw (`present.deferred_pngs`).

While notebooks run, every file they read from the processed folder is recorded
(`executed.reads`): a later build reuses a report's executed notebooks only when those
files are unchanged (pipeline/run/build.py).
"""

from __future__ import annotations

import ast
import contextlib
import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import nbformat

from pipeline.params import RunParams

_LABEL = re.compile(r"^#\|\s*label:\s*(\S+)", re.MULTILINE)
STAMP = "cic-reports"  # notebook metadata key: {"run": id, "report": doc}


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


def _parameters_cell(nb) -> int | None:
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and "parameters" in (cell.metadata.get("tags") or []):
            return i
    return None


def declared_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's `parameters` cell."""
    nb = nbformat.read(str(path), as_version=4)
    at = _parameters_cell(nb)
    if at is None:
        return set()
    names = set()
    for node in ast.parse(nb.cells[at].source).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


# ---------------------------------------------------------------- the in-process shell
@cache
def _shell():
    """One IPython shell for the process, publishing displays into the current cell."""
    from IPython.core.displayhook import DisplayHook
    from IPython.core.displaypub import DisplayPublisher
    from IPython.core.interactiveshell import InteractiveShell

    class Publisher(DisplayPublisher):
        outputs: list = []

        def publish(self, data, metadata=None, source=None, *, transient=None, update=False):
            self.outputs.append(
                nbformat.v4.new_output("display_data", data=data, metadata=metadata or {})
            )

        def clear_output(self, wait=False):
            self.outputs.clear()

    class Hook(DisplayHook):
        def start_displayhook(self):
            pass

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            self.shell.display_pub.outputs.append(
                nbformat.v4.new_output(
                    "execute_result",
                    data=format_dict,
                    metadata=md_dict or {},
                    execution_count=self.prompt_count,
                )
            )

        def log_output(self, format_dict):
            pass

        def finish_displayhook(self):
            pass

    shell = InteractiveShell.instance(
        display_pub_class=Publisher, displayhook_class=Hook, history_length=0, colors="nocolor"
    )
    shell.history_manager.enabled = False
    return shell


def _fresh_namespace(shell) -> None:
    """An empty namespace, as a new kernel has (IPython's `reset` also runs the garbage
    collector, a tenth of a second each time, for nothing here)."""
    shell.user_ns.clear()
    shell.init_user_ns()
    shell.execution_count = 1


class _Stream(io.StringIO):
    """stdout or stderr of one cell, kept as the cell's stream output."""


@contextlib.contextmanager
def _captured() -> Iterator[tuple[_Stream, _Stream]]:
    out, err = _Stream(), _Stream()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        yield out, err


# ---------------------------------------------------------------- recording reads
@dataclass
class Reads:
    """Files read from a watched folder (relative names) and folder listings made there."""

    folder: Path
    files: set[str] = field(default_factory=set)
    listings: set[str] = field(default_factory=set)

    def note(self, path) -> None:
        try:
            rel = Path(path).resolve().relative_to(self.folder)
        except (TypeError, ValueError, OSError):
            return
        self.files.add(rel.as_posix())


_ACTIVE: list[Reads] = []


@cache
def _install_read_hooks() -> None:
    """Route polars' parquet readers through `Reads.note` while a recording is active."""
    import polars as pl

    from pipeline import io as pio

    def wrap(fn):
        def reader(source, *args, **kwargs):
            for r in _ACTIVE:
                r.note(source)
            return fn(source, *args, **kwargs)

        reader.__wrapped__ = fn
        reader.__doc__ = fn.__doc__
        return reader

    pl.read_parquet = wrap(pl.read_parquet)
    pl.scan_parquet = wrap(pl.scan_parquet)

    def listed(folder, prefix: str) -> None:
        for r in _ACTIVE:
            try:
                if Path(folder).resolve() == r.folder:
                    r.listings.add(prefix)
            except OSError:
                pass

    pio.LISTING_HOOKS.append(listed)


@contextlib.contextmanager
def recording(folder: Path) -> Iterator[Reads]:
    _install_read_hooks()
    reads = Reads(Path(folder).resolve())
    _ACTIVE.append(reads)
    try:
        yield reads
    finally:
        _ACTIVE.remove(reads)


# ---------------------------------------------------------------- execution
def _injected_cell(values: dict) -> nbformat.NotebookNode:
    lines = ["# Parameters", *(f"{k} = {v!r}" for k, v in values.items())]
    cell = nbformat.v4.new_code_cell("\n".join(lines) + "\n")
    cell.metadata["tags"] = ["injected-parameters"]
    return cell


def execute(src: Path, parameters: dict, shown: dict | None = None) -> nbformat.NotebookNode:
    """Run one notebook top to bottom in the shell; the executed notebook.

    `parameters` are the values the cells see; `shown`, what the injected cell says (a
    build runs against its staging folder but records the folder it publishes to).
    """
    from pipeline.publish.present import deferred_pngs

    nb = nbformat.read(str(src), as_version=4)
    declared = declared_parameters(src)
    values = {k: v for k, v in parameters.items() if k in declared}
    at = _parameters_cell(nb)
    if values:
        shown_values = {k: (shown or {}).get(k, v) for k, v in values.items()}
        cell = _injected_cell(shown_values)
        nb.cells.insert(0 if at is None else at + 1, cell)
        injected = nb.cells.index(cell)
    else:
        injected = None
    shell = _shell()
    _fresh_namespace(shell)
    with deferred_pngs():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            source = _injected_cell(values).source if i == injected else cell.source
            shell.display_pub.outputs = []
            with _captured() as (out, err):
                result = shell.run_cell(source, store_history=False, silent=False)
            outputs = []
            for name, stream in (("stdout", out), ("stderr", err)):
                if stream.getvalue():
                    outputs.append(
                        nbformat.v4.new_output("stream", name=name, text=stream.getvalue())
                    )
            outputs += shell.display_pub.outputs
            cell.execution_count = shell.execution_count
            shell.execution_count += 1
            exc = result.error_in_exec or result.error_before_exec
            if exc is not None:
                ename = type(exc).__name__
                evalue = str(exc).strip().splitlines()
                detail = f"{ename}: {evalue[0]}" if evalue else ename
                raise NotebookError(
                    f"notebook {src.stem}: {_describe(cell.source)} failed: {detail}"
                )
            cell.outputs = outputs
    _fresh_namespace(shell)
    return nb


def stamp(nb, run_id: str | None, report: str | None) -> None:
    """Say in the notebook which run (and report) it belongs to."""
    nb.metadata.pop(STAMP, None)
    if run_id is not None:
        nb.metadata[STAMP] = {"run": run_id, "report": report}


def write(nb, path: Path) -> Path:
    """Write a notebook atomically (a crash leaves the old file or the new, never half)."""
    import os

    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(nbformat.writes(nb) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return path


@dataclass
class Executed:
    paths: dict[str, Path]  # stem -> executed notebook
    reads: Reads
    seconds: float


def execute_all(
    sources: list[Path],
    out_dir: Path,
    parameters: dict,
    *,
    shown: dict | None = None,
    watch: Path | None = None,
    run_id: str | None = None,
    report: str | None = None,
) -> Executed:
    """Execute `sources` in turn into `out_dir`, recording reads under `watch`."""
    missing = [str(p) for p in sources if not Path(p).is_file()]
    if missing:
        raise NotebookError(f"no notebook(s) {', '.join(missing)}")
    start = time.perf_counter()
    done = {}
    with recording(watch or Path(parameters.get("processed_dir") or ".")) as reads:
        for src in sources:
            nb = execute(Path(src), parameters, shown)
            stamp(nb, run_id, report)
            done[Path(src).stem] = write(nb, Path(out_dir) / Path(src).name)
    return Executed(done, reads, time.perf_counter() - start)


def notebook_parameters(params: RunParams, config_path: Path, processed_dir: Path) -> dict:
    return {
        "config_path": str(Path(config_path).resolve()),
        "year_end": params.year_end,
        "month": params.month,
        "quarter": params.csc_quarter,
        "processed_dir": str(processed_dir),
    }


def generated_notebook(params: RunParams, src: Path) -> Path:
    """The notebook to execute for `src`: a report that builds its notebook per run (the
    pack, from the run's catalogue) writes it beside the executed ones, under `generated/`."""
    from pipeline.reports import registry

    for report in registry().values():
        if src.parent == report.notebook_dir and report.notebook_generator:
            built = report.generate_notebooks(params).get(src.stem)
            if built is None:
                return src
            out = executed_dir(params).parent / "generated" / src.name
            out.parent.mkdir(parents=True, exist_ok=True)
            text = nbformat.writes(built) + "\n"
            if not out.is_file() or out.read_text(encoding="utf-8") != text:
                out.write_text(text, encoding="utf-8")
            return out
    return src


def run_notebooks(
    params: RunParams,
    notebooks: list[str | Path] | None = None,
    *,
    jobs: int = 1,
    config_path: Path,
    extra: dict | None = None,
) -> dict[str, Path]:
    """Execute notebooks (every report's by default) into `executed_dir(params)`; return
    stem -> executed path. `notebooks` holds report notebook stems ('30_reviews') or paths.
    (`jobs` is accepted for compatibility; notebooks run one after another in-process.)"""
    sources = [
        Path(n) if isinstance(n, Path) else notebook_path(n)
        for n in (report_notebooks() if notebooks is None else notebooks)
    ]
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise NotebookError(f"no notebook(s) {', '.join(missing)}")
    sources = [generated_notebook(params, p) for p in sources]
    parameters = notebook_parameters(params, config_path, params.processed_dir) | (extra or {})
    return execute_all(sources, executed_dir(params), parameters).paths


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
    for key in ("papermill", STAMP):
        nb.metadata.pop(key, None)
    after = nbformat.writes(nb) + "\n"
    if after != before:
        path.write_text(after, encoding="utf-8")
        return True
    return False


def analyst_notebooks() -> list[Path]:
    """The exploration notebooks in the project's top-level notebooks/ folder."""
    from pipeline.params import find_project_root

    folder = find_project_root(Path.cwd()) / "notebooks"
    return sorted(folder.glob("*.ipynb")) if folder.is_dir() else []


def main(argv: list[str] | None = None) -> int:
    """`python -m pipeline.run.notebooks [files]`: strip outputs before committing."""
    import sys

    files = [Path(a) for a in (argv if argv is not None else sys.argv[1:])] or [
        *report_notebooks(),
        *analyst_notebooks(),
    ]
    for f in files:
        if strip_outputs(f):
            print(f"stripped {f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
