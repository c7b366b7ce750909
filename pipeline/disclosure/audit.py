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

import highspy
import numpy as np
from scipy.optimize import linprog
from scipy.sparse import csc_matrix, csr_matrix, vstack

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
    reused: int = 0  # components whose audit was reused (nothing in them changed)
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
        reused = f" ({self.reused} reused unchanged)" if self.reused else ""
        out.append(
            f"{self.components} linked components{reused}, {self.programmes} linear programmes, "
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
        # component -> (what its programme was built from, with binding?, its audit): the
        # protection audits round after round, and most components do not change between
        # rounds (audit() reuses their result)
        self.cache: dict[int, tuple[tuple, bool, AuditResult]] = {}

    def signature(self, comp: int, members: list[int], integer: bool, threshold: int) -> tuple:
        """Everything a component's audit depends on that can change (the sums cannot)."""
        ratios = tuple(self.rel.ratios[n].active for n in self.ratios_of.get(comp, []))
        return (integer, threshold, tuple(_bounds(self, members)), ratios)

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
    """One programme with `scipy.optimize.linprog` (the reference formulation; the audit itself
    solves with `Programme`, and uses this for the marginals that choose what to suppress)."""
    kwargs = dict(A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    if integer:
        kwargs["integrality"] = np.ones(len(bounds))
    res = linprog(c, **kwargs)
    if res.status != 0:
        raise RuntimeError(
            f"disclosure audit: the published figures are inconsistent ({res.message})"
        )
    return res


INT_TOL = 1e-9  # an LP optimum this close to whole numbers is the integer optimum too
FEAS_TOL = 1e-7  # HiGHS's primal feasibility tolerance (its default)


class Programme:
    """One component's programme, built once in HiGHS (highspy): between solves only the
    objective changes, and each solve starts from the previous optimal basis.

    With `integer`, the linear relaxation is solved first: when its optimum is a whole-number
    point (rounded, and checked against every row and bound) it is the integer optimum as well
    (the relaxation's optimum bounds the integer one and that point attains it), so
    branch-and-bound runs only for fractional optima.
    """

    def __init__(self, bounds, a_eq, a_ub, b_ub, integer: bool):
        self.n = len(bounds)
        self.integer = integer
        lower = np.array([b[0] for b in bounds], dtype=float)
        upper = np.array([b[1] for b in bounds], dtype=float)
        blocks = [m for m in (a_ub, a_eq) if m is not None]
        rows_lo, rows_hi = [], []
        if a_ub is not None:
            rows_lo.append(np.full(a_ub.shape[0], -highspy.kHighsInf))
            rows_hi.append(np.asarray(b_ub, dtype=float))
        if a_eq is not None:
            rows_lo.append(np.zeros(a_eq.shape[0]))
            rows_hi.append(np.zeros(a_eq.shape[0]))
        matrix = csc_matrix(vstack(blocks)) if blocks else csc_matrix((0, self.n), dtype=float)
        lp = highspy.HighsLp()
        lp.num_col_ = self.n
        lp.num_row_ = matrix.shape[0]
        lp.col_cost_ = np.zeros(self.n)
        lp.col_lower_ = lower
        lp.col_upper_ = upper
        self.row_bounds = (
            np.concatenate(rows_lo) if rows_lo else np.zeros(0),
            np.concatenate(rows_hi) if rows_hi else np.zeros(0),
        )
        lp.row_lower_, lp.row_upper_ = self.row_bounds
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.num_col_ = self.n
        lp.a_matrix_.num_row_ = matrix.shape[0]
        lp.a_matrix_.start_ = matrix.indptr
        lp.a_matrix_.index_ = matrix.indices
        lp.a_matrix_.value_ = matrix.data.astype(float)
        self.lp = lp
        self.matrix = matrix.tocsr()  # to check a rounded point against every row
        self.col_bounds = (lower, upper)
        self.relaxed = self._highs(integer=False)
        self.whole = None  # the integer model, built when a relaxation's optimum is fractional
        self.solves = 0

    def _highs(self, integer: bool, presolve: bool = True):
        h = highspy.Highs()
        h.setOptionValue("output_flag", False)
        if not presolve:
            h.setOptionValue("presolve", "off")
        if integer:
            self.lp.integrality_ = [highspy.HighsVarType.kInteger] * self.n
        h.passModel(self.lp)
        self.lp.integrality_ = []
        return h

    def _run(self, h, c) -> tuple[np.ndarray, float]:
        h.changeColsCost(self.n, np.arange(self.n, dtype=np.int32), np.asarray(c, dtype=float))
        h.run()
        self.solves += 1
        status = h.getModelStatus()
        if status != highspy.HighsModelStatus.kOptimal:
            raise RuntimeError(
                "disclosure audit: the published figures are inconsistent "
                f"({h.modelStatusToString(status)})"
            )
        x = np.array(h.getSolution().col_value)
        return x, float(h.getInfo().objective_function_value)

    def _feasible(self, x) -> bool:
        """x within every bound and row, to HiGHS's own tolerance."""
        lower, upper = self.col_bounds
        if np.any(x < lower - FEAS_TOL) or np.any(x > upper + FEAS_TOL):
            return False
        rows = self.matrix @ x
        row_lower, row_upper = self.row_bounds
        return bool(np.all(rows >= row_lower - FEAS_TOL) and np.all(rows <= row_upper + FEAS_TOL))

    def minimise(self, c) -> tuple[np.ndarray, float]:
        """The minimum of c.x and a point attaining it (whole numbers if `integer`)."""
        x, fun = self._run(self.relaxed, c)
        if not self.integer:
            return x, fun
        whole = np.round(x)
        if np.all(np.abs(x - whole) <= INT_TOL) and self._feasible(whole):
            return whole, float(np.dot(c, whole))
        if self.whole is None:
            self.whole = self._highs(integer=True)
        try:
            return self._run(self.whole, c)
        except RuntimeError:
            # HiGHS's MIP presolve can call a feasible model infeasible when a ratio's
            # tolerance meets the BIG bounds (0.9995 x s0 at s0 = 1e7: found by the
            # random-components property); the published figures always have a solution,
            # their true values, so the model is solved again without presolve
            self.whole = self._highs(integer=True, presolve=False)
            return self._run(self.whole, c)


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
        sig = system.signature(comp, members, integer, threshold)
        cached = system.cache.get(comp)
        # marginals are kept only for exposed keys: a clean audit serves either way
        if (
            cached is not None
            and cached[0] == sig
            and (cached[1] or not want_binding or cached[2].ok)
        ):
            part = cached[2]
            result.reused += 1
        else:
            part = AuditResult(threshold)
            _audit_component(
                system, members, states, unknown, comp, threshold, integer, part, want_binding
            )
            system.cache[comp] = (sig, want_binding, part)
            result.programmes += part.programmes
        for es in part.exposed.values():
            for e in es:
                _record(result, e)
        result.implied_exposed += part.implied_exposed
        result.intervals |= part.intervals
        result.binding |= part.binding
        result.binding_ratios |= part.binding_ratios
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
        """Values seen only widen the interval from inside: they can show that a key exceeds
        the threshold (and, if suppressed, takes two values), never that it is certainly 0."""
        lo, hi = math.ceil(self.lo[n] - EPS), math.floor(self.hi[n] + EPS)
        return hi > threshold and (state != "suppressed" or hi > lo)


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
    programme = Programme(bounds, a_eq, a_ub, b_ub, integer)
    witness = _Witness(len(members))

    def solve(c) -> float:
        x, fun = programme.minimise(c)
        result.programmes += 1
        witness.add(x)
        return fun

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
        hi = -solve(c)
        if witness.protected(n, state, threshold):
            continue
        c[n] = 1.0
        lo = solve(c)
        lo_i = math.ceil(lo - EPS)
        hi_i = math.inf if hi >= BIG - 1 else math.floor(hi + EPS)
        result.intervals[k] = (lo_i, hi_i)
        reason = _verdict(state, lo_i, hi_i, threshold)
        if reason is None:
            continue
        cells = [cell for cell in system.by_key.get(k, []) if cell.suppressed]
        _record(result, Exposure(k, lo_i, hi_i, cells, reason))
        if want_binding:
            # the relaxation's marginals at its maximum, as scipy reports them (a cold solve:
            # the choice of what to suppress does not depend on earlier solves)
            res = _solve(-c, a_ub, b_ub, a_eq, b_eq, bounds, False)
            result.programmes += 1
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
