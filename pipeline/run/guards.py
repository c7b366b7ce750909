"""Guards against silently wrong publications: stop the build, or (with --force) warn.

Three checks, all on counts only:

- **reporting year**: the data does not cover the reporting year (no return for it);
- **quarantine share**: more than `params.guards.max_quarantined_pct` of a table's checked
  rows (rows in, less superseded and out of scope) were quarantined, in a table with at
  least `params.guards.min_rows` checked rows;
- **zero headline**: children in care on 31 March, or reviews held in the year, is 0 while
  the raw files hold rows for that period.

Each failure is one line naming the table, the share, the top rule and a hint. With
`force` the run goes on, the line is printed and it becomes a data-quality warning shown at
the top of every report (`pub_data_quality_warnings`).
"""

from __future__ import annotations

import polars as pl

from pipeline.errors import InputError
from pipeline.inputs.ingest import parse_date
from pipeline.params import RunParams

STACK_HINT = (
    "looks like several annual returns in one folder without year tags: put each year's "
    "return in its own folder (e.g. 2022-23/) or tag its file names (docs/data-contract.md)"
)
SAME_YEAR_HINT = (
    "looks like the same children twice in returns for one collection year: keep one return "
    "per year (docs/data-contract.md)"
)
GENERIC_HINT = "check the extract against docs/data-contract.md"
FORCE = " (use --force to publish anyway, with a data-quality warning)"


class DataQualityError(InputError):
    """The input would give wrong published figures; the build stops (exit code 2)."""


def _top_rule(validated, table: str) -> tuple[str, int]:
    rules = validated.rule_counts.filter(pl.col("table") == table).sort(
        ["rows_count", "rule_code"], descending=[True, False]
    )
    if rules.is_empty():
        return "", 0
    return rules["rule_code"][0], int(rules["rows_count"][0])


def _hint(validated, rule: str) -> str:
    unknown_years = validated.coverage is not None and validated.coverage.extract_start is not None
    stacked = rule.endswith("-UNIQUE") or rule.startswith("XT01") or rule == "EP03"
    if not stacked:
        return GENERIC_HINT
    return STACK_HINT if unknown_years else SAME_YEAR_HINT


def _stop_or_warn(message: str, force: bool) -> list[str]:
    if force:
        return [message]
    raise DataQualityError(message + FORCE)


def reporting_year(validated, params: RunParams, *, force: bool = False) -> list[str]:
    """Stop (or warn) when the data does not cover the reporting year at all."""
    cov = validated.coverage
    if cov is None or cov.start is None or cov.year_covered(params.year_end):
        return []
    have = ", ".join(f"{y - 1}-{y % 100:02d}" for y in cov.return_years) or (
        f"a multi-year extract from {cov.extract_start:%-d %B %Y}"
    )
    return _stop_or_warn(
        f"reporting year {params.year_label}: not covered by the data (it holds {have}): "
        "set year_end to a covered year or add that year's return",
        force,
    )


def quarantine_share(validated, params: RunParams, *, force: bool = False) -> list[str]:
    """Stop (or warn) when a table has more than the allowed share quarantined."""
    g = params.guards
    out: list[str] = []
    for r in validated.summary.iter_rows(named=True):
        checked = r["rows_in"] - r["rows_superseded"] - r["rows_out_of_scope"]
        if checked < max(g.min_rows, 1):
            continue
        share = 100 * r["rows_quarantined"] / checked
        if share <= g.max_quarantined_pct:
            continue
        rule, _ = _top_rule(validated, r["table"])
        out += _stop_or_warn(
            f"table {r['table']}: {share:.0f}% of rows quarantined (more than "
            f"{g.max_quarantined_pct:g}%), top rule {rule}: {_hint(validated, rule)}",
            force,
        )
    return out


def _raw_open_on(ingested, day) -> int:
    eps = ingested.tables.get("raw_episodes")
    if eps is None or eps.is_empty():
        return 0
    start, end = parse_date(pl.col("DECOM")), parse_date(pl.col("DEC"))
    return eps.filter((start <= day) & (end.is_null() | (end > day))).height


def _raw_reviews_in(ingested, first, last) -> int:
    rev = ingested.tables.get("raw_reviews")
    if rev is None or rev.is_empty():
        return 0
    return rev.filter(parse_date(pl.col("REVIEW")).is_between(first, last)).height


def zero_headlines(
    ingested, validated, core, params: RunParams, *, force: bool = False
) -> list[str]:
    """Stop (or warn) when a headline count is 0 although the raw files hold rows for it."""
    out: list[str] = []
    day = params.period_end
    me = core.get("core_month_end")
    in_care = 0 if me is None else me.filter(pl.col("month_end_date") == day)["child_id"].n_unique()
    raw_open = _raw_open_on(ingested, day)
    if in_care == 0 and raw_open:
        rule, _ = _top_rule(validated, "header")
        table = "header" if rule else "episodes"
        rule = rule or _top_rule(validated, "episodes")[0]
        out += _stop_or_warn(
            f"table {table}: 0 children in care on {day:%-d %B %Y} although {raw_open:,} raw "
            f"episode rows are open that day, top rule {rule or 'none'}: {_hint(validated, rule)}",
            force,
        )
    reviews = core.get("core_reviews")
    held = 0
    if reviews is not None:
        held = reviews.filter(
            pl.col("review_date").is_between(params.period_start, params.period_end)
        ).height
    raw_reviews = _raw_reviews_in(ingested, params.period_start, params.period_end)
    if held == 0 and raw_reviews:
        rule, _ = _top_rule(validated, "reviews")
        out += _stop_or_warn(
            f"table reviews: 0 reviews held in {params.year_label} although {raw_reviews:,} raw "
            f"review rows are dated in it, top rule {rule or 'none'}: {_hint(validated, rule)}",
            force,
        )
    return out


def benchmark_gaps(pubs: dict[str, pl.DataFrame], params: RunParams) -> list[str]:
    """Published-statistics figures the reports wanted but found in neither the configured
    DfE folder nor the project's snapshot: printed, so a gap is never silent."""
    out = []
    eng = pubs.get("pub_england_comparison")
    if eng is not None and "england_value" in eng.columns:
        for r in eng.filter(pl.col("england_value").is_null()).iter_rows(named=True):
            out.append(
                f"no published England figure for '{r['measure']}' in {params.year_label} "
                "(IRO report, England comparison): shown as a dash"
            )
    from pipeline.inputs.dfe import neighbour_codes
    from pipeline.reports.pack import catalogue_path
    from pipeline.reports.pack.benchmarks import england, stat_neighbours
    from pipeline.reports.pack.build import benchmark_year_cap
    from pipeline.reports.pack.catalogue import Pointer, load_catalogue

    up_to = benchmark_year_cap(params.month)
    codes = neighbour_codes(params)
    for ind in load_catalogue(catalogue_path(params)).indicators:
        b = ind.benchmarks
        if (
            isinstance(b.england, Pointer)
            and england(b.england, params.dfe_dir, up_to).value is None
        ):
            out.append(f"no England benchmark for pack indicator {ind.id} ({b.england.file})")
        if (
            isinstance(b.stat_neighbours, Pointer)
            and codes
            and stat_neighbours(b.stat_neighbours, params.dfe_dir, codes, up_to=up_to).value is None
        ):
            out.append(
                f"no statistical-neighbour benchmark for pack indicator {ind.id} "
                f"({b.stat_neighbours.file})"
            )
    return out
