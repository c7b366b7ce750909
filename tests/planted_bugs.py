"""Plant each bug of issue 16 in a scratch copy of the code and check the suite catches it.

    .venv/bin/python tests/planted_bugs.py            # every plant
    .venv/bin/python tests/planted_bugs.py rag-rounded  # one

For each plant: copy the project (without .venv, data, build, output) to a scratch folder
beside a link to ../shared, apply the one-line change, run `old` (the test files that
existed before, which the bug survived) and `new` (the tests that must catch it). A plant
is reported CAUGHT when the `new` tests fail on the planted copy. Not collected by pytest
(the name does not start with test_); run by hand or `make plant` (docs/testing.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
B = "tests/test_boundaries.py"


@dataclass(frozen=True)
class Plant:
    name: str
    path: str
    old: str
    new: str
    catches: str  # pytest node ids (space separated) that must fail on the plant
    survived: str = ""  # test files the bug survived before (run to show it did)


PLANTS = [
    Plant(
        "secondary-first-column-only",
        "pipeline/disclosure/__init__.py",
        "    for c in spec.counts:\n        # repeat",
        "    for c in spec.counts[:1]:\n        # repeat",
        f"{B}::test_secondary_suppression_protects_every_count_column_not_only_the_first",
        "tests/test_disclosure.py",
    ),
    Plant(
        "secondary-one-pass",
        "pipeline/disclosure/__init__.py",
        "for _ in range(10):",
        "for _ in range(1):",
        f"{B}::test_secondary_suppression_repeats_until_no_row_or_column_has_a_single_hidden_cell",
        "tests/test_disclosure.py",
    ),
    Plant(
        "pack-computed-threshold-0",
        "pipeline/reports/pack/build.py",
        "parts.insert(0, _protected(computed, threshold))",
        "parts.insert(0, _protected(computed, 0))",
        f"{B}::test_pack_computed_counts_pass_disclosure_control",
        "tests/test_pack_build.py tests/test_pack_indicators.py",
    ),
    Plant(
        "pack-supplied-equal-to-threshold",
        "pipeline/reports/pack/build.py",
        'pl.col("value").is_between(1, threshold)',
        'pl.col("value").is_between(1, threshold, closed="left")',
        f"{B}::test_pack_supplied_count_equal_to_the_threshold_is_suppressed",
        "tests/test_pack_build.py tests/test_pack_supplied.py",
    ),
    Plant(
        "reviews-31-march-excluded",
        "pipeline/reports/iro/measures/reviews.py",
        'params.period_end, closed="both")',
        'params.period_end, closed="left")',
        f"{B}::test_in_year_includes_1_april_and_31_march "
        f"{B}::test_annual_counts_include_31_march_and_1_april "
        f"{B}::test_quarterly_tables_put_31_march_in_q4_and_1_april_in_q1",
        "tests/test_reviews.py",
    ),
    Plant(
        "reviews-period-end-day-dropped",
        "pipeline/reports/iro/measures/reviews.py",
        '| (pl.col("review_date") <= pl.col("period_end_date"))',
        '| (pl.col("review_date") < pl.col("period_end_date"))',
        f"{B}::test_a_review_on_the_day_the_period_of_care_ends_counts",
        "tests/test_reviews.py",
    ),
    Plant(
        "reviews-duplicates-kept",
        "pipeline/reports/iro/measures/reviews.py",
        '.unique(["child_id", "review_date"], keep="first", maintain_order=True)',
        "",
        f"{B}::test_duplicate_review_rows_are_one_review",
        "tests/test_reviews.py",
    ),
    Plant(
        "review-process-latest",
        "pipeline/reports/iro/measures/reviews.py",
        '"sw_report_received_date",\n        ).min()',
        '"sw_report_received_date",\n        ).max()',
        f"{B}::test_duplicate_review_process_rows_take_the_earliest_date",
        "tests/test_reviews.py",
    ),
    Plant(
        "short-breaks-any",
        "pipeline/core/periods.py",
        ".is_in(SHORT_BREAK_LEGAL_STATUSES)\n            .all()",
        ".is_in(SHORT_BREAK_LEGAL_STATUSES)\n            .any()",
        f"{B}::test_a_period_that_starts_with_short_breaks_and_becomes_care_is_not_short_breaks_only",
        "tests/test_periods.py tests/test_reviews.py",
    ),
    Plant(
        "age-short-on-birthday",
        "pipeline/core/month_end.py",
        "(md < mb).cast(pl.Int32)",
        "(md <= mb).cast(pl.Int32)",
        f"{B}::test_age_on_a_birthday_that_falls_on_a_month_end_and_the_16th_birthday_band",
        "tests/test_month_end.py",
    ),
    Plant(
        "month-end-short-month",
        "pipeline/core/month_end.py",
        "incomplete = (d.dt.day() < s.dt.day()) & (d != d.dt.month_end())",
        "incomplete = d.dt.day() < s.dt.day()",
        f"{B}::test_a_month_end_completes_a_short_month",
        "tests/test_month_end.py",
    ),
    Plant(
        "overlap-keeps-earliest",
        "pipeline/core/month_end.py",
        'unique(keys, keep="last", maintain_order=True)',
        'unique(keys, keep="first", maintain_order=True)',
        f"{B}::test_overlapping_episodes_at_a_month_end_keep_the_latest_starting",
        "tests/test_month_end.py",
    ),
    Plant(
        "rag-unrounded",
        "pipeline/reports/pack/rag.py",
        "value = round(latest, decimals)",
        "value = latest",
        f"{B}::test_rag_at_the_published_decimals_and_the_tolerance_edge",
        "tests/test_pack_rag.py",
    ),
    Plant(
        "escalation-raised-31-march-not-open",
        "pipeline/reports/iro/measures/escalations.py",
        'is_open=(pl.col("raised_date") <= params.period_end)',
        'is_open=(pl.col("raised_date") < params.period_end)',
        f"{B}::test_escalations_open_and_concluded_on_31_march_and_1_april",
        "tests/test_escalations.py",
    ),
    Plant(
        "escalation-resolved-31-march-open",
        "pipeline/reports/iro/measures/escalations.py",
        '| (pl.col("resolved_date") > params.period_end)),',
        '| (pl.col("resolved_date") >= params.period_end)),',
        f"{B}::test_escalations_open_and_concluded_on_31_march_and_1_april",
        "tests/test_escalations.py",
    ),
    Plant(
        "concluded-includes-pre",
        "pipeline/reports/iro/measures/escalations.py",
        'escalations.filter(pl.col("stage_code").is_in(STAGES) & in_year(',
        'escalations.filter(pl.col("stage_code").is_in((PRE, *STAGES)) & in_year(',
        f"{B}::test_concluded_escalations_by_stage_leave_out_pre_escalations",
        "tests/test_escalations.py",
    ),
    Plant(
        "excel-truncates-decimals",
        "pipeline/inputs/ingest.py",
        r's = s.str.replace(r"^(-?\d+)\.0+$", "${1}")',
        r's = s.str.replace(r"^(-?\d+)\.\d+$", "${1}")',
        f"{B}::test_excel_tidy_up_drops_only_a_zero_fraction",
        "tests/test_ingest.py",
    ),
    Plant(
        "ep03-open-runs-to-extract-date",
        "pipeline/rules/episodes.py",
        "far = pl.lit(ctx.extract_date) + pl.duration(days=1)",
        "far = pl.lit(ctx.extract_date)",
        f"{B}::test_ep03_an_open_episode_runs_past_the_extract_date",
        "pipeline/rules/test_episodes.py",
    ),
    Plant(
        "reconciliation-deleted",
        "pipeline/validate.py",
        "    _assert_reconciles(summary, core)\n",
        "",
        f"{B}::test_validate_raises_when_a_clean_row_goes_missing",
        "tests/test_validate.py",
    ),
    # the properties catch some of the same bugs on random inputs
    Plant(
        "property-age-short-on-birthday",
        "pipeline/core/month_end.py",
        "(md < mb).cast(pl.Int32)",
        "(md <= mb).cast(pl.Int32)",
        "tests/test_properties.py::test_whole_months_and_age_equal_counting_them_one_by_one",
    ),
    Plant(
        "property-month-end-short-month",
        "pipeline/core/month_end.py",
        "incomplete = (d.dt.day() < s.dt.day()) & (d != d.dt.month_end())",
        "incomplete = d.dt.day() < s.dt.day()",
        "tests/test_properties.py::test_whole_months_and_age_equal_counting_them_one_by_one",
    ),
    Plant(
        "property-rag-unrounded",
        "pipeline/reports/pack/rag.py",
        "value = round(latest, decimals)",
        "value = latest",
        "tests/test_properties.py::test_rag_agrees_with_a_literal_reading",
    ),
    Plant(
        "property-secondary-off",
        "pipeline/disclosure/__init__.py",
        "                out = _secondary(out, c, grouping)",
        "                pass",
        "tests/test_properties.py::test_no_published_count_is_small_and_no_group_has_one_hidden_cell",
    ),
    Plant(
        "property-working-days-off-by-one",
        "pipeline/core/calendar.py",
        "forward = pl.business_day_count(start_expr + one, end_expr + one, holidays=hols)",
        "forward = pl.business_day_count(start_expr, end_expr + one, holidays=hols)",
        "tests/test_properties.py::test_working_days_equal_a_day_by_day_loop",
    ),
    Plant(
        "property-reconciliation-loses-a-row",
        "pipeline/validate.py",
        '    clean = {t: df.join(_ids(gone, t), on="row_id", how="anti") for t, df in raw.items()}',
        '    clean = {t: df.join(_ids(gone, t), on="row_id", how="anti").head(-1) for t, df in raw.items()}',
        "tests/test_properties.py::test_every_row_of_a_corrupted_return_is_accounted_for",
    ),
]


def _copy(dst: Path) -> Path:
    ignore = shutil.ignore_patterns(
        ".venv", ".git", "data", "build", "output", "__pycache__", ".pytest_cache", "mutants"
    )
    proj = dst / ROOT.name
    shutil.copytree(ROOT, proj, ignore=ignore)
    shutil.copytree(ROOT / "data", proj / "data", ignore=shutil.ignore_patterns("*.parquet"))
    shared = (ROOT / ".." / "shared").resolve()
    if shared.exists():
        (dst / "shared").symlink_to(shared)
    return proj


def _pytest(proj: Path, targets: str) -> int:
    env = {**os.environ, "PYTHONPATH": str(proj)}
    cmd = [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *targets.split()]
    return subprocess.run(cmd, cwd=proj, env=env, capture_output=True).returncode


def main(names: list[str]) -> int:
    chosen = [p for p in PLANTS if not names or p.name in names]
    missed = 0
    with tempfile.TemporaryDirectory(prefix="plant-") as tmp:
        proj = _copy(Path(tmp))
        for p in chosen:
            f = proj / p.path
            original = f.read_text()
            if original.count(p.old) != 1:
                print(f"{p.name:40s} CANNOT PLANT (the code moved: update tests/planted_bugs.py)")
                missed += 1
                continue
            f.write_text(original.replace(p.old, p.new))
            try:
                before = "survives" if p.survived and _pytest(proj, p.survived) == 0 else "-"
                caught = _pytest(proj, p.catches) != 0
            finally:
                f.write_text(original)
            missed += not caught
            print(f"{p.name:40s} old tests: {before:8s} new: {'CAUGHT' if caught else 'MISSED'}")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
