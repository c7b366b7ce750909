"""The monthly corporate-parenting performance pack (docs/indicators.md).

catalogue: `indicators.yml` beside this file (or `paths.catalogue`), validated;
indicators: computed indicator functions; supplied: the supplied-values CSV;
benchmarks: England and statistical neighbours; rag: DOT and RAG rules;
build: `build_pack` -> PackTables; writers: CSV and xlsx; headlines: summary sentences;
sources: the per-month report qmd and notebook; run: `cic-reports pack`.
"""

from pathlib import Path

from pipeline.reports import Report

FOLDER = Path(__file__).resolve().parent
DEFAULT_CATALOGUE = FOLDER / "indicators.yml"

REPORT = Report(
    doc="performance-pack",
    title="Corporate parenting performance pack",
    period="month",
    folder=FOLDER,
    notebooks=("50_pack",),
    sources_generator="pipeline.reports.pack.sources:pack_sources",
    notebook_generator="pipeline.reports.pack.sources:run_notebooks",
)


def catalogue_path(params) -> Path:
    """The run's indicator catalogue: `paths.catalogue` if configured, else the bundled one."""
    return params.path(params.paths.catalogue) or DEFAULT_CATALOGUE


def __getattr__(name: str):
    # the pack's build machinery loads on first use, not whenever the report registry is read
    if name in ("PackTables", "build_pack"):
        from pipeline.reports.pack import build

        return getattr(build, name)
    if name in ("CatalogueError", "load_catalogue"):
        from pipeline.reports.pack import catalogue

        return getattr(catalogue, name)
    raise AttributeError(name)


__all__ = [
    "CatalogueError",
    "PackTables",
    "REPORT",
    "build_pack",
    "catalogue_path",
    "load_catalogue",
]
