"""Run the contract rules as Great Expectations suites: one suite per raw table.

GX is imported lazily (it takes seconds) into an ephemeral, in-memory context with
analytics and progress bars off; Data Docs are never built (they load CDNs and a tracking
image). The import and the context are made once per process and reused.

Each suite runs on a pandas frame of only the columns its expectations need, with
`result_format="COMPLETE"` so every unexpected row index comes back. The value-wise
expectations (not null, in set, regex) depend on a value alone, so they run on each
column's *distinct* values (a national extract has far fewer distinct codes and dates
than rows) and every row holding a failing value fails; uniqueness depends on the whole
column, so it runs on the column in full. Results are the same rows either way.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache

import polars as pl

from pipeline.rules import Rule

FAILURES_SCHEMA = {"table": pl.String, "row_id": pl.UInt32, "rule_code": pl.String}
VALUE_WISE = frozenset(
    {
        "ExpectColumnValuesToNotBeNull",
        "ExpectColumnValuesToBeInSet",
        "ExpectColumnValuesToMatchRegex",
    }
)


@cache
def _gx():
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations as gx

    return gx


def _context():
    gx = _gx()
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    return gx, gx.get_context(mode="ephemeral", project_config=config)


def suite_for(gx, table: str, rules: list[Rule]):
    """The expectation suite of one table; each expectation carries its rule code in `meta`."""
    suite = gx.ExpectationSuite(name=f"raw_{table}")
    for r in rules:
        kind, kwargs = r.gx
        suite.add_expectation(getattr(gx.expectations, kind)(**kwargs, meta={"rule_code": r.code}))
    return suite


def _distinct_frame(df: pl.DataFrame, columns: list[str]) -> tuple[pl.DataFrame, dict]:
    """Equal-length columns of each column's distinct values (null included once, order of
    first appearance), padded with the column's first value: a repeated value cannot change
    a value-wise result. Also column -> its distinct values, to map indices back."""
    distinct = {c: df.get_column(c).unique(maintain_order=True) for c in columns}
    n = max(len(s) for s in distinct.values())
    frame = pl.DataFrame([s.extend_constant(s[0], n - len(s)) for s in distinct.values()])
    return frame, distinct


def _rows_holding(df: pl.DataFrame, column: str, values: pl.Series) -> pl.Series:
    """row_id of every row of `df` whose `column` is one of `values` (null matches null)."""
    wanted = pl.DataFrame({column: values}).unique()
    return (
        df.select("row_id", column)
        .join(wanted, on=column, how="semi", nulls_equal=True)
        .get_column("row_id")
    )


def _validate(gx, context, source, name: str, frame: pl.DataFrame, table: str, rules):
    """Run one suite on `frame`; yield (rule code, unexpected row positions)."""
    batch_def = source.add_dataframe_asset(name=name).add_batch_definition_whole_dataframe("all")
    suite = context.suites.add(suite_for(gx, name, rules))
    batch = batch_def.get_batch(batch_parameters={"dataframe": frame.to_pandas()})
    result = batch.validate(suite, result_format="COMPLETE")
    for res in result.results:
        code = res.expectation_config.meta["rule_code"]
        if res.exception_info.get("raised_exception"):
            raise RuntimeError(f"Great Expectations could not run {code} on raw_{table}")
        yield (
            code,
            res.expectation_config.kwargs["column"],
            res.result.get("unexpected_index_list") or [],
        )


@dataclass
class SuiteInput:
    """One suite's frame: each needed column's distinct values (`distinct` maps positions
    back to values) for the value-wise rules, or the needed columns in full."""

    table: str
    name: str
    frame: pl.DataFrame
    rules: list[Rule]
    distinct: dict | None = None


def plan_suites(raw: dict[str, pl.DataFrame], rules: list[Rule]) -> list[SuiteInput]:
    """The frames GX validates, per table (see the module docstring)."""
    by_table: dict[str, list[Rule]] = {}
    for r in rules:
        if r.gx is not None and raw[r.table].height:
            by_table.setdefault(r.table, []).append(r)
    plans = []
    for table, table_rules in by_table.items():
        df = raw[table]
        values = [r for r in table_rules if r.gx[0] in VALUE_WISE]
        whole = [r for r in table_rules if r.gx[0] not in VALUE_WISE]
        if values:
            frame, distinct = _distinct_frame(df, sorted({r.gx[1]["column"] for r in values}))
            plans.append(SuiteInput(table, table, frame, values, distinct))
        if whole:
            frame = df.select(sorted({r.gx[1]["column"] for r in whole}))
            plans.append(SuiteInput(table, f"{table}__whole", frame, whole))
    return plans


def check(plans: list[SuiteInput]) -> list[tuple[str, str, str, list[int]]]:
    """(suite name, rule code, column, unexpected positions) for every expectation: GX."""
    if not plans:
        return []
    gx, context = _context()
    source = context.data_sources.add_pandas("raw")
    return [
        (s.name, code, column, list(idx))
        for s in plans
        for code, column, idx in _validate(gx, context, source, s.name, s.frame, s.table, s.rules)
    ]


def failures_from(raw: dict[str, pl.DataFrame], plans: list[SuiteInput], results) -> pl.DataFrame:
    """Failing (table, row_id, rule_code) from `check`'s results."""
    by_name = {s.name: s for s in plans}
    found: list[pl.DataFrame] = []
    for name, code, column, idx in results:
        if not idx:
            continue
        s = by_name[name]
        if s.distinct is not None:
            d = s.distinct[column]
            failing = d.gather([i if i < len(d) else 0 for i in idx])
            rows = _rows_holding(raw[s.table], column, failing)
        else:
            rows = idx
        found.append(
            pl.DataFrame({"row_id": rows}, schema={"row_id": pl.UInt32}).with_columns(
                table=pl.lit(s.table), rule_code=pl.lit(code)
            )
        )
    if not found:
        return pl.DataFrame(schema=FAILURES_SCHEMA)
    return pl.concat(found, how="vertical").select(list(FAILURES_SCHEMA)).unique()


def run_suites(raw: dict[str, pl.DataFrame], rules: list[Rule]) -> pl.DataFrame:
    """Failing (table, row_id, rule_code) for every contract rule, computed by GX.

    `raw[table]` must have `row_id` equal to its row position (the pandas index).
    """
    plans = plan_suites(raw, rules)
    return failures_from(raw, plans, check(plans))
