"""Validation rules: a registry of small pure checks, one module per input table.

A rule is a function `(raw, ctx) -> pl.Expr | pl.DataFrame` registered with `@rule(...)`:
an expression is True on failing rows of its own table; a frame lists failing `row_id`s.
`raw` is the table as ingested (strings) with a `row_id` (0-based position). Rules run in
stages: stage 1 looks at one table; stage 2 compares with the header (orphans, dates of
birth) once stage-1 failures are out; stage 3 compares with episodes once those are clean.
Contract rules (codes `GX-...`) are generated from `pipeline/inputs/contract/tables.yml` and run
as Great Expectations suites (see `pipeline.rules.gx`) or by their polars twin.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module

import polars as pl

from pipeline.inputs.ingest import parse_date

RuleFn = Callable[[pl.DataFrame, "RuleContext"], "pl.Expr | pl.DataFrame"]


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


REGISTRY: dict[str, Rule] = {}


def rule(*, code: str, table: str, fields: tuple[str, ...], message: str, stage: int = 1, gx=None):
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
            )
        )
        return fn

    return register


def add(r: Rule) -> None:
    if r.code in REGISTRY:
        raise ValueError(f"rule code {r.code} registered twice")
    REGISTRY[r.code] = r


@dataclass
class RuleContext:
    """What a rule may look at besides its own table: the run's extract date and other tables."""

    extract_date: dt.date
    raw: dict[str, pl.DataFrame]  # table name (no prefix) -> strings + row_id
    failed: dict[str, pl.DataFrame] = field(
        default_factory=dict
    )  # table -> row_id of failures so far
    # the run's reporting year: the collection year of rows whose return is unknown
    year_end: int | None = None

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


def failing_rows(r: Rule, raw: pl.DataFrame, ctx: RuleContext) -> pl.DataFrame:
    """Run one rule: the `row_id`s of `raw` that fail it."""
    out = r.check(raw, ctx)
    if isinstance(out, pl.Expr):
        return raw.filter(out).select("row_id")
    return out.select("row_id").unique()
