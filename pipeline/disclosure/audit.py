"""The disclosure audit: can any suppressed (or implied) figure be narrowed from what is published?

For every unknown population key (a suppressed cell, or an implied cell such as "reviews not
in timescale") the audit solves two linear programmes over everything published — the
smallest and the largest value consistent with every published cell, sum, nest and ratio
(docs/disclosure.md) — with HiGHS (`scipy.optimize.linprog`). Keys are split into connected
components first, so each programme is small.

Protection interval (threshold t):
- a suppressed cell must be able to take at least two whole values, and a value above t
  (otherwise it is pinned, or shown to be a small number);
- an implied cell must be either certainly zero or able to exceed t.
Known attacker knowledge: counts are whole numbers >= 0 and a suppressed count is >= 1
(zeros are always published).
"""

from __future__ import annotations

import math
import time
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csr_matrix

from pipeline.disclosure.relations import Cell, Key, Relations, key_text

EPS = 1e-6


@dataclass
class Exposure:
    key: Key
    lo: float
    hi: float
    cells: list[Cell]  # the suppressed cells with this key (empty: an implied cell)
    reason: str
    binding: list = field(default_factory=list)
    binding_ratios: list = field(default_factory=list)

    def describe(self) -> str:
        hi = "∞" if math.isinf(self.hi) else f"{self.hi:g}"
        where = (
            "; ".join(f"{c.table} [{c.label}] {c.column}" for c in self.cells[:3])
            if self.cells
            else f"implied {key_text(self.key)}"
        )
        return f"{where}: between {self.lo:g} and {hi} ({self.reason})"


@dataclass
class AuditResult:
    threshold: int
    published: dict[str, int] = field(default_factory=dict)  # per report
    suppressed: dict[str, int] = field(default_factory=dict)
    exposed: dict[str, list[Exposure]] = field(default_factory=dict)
    implied_exposed: list[Exposure] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    intervals: dict[Key, tuple[float, float]] = field(default_factory=dict)
    binding: dict[Key, list[Key]] = field(default_factory=dict)  # exposed key -> published keys
    binding_ratios: dict[Key, list[int]] = field(default_factory=dict)
    components: int = 0
    programmes: int = 0
    seconds: float = 0.0

    @property
    def n_exposed(self) -> int:
        return sum(len(v) for v in self.exposed.values()) + len(self.implied_exposed)

    @property
    def ok(self) -> bool:
        return self.n_exposed == 0 and not self.leaks

    def lines(self) -> list[str]:
        out = []
        for report in sorted(set(self.published) | set(self.suppressed)):
            exposed = self.exposed.get(report, [])
            out.append(
                f"{report}: {self.published.get(report, 0)} cells published, "
                f"{self.suppressed.get(report, 0)} suppressed, {len(exposed)} exposed"
            )
            out += [f"  exposed: {e.describe()}" for e in exposed]
        if self.implied_exposed:
            out.append(f"implied cells (complements): {len(self.implied_exposed)} exposed")
            out += [f"  exposed: {e.describe()}" for e in self.implied_exposed]
        out += [f"  derived value shown with a suppressed source: {x}" for x in self.leaks]
        out.append(
            f"{self.components} linked components, {self.programmes} linear programmes, "
            f"{self.seconds:.1f} s"
        )
        return out


class System:
    """The relation set as linear constraints, split into connected components."""

    def __init__(self, rel: Relations):
        self.rel = rel
        self.keys = sorted(rel.keys())
        self.index = {k: i for i, k in enumerate(self.keys)}
        self.by_key: dict[Key, list[Cell]] = defaultdict(list)
        for c in rel.cells:
            self.by_key[c.key].append(c)
        parent = list(range(len(self.keys)))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        def union(a: int, b: int) -> None:
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)

        for whole, parts in rel.sums:
            for p in parts:
                union(self.index[whole], self.index[p])
        for r in rel.ratios:
            if r.denominator is not None:
                union(self.index[r.numerator], self.index[r.denominator])
        comps: dict[int, list[int]] = defaultdict(list)
        for i in range(len(self.keys)):
            comps[find(i)].append(i)
        self.component_of = {i: find(i) for i in range(len(self.keys))}
        self.components = dict(comps)
        self.sums_of: dict[int, list[int]] = defaultdict(list)
        for n, (whole, _) in enumerate(rel.sums):
            self.sums_of[find(self.index[whole])].append(n)
        self.wholes: dict[Key, int] = defaultdict(int)  # how many sums a key is the total of
        for whole, _ in rel.sums:
            self.wholes[whole] += 1
        self.ratios_of: dict[int, list[int]] = defaultdict(list)
        for n, r in enumerate(rel.ratios):
            self.ratios_of[find(self.index[r.numerator])].append(n)

    def status(self, k: Key) -> tuple[str, float | None]:
        """'known' (some cell shows it), 'suppressed' or 'implied', and the value shown."""
        cells = self.by_key.get(k, [])
        shown = [c.value for c in cells if not c.suppressed and c.value is not None]
        if shown:
            return "known", shown[0]
        if cells:
            return "suppressed", None
        return "implied", None


BIG = 1e7  # a cap on every count, so that no programme is unbounded (>= BIG reads as "no bound")


def _bounds(system: System, members: list[int]) -> list[tuple[float, float]]:
    out = []
    for i in members:
        state, value = system.status(system.keys[i])
        if state == "known":
            out.append((value, value))
        elif state == "suppressed":
            floor = min(c.min_value for c in system.by_key[system.keys[i]])
            out.append((float(floor), BIG))
        else:
            out.append((0.0, BIG))
    return out


def _matrices(system: System, comp: int, members: list[int]):
    local = {i: n for n, i in enumerate(members)}
    rows, cols, vals = [], [], []
    for r, n in enumerate(system.sums_of.get(comp, [])):
        whole, parts = system.rel.sums[n]
        rows.append(r)
        cols.append(local[system.index[whole]])
        vals.append(1.0)
        for p in parts:
            rows.append(r)
            cols.append(local[system.index[p]])
            vals.append(-1.0)
    n_eq = len(system.sums_of.get(comp, []))
    a_eq = csr_matrix((vals, (rows, cols)), shape=(n_eq, len(members))) if n_eq else None
    urows, ucols, uvals, b_ub, ratio_ids = [], [], [], [], []
    r = 0
    for n in system.ratios_of.get(comp, []):
        ratio = system.rel.ratios[n]
        if not ratio.active:
            continue
        num = local[system.index[ratio.numerator]]
        if ratio.denominator is not None:
            den = local[system.index[ratio.denominator]]
            # num - hi*den <= 0 ; lo*den - num <= 0
            urows += [r, r, r + 1, r + 1]
            ucols += [num, den, num, den]
            uvals += [1.0, -ratio.hi, -1.0, ratio.lo]
            b_ub += [0.0, 0.0]
        else:
            urows += [r, r + 1]
            ucols += [num, num]
            uvals += [1.0, -1.0]
            b_ub += [ratio.hi * ratio.constant, -ratio.lo * ratio.constant]
        ratio_ids += [n, n]
        r += 2
    a_ub = csr_matrix((uvals, (urows, ucols)), shape=(r, len(members))) if r else None
    return (
        a_eq,
        (np.zeros(n_eq) if n_eq else None),
        a_ub,
        (np.array(b_ub) if r else None),
        ratio_ids,
    )


def _solve(c, a_ub, b_ub, a_eq, b_eq, bounds, integer: bool):
    kwargs = dict(A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if integer:
        kwargs["integrality"] = np.ones(len(bounds))
    res = linprog(c, **kwargs)
    if res.status != 0:
        raise RuntimeError(
            f"disclosure audit: the published figures are inconsistent ({res.message})"
        )
    return res


def _verdict(state: str, lo: float, hi: float, threshold: int) -> str | None:
    """Why a key with values in [lo, hi] (whole numbers) is exposed, or None if protected."""
    if state == "suppressed":
        if hi == lo:
            return "pinned"
        if hi <= threshold:
            return f"shown to be at most {threshold}"
    elif 1 <= hi <= threshold:
        return f"implied cell shown to be at most {threshold}"
    return None


def audit(
    rel: Relations,
    threshold: int,
    *,
    integer: bool = True,
    only_components: set[int] | None = None,
    system: System | None = None,
    want_binding: bool = False,
) -> AuditResult:
    """Interval of every unknown key; the exposed ones by report (see the module docstring).

    Two programmes per key would be slow: every solution found is a *witness* for all keys
    (a feasible value), so a key already seen at two whole values, one above the threshold,
    is protected without solving for it. Only the others get their own min/max programmes.
    """
    start = time.perf_counter()
    system = system or System(rel)
    result = AuditResult(threshold, leaks=list(rel.derived_leaks))
    for c in rel.cells:
        bucket = result.suppressed if c.suppressed else result.published
        bucket[c.report] = bucket.get(c.report, 0) + 1
    if threshold <= 0:
        result.seconds = time.perf_counter() - start
        return result
    for comp, members in system.components.items():
        if only_components is not None and comp not in only_components:
            continue
        states = [system.status(system.keys[i])[0] for i in members]
        for i, state in zip(members, states, strict=True):
            k = system.keys[i]
            if state == "known" and any(c.suppressed for c in system.by_key[k]):
                v = system.status(k)[1]  # shown in one place, suppressed in another
                cells = [c for c in system.by_key[k] if c.suppressed]
                _record(result, Exposure(k, v, v, cells, "shown elsewhere"))
                result.binding[k] = [k]
        unknown = [n for n, st in enumerate(states) if st != "known"]
        if not unknown or len(members) == 1:
            continue  # a lone suppressed cell is in no relation: nothing narrows it
        result.components += 1
        _audit_component(
            system, members, states, unknown, comp, threshold, integer, result, want_binding
        )
    result.seconds = time.perf_counter() - start
    return result


class _Witness:
    """The lowest and highest value each key took in any solution found so far."""

    def __init__(self, n: int):
        self.lo = np.full(n, np.inf)
        self.hi = np.full(n, -np.inf)

    def add(self, x) -> None:
        np.minimum(self.lo, x, out=self.lo)
        np.maximum(self.hi, x, out=self.hi)

    def protected(self, n: int, state: str, threshold: int) -> bool:
        lo, hi = math.ceil(self.lo[n] - EPS), math.floor(self.hi[n] + EPS)
        return _verdict(state, lo, hi, threshold) is None and (state != "suppressed" or hi > lo)


def _audit_component(
    system: System,
    members: list[int],
    states: list[str],
    unknown: list[int],
    comp: int,
    threshold: int,
    integer: bool,
    result: AuditResult,
    want_binding: bool,
) -> None:
    bounds = _bounds(system, members)
    a_eq, b_eq, a_ub, b_ub, ratio_ids = _matrices(system, comp, members)
    witness = _Witness(len(members))

    def solve(c, relaxed=False):
        res = _solve(c, a_ub, b_ub, a_eq, b_eq, bounds, integer and not relaxed)
        result.programmes += 1
        if not relaxed:
            witness.add(res.x)
        return res

    every = np.zeros(len(members))
    every[unknown] = 1.0
    solve(-every)
    solve(every)
    for n in unknown:
        state = states[n]
        if witness.protected(n, state, threshold):
            continue
        k = system.keys[members[n]]
        c = np.zeros(len(members))
        c[n] = -1.0
        res_max = solve(c)
        hi = -res_max.fun
        if witness.protected(n, state, threshold):
            continue
        c[n] = 1.0
        lo = solve(c).fun
        lo_i = math.ceil(lo - EPS)
        hi_i = math.inf if hi >= BIG - 1 else math.floor(hi + EPS)
        result.intervals[k] = (lo_i, hi_i)
        reason = _verdict(state, lo_i, hi_i, threshold)
        if reason is None:
            continue
        cells = [cell for cell in system.by_key.get(k, []) if cell.suppressed]
        _record(result, Exposure(k, lo_i, hi_i, cells, reason))
        if want_binding:
            res = res_max if not integer else solve(-c, relaxed=True)
            result.binding[k], result.binding_ratios[k] = _binding(system, members, res, ratio_ids)


def _record(result: AuditResult, e: Exposure) -> None:
    if e.cells:
        result.exposed.setdefault(e.cells[0].report, []).append(e)
    else:
        result.implied_exposed.append(e)


def _binding(system: System, members: list[int], res, ratio_ids) -> tuple[list[Key], list[int]]:
    """Published keys (and ratios) whose values hold the maximum down: candidates to suppress."""
    keys = []
    marg = np.abs(res.lower.marginals) + np.abs(res.upper.marginals)
    for n, i in enumerate(members):
        if marg[n] > 1e-9 and system.status(system.keys[i])[0] == "known":
            keys.append(system.keys[i])
    ratios = []
    if ratio_ids and res.ineqlin is not None:
        for n, m in enumerate(np.abs(res.ineqlin.marginals)):
            if m > 1e-9:
                ratios.append(ratio_ids[n])
    return keys, sorted(set(ratios))
