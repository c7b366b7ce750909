"""Validation rules: a registry of small pure checks, one module per input table.

A rule is a function `(raw, ctx) -> pl.Expr | pl.DataFrame` registered with `@rule(...)`:
an expression is True on failing rows of its own table; a frame lists failing `row_id`s.
`raw` is the table as ingested (strings) with a `row_id` (0-based position). Rules run in
stages: stage 1 looks at one table; stage 2 compares with the header (orphans, dates of
birth) once stage-1 failures are out; stage 3 compares with episodes once those are clean.
Contract rules (codes `GX-...`) are generated from `pipeline/inputs/contract/tables.yml` and run
as Great Expectations suites (see `pipeline.rules.gx`) or by their polars twin.

Each rule has a severity: `quarantine` (the row would make a published figure wrong, so it
leaves the clean tables) or `warning` (the row is kept and listed for the operator). Rules
that implement a DfE SSDA903 validation rule carry its number in `dfe_code`; their codes are
`DFE-<number>` (with a suffix where the DfE rule blames rows of several tables, or where one
case of it quarantines and another only warns).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

import polars as pl

from pipeline.inputs.ingest import parse_date

RuleFn = Callable[[pl.DataFrame, "RuleContext"], "pl.Expr | pl.DataFrame | OnFrame"]

QUARANTINE, WARNING = "quarantine", "warning"
SEVERITIES = (QUARANTINE, WARNING)


@dataclass(frozen=True)
class Rule:
    code: str
    table: str
    fields: tuple[str, ...]
    message: str
    check: RuleFn
    stage: int = 1
    # contract rules only: (Great Expectations expectation class name, its kwargs)
    gx: tuple[str, dict] | None = None
    severity: str = QUARANTINE
    dfe_code: str | None = None  # the DfE SSDA903 validation rule number, if it is one
    protects: str = ""  # what it protects in the published figures (and why this severity)


@dataclass(frozen=True, eq=False)
class OnFrame:
    """A rule's result as a condition on a frame with a `row_id` column (True: the row
    fails). Rules whose conditions are on the same shared frame (the episodes in order,
    say) are evaluated together in one pass over it."""

    frame: pl.DataFrame
    condition: pl.Expr


REGISTRY: dict[str, Rule] = {}


def rule(
    *,
    code: str,
    table: str,
    fields: tuple[str, ...],
    message: str,
    stage: int = 1,
    gx=None,
    severity: str = QUARANTINE,
    dfe_code: str | None = None,
    protects: str = "",
):
    """Register a rule function under `code` (codes are unique across all tables)."""

    def register(fn: RuleFn) -> RuleFn:
        add(
            Rule(
                code=code,
                table=table,
                fields=tuple(fields),
                message=message,
                check=fn,
                stage=stage,
                gx=gx,
                severity=severity,
                dfe_code=dfe_code,
                protects=protects,
            )
        )
        return fn

    return register


def add(r: Rule) -> None:
    if r.code in REGISTRY:
        raise ValueError(f"rule code {r.code} registered twice")
    if r.severity not in SEVERITIES:
        raise ValueError(f"rule {r.code}: severity must be one of {SEVERITIES}")
    REGISTRY[r.code] = r


@dataclass
class RuleContext:
    """What a rule may look at besides its own table: the run's extract date and reporting
    year, and the other tables (raw, or without rows quarantined in an earlier stage)."""

    extract_date: dt.date
    raw: dict[str, pl.DataFrame]  # table name (no prefix) -> strings + row_id
    failed: dict[str, pl.DataFrame] = field(
        default_factory=dict
    )  # table -> row_id of quarantined rows so far
    # the run's reporting year: the collection year of rows whose return is unknown
    year_end: int | None = None
    # frames several rules share (episodes in order, continuously looked after ...), built once
    memo: dict = field(default_factory=dict)

    def shared(self, key: str, build: Callable[[], pl.DataFrame]) -> pl.DataFrame:
        """`build()` once per run under `key` (raw tables do not change between stages)."""
        if key not in self.memo:
            self.memo[key] = build()
        return self.memo[key]

    def year_end_expr(self, frame: pl.DataFrame | None = None) -> pl.Expr:
        """The collection year (year end, e.g. 2018 for 2017-18) of each row: its return's
        `collection_year` where the frame has one, else the run's reporting year."""
        year = pl.lit(self.year_end, pl.Int64)
        if frame is not None and "collection_year" in frame.columns:
            return pl.coalesce(pl.col("collection_year").cast(pl.Int64, strict=False), year)
        return year

    def collection_start(self, frame: pl.DataFrame | None = None) -> pl.Expr:
        """1 April that starts each row's collection year (inclusive)."""
        return pl.date(self.year_end_expr(frame) - 1, 4, 1)

    def collection_end(self, frame: pl.DataFrame | None = None) -> pl.Expr:
        """31 March that ends each row's collection year (inclusive)."""
        return pl.date(self.year_end_expr(frame), 3, 31)

    def return_start(self, frame: pl.DataFrame) -> pl.Expr:
        """1 April that starts the year of the row's own return, for checks that a date is
        not *before* the collection year. Null (so the check passes) for a row whose return
        is unknown, or where the inputs do not say: a multi-year extract holds earlier years
        legitimately, so only a row known to come from one return can be out of it."""
        if "collection_year" not in frame.columns:
            return pl.lit(None, pl.Date)
        return pl.date(pl.col("collection_year").cast(pl.Int64, strict=False) - 1, 4, 1)

    def clean(self, table: str) -> pl.DataFrame:
        """`table` without rows that failed a rule in an earlier stage."""
        df = self.raw[table]
        bad = self.failed.get(table)
        return df if bad is None or bad.is_empty() else df.join(bad, on="row_id", how="anti")

    def after_extract(self, *columns: str) -> pl.Expr:
        """True where any of `columns` is a date after the extract date."""
        limit = pl.lit(self.extract_date)
        return pl.any_horizontal([date(c) > limit for c in columns])


def date(column: str) -> pl.Expr:
    """A raw date column parsed (null where absent or unparseable)."""
    return parse_date(pl.col(column))


TABLE_MODULES = (
    "header",
    "episodes",
    "placements",
    "reviews",
    "uasc",
    "missing",
    "oc2",
    "oc3",
    "ad1",
    "placed_for_adoption",
    "previous_permanence",
    "review_process",
    "escalations",
    "contacts",
    "practice_notes",
    "cross_table",
    "cin_census",
    "ssd_visits",
    "annex_a",
)


def registry() -> dict[str, Rule]:
    """Every rule, importing the rule modules on first use."""
    for name in TABLE_MODULES:
        import_module(f"pipeline.rules.{name}")
    return REGISTRY
