"""Run the contract rules as Great Expectations suites: one suite per raw table.

GX is imported lazily (it takes seconds) into an ephemeral, in-memory context with
analytics and progress bars off; Data Docs are never built (they load CDNs and a tracking
image). Each suite runs on a pandas copy of only the columns its expectations need, with
`result_format="COMPLETE"` so every unexpected row index comes back as a `row_id`.
"""

from __future__ import annotations

import os

import polars as pl

from pipeline.rules import Rule

FAILURES_SCHEMA = {"table": pl.String, "row_id": pl.UInt32, "rule_code": pl.String}


def _context():
    os.environ["GX_ANALYTICS_ENABLED"] = "False"
    import great_expectations as gx
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
    for table, table_rules in by_table.items():
        columns = sorted({r.gx[1]["column"] for r in table_rules})
        frame = raw[table].select(columns).to_pandas()
        batch_def = source.add_dataframe_asset(name=table).add_batch_definition_whole_dataframe(
            "all"
        )
        suite = context.suites.add(suite_for(gx, table, table_rules))
        batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
        result = batch.validate(suite, result_format="COMPLETE")
        for res in result.results:
            code = res.expectation_config.meta["rule_code"]
            if res.exception_info.get("raised_exception"):
                raise RuntimeError(f"Great Expectations could not run {code} on raw_{table}")
            rows = res.result.get("unexpected_index_list") or []
            if rows:
                found.append(
                    pl.DataFrame({"row_id": rows}, schema={"row_id": pl.UInt32}).with_columns(
                        table=pl.lit(table), rule_code=pl.lit(code)
                    )
                )
    if not found:
        return pl.DataFrame(schema=FAILURES_SCHEMA)
    return pl.concat(found, how="vertical").select(list(FAILURES_SCHEMA)).unique()
