"""raw_ tables -> typed core_ tables + quarantine, with every row accounted for.

Before any rule runs, rows that a later annual return repeats are *superseded* (the latest
return wins: `pipeline.inputs.returns`) and reviews or missing episodes dated before the
data's coverage are *out of scope* (history the returns do not cover); neither is an error.
Each rule (pipeline/rules) names failing rows among the rest; a row failing any rule goes
to the quarantine (one row per failing rule, with file, row number, child ID, rule code,
reason) and is left out of core. Each rule has a severity: a row failing only `warning`
rules stays in core and is listed in the warnings (child-level, like the quarantine), with
the DfE rule number where the rule implements one. Per table (and per return), rows_in ==
rows_clean + rows_quarantined + rows_superseded + rows_out_of_scope exactly: `validate`
asserts it, so a row can never be silently lost; rows_warned counts the clean rows that
carry a warning. Summary and rule counts hold only counts, rule codes and reasons (no
child-level values) and may be shared.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.core.schemas import CORE, conform
from pipeline.inputs.contract import TableSpec, codes, tables
from pipeline.inputs.ingest import empty_raw, parse_date
from pipeline.inputs.returns import (
    Coverage,
    before_coverage,
    coverage,
    stack,
)
from pipeline.params import RunParams
from pipeline.rules import QUARANTINE, WARNING, OnFrame, Rule, RuleContext, registry

log = logging.getLogger(__name__)

#: Set by the build (pipeline/run/gxcheck.py): with engine="polars", `run_rules` hands the
#: rows to Great Expectations running in another process and the polars twins' result to
#: compare against, so GX's import and suites stay off the build's critical path.
GX_BESIDE: ContextVar = ContextVar("gx_beside", default=None)

QUARANTINE_SCHEMA = {
    "table": pl.String,
    "source_file": pl.String,
    "source_row": pl.Int64,
    "child_id": pl.String,
    "rule_code": pl.String,
    "message": pl.String,
    "fields": pl.String,
}
# the operator's list (`cic-reports validate --rows`): one line per (row, rule), both severities
ISSUES_SCHEMA = {
    "table": pl.String,
    "source_file": pl.String,
    "source_row": pl.Int64,
    "child_id": pl.String,
    "rule_code": pl.String,
    "dfe_rule": pl.String,
    "severity": pl.String,
    "message": pl.String,
}
# the row accounting: rows_in is the sum of the other four
COUNT_COLUMNS = (
    "rows_in",
    "rows_clean",
    "rows_quarantined",
    "rows_superseded",
    "rows_out_of_scope",
)
# clean rows that carry at least one warning (they are counted in rows_clean too)
WARNED = "rows_warned"
SUMMARY_SCHEMA = {"table": pl.String} | {c: pl.Int64 for c in (*COUNT_COLUMNS, WARNED)}
RETURNS_SCHEMA = {"table": pl.String, "collection_year": pl.Int64, "return_label": pl.String} | {
    c: pl.Int64 for c in (*COUNT_COLUMNS, WARNED)
}
STATUS_SCHEMA = {"table": pl.String, "row_id": pl.UInt32, "row_status": pl.String}
RULE_COUNTS_SCHEMA = {
    "rule_code": pl.String,
    "dfe_rule": pl.String,
    "severity": pl.String,
    "table": pl.String,
    "message": pl.String,
    "rows_count": pl.Int64,
}
FAILURES_SCHEMA = {"table": pl.String, "row_id": pl.UInt32, "rule_code": pl.String}


@dataclass
class ValidationResult:
    core: dict[str, pl.DataFrame]
    quarantine: pl.DataFrame  # child-level: never published
    summary: pl.DataFrame  # aggregate: table, rows_in, rows_clean, rows_quarantined, ...
    rule_counts: (
        pl.DataFrame
    )  # aggregate: rule_code, dfe_rule, severity, table, message, rows_count
    by_return: pl.DataFrame = None  # aggregate: the summary per table and collection year
    coverage: Coverage | None = None
    coverage_table: pl.DataFrame = None  # aggregate: years covered (pipeline.inputs.returns)
    conflicts: pl.DataFrame = None  # child-level: values two returns disagree on
    row_status: pl.DataFrame = None  # child-level keys: table, row_id, row_status
    warnings: pl.DataFrame = None  # child-level, QUARANTINE_SCHEMA: rows kept but listed
    issues: pl.DataFrame = None  # child-level, ISSUES_SCHEMA: every (row, rule), both severities

    def aggregate_tables(self) -> dict[str, pl.DataFrame]:
        """The shareable outputs under the names the notebook reads."""
        return {
            "validation_summary": self.summary,
            "validation_rules": self.rule_counts,
            "validation_returns": self.by_return,
            "validation_coverage": self.coverage_table,
        }


# ---------------------------------------------------------------- entry point
def validate(
    raw_tables: dict[str, pl.DataFrame],
    params: RunParams,
    *,
    engine: str = "gx",
    select: Callable[[Rule], bool] | None = None,
) -> ValidationResult:
    """Check every raw table, quarantine failing rows and build the typed core tables.

    `engine="gx"` runs the contract rules as Great Expectations suites; `"polars"` runs
    their polars twins (same codes, same rows; no GX import). `select` keeps only some
    rules (the benchmark times validation with and without the DfE rules). Rows whose
    return's collection year is unknown are judged against `params.year_end`.
    """
    if engine not in ("gx", "polars"):
        raise ValueError(f"engine must be 'gx' or 'polars', not {engine!r}")
    raw = prepare(raw_tables)
    cov = coverage(raw, params.extract_date)
    sup, conflicts = stack(raw)
    set_aside = _set_aside(raw, sup, cov)
    live = {
        t: _renumber(df.join(_ids(set_aside, t), on="row_id", how="anti")) for t, df in raw.items()
    }
    failures = _original_ids(
        run_rules(
            live, params.extract_date, engine=engine, year_end=params.year_end, select=select
        ),
        live,
    )
    history = _history_before_episodes(raw, failures, set_aside)
    set_aside = pl.concat([set_aside, history], how="vertical")
    failures = failures.join(history.select("table", "row_id"), on=["table", "row_id"], how="anti")
    blocking = _quarantining(failures)  # warnings do not remove rows
    gone = pl.concat([set_aside.select("table", "row_id"), blocking.select("table", "row_id")])
    clean = {t: df.join(_ids(gone, t), on="row_id", how="anti") for t, df in raw.items()}
    core = build_core(clean, postcodes=_postcode_file(params))
    first = min([params.year_end - params.history_years - 1, *(y - 1 for y in cov.return_years)])
    coverage_table = cov.table(first, params.year_end)
    core["core_coverage"] = conform("core_coverage", coverage_table)
    issues = issue_rows(raw, failures)
    quarantine = issues.filter(pl.col("severity") == QUARANTINE).select(list(QUARANTINE_SCHEMA))
    warnings = issues.filter(pl.col("severity") == WARNING).select(list(QUARANTINE_SCHEMA))
    status = _row_status(raw, blocking, set_aside, failures)
    summary = _summary(status, ["table"])
    by_return = _by_return(raw, status)
    _assert_reconciles(summary, core)
    rule_counts = _rule_counts(failures)
    log.info(
        "validated %d rows: %d clean, %d quarantined, %d superseded, %d out of scope; "
        "%d clean rows with warnings",
        *(summary[c].sum() for c in (*COUNT_COLUMNS, WARNED)),
    )
    return ValidationResult(
        core=core,
        quarantine=quarantine,
        summary=summary,
        rule_counts=rule_counts,
        by_return=by_return,
        coverage=cov,
        coverage_table=coverage_table,
        conflicts=conflicts,
        row_status=status,
        warnings=warnings,
        issues=issues,
    )


def _ids(frame: pl.DataFrame, table: str) -> pl.DataFrame:
    return frame.filter(pl.col("table") == table).select("row_id").unique()


def _set_aside(raw: dict[str, pl.DataFrame], sup: pl.DataFrame, cov: Coverage) -> pl.DataFrame:
    """(table, row_id, row_status) of rows no rule sees: superseded, or before coverage."""
    parts = [sup.select("table", "row_id", row_status=pl.lit("superseded"))]
    for table, df in raw.items():
        early = before_coverage(table, df.join(_ids(sup, table), on="row_id", how="anti"), cov)
        parts.append(
            early.select(table=pl.lit(table), row_id="row_id", row_status=pl.lit("out of scope"))
        )
    return pl.concat([p.cast(STATUS_SCHEMA) for p in parts], how="vertical")


def _renumber(df: pl.DataFrame) -> pl.DataFrame:
    """Rules (and GX, which reports positions) see row_id = position; `_row_id` keeps the original."""
    return df.rename({"row_id": "_row_id"}).with_row_index("row_id")


def _original_ids(failures: pl.DataFrame, live: dict[str, pl.DataFrame]) -> pl.DataFrame:
    parts = []
    for table, df in live.items():
        f = failures.filter(pl.col("table") == table)
        if f.height:
            parts.append(
                f.join(df.select("row_id", "_row_id"), on="row_id", how="left")
                .drop("row_id")
                .rename({"_row_id": "row_id"})
                .select(list(FAILURES_SCHEMA))
            )
    return _concat(parts, FAILURES_SCHEMA)


def _history_before_episodes(
    raw: dict[str, pl.DataFrame], failures: pl.DataFrame, set_aside: pl.DataFrame
) -> pl.DataFrame:
    """Reviews of a multi-year extract outside any episode only because they are dated before
    the child's earliest episode in the extract: history it does not hold, out of scope."""
    f = _quarantining(failures).filter(pl.col("table") == "reviews")
    only_xt04 = (
        f.group_by("row_id")
        .agg(pl.col("rule_code").alias("codes"))
        .filter(pl.col("codes").list.len() == 1, pl.col("codes").list.first() == "XT04")
        .select("row_id")
    )
    gone = pl.concat([_ids(set_aside, "episodes"), _ids(_quarantining(failures), "episodes")])
    first = (
        raw["episodes"]
        .join(gone, on="row_id", how="anti")
        .group_by("CHILD")
        .agg(first=parse_date(pl.col("DECOM")).min())
    )
    hit = (
        raw["reviews"]
        .join(only_xt04, on="row_id", how="semi")
        .filter(pl.col("collection_year").is_null())
        .join(first, on="CHILD", how="inner")
        .filter(parse_date(pl.col("REVIEW")) < pl.col("first"))
    )
    return hit.select(
        table=pl.lit("reviews"), row_id="row_id", row_status=pl.lit("out of scope")
    ).cast(STATUS_SCHEMA)


def _row_status(raw, failures, set_aside, warned=None) -> pl.DataFrame:
    """Every raw row once: clean, quarantined, superseded or out of scope (`failures`: the
    quarantining ones), and `is_warned` for a clean row that fails a warning rule."""
    parts = []
    for table, df in raw.items():
        ids = df.select(table=pl.lit(table), row_id="row_id")
        parts.append(ids)
    every = pl.concat(parts, how="vertical").cast({"table": pl.String, "row_id": pl.UInt32})
    bad = failures.select("table", "row_id").unique().with_columns(row_status=pl.lit("quarantined"))
    marked = pl.concat([set_aside, bad.cast(STATUS_SCHEMA)], how="vertical").unique(
        ["table", "row_id"], keep="first"
    )
    status = every.join(marked, on=["table", "row_id"], how="left").with_columns(
        pl.col("row_status").fill_null("clean")
    )
    w = (warned if warned is not None else failures).select("table", "row_id").unique()
    return (
        status.join(w.with_columns(_w=pl.lit(True)), on=["table", "row_id"], how="left")
        .with_columns(is_warned=(pl.col("row_status") == "clean") & pl.col("_w").fill_null(False))
        .select(*STATUS_SCHEMA, "is_warned")
    )


_STATUS_COLUMN = {
    "clean": "rows_clean",
    "quarantined": "rows_quarantined",
    "superseded": "rows_superseded",
    "out of scope": "rows_out_of_scope",
}


def _summary(status: pl.DataFrame, by: list[str], keys: pl.DataFrame | None = None) -> pl.DataFrame:
    """Counts per status, one row per `by` key (every contract table when by == ['table'])."""
    counts = (
        status.group_by(*by, "row_status")
        .len()
        .with_columns(pl.col("row_status").replace_strict(_STATUS_COLUMN))
        .pivot(on="row_status", index=by, values="len")
    )
    if keys is None:
        keys = pl.DataFrame({"table": list(tables())})
    out = keys.join(counts, on=by, how="left", nulls_equal=True)  # null: a multi-year extract
    out = out.with_columns(
        [
            (pl.col(c) if c in out.columns else pl.lit(0)).fill_null(0).cast(pl.Int64).alias(c)
            for c in COUNT_COLUMNS
            if c != "rows_in"
        ]
    )
    warned = status.group_by(*by).agg(pl.col("is_warned").sum().cast(pl.Int64).alias(WARNED))
    return (
        out.with_columns(
            rows_in=pl.sum_horizontal([c for c in COUNT_COLUMNS if c != "rows_in"]).cast(pl.Int64)
        )
        .join(warned, on=by, how="left", nulls_equal=True)
        .with_columns(pl.col(WARNED).fill_null(0))
        .select(*by, *COUNT_COLUMNS, WARNED)
    )


def _by_return(raw: dict[str, pl.DataFrame], status: pl.DataFrame) -> pl.DataFrame:
    """The row accounting per table and return (collection year; null: multi-year extract)."""
    years = pl.concat(
        [
            df.select(table=pl.lit(t), row_id="row_id", collection_year="collection_year")
            for t, df in raw.items()
        ],
        how="vertical",
    ).cast({"table": pl.String, "row_id": pl.UInt32, "collection_year": pl.Int64})
    s = status.join(years, on=["table", "row_id"], how="left")
    keys = s.select("table", "collection_year").unique()
    if keys.is_empty():
        return pl.DataFrame(schema=RETURNS_SCHEMA)
    out = _summary(s, ["table", "collection_year"], keys)
    order = {t: i for i, t in enumerate(tables())}
    label = (
        pl.when(pl.col("collection_year").is_null())
        .then(pl.lit("multi-year extract"))
        .otherwise(
            pl.concat_str(
                pl.lit("return "),
                (pl.col("collection_year") - 1).cast(pl.String),
                pl.lit("-"),
                (pl.col("collection_year") % 100).cast(pl.String).str.zfill(2),
            )
        )
    )
    return (
        out.with_columns(return_label=label, _o=pl.col("table").replace_strict(order))
        .sort("_o", "collection_year", nulls_last=True)
        .select(list(RETURNS_SCHEMA))
    )


def prepare(raw_tables: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Contract table name -> raw strings + `row_id`; absent optional tables are empty."""
    out = {}
    for name, spec in tables().items():
        df = raw_tables.get(f"raw_{name}", raw_tables.get(name))
        if df is None:
            df = empty_raw(spec)
        if "source_row" not in df.columns:
            df = df.with_row_index("source_row", offset=2).with_columns(
                pl.col("source_row").cast(pl.Int64)
            )
        if "source_file" not in df.columns:
            df = df.with_columns(source_file=pl.lit(name))
        if "collection_year" not in df.columns:
            df = df.with_columns(collection_year=pl.lit(None, pl.Int64))
        df = df.with_columns(
            [pl.lit(None, pl.String).alias(c) for c in spec.column_names if c not in df.columns]
        )
        year = pl.col("collection_year").cast(pl.Int64)
        if "Year" in spec.column_names:  # CIN census as CSV: the return's year is a column
            year = pl.coalesce(pl.col("Year").cast(pl.Int64, strict=False), year)
        # an Annex A workbook's place among several of one collection year
        order = ["stack_order"] if "stack_order" in df.columns else []
        out[name] = df.select(
            *spec.column_names,
            "source_file",
            "source_row",
            year.alias("collection_year"),
            *order,
        ).with_row_index("row_id")
    return out


def run_rules(
    raw: dict[str, pl.DataFrame],
    extract_date: dt.date,
    *,
    engine: str = "polars",
    year_end: int | None = None,
    select: Callable[[Rule], bool] | None = None,
) -> pl.DataFrame:
    """Every failure as (table, row_id, rule_code), running rules stage by stage.

    `year_end` is the collection year of rows whose return is unknown. A later stage sees
    the tables without the rows quarantined so far (`ctx.clean`); warnings do not remove
    rows, so they never hide a row from a later rule.
    """
    rules = [r for r in registry().values() if select is None or select(r)]
    ctx = RuleContext(extract_date=extract_date, raw=raw, year_end=year_end)
    parts: list[pl.DataFrame] = []
    beside = GX_BESIDE.get() if engine == "polars" else None
    if beside is not None:  # the build: GX checks the same rows in another process
        beside.submit(raw, [r for r in rules if r.gx is not None])
    if engine == "gx":
        from pipeline.rules.gx import run_suites

        parts.append(run_suites(raw, [r for r in rules if r.gx is not None]))
    for stage in sorted({r.stage for r in rules}):
        todo = [r for r in rules if r.stage == stage and not (engine == "gx" and r.gx is not None)]
        for table in raw:
            parts += _run_table_rules([r for r in todo if r.table == table], raw[table], ctx)
        so_far = _quarantining(_concat(parts, FAILURES_SCHEMA))
        ctx.failed = {t: _failed_ids(so_far, t) for t in raw}
    result = _concat(parts, FAILURES_SCHEMA).unique().sort("table", "row_id", "rule_code")
    if beside is not None:
        beside.expect(result)
    return result


def _quarantining(failures: pl.DataFrame) -> pl.DataFrame:
    """The failures of rules whose severity is `quarantine`."""
    codes = [r.code for r in registry().values() if r.severity == QUARANTINE]
    return failures.filter(pl.col("rule_code").is_in(codes))


def _run_table_rules(rules: list[Rule], raw: pl.DataFrame, ctx: RuleContext) -> list[pl.DataFrame]:
    """Run one table's rules; expression rules share one pass (dates parsed once per column),
    and so do rules whose conditions are on the same shared frame (`OnFrame`)."""
    passes: dict[int, tuple[pl.DataFrame, dict[str, pl.Expr]]] = {id(raw): (raw, {})}
    parts = []
    for r in rules:
        out = r.check(raw, ctx)
        if isinstance(out, pl.Expr):
            passes[id(raw)][1][r.code] = out
        elif isinstance(out, OnFrame):
            passes.setdefault(id(out.frame), (out.frame, {}))[1][r.code] = out.condition
        else:
            parts.append(
                out.select("row_id")
                .unique()
                .with_columns(table=pl.lit(r.table), rule_code=pl.lit(r.code))
            )
    for frame, exprs in passes.values():
        if not exprs or not frame.height:
            continue
        flags = (
            frame.lazy()
            .select("row_id", *[e.fill_null(False).alias(code) for code, e in exprs.items()])
            .collect()
        )
        for code in exprs:
            hit = flags.filter(pl.col(code)).select("row_id").unique()
            if hit.height:
                parts.append(hit.with_columns(table=pl.lit(rules[0].table), rule_code=pl.lit(code)))
    return parts


def _concat(parts: list[pl.DataFrame], schema: dict) -> pl.DataFrame:
    frames = [p.select([pl.col(c).cast(t) for c, t in schema.items()]) for p in parts]
    return pl.concat(frames, how="vertical") if frames else pl.DataFrame(schema=schema)


def _failed_ids(failures: pl.DataFrame, table: str) -> pl.DataFrame:
    return failures.filter(pl.col("table") == table).select("row_id").unique()


# ---------------------------------------------------------------- quarantine and counts
def _rules_frame() -> pl.DataFrame:
    rules = registry().values()
    return pl.DataFrame(
        {
            "rule_code": [r.code for r in rules],
            "dfe_rule": [r.dfe_code or "" for r in rules],
            "severity": [r.severity for r in rules],
            "message": [r.message for r in rules],
            "fields": [", ".join(r.fields) for r in rules],
        }
    )


def issue_rows(raw: dict[str, pl.DataFrame], failures: pl.DataFrame) -> pl.DataFrame:
    """One row per failing rule per row: where to find it, whose it is, why it failed and
    whether it was quarantined (ISSUES_SCHEMA plus `fields`)."""
    parts = []
    for table, df in raw.items():
        f = failures.filter(pl.col("table") == table)
        if f.height:
            parts.append(
                f.join(
                    df.select(
                        "row_id",
                        "source_file",
                        "source_row",
                        child_id=tables()[table].child_column,
                    ),
                    on="row_id",
                    how="left",
                )
            )
    columns = [*ISSUES_SCHEMA, "fields"]
    if not parts:
        return pl.DataFrame(schema={**ISSUES_SCHEMA, "fields": pl.String})
    return (
        pl.concat(parts, how="vertical")
        .join(_rules_frame(), on="rule_code", how="left")
        .select(columns)
        .sort("table", "source_file", "source_row", "rule_code")
    )


def quarantine_rows(raw: dict[str, pl.DataFrame], failures: pl.DataFrame) -> pl.DataFrame:
    """The quarantined (row, rule) pairs: QUARANTINE_SCHEMA."""
    issues = issue_rows(raw, failures)
    return issues.filter(pl.col("severity") == QUARANTINE).select(list(QUARANTINE_SCHEMA))


def operator_rows(result: ValidationResult) -> pl.DataFrame:
    """The operator's list: one line per (row, rule), in file order, both severities.

    Child-level (it names the child and the row): it is written only where the operator
    points `cic-reports validate --rows`, never into the processed or published layers.
    """
    return result.issues.select(list(ISSUES_SCHEMA)).rename({"child_id": "CHILD"})


ROWS_FILE_NOTE = (
    "# SENSITIVE: child-level validation list from cic-reports (child IDs and row numbers). "
    "Keep it with the raw data; never publish or share it."
)


def write_operator_rows(result: ValidationResult, path: Path) -> int:
    """Write the operator's list as CSV (a first `#` line labels it sensitive); lines written."""
    df = operator_rows(result)
    with path.open("w", encoding="utf-8", newline="") as f:
        f.write(ROWS_FILE_NOTE + "\n")
        df.write_csv(f)
    return df.height


def read_operator_rows(path: Path) -> pl.DataFrame:
    """Read a list written by `write_operator_rows` (for comparisons and tests)."""
    return pl.read_csv(
        path, comment_prefix="#", schema_overrides={"CHILD": pl.String, "dfe_rule": pl.String}
    )


CORE_SOURCE = {
    "core_children": "header",
    "core_episodes": "episodes",
    "core_reviews": "reviews",
    "core_review_process": "review_process",
    "core_escalations": "escalations",
    "core_contacts": "contacts",
    "core_practice_notes": "practice_notes",
    "core_uasc": "uasc",
    "core_missing": "missing",
    "core_oc2": "oc2",
    "core_oc3": "oc3",
    "core_ad1": "ad1",
    "core_placed_for_adoption": "placed_for_adoption",
    "core_previous_permanence": "previous_permanence",
}


def _assert_reconciles(summary: pl.DataFrame, core: dict[str, pl.DataFrame]) -> None:
    """Nothing lost: in == clean + quarantined + superseded + out of scope per table, and
    each clean row is one core row."""
    parts = pl.col("rows_clean") + pl.col("rows_quarantined") + pl.col("rows_superseded")
    bad = summary.filter(pl.col("rows_in") != parts + pl.col("rows_out_of_scope"))
    if bad.height:
        raise AssertionError(f"row accounting does not reconcile for {bad['table'].to_list()}")
    clean = dict(zip(summary["table"], summary["rows_clean"], strict=True))
    from pipeline.core.csc import CSC_CORE_SOURCE

    for name, table in (CORE_SOURCE | CSC_CORE_SOURCE).items():
        if core[name].height != clean[table]:
            raise AssertionError(
                f"{name}: {core[name].height} rows but {clean[table]} clean {table} rows"
            )


def _rule_counts(failures: pl.DataFrame) -> pl.DataFrame:
    """Rows per rule (a row failing several rules counts under each), quarantine first."""
    counts = failures.group_by("rule_code", "table").agg(rows_count=pl.len().cast(pl.Int64))
    return (
        counts.join(
            _rules_frame().select("rule_code", "dfe_rule", "severity", "message"),
            on="rule_code",
            how="left",
        )
        .select(list(RULE_COUNTS_SCHEMA))
        .sort(
            [pl.col("severity") != QUARANTINE, "rows_count", "rule_code"],
            descending=[False, True, False],
        )
    )


def summary_json(result: ValidationResult) -> dict:
    """{table: {rows_in, rows_clean, ..., rows_warned}, 'rules': {code: rows} (the
    quarantining rules), 'warnings': {code: rows}, 'returns': [...], 'coverage': [...],
    'conflicts': n} (counts only)."""
    out: dict = {
        r["table"]: {k: r[k] for k in (*COUNT_COLUMNS, WARNED)}
        for r in result.summary.iter_rows(named=True)
    }
    for key, severity in (("rules", QUARANTINE), ("warnings", WARNING)):
        rc = result.rule_counts.filter(pl.col("severity") == severity)
        out[key] = dict(zip(rc["rule_code"], rc["rows_count"], strict=True))
    if result.by_return is not None:
        out["returns"] = result.by_return.to_dicts()
    if result.coverage_table is not None:
        out["coverage"] = result.coverage_table.to_dicts()
    if result.conflicts is not None:
        out["conflicts"] = result.conflicts.height
    return out


def _text_table(df: pl.DataFrame, keys: list[str], cols: tuple[str, ...], total: bool) -> list[str]:
    def cell(v) -> str:
        return "" if v is None else str(v)

    width = {k: max([len(k), *(len(cell(v)) for v in df[k])]) for k in keys}
    head = "  ".join(f"{k:<{width[k]}}" for k in keys)
    short = {c: c.removeprefix("rows_") for c in cols}
    lines = [head + "  " + "  ".join(f"{short[c]:>12}" for c in cols)]
    for r in df.iter_rows(named=True):
        left = "  ".join(f"{cell(r[k]):<{width[k]}}" for k in keys)
        lines.append(left + "  " + "  ".join(f"{r[c]:>12,}" for c in cols))
    if total:
        left = "  ".join(f"{('total' if i == 0 else ''):<{width[k]}}" for i, k in enumerate(keys))
        lines.append(left + "  " + "  ".join(f"{df[c].sum():>12,}" for c in cols))
    return lines


def coverage_text(table: pl.DataFrame) -> list[str]:
    """The years the data covers, for the terminal."""
    lines = ["Coverage (collection years; 31 March = children in care that day):"]
    for r in table.iter_rows(named=True):
        year = "yes" if r["is_year_covered"] else "no"
        march = "yes" if r["is_31_march_covered"] else "no"
        lines.append(f"  {r['year_label']}  year: {year:<3}  31 March: {march:<3}  {r['basis']}")
    return lines


def summary_text(result: ValidationResult) -> str:
    """Row accounting per table (and per return), coverage, conflicts, then the rules that fired."""
    lines = _text_table(result.summary, ["table"], (*COUNT_COLUMNS, WARNED), total=True)
    br = result.by_return
    if br is not None and br["collection_year"].drop_nulls().n_unique() > 1:
        lines += ["", "Per return:"]
        lines += _text_table(
            br.filter(pl.col("rows_in") > 0), ["table", "return_label"], COUNT_COLUMNS, total=False
        )
    if result.coverage_table is not None and result.coverage_table.height:
        lines += ["", *coverage_text(result.coverage_table)]
    if result.conflicts is not None and result.conflicts.height:
        c = result.conflicts
        per = c.group_by("table").len().sort("table")
        lines += [
            "",
            f"Values two returns disagree on (the later return is used): {c.height:,} ("
            + ", ".join(f"{r['table']} {r['len']:,}" for r in per.iter_rows(named=True))
            + ")",
        ]
        for r in c.head(5).iter_rows(named=True):
            lines.append(
                f"  {r['table']} child {r['child_id']} {r['column']}: {r['earlier_value']!r} in "
                f"{r['earlier_file']} row {r['earlier_row']}, {r['later_value']!r} in "
                f"{r['later_file']} row {r['later_row']}"
            )
        if c.height > 5:
            lines.append(
                f"  ... and {c.height - 5:,} more (data/processed/returns_conflicts.parquet)"
            )
    for severity, title in (
        (QUARANTINE, "Rules that quarantined rows (left out of every figure):"),
        (WARNING, "Warnings (rows kept in the figures, listed for correction):"),
    ):
        rc = result.rule_counts.filter(pl.col("severity") == severity)
        if rc.height:
            lines += ["", title]
            for r in rc.iter_rows(named=True):
                dfe = f"DfE {r['dfe_rule']}" if r["dfe_rule"] else ""
                lines.append(
                    f"  {r['rule_code']:<36} {dfe:<9} {r['rows_count']:>9,}  {r['message']}"
                )
    return "\n".join(lines)


# ---------------------------------------------------------------- core tables
def typed(df: pl.DataFrame, spec: TableSpec) -> pl.DataFrame:
    """Contract types: dates parsed, whole numbers as Int64, everything else kept as strings."""
    exprs = []
    for c in spec.columns:
        if c.type == "date":
            exprs.append(parse_date(pl.col(c.name)).alias(c.name))
        elif c.type == "int":
            exprs.append(pl.col(c.name).cast(pl.Int64, strict=False))
    return df.with_columns(exprs)


def _flag(col: str) -> pl.Expr:
    """0/1 flag -> Boolean (null stays null)."""
    return pl.col(col).replace_strict(
        {"1": True, "0": False}, default=None, return_dtype=pl.Boolean
    )


RENAMES: dict[str, dict[str, str]] = {
    "core_episodes": {
        "CHILD": "child_id",
        "DECOM": "episode_start_date",
        "DEC": "episode_end_date",
        "RNE": "new_episode_reason_code",
        "LS": "legal_status_code",
        "CIN": "need_code",
        "PLACE": "placement_code",
        "PLACE_PROVIDER": "placement_provider_code",
        "REC": "reason_ceased_code",
        "REASON_PLACE_CHANGE": "placement_change_reason_code",
        "URN": "urn",
    },
    "core_reviews": {
        "CHILD": "child_id",
        "REVIEW": "review_date",
        "REVIEW_CODE": "participation_code",
    },
    "core_review_process": {
        "CHILD": "child_id",
        "REVIEW": "review_date",
        "IRO": "iro_id",
        "RECS_ISSUED": "recommendations_issued_date",
        "MINUTES_COMPLETED": "minutes_completed_date",
        "MINUTES_DISTRIBUTED": "minutes_distributed_date",
        "SWR_DUE": "sw_report_due_date",
        "SWR_RECEIVED": "sw_report_received_date",
    },
    "core_escalations": {
        "ESC_ID": "escalation_id",
        "CHILD": "child_id",
        "IRO": "iro_id",
        "RAISED": "raised_date",
        "STAGE": "stage_code",
        "RESOLVED": "resolved_date",
        "OUTCOME": "outcome_code",
    },
    "core_contacts": {
        "CHILD": "child_id",
        "IRO": "iro_id",
        "CONTACT_DATE": "contact_date",
        "CONTACT_TYPE": "contact_type_code",
    },
    "core_practice_notes": {
        "NOTE_ID": "note_id",
        "CHILD": "child_id",
        "IRO": "iro_id",
        "NOTE_DATE": "note_date",
        "NOTE_TYPE": "note_type_code",
    },
    "core_uasc": {"CHILD": "child_id", "DUC": "uasc_ceased_date"},
    "core_missing": {
        "CHILD": "child_id",
        "MISSING": "missing_type_code",
        "MIS_START": "missing_start_date",
        "MIS_END": "missing_end_date",
    },
    "core_oc2": {
        "CHILD": "child_id",
        "SDQ_SCORE": "sdq_score",
        "SDQ_REASON": "sdq_reason_code",
        "collection_year": "collection_year",
    },
    "core_oc3": {
        "CHILD": "child_id",
        "DOB": "birth_date",
        "IN_TOUCH": "in_touch_code",
        "ACTIV": "activity_code",
        "ACCOM": "accommodation_code",
        "collection_year": "collection_year",
    },
    "core_ad1": {"CHILD": "child_id", "DATE_INT": "decision_date", "DATE_MATCH": "match_date"},
    "core_placed_for_adoption": {
        "CHILD": "child_id",
        "DATE_PLACED": "placed_date",
        "DATE_PLACED_CEASED": "placed_ceased_date",
        "REASON_PLACED_CEASED": "placed_ceased_reason_code",
    },
    "core_previous_permanence": {"CHILD": "child_id", "PREV_PERM": "previous_permanence_code"},
}
FLAGS: dict[str, dict[str, str]] = {
    "core_oc2": {
        "CONVICTED": "is_convicted",
        "HEALTH_CHECK": "has_health_check",
        "IMMUNISATIONS": "has_immunisations",
        "TEETH_CHECK": "has_teeth_check",
        "HEALTH_ASSESSMENT": "has_health_assessment",
        "SUBSTANCE_MISUSE": "has_substance_misuse",
    },
    "core_ad1": {"FOSTER_CARE": "is_foster_carer_adoption"},
}


def _postcode_file(params: RunParams) -> Path | None:
    """A local postcode directory: configured, else `<raw>/reference/postcodes.csv` if present."""
    configured = params.path(params.paths.postcodes)
    if configured:
        return configured
    candidate = params.raw_dir / "reference" / "postcodes.csv"
    return candidate if candidate.is_file() else None


def build_core(
    clean: dict[str, pl.DataFrame], *, postcodes: Path | None = None
) -> dict[str, pl.DataFrame]:
    """Every core_ table validation owns (not periods of care or month ends), conformed."""
    from pipeline.core.csc import build_csc_core
    from pipeline.core.distance import directory, distances

    specs = tables()
    t = {name: typed(df, specs[name]) for name, df in clean.items()}
    core = {}
    for name, source in CORE_SOURCE.items():
        if name == "core_children":
            core[name] = children(t["header"], t["uasc"])
            continue
        renames, flags = RENAMES[name], FLAGS.get(name, {})
        df = t[source].select(
            *[pl.col(raw).alias(new) for raw, new in renames.items()],
            *[_flag(raw).alias(new) for raw, new in flags.items()],
        )
        if name == "core_episodes":  # distance from home; the postcodes stay behind
            ep = t[source]
            found = directory(pl.concat([ep["HOME_POST"], ep["PL_POST"]]), postcodes)
            df = df.hstack(distances(ep["HOME_POST"], ep["PL_POST"], found))
        core[name] = conform(name, df)
    core |= build_csc_core(t)
    core["core_escalation_areas"] = escalation_areas(core["core_escalations"], t["escalations"])
    assert set(core) == set(CORE) - {"core_periods_of_care", "core_month_end", "core_coverage"}
    return core


def children(header: pl.DataFrame, uasc: pl.DataFrame) -> pl.DataFrame:
    """One row per child with labels and groups; UASC from the (clean) UASC table."""
    uasc_by_child = uasc.group_by("CHILD").agg(uasc_ceased_date=pl.col("DUC").max())
    df = header.join(uasc_by_child, on="CHILD", how="left").select(
        child_id="CHILD",
        sex=pl.col("SEX").replace_strict(codes("SEX"), default=None),
        birth_date="DOB",
        ethnicity_code="ETHNIC",
        ethnicity_group=pl.col("ETHNIC").replace_strict(codes("ETHNIC_GROUP"), default=None),
        is_white_british=(pl.col("ETHNIC") == "WBRI").fill_null(False),
        is_uasc=pl.col("CHILD").is_in(uasc["CHILD"].implode()),
        uasc_ceased_date="uasc_ceased_date",
    )
    return conform("core_children", df)


def escalation_areas(core_escalations: pl.DataFrame, escalations: pl.DataFrame) -> pl.DataFrame:
    """One row per escalation and area of focus (AREAS is ';'-separated)."""
    df = (
        escalations.select(escalation_id="ESC_ID", area_code=pl.col("AREAS").str.split(";"))
        .explode("area_code")
        .with_columns(pl.col("area_code").str.strip_chars())
        .filter(pl.col("area_code").is_not_null() & (pl.col("area_code") != ""))
        .unique(maintain_order=True)
    )
    return conform("core_escalation_areas", df)


def rules_table() -> list[Rule]:
    """All registered rules: by table in contract order, then stage, then code."""
    order = list(tables())
    return sorted(registry().values(), key=lambda r: (order.index(r.table), r.stage, r.code))


RULES_DOC_INTRO = """\
# Validation rules

<!-- Generated by `pipeline.validate.rules_markdown()`; regenerate with
`.venv/bin/python -c "from pipeline.validate import write_rules_doc; write_rules_doc()"`.
A test fails when this file and the rule registry disagree. -->

Every raw row is checked by every rule of its table. Each rule has a **severity**:

- **quarantine**: the row would make a published figure wrong. It is left out of the core
  tables (so out of every figure) and written to the quarantine table (child-level, never
  published) once per failing rule, with its file, row number (as seen when opening the
  file: the header is row 1), child ID, rule code, DfE rule number, reason and fields.
- **warning**: the row is kept and used, and listed (child-level, in the `warnings` table
  of the processed layer and in the operator's list) so that it can be corrected at source.

Rules that implement a DfE SSDA903 validation rule carry its number and have codes
`DFE-<number>`; where the DfE rule blames rows of two tables, or one case of it should
quarantine and another only warn, each part is its own rule with a suffix (`DFE-399`,
`DFE-399-EPISODES`, `DFE-399-HEADER`), all with the same DfE number. Our own rules
(`EP01`, `XT04`, `GX-...`) have no DfE number, or the one they match exactly.

## Which severity, and why

A row is quarantined when it is wrong in itself in a way a figure would read: an
impossible date, overlapping episodes or an open episode followed by another, a code that
cannot be used on its date or with the row's other codes (as an invalid code), a row that
must not exist (an OC2 record for a child not looked after continuously for 12 months, a
care leaver record for someone who cannot be a care leaver this year, an adoption record
with no adoption, reviews of a child whose care is only short breaks). Episodes, reviews
and the header are the spine of every count, so when a DfE rule compares one of them with
*another* row (the order of episodes, reasons for new episode or for leaving, ages by
date of birth) it only warns: removing an episode from the middle of a period of care
would split it into a false leave and a false start, removing a review would make the
child's next review look late, and removing a header row takes every row of the child.
The smaller tables (OC2, OC3, AD1, placed for adoption, missing, UASC) each feed only their
own figures, so a row that would put a wrong value into one of them is quarantined; a
check on a field no published figure reads only warns. The rule tables below say, for
each rule, what it protects in the published figures.

## How reconciliation works

For every input table, and for every return within it,
`rows_in = rows_clean + rows_quarantined + rows_superseded + rows_out_of_scope`, where
`rows_quarantined` counts distinct rows (a row failing three rules counts once). A row is
*superseded* when a later annual return holds the same fact (same natural key; the latest
return wins) and *out of scope* when it is a review or missing episode dated before the
data's coverage (docs/data-contract.md, "Several years of returns"); no rule runs on either
and neither is an error. `validate` asserts this for every table, and that each clean row
becomes exactly one core row, so no row can be lost without trace. Warnings do not remove
rows: `rows_warned` counts the clean rows that carry at least one warning (they are
included in `rows_clean`). The counts go to the shareable tables `validation_summary` (per
table), `validation_returns` (per table and return) and `validation_rules` (rows per rule,
with its DfE number and severity); they hold no child-level values. The IRO report's
data-quality section shows both, quarantines and warnings grouped, with the DfE rule
numbers.

Rules run in stages, so cross-table checks compare with data that is itself valid:

1. **Single table** - the contract rules, each table's own rules and the DfE rules. The
   DfE rules read the other tables as received, as the DfE's validator does.
2. **Against the header** - a row whose child is not in the clean header is an orphan
   (`XT01-*`). A child whose header row is quarantined (for example a duplicated `CHILD`:
   every copy is quarantined) therefore takes all its other rows into the quarantine with
   it, rather than losing them silently. Dates of birth are compared here, and episodes
   that still overlap an earlier episode of the same child are found (`EP03`: the later
   one is quarantined; open episodes run to the extract date). The DfE's own overlap rules
   have run in stage 1: an open episode followed by another is the one DfE 142 blames,
   and an episode starting before the previous one ended is the one DfE 501 blames.
3. **Against episodes** - each review must fall inside a clean episode of the child
   (start to end inclusive; open episodes run to the extract date).

The CIN census tables follow the same pattern (`CIN-XT-*`): an episode whose child is not
clean (stage 2), a module (assessment, CIN plan, section 47, CP plan) whose episode is not
clean (stage 3) and a review whose plan is not clean (stage 4) are quarantined with it.
CIN census returns and Annex A workbooks are stacked by natural key in the same way as
SSDA903 returns (Annex A workbooks of one year in the order of the dates in their names).

`GX-<TABLE>-<COLUMN>-<CHECK>` rules are generated from the data contract
(`pipeline/inputs/contract/tables.yml`) and run as one Great Expectations suite per table
(`validate(..., engine="gx")`, the default). Each has a polars twin giving the same rows
(`engine="polars"`, used by fast tests); a test keeps the two engines in agreement.
`cic-reports build`, `run` and `validate` give the rows with the polars twins while Great
Expectations runs every suite in a worker process, compare the two rule by rule, and
validate again under Great Expectations if they ever disagree (`pipeline/run/gxcheck.py`;
`validate --engine polars` leaves GX out). Dates are accepted as dd/mm/YYYY (or d/m/YYYY) and YYYY-MM-DD.
Codes are upper-cased on ingest. `<TABLE>-<COLUMN>-CODE-YEAR` rules check a code against
the code list of the row's own collection year (the run's reporting year for a multi-year
extract).

## The collection year

A DfE rule that depends on the collection year (1 April to 31 March, both inclusive) uses
the year of the row's own return (`collection_year`, set when the inputs say which return
a row came from), else the run's reporting year (`year_end` in the configuration, or
`cic-reports validate --year-end`): "after the collection year's end", the cohorts of OC2
and OC3, the code lists and provider lists that changed between years (for example Z1
became Z11-Z14 in 2025-26, K3 replaced H5 in rule 371 from 2024-25, rule 1016 starts in
2023-24). A check that a date is *before* the collection year (DfE 104, 118, 571, and
"adopted during the year" in 602) is made only for rows of a known return: a multi-year
case-management extract holds earlier years legitimately.

## The operator's list

`cic-reports validate --raw DIR --rows FILE.csv` writes one line per (row, rule), both
severities: table, source file, source row (the line in the file, the header is line 1),
CHILD, rule code, DfE rule number (empty for our own rules), severity and message. Its
first line (starting `#`) labels it sensitive: it names children, so it is written only
where the operator points it (keep it in `data/`), never into the processed or output
folders (a path inside the output folder is refused), and nothing reads it to publish.

## Agreement with the DfE's validator

`python -m pipeline.rules.peer --raw DIR --year-end Y` (and `tests/test_peer903.py`) runs
the open-source DfE validator (`csc-validator-be-903`, which needs its own Python; point
`CIC_PEER903_PYTHON` at it) on the same files and compares, rule by rule, the rows it
flags with ours. On the shared fake 903 (2017-18, 149 rule numbers both implement) every
rule flags the same rows, and on the hand-built 2023-24 return in the test (made so that
the rules silent on the fake data fire, at their boundaries) every rule but one does. The
exceptions are the validator's own: in its full run rule 361 fills blank end dates in
place, so later rules (376, 387, 388, 602 on the fake data; 359, 407, 451 on the test
return) see open episodes as ended on 31 March, and run alone they flag exactly our rows;
and its rule 583 takes a child's "latest" decision to place for adoption by the text of
the date (31/12/2009 sorts after 01/01/2021), where we compare dates. Rows set aside
before any rule runs (superseded by a later return, or reviews and missing periods dated
before the data's coverage) are not compared: no figure uses them. For the same reason a
short-breaks child whose only reviews are such history is not flagged by DfE 399 here.

"""


def _protects(r: Rule) -> str:
    if r.protects:
        return r.protects
    if r.gx is not None or r.code.endswith("-REAL-DATE"):
        return "Every figure that reads the field: a blank, invalid or unreadable value."
    return ""


def _cell(text: str) -> str:
    return text.replace("|", "/").replace("\n", " ")


def rules_markdown() -> str:
    """The text of docs/validation-rules.md, generated from the rule registry."""
    from pipeline.rules.dfe_scope import NOT_IMPLEMENTED

    lines = [RULES_DOC_INTRO, "## Rules", ""]
    rules = rules_table()
    dfe = sorted({r.dfe_code for r in rules if r.dfe_code})
    quarantining = sum(r.severity == QUARANTINE for r in rules)
    lines += [
        f"{len(rules)} rules: {quarantining} quarantine, {len(rules) - quarantining} warn; "
        f"{len(dfe)} DfE rule numbers are implemented.",
        "",
    ]
    for table in dict.fromkeys(r.table for r in rules):
        lines += [
            f"### {table}",
            "",
            "| Code | DfE | Severity | Stage | Fields | Reason | Protects in the published figures |",
            "|:---|:---|:---|---:|:---|:---|:---|",
        ]
        for r in (x for x in rules if x.table == table):
            lines.append(
                f"| `{r.code}` | {r.dfe_code or ''} | {r.severity} | {r.stage} | "
                f"{', '.join(r.fields)} | {_cell(r.message)} | {_cell(_protects(r))} |"
            )
        lines.append("")
    lines += [
        "## DfE rules deliberately not implemented",
        "",
        "| DfE rules | Why |",
        "|:---|:---|",
        *(f"| {codes} | {_cell(why)} |" for codes, why in NOT_IMPLEMENTED),
    ]
    return "\n".join(lines) + "\n"


def write_rules_doc(
    path: Path = Path(__file__).parents[1] / "docs" / "validation-rules.md",
) -> None:
    path.write_text(rules_markdown(), encoding="utf-8")
