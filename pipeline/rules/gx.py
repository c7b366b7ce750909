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


def run_suites(raw: dict[str, pl.DataFrame], rules: list[Rule]) -> pl.DataFrame:
    """Failing (table, row_id, rule_code) for every contract rule, computed by GX.

    `raw[table]` must have `row_id` equal to its row position (the pandas index).
    """
    by_table: dict[str, list[Rule]] = {}
    for r in rules:
        if r.gx is not None and raw[r.table].height:
            by_table.setdefault(r.table, []).append(r)
    if not by_table:
        return pl.DataFrame(schema=FAILURES_SCHEMA)
    gx, context = _context()
    source = context.data_sources.add_pandas("raw")
    found: list[pl.DataFrame] = []

    def add(table: str, code: str, rows) -> None:
        if len(rows):
            found.append(
                pl.DataFrame({"row_id": rows}, schema={"row_id": pl.UInt32}).with_columns(
                    table=pl.lit(table), rule_code=pl.lit(code)
                )
            )

    for table, table_rules in by_table.items():
        df = raw[table]
        values = [r for r in table_rules if r.gx[0] in VALUE_WISE]
        whole = [r for r in table_rules if r.gx[0] not in VALUE_WISE]
        if values:
            frame, distinct = _distinct_frame(df, sorted({r.gx[1]["column"] for r in values}))
            for code, column, idx in _validate(gx, context, source, table, frame, table, values):
                if idx:
                    d = distinct[column]
                    failing = d.gather([i if i < len(d) else 0 for i in idx])
                    add(table, code, _rows_holding(df, column, failing))
        if whole:
            frame = df.select(sorted({r.gx[1]["column"] for r in whole}))
            for code, _, idx in _validate(
                gx, context, source, f"{table}__whole", frame, table, whole
            ):
                add(table, code, idx)
    if not found:
        return pl.DataFrame(schema=FAILURES_SCHEMA)
    return pl.concat(found, how="vertical").select(list(FAILURES_SCHEMA)).unique()
