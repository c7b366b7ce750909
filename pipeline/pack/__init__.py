"""The monthly corporate-parenting performance pack (docs/indicators.md).

catalogue: config/indicators.yml, validated; indicators: computed indicator functions;
supplied: the supplied-values CSV; benchmarks: England and statistical neighbours;
rag: DOT and RAG rules; build: `build_pack` -> PackTables; writers: CSV and xlsx;
headlines: summary sentences; sources: the per-month report qmd.
"""

from pipeline.pack.build import PackTables, build_pack
from pipeline.pack.catalogue import CatalogueError, load_catalogue

__all__ = ["CatalogueError", "PackTables", "build_pack", "load_catalogue"]
