"""The reports: one folder per report, over the shared layers.

Each report is a sub-package of `pipeline.reports` holding everything that belongs to it:
its measures (or indicator functions and catalogue), narrative helpers, the notebooks
that display its published tables (`notebooks/`), and its Quarto sources (`report/`,
staged into the build folder's `report/`). The sub-package's `REPORT` says what it is.
Adding a report is copying one folder and editing its `REPORT` (docs/architecture.md).
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

#: how a report's output file is named: by reporting year, pack month or quarter
PERIODS = ("year", "month", "quarter")


@dataclass(frozen=True)
class Report:
    """What the pipeline needs to know about one report."""

    doc: str  # output and source stem, e.g. "iro-annual-report"
    title: str
    period: str  # one of PERIODS
    folder: Path  # the report's package folder
    notebooks: tuple[str, ...] = ()  # notebook stems in <folder>/notebooks, run in order
    measures: str | None = None  # module path of its measures package, if any
    # "module:function" giving {relative path: text} of sources generated per run, or None
    sources_generator: str | None = None
    # "module:function" giving {notebook stem: NotebookNode} built per run (e.g. from the
    # run's catalogue), executed instead of the committed notebook of that name
    notebook_generator: str | None = None

    def generate_notebooks(self, params) -> dict:
        if self.notebook_generator is None:
            return {}
        module, _, name = self.notebook_generator.partition(":")
        return getattr(importlib.import_module(module), name)(params)

    def generate_sources(self, params, final: bool) -> dict[str, str]:
        module, _, name = (self.sources_generator or "").partition(":")
        return getattr(importlib.import_module(module), name)(params, final)

    def __post_init__(self) -> None:
        if self.period not in PERIODS:
            raise ValueError(f"report {self.doc}: period must be one of {PERIODS}")

    @property
    def notebook_dir(self) -> Path:
        return self.folder / "notebooks"

    @property
    def source_dir(self) -> Path:
        """Quarto sources, staged as the build folder's `report/`."""
        return self.folder / "report"

    def notebook_paths(self) -> list[Path]:
        return [self.notebook_dir / f"{n}.ipynb" for n in self.notebooks]


@cache
def registry() -> dict[str, Report]:
    """doc -> Report for every sub-package of `pipeline.reports` that declares `REPORT`."""
    import pipeline.reports as pkg

    out: dict[str, Report] = {}
    for mod in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        if not mod.ispkg:
            continue
        report = getattr(importlib.import_module(f"pipeline.reports.{mod.name}"), "REPORT", None)
        if report is not None:
            out[report.doc] = report
    return out


def get(doc: str) -> Report:
    reports = registry()
    if doc not in reports:
        from pipeline.publish.render.errors import RenderError

        raise RenderError(f"unknown report {doc!r} (one of {', '.join(reports)})")
    return reports[doc]


def find_notebook(name: str) -> Path | None:
    """The source of notebook `name` (stem) in any report's folder."""
    for report in registry().values():
        path = report.notebook_dir / f"{name}.ipynb"
        if path.is_file():
            return path
    return None
