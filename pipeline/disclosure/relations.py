"""The linear relations between every published figure of a run (docs/disclosure.md).

A published count is a *cell*; the children (or reviews, or notes) it counts are named by a
*population key*: a population and a set of dimension values, e.g.
`in care|date=2024-03-31|age=10-12`. Two cells with the same key count the same children,
wherever they are published (another table, another report, the pack, another month's
column). Keys relate linearly:

- **sums**: a table that lists every category of a dimension (the monthly age bands, the
  legal-status columns of a cross-table) says that the margin equals the sum of its rows;
- **complete dimensions**: a yes/no split such as "in timescale" has a complement ("late")
  that is a cell too, even when no table shows it (an *implied* cell);
- **nests**: one band system, so that tables nest rather than overlap: `10-15` is
  `10-12 + 13-15`, a legal-status group is the sum of its codes, a quarter is the sum of its
  months (for populations that add up over time, such as reviews);
- **ratios**: a published percentage or rate bounds its numerator against its denominator.

Each measure declares its table's part with `Link`s in its `DisclosureSpec.links`; global
nests are registered with `register_nest`. `build_relations` turns the tables of a run into
one `Relations` object; the linked protection (pipeline.disclosure.linked) and the audit
(pipeline.disclosure.audit) both read it, so they cannot disagree about what is published.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import polars as pl

Key = tuple[str, tuple[tuple[str, str], ...]]
TOTAL = "Total"  # a dimension value that means "all of them" (the margin)


def key(population: str, **dims: object) -> Key:
    """A population key; dimensions whose value is None or TOTAL are left out (the margin)."""
    items = tuple(
        sorted((d, _text(v)) for d, v in dims.items() if v is not None and _text(v) != TOTAL)
    )
    return (population, items)


def key_text(k: Key) -> str:
    return "|".join([k[0], *(f"{d}={v}" for d, v in k[1])])


def _text(v: object) -> str:
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def without(k: Key, dim: str) -> Key:
    return (k[0], tuple(item for item in k[1] if item[0] != dim))


def with_value(k: Key, dim: str, value: str) -> Key:
    return (k[0], tuple(sorted((*(i for i in k[1] if i[0] != dim), (dim, value)))))


def value_of(k: Key, dim: str) -> str | None:
    return next((v for d, v in k[1] if d == dim), None)


# ---------------------------------------------------------------- declarations
Dim = str | pl.Expr | Callable[[pl.DataFrame, object], pl.Expr]


@dataclass(frozen=True)
class Link:
    """How one count column of a table maps to population keys.

    count: the count column. population: the population counted (a name, or an expression
        giving it per row). dims: dimension -> column name or expression (or a function
        `(df, params) -> expression`) giving its value per row; null or TOTAL means the row
        is the margin over that dimension.
    sums: dimensions the table lists completely: within each group of the other dimensions,
        its rows add up to the margin (which may be a row of the table, a cell of another
        table, or implied).
    complete: dimension -> every value it can take (yes/no splits); values no row shows are
        implied cells, e.g. the reviews *not* in timescale.
    where: the rows this link applies to (default all).
    """

    count: str
    population: str | pl.Expr
    dims: Mapping[str, Dim] = field(default_factory=dict)
    sums: tuple[str, ...] = ()
    complete: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    where: pl.Expr | None = None


@dataclass(frozen=True)
class RatioLink:
    """A published percentage or rate: value = scale * numerator / denominator.

    numerator: the count column in the same row (its key is the numerator's key).
    denominator: a count column in the same row, or `drop:<dim>[,<dim>...]` (the numerator's
        key without those dimensions: a share of the group's total), or `const:<column>` (a
        published constant, e.g. the 0-17 population).
    decimals: the precision the value is published at (None: as stored).
    """

    value: str
    numerator: str
    denominator: str
    scale: float = 100.0
    decimals: int | None = None


@dataclass(frozen=True)
class Nest:
    """One value of a dimension is the sum of others (one band system across tables).

    populations: restrict to these populations (None: any), e.g. months add up to a quarter
    for reviews (each counted once) but not for distinct children starting.
    """

    dim: str
    whole: str
    parts: tuple[str, ...]
    populations: tuple[str, ...] | None = None


NESTS: list[Nest] = []


def register_nest(dim: str, whole: str, parts: Iterable[str], populations=None) -> None:
    """Declare that `whole` = sum of `parts` in dimension `dim` (wherever both are published)."""
    n = Nest(dim, whole, tuple(parts), None if populations is None else tuple(populations))
    if n not in NESTS:
        NESTS.append(n)


def period_nests(params, populations: tuple[str, ...]) -> list[Nest]:
    """Months add up to quarters and quarters to the year, this year and last (flows only)."""
    out = []
    for p in (params.previous, params):
        quarters, year_months = [], []
        for q in range(4):
            months = []
            for k in range(3):
                idx = (p.year_end - 1) * 12 + 3 + 3 * q + k  # April = month index 3
                months.append(f"{idx // 12:04d}-{idx % 12 + 1:02d}")
            label = f"{p.year_label} Q{q + 1}"
            quarters.append(label)
            year_months += months
            out.append(Nest("period", label, tuple(months), populations))
        out.append(Nest("period", p.year_label, tuple(quarters), populations))
        out.append(Nest("period", p.year_label, tuple(year_months), populations))
    return out


def month_label(col: str = "month_end_date") -> pl.Expr:
    """A date column as the period value 'YYYY-MM'."""
    return pl.col(col).dt.strftime("%Y-%m")


def quarter_label(params, quarter_col: str = "quarter", prefix: str = "") -> Callable:
    """'Q1' (or 1) in a table of the reporting year (or last year) as '2023-24 Q1'."""

    def expr(df: pl.DataFrame, p) -> pl.Expr:
        year = (params or p).previous.year_label if prefix else (params or p).year_label
        q = pl.col(quarter_col).cast(pl.String).str.replace("^Q", "")
        return pl.concat_str(pl.lit(f"{year} Q"), q)

    return expr


def share_links(
    population: str,
    dim: str,
    by: Mapping[str, Dim],
    *,
    category: Dim = "category",
    count: str = "children_count",
    pct: str | None = "children_pct",
    where: pl.Expr | None = None,
) -> tuple[tuple[Link, ...], tuple[RatioLink, ...]]:
    """Links of a `share()` table: a count per category of `dim` in each `by` group, listed
    completely (so the categories add up to the group's total), with % of that total."""
    link = Link(count, population, {**by, dim: category}, sums=(dim,), where=where)
    ratios = (RatioLink(pct, count, f"drop:{dim}"),) if pct else ()
    return (link,), ratios


def yes_no(flag: str, value: str = "yes") -> dict[str, Dim]:
    return {flag: pl.lit(value)}


# ---------------------------------------------------------------- the relation set
@dataclass
class Cell:
    """One published figure (a count): where it is, what it counts, and what is shown."""

    report: str
    table: str
    row: int
    column: str
    key: Key
    value: float | None  # as published (None when suppressed)
    suppressed: bool
    label: str = ""
    min_value: int = (
        0  # what the rules tell about a suppressed cell: 1 for counts (zeros are shown)
    )


@dataclass
class Ratio:
    """A published ratio: lo <= numerator / denominator <= hi (value cell at table,row,column)."""

    report: str
    table: str
    row: int
    column: str
    numerator: Key
    denominator: Key | None
    constant: float | None  # the denominator when it is a published constant
    lo: float
    hi: float
    active: bool = True  # False once the value itself is suppressed


@dataclass
class Relations:
    cells: list[Cell] = field(default_factory=list)
    ratios: list[Ratio] = field(default_factory=list)
    sums: list[tuple[Key, tuple[Key, ...]]] = field(default_factory=list)  # whole = sum(parts)
    derived_leaks: list[str] = field(default_factory=list)  # derived values shown, source not

    def keys(self) -> set[Key]:
        out = {c.key for c in self.cells}
        for whole, parts in self.sums:
            out.add(whole)
            out.update(parts)
        for r in self.ratios:
            out.add(r.numerator)
            if r.denominator is not None:
                out.add(r.denominator)
        return out


def _dim_expr(d: Dim, df: pl.DataFrame, params) -> pl.Expr:
    if isinstance(d, str):
        return pl.col(d)
    if isinstance(d, pl.Expr):
        return d
    return d(df, params)


def _row_label(row: dict, skip: set[str]) -> str:
    parts = []
    for c, v in row.items():
        if c in skip or c.startswith("is_") or c.startswith("_") or c.endswith("_pct"):
            continue
        if isinstance(v, int | float) and not isinstance(v, bool):
            continue
        if v is not None:
            parts.append(f"{c}={_text(v)}")
    return ", ".join(parts)


def table_cells(
    report: str,
    table: str,
    df: pl.DataFrame,
    links: Iterable[Link],
    params,
    *,
    ratios: Iterable[RatioLink] = (),
    counts: Iterable[str] = (),
) -> tuple[list[Cell], list[Ratio], list[tuple[Link, list[Key]]]]:
    """The cells (and published ratios) of one published table, by its links."""
    cells: list[Cell] = []
    out_ratios: list[Ratio] = []
    groups: list[tuple[Link, list[Key]]] = []
    indexed = df.with_row_index("_row")
    keys_by: dict[tuple[int, str], Key] = {}
    for link in links:
        if link.count not in df.columns:
            continue
        sel = indexed if link.where is None else indexed.filter(link.where)
        if sel.is_empty():
            continue
        pop = pl.lit(link.population) if isinstance(link.population, str) else link.population
        exprs = [pop.alias("_pop")] + [
            _dim_expr(d, sel, params).cast(pl.String).alias(f"_d_{name}")
            for name, d in link.dims.items()
        ]
        flag = f"is_{link.count}_suppressed"
        frame = sel.with_columns(exprs)
        link_keys = []
        for row in frame.iter_rows(named=True):
            dims = {name: row[f"_d_{name}"] for name in link.dims}
            k = key(row["_pop"], **dims)
            value = row[link.count]
            suppressed = bool(row.get(flag)) if flag in row else False
            if value is None and not suppressed:
                continue  # no data (a blank), not a figure
            cells.append(
                Cell(
                    report,
                    table,
                    row["_row"],
                    link.count,
                    k,
                    None if suppressed else float(value),
                    suppressed,
                    _row_label({c: row[c] for c in df.columns}, {link.count}),
                    1 if suppressed and link.count in set(counts) else 0,
                )
            )
            keys_by[(row["_row"], link.count)] = k
            link_keys.append(k)
        groups.append((link, link_keys))
    rows = df.to_dicts()
    for r in ratios:
        if r.value not in df.columns:
            continue
        for i, row in enumerate(rows):
            v = row.get(r.value)
            if v is None or row.get(f"is_{r.value}_suppressed"):
                continue
            num = keys_by.get((i, r.numerator))
            if num is None:
                continue
            den, const = None, None
            if r.denominator.startswith("drop:"):
                den = num
                for d in r.denominator.removeprefix("drop:").split(","):
                    den = without(den, d)
            elif r.denominator.startswith("const:"):
                const = row.get(r.denominator.removeprefix("const:"))
                if const is None:
                    continue
                const = float(const)
            else:
                den = keys_by.get((i, r.denominator))
                if den is None:
                    continue
            half = 0.5 * 10.0 ** (-r.decimals) if r.decimals is not None else 1e-9 * max(1, abs(v))
            out_ratios.append(
                Ratio(
                    report,
                    table,
                    i,
                    r.value,
                    num,
                    den,
                    const,
                    max(0.0, (v - half) / r.scale),
                    (v + half) / r.scale,
                )
            )
    return cells, out_ratios, groups


def derived_leaks(table: str, df: pl.DataFrame, derived: Mapping[str, tuple[str, ...]]) -> list:
    """Derived values published while a count they are worked out from is suppressed."""
    out = []
    for col, sources in derived.items():
        if col not in df.columns:
            continue
        shown = pl.col(col).is_not_null()
        if f"is_{col}_suppressed" in df.columns:
            shown = shown & ~pl.col(f"is_{col}_suppressed")
        hidden = pl.lit(False)
        for s in sources:
            if f"is_{s}_suppressed" in df.columns:
                hidden = hidden | pl.col(f"is_{s}_suppressed")
        n = df.filter(shown & hidden).height
        if n:
            out.append(f"{table}.{col}: {n} value(s) shown with a suppressed source")
    return out


def _atoms(dim: str, value: str, nests: list[Nest], seen=None) -> frozenset[str]:
    """The finest values a dimension value is made of (itself, unless it is a nest's whole)."""
    seen = seen or set()
    for n in nests:
        if n.dim == dim and n.whole == value and value not in seen:
            return frozenset().union(*(_atoms(dim, p, nests, seen | {value}) for p in n.parts))
    return frozenset({value})


def generate_sums(
    groups: list[tuple[Link, list[Key]]], nests: list[Nest], cell_keys: set[Key]
) -> list[tuple[Key, tuple[Key, ...]]]:
    """Every linear relation between the keys: table sums, complete dimensions, nests."""
    sums: dict[tuple[Key, frozenset], tuple[Key, tuple[Key, ...]]] = {}
    partitions: dict[tuple[Key, str], set[str]] = {}  # complete partitions seen: (context, dim)

    def add(whole: Key, parts: list[Key]) -> None:
        parts = sorted(set(parts))
        if not parts or parts == [whole]:
            return
        sums.setdefault((whole, frozenset(parts)), (whole, tuple(parts)))

    known = set(cell_keys)
    for link, keys in groups:
        for d in link.sums:
            by_ctx: dict[Key, list[Key]] = {}
            for k in keys:
                v = value_of(k, d)
                if v is not None:
                    by_ctx.setdefault(without(k, d), []).append(k)
            for ctx, parts in by_ctx.items():
                add(ctx, parts)
                partitions.setdefault((ctx, d), set()).update(value_of(p, d) for p in parts)
                known.add(ctx)
        for d, values in link.complete.items():
            for k in keys:
                if value_of(k, d) in values or value_of(k, d) is None:
                    ctx = without(k, d)
                    if value_of(k, d) is None and not any(
                        with_value(k, d, v) in known for v in values
                    ):
                        continue
                    parts = [with_value(ctx, d, v) for v in values]
                    add(ctx, parts)
                    partitions.setdefault((ctx, d), set()).update(values)
                    known.update(parts)
                    known.add(ctx)
    # nests, repeated so that implied cells (complements) nest too (late reviews in a quarter
    # are the late reviews of its months)
    whole_of: dict[tuple[str, str], list[int]] = {}  # (dim, value) -> nests it is the whole of
    for i, n in enumerate(nests):
        whole_of.setdefault((n.dim, n.whole), []).append(i)
    for _ in range(4):
        before = len(sums)
        for k in sorted(known):
            for i in sorted(i for item in k[1] for i in whole_of.get(item, ())):
                n = nests[i]
                if n.populations is not None and k[0] not in n.populations:
                    continue
                ctx = without(k, n.dim)
                parts = [with_value(ctx, n.dim, p) for p in n.parts]
                if not any(p in known for p in parts):
                    continue
                kept = []
                for p, part in zip(n.parts, parts, strict=True):
                    if part in known or not _provably_empty(ctx, n.dim, p, partitions, nests):
                        kept.append(part)
                add(k, kept)
                known.update(kept)
        if len(sums) == before:
            break
    return list(sums.values())


def _provably_empty(ctx: Key, dim: str, value: str, partitions, nests: list[Nest]) -> bool:
    """A value no complete listing of `dim` shows, and disjoint from all it shows, is zero."""
    values = partitions.get((ctx, dim))
    if not values:
        return False
    atoms = _atoms(dim, value, nests)
    return all(not (atoms & _atoms(dim, v, nests)) for v in values)


def check_true_values(rel: Relations, truth: Mapping[Key, float]) -> list[str]:
    """Relations that the unsuppressed figures break (a wrong declaration): must be empty."""
    bad = []
    for whole, parts in rel.sums:
        if whole in truth and all(p in truth for p in parts):
            total = sum(truth[p] for p in parts)
            if abs(truth[whole] - total) > 1e-6:
                bad.append(f"{key_text(whole)} = {truth[whole]:g} but its parts add to {total:g}")
    return bad
