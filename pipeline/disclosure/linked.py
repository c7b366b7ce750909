"""Linked-table protection: every published figure of a run protected together.

`protect` (pipeline.disclosure) suppresses small counts and protects each table on its own.
Here all published tables of a run (both reports, every month of the pack, the data-quality
tables) are put into one relation set (pipeline.disclosure.relations): a key suppressed
anywhere is suppressed everywhere, a structural pass makes every sum hide its protected
members, and then the audit (pipeline.disclosure.audit) is run round after round, each
exposed cell widened by suppressing one of the published figures that hold its bound (read
from the linear programme's marginals), until nothing is exposed — first with the relaxation,
then confirmed in whole numbers. `build` refuses to publish unless the final audit is clean.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl

from pipeline.disclosure import DisclosureSpec, flag
from pipeline.disclosure.audit import AuditResult, System, audit
from pipeline.disclosure.relations import (
    NESTS,
    Key,
    Link,
    Relations,
    check_true_values,
    derived_leaks,
    generate_sums,
    period_nests,
    table_cells,
)

FLOWS: set[str] = set()  # populations that add up over time (months -> quarters -> year)


def register_flow(population: str) -> None:
    """Declare a population counted once per event (reviews, notes): its months add up."""
    FLOWS.add(population)


class DisclosureError(RuntimeError):
    """The published set would expose a suppressed figure (one-line message)."""


Provider = Callable[[str, str, pl.DataFrame, object], tuple[list, list, list]]


@dataclass
class Published:
    """One publishable table of the run, with what relates its cells to others'."""

    report: str
    name: str  # pub_<name>
    df: pl.DataFrame
    spec: DisclosureSpec
    provider: Provider | None = None  # custom cells/ratios/groups (the pack); else spec.links
    truth: pl.DataFrame | None = None  # the table before suppression (checks declarations)


def _cells(t: Published, df: pl.DataFrame, params):
    if t.provider is not None:
        return t.provider(t.report, t.name, df, params)
    return table_cells(
        t.report, t.name, df, t.spec.links, params, ratios=t.spec.ratios, counts=t.spec.counts
    )


def build_relations(tables: list[Published], params) -> Relations:
    """All cells, ratios and sums of the run's published tables."""
    rel = Relations()
    groups: list[tuple[Link, list[Key]]] = []
    for t in tables:
        cells, ratios, g = _cells(t, t.df, params)
        rel.cells += cells
        rel.ratios += ratios
        groups += g
        rel.derived_leaks += derived_leaks(t.name, t.df, t.spec.derived)
    nests = list(NESTS) + period_nests(params, tuple(sorted(FLOWS)))
    rel.sums = generate_sums(groups, nests, {c.key for c in rel.cells})
    return rel


def _truth(tables: list[Published], params) -> tuple[dict[Key, float], list[str]]:
    """Unsuppressed value of every key shown, and any key shown with two different values."""
    truth: dict[Key, float] = {}
    errors = []
    for t in tables:
        if t.truth is None:
            continue
        cells, _, _ = _cells(t, t.truth, params)
        for c in cells:
            if c.value is None:
                continue
            if c.key in truth and abs(truth[c.key] - c.value) > 1e-6:
                errors.append(f"{t.name}: {c.key} is {c.value:g} here, {truth[c.key]:g} elsewhere")
            truth[c.key] = c.value
    return truth, errors


@dataclass
class Protection:
    tables: dict[str, pl.DataFrame]
    audit: AuditResult
    rounds: int
    added: int  # count cells suppressed by the linked protection (not the per-table rules)
    before: AuditResult | None = None  # the audit of the per-table protection alone
    notes: list[str] = field(default_factory=list)
    programmes: int = 0  # linear programmes solved by the protection and its audits, in all


def _apply(t: Published, rows_cols: list[tuple[int, str]]) -> pl.DataFrame:
    """Suppress cells (row, column) of a table, then every derived value worked out from them."""
    df = t.df.with_row_index("_r")
    for col in {c for _, c in rows_cols}:
        rows = [r for r, c in rows_cols if c == col]
        f = flag(col)
        hit = pl.col("_r").is_in(rows)
        df = df.with_columns(
            (pl.col(f).fill_null(False) | hit if f in df.columns else hit).alias(f)
        ).with_columns(pl.when(pl.col(f)).then(None).otherwise(pl.col(col)).alias(col))
    for col, sources in t.spec.derived.items():
        if col not in df.columns:
            continue
        cond = pl.col(flag(col)).fill_null(False) if flag(col) in df.columns else pl.lit(False)
        for s in sources:
            if flag(s) in df.columns:
                cond = cond | pl.col(flag(s))
        df = df.with_columns(cond.alias(flag(col))).with_columns(
            pl.when(pl.col(flag(col))).then(None).otherwise(pl.col(col)).alias(col)
        )
    return df.drop("_r")


def _candidates(system: System, e, near: set) -> list[tuple[tuple, object]]:
    """What could be suppressed to widen e: ratio values first, then counts that share a sum
    with e, not totals before parts, the smallest first (from the programme's marginals)."""
    out = [((0, 0, 0, 0.0, str(n)), ("ratio", n)) for n in e.binding_ratios]
    keys = [k for k in e.binding if k != e.key] + sorted(near)
    for k in dict.fromkeys(keys):
        state, v = system.status(k)
        if state == "known" and v is not None and v > 0:
            cost = (1, int(k not in near), system.wholes.get(k, 0), v, str(k))
            out.append((cost, ("key", k)))
    return sorted(out, key=lambda x: x[0])


def _hidden_truth(rel: Relations, truth: dict[Key, float]) -> dict[Key, float]:
    """True values of implied cells, worked out from the sums (one unknown at a time)."""
    truth = dict(truth)
    for _ in range(10):
        progress = False
        for whole, parts in rel.sums:
            members = (whole, *parts)
            missing = [m for m in members if m not in truth]
            if len(missing) != 1:
                continue
            m = missing[0]
            total = truth[whole] if m != whole else None
            if m == whole:
                truth[m] = sum(truth[p] for p in parts)
            else:
                truth[m] = total - sum(truth[p] for p in parts if p != m)
            progress = True
        if not progress:
            break
    return truth


def protect_linked(tables: list[Published], params, *, check: bool = True) -> Protection:
    """Secondary suppression across all tables until the audit finds nothing exposed.

    1. A key suppressed in one table is suppressed in every table that shows it.
    2. Structural pass over every sum: one unknown member that needs protection (a suppressed
       cell, or an implied cell whose true value is 1..threshold), or suppressed parts whose
       remainder is too small to hide them, gets a further cell suppressed: the smallest
       non-zero part shown (a total only if no part will do).
    3. Linear programmes: what the sums miss (chains across tables and ratios) is found by the
       audit and fixed from its marginals, round after round, then confirmed in whole numbers.
    """
    threshold = params.disclosure_threshold
    by_name = {t.name: t for t in tables}
    rel = build_relations(tables, params)
    truth, bad = _truth(tables, params)
    bad += check_true_values(rel, truth)
    if check and bad:
        raise RuntimeError("disclosure relations do not hold: " + "; ".join(bad[:20]))
    system = System(rel)
    first = audit(rel, threshold, integer=False, system=system)
    programmes = first.programmes
    original = {id(c): c.suppressed for c in rel.cells}
    cell_at = {(c.table, c.row, c.column): c for c in rel.cells}
    ratio_at = {(r.table, r.row, r.column): r for r in rel.ratios}
    hidden_ratios: set[tuple] = set()
    sums_with: dict[Key, list[int]] = {}
    for n, (whole, parts) in enumerate(rel.sums):
        for m in (whole, *parts):
            sums_with.setdefault(m, []).append(n)

    def derived(rows: set[tuple[str, int]]) -> None:
        """A derived value (or derived count) goes with any count it is worked out from."""
        for table, row in rows:
            for col, sources in by_name[table].spec.derived.items():
                if not any((c := cell_at.get((table, row, s))) and c.suppressed for s in sources):
                    continue
                if (r := ratio_at.get((table, row, col))) is not None:
                    r.active = False
                if (c := cell_at.get((table, row, col))) is not None and not c.suppressed:
                    c.suppressed, c.value = True, None

    def suppress(k: Key) -> int:
        n, rows = 0, set()
        for c in system.by_key.get(k, []):
            if not c.suppressed:
                c.suppressed, c.value, n = True, None, n + 1
                c.min_value = 1 if c.column in by_name[c.table].spec.counts else 0
                rows.add((c.table, c.row))
        derived(rows)
        return n

    def hide_ratio(n: int) -> int:
        r = rel.ratios[n]
        r.active = False
        hidden_ratios.add((r.table, r.row, r.column))
        # counts shown with it (a percentage's numerator and denominator) go with it
        for col, sources in by_name[r.table].spec.derived.items():
            c = cell_at.get((r.table, r.row, col))
            if r.column in sources and c is not None and not c.suppressed:
                c.suppressed, c.value = True, None
        return 1

    added = 0
    if threshold > 0:
        for k, cells in system.by_key.items():  # 1.
            if any(c.suppressed for c in cells):
                added += suppress(k)
        added += _structural(system, rel, _hidden_truth(rel, truth), threshold, suppress)
    rounds = 0
    for integer in (False, True) if threshold > 0 else ():
        res = audit(rel, threshold, integer=integer, system=system, want_binding=True)
        programmes += res.programmes
        while rounds < 200:
            exposed = [e for es in res.exposed.values() for e in es] + res.implied_exposed
            if not exposed:
                break
            rounds += 1
            touched = set()
            for e in exposed:
                e.binding = res.binding.get(e.key, [])
                e.binding_ratios = res.binding_ratios.get(e.key, [])
                near = {
                    m
                    for n in sums_with.get(e.key, [])
                    for m in (rel.sums[n][0], *rel.sums[n][1])
                    if m != e.key
                }
                cands = _candidates(system, e, near)
                if not cands:
                    continue
                kind, what = cands[0][1]
                added += hide_ratio(what) if kind == "ratio" else suppress(what)
                touched.add(system.component_of[system.index[e.key]])
            if not touched:
                break
            res = audit(
                rel,
                threshold,
                integer=integer,
                system=system,
                want_binding=True,
                only_components=touched,
            )
            programmes += res.programmes
    changes: dict[str, list[tuple[int, str]]] = {}
    for c in rel.cells:
        if c.suppressed and not original[id(c)]:
            changes.setdefault(c.table, []).append((c.row, c.column))
    for table, row, col in hidden_ratios:
        changes.setdefault(table, []).append((row, col))
    for name, rows_cols in changes.items():
        by_name[name].df = _apply(by_name[name], rows_cols)
    # components unchanged since their last integer audit are reused, not solved again
    final = audit(rel, threshold, integer=True, system=system)
    added = sum(1 for c in rel.cells if c.suppressed and not original[id(c)])
    return Protection(
        {t.name: t.df for t in tables},
        final,
        rounds,
        added,
        before=first,
        programmes=programmes + final.programmes,
    )


def _structural(system: System, rel: Relations, truth, threshold: int, suppress) -> int:
    """Step 2 of protect_linked: sums alone must not pin or bound a protected member."""

    def needs(m: Key) -> bool:
        state = system.status(m)[0]
        return state == "suppressed" or (state == "implied" and 1 <= truth.get(m, 0) <= threshold)

    def floor(m: Key) -> int:
        cells = system.by_key.get(m, [])
        return min((c.min_value for c in cells), default=0)

    added = 0
    for _ in range(50):
        changed = False
        for whole, parts in rel.sums:
            members = (whole, *parts)
            unknown = [m for m in members if system.status(m)[0] != "known"]
            if not any(needs(u) for u in unknown):
                continue
            weak = len(unknown) == 1
            if not weak and whole not in unknown:
                rest = system.status(whole)[1] - sum(
                    system.status(p)[1] for p in parts if p not in unknown
                )
                mins = sum(floor(u) for u in unknown)
                weak = any(
                    needs(u) and rest - (mins - floor(u)) <= threshold
                    for u in unknown
                    if system.status(u)[0] == "suppressed"
                )
            if not weak:
                continue
            cands = []
            for m in members:
                state, v = system.status(m)
                if state == "known" and v and v > 0:
                    cands.append((int(m == whole), system.wholes.get(m, 0), v, str(m), m))
            if cands:
                added += suppress(min(cands)[-1])
                changed = True
        if not changed:
            break
    return added


def audit_tables(tables: list[Published], params, *, integer: bool = True) -> AuditResult:
    """The audit of a set of published tables as they are (no further suppression)."""
    return audit(build_relations(tables, params), params.disclosure_threshold, integer=integer)
