"""Measures: pure functions from core_ tables (and the run's parameters) to out_ tables.

The registry is shared; each report keeps its measure modules in its own folder
(`pipeline/reports/<report>/measures/`, named by its `REPORT.measures`).

Each measure is registered with its name, a title, the definition published beside it and
its disclosure spec. `compute` runs them all once; `publish` applies disclosure control.
Notebooks only ever read the resulting pub_ tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import polars as pl

from pipeline.disclosure import DisclosureSpec, protect
from pipeline.params import RunParams

Core = dict[str, pl.DataFrame]


@dataclass(frozen=True)
class Measure:
    name: str
    title: str
    definition: str
    func: Callable[[Core, RunParams], pl.DataFrame]
    disclosure: DisclosureSpec


REGISTRY: dict[str, Measure] = {}


def measure(name: str, *, title: str, definition: str, disclosure: DisclosureSpec):
    """Register `func(core, params) -> DataFrame` as out_<name> / pub_<name>."""

    def register(func: Callable[[Core, RunParams], pl.DataFrame]):
        if name in REGISTRY:
            raise ValueError(f"measure {name!r} registered twice")
        REGISTRY[name] = Measure(name, title, definition, func, disclosure)
        return func

    return register


def load_all() -> dict[str, Measure]:
    """Import every report's measure modules so that each registers itself."""
    import importlib
    import pkgutil

    from pipeline.reports import registry

    for report in registry().values():
        if report.measures is None:
            continue
        pkg = importlib.import_module(report.measures)
        for mod in pkgutil.iter_modules(pkg.__path__):
            if not mod.name.startswith("_") and not mod.name.startswith("test_"):
                importlib.import_module(f"{report.measures}.{mod.name}")
    return REGISTRY


def compute(core: Core, params: RunParams) -> dict[str, pl.DataFrame]:
    """Every registered measure, computed once: {'out_<name>': frame}.

    Optional input tables that were not supplied are present as empty frames.
    """
    from pipeline.core.schemas import CORE, empty
    from pipeline.shared import sharing

    full = {name: empty(name) for name in CORE} | dict(core)
    with sharing():  # intermediate frames shared between measures (pipeline.shared)
        return {f"out_{m.name}": m.func(full, params) for m in load_all().values()}


def publish(outs: dict[str, pl.DataFrame], params: RunParams) -> dict[str, pl.DataFrame]:
    """Disclosure control on every out_ table: {'pub_<name>': frame}."""
    registry = load_all()
    pubs = {}
    for out_name, df in outs.items():
        m = registry[out_name.removeprefix("out_")]
        pubs[f"pub_{m.name}"] = protect(df, m.disclosure, params.disclosure_threshold)
    return pubs


def definitions() -> list[dict[str, str]]:
    """Name, title and definition of every published table (for the report's appendix)."""
    return [
        {"table": f"pub_{m.name}", "title": m.title, "definition": m.definition}
        for m in load_all().values()
    ]
