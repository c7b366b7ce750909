"""Measures: pure functions from core_ tables (and the run's parameters) to out_ tables.

The registry is shared; each report keeps its measure modules in its own folder
(`pipeline/reports/<report>/measures/`, named by its `REPORT.measures`).

Each measure is registered with its name, a title, the definition published beside it,
its disclosure spec and the input tables it needs (`inputs`, contract names such as
"reviews" or "escalations"; `row_inputs` for rows that need more, keyed by `measure_code`).
`compute` runs them all once: a measure whose inputs are absent, empty or hold no rows in
its year comes out with no rows (and `availability` says why), never as zeros;
`publish` applies disclosure control. Notebooks only ever read the resulting pub_ tables.
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
    inputs: tuple[str, ...] = ()
    # measure_code -> further inputs that row needs (dropped, and said, when they are absent)
    row_inputs: dict[str, tuple[str, ...]] | None = None
    section: str | None = None  # slug of the report heading it appears under


REGISTRY: dict[str, Measure] = {}


def measure(
    name: str,
    *,
    title: str,
    definition: str,
    disclosure: DisclosureSpec,
    inputs: tuple[str, ...],
    row_inputs: dict[str, tuple[str, ...]] | None = None,
    section: str | None = None,
):
    """Register `func(core, params) -> DataFrame` as out_<name> / pub_<name>, needing the
    input tables `inputs` (pipeline.inputs.availability)."""

    def register(func: Callable[[Core, RunParams], pl.DataFrame]):
        if name in REGISTRY:
            raise ValueError(f"measure {name!r} registered twice")
        REGISTRY[name] = Measure(
            name, title, definition, func, disclosure, tuple(inputs), row_inputs, section
        )
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
    gaps = {(r["figure"], r["is_partial"]): r for r in availability(full, params)}
    out = {}
    with sharing():  # intermediate frames shared between measures (pipeline.shared)
        for m in load_all().values():
            df = m.func(full, params)
            if (m.name, False) in gaps:
                df = df.clear()  # absent is not zero: no rows, and the page says why
            elif (m.name, True) in gaps:
                drop = [
                    c for c, need in (m.row_inputs or {}).items() if _reason(need, full, params)
                ]
                df = df.filter(~pl.col("measure_code").is_in(drop))
            if (m.name, False) not in gaps:
                df = _blank_last_year(df, m, full, params)
            out[f"out_{m.name}"] = df
    return out


def _blank_last_year(df: pl.DataFrame, m: Measure, core: Core, params: RunParams):
    """Last year's figures blank (not 0) when an input holds no records for last year (an
    IRO extract kept for recent years only); `last_year_note` says why."""
    from pipeline.core.coverage import blank_previous

    has_last_year = "year_label" in df.columns or any(
        c.startswith("last_year_") for c in df.columns
    )
    if not has_last_year:
        return df
    why = _reason(m.inputs, core, params.previous)
    if why is None:
        return df
    return blank_previous(df, params.previous.year_label, why.rstrip(".").replace("`", ""))


def _reason(inputs, core: Core, params: RunParams) -> str | None:
    from pipeline.inputs.availability import unavailable

    return unavailable(inputs, core, params)


def _report_of(m: Measure) -> str:
    from pipeline.reports import registry

    for report in registry().values():
        if report.measures and m.func.__module__.startswith(report.measures):
            return report.doc
    return m.func.__module__


def availability(core: Core, params: RunParams) -> list[dict]:
    """Measures not computed for want of an input (`is_partial`: some of their rows), with
    the sentence said instead (rows of `pub_availability`)."""
    rows = []
    for m in load_all().values():
        base = {"report": _report_of(m), "figure": m.name, "section": m.section}
        why = _reason(m.inputs, core, params)
        if why:
            rows.append(base | {"inputs": ", ".join(m.inputs), "is_partial": False, "reason": why})
            continue
        for need in dict.fromkeys((m.row_inputs or {}).values()):
            why = _reason(need, core, params)
            if why:
                rows.append(base | {"inputs": ", ".join(need), "is_partial": True, "reason": why})
                break
    return rows


def inputs_needed() -> dict[str, set[str]]:
    """Report -> every input table its measures declare."""
    out: dict[str, set[str]] = {}
    for m in load_all().values():
        need = set(m.inputs) | {t for ts in (m.row_inputs or {}).values() for t in ts}
        out.setdefault(_report_of(m), set()).update(need)
    return out


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
