"""The audit on whole runs: the issue's small authority, other tiny authorities, the sample.

Each run is the data stages only (ingest -> validate -> transform -> measures -> disclosure
-> processed layer), which is what the audit reads; notebooks and rendering are not needed.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from helpers import ROOT, cli, sample_config, work_paths

from pipeline.disclosure.linked import audit_tables
from pipeline.params import load_params
from pipeline.run import stages
from pipeline.run.disclosure import (
    audit_processed,
    measure_tables,
    pack_table,
    validation_tables,
)
from pipeline.synth import generate

DFE = (ROOT / ".." / "shared" / "data" / "dfe").resolve()

pytestmark = pytest.mark.slow


def make_config(folder: Path, children: int, seed: int) -> Path:
    raw = folder / "raw"
    generate(raw, children=children, seed=seed, year_end=2024, errors=True)
    paths = {**work_paths(folder, raw), **({"dfe": DFE} if DFE.is_dir() else {})}
    return sample_config(folder / "config.yml", paths)


@pytest.fixture(scope="module")
def issue_case(tmp_path_factory):
    """`synth --children 30 --seed 5`, processed with the linked protection."""
    cfg = make_config(tmp_path_factory.mktemp("c30s5"), 30, 5)
    params = load_params(cfg)
    stages.process(params, stages.StageTimer(say=lambda _m: None))
    return cfg, params


def unlinked_tables(params):
    """The same run with each table protected on its own (the protection switched off)."""
    ingested = stages.stage_ingest(params)
    validated = stages.stage_validate(ingested, params)
    core = stages.stage_transform(validated, params)
    _, pubs, pack_values = stages.stage_measures(core, params)
    return (
        measure_tables(pubs, None)
        + validation_tables(stages.published_validation(validated, params))
        + [pack_table(params, pack_values.grid, population=pack_values.population)]
    )


def test_issue_case_is_exposed_without_linked_protection(issue_case):
    _, params = issue_case
    res = audit_tables(unlinked_tables(params), params)
    assert not res.ok
    march = {
        dict(e.key[1]).get("age"): (e.lo, e.hi)
        for es in res.exposed.values()
        for e in es
        if e.key[0] == "in care"
        and {d for d, _ in e.key[1]} == {"age", "date"}
        and dict(e.key[1])["date"] == "2024-03-31"
    }
    # the issue: 10-12 = 12 - 9 = 3 and 5-9 = 30 - 6 - 3 - 9 - 9 = 3
    assert march["10-12"] == (3, 3)
    assert march["5-9"] == (3, 3)
    # and the complements: some late-review count is shown to be small
    assert any(dict(e.key[1]).get("timely") == "no" for e in res.implied_exposed)


def test_the_audit_gives_the_reference_verdicts_on_the_issue_case(issue_case):
    # the per-table protection alone leaves hundreds of exposures in ~130 components: the
    # audit's solver (HiGHS model per component, witnesses, LP first) finds exactly the
    # intervals that min/max linprog programmes for every unknown key give
    from test_disclosure_solver import assert_same_as_reference

    from pipeline.disclosure.linked import build_relations

    _, params = issue_case
    rel = build_relations(unlinked_tables(params), params)
    assert_same_as_reference(rel, params.disclosure_threshold)


def test_issue_case_passes_with_linked_protection(issue_case):
    cfg, params = issue_case
    res = audit_processed(params)
    assert res.ok, "\n".join(res.lines())
    ages = pl.read_parquet(params.processed_dir / "pub_cic_age_monthly.parquet")
    march = ages.filter(pl.col("month_end_date") == pl.date(2024, 3, 31))
    assert march.filter(pl.col("category") == "10-12")["is_children_count_suppressed"][0]


def test_audit_command_passes_then_fails_on_an_exposed_set(issue_case, tmp_path):
    cfg, params = issue_case
    ok = cli("audit", "--config", str(cfg), check=False)
    assert ok.returncode == 0, ok.stderr
    assert "iro-annual-report:" in ok.stdout and "0 exposed" in ok.stdout
    # publish the 31 March cross-table as protected on its own: the set is exposed again
    unlinked = {t.name: t.df for t in unlinked_tables(params)}
    folder = params.processed_dir
    for name in ("pub_age_legal_status_31mar", "pub_cic_age_monthly"):
        unlinked[name].write_parquet(folder / f"{name}.parquet")
    bad = cli("audit", "--config", str(cfg), check=False)
    assert bad.returncode == 6
    assert "exposed:" in bad.stdout and "pub_cic_age_monthly" in bad.stdout
    assert "Traceback" not in bad.stderr


# with the issue case (seed 5) two tiny authorities; seed 1 at 30 children makes no practice
# notes, which the generator cannot write yet
@pytest.mark.parametrize("children,seed", [(30, 4), (450, 1)])
def test_tiny_authorities_and_the_sample_pass_the_audit(tmp_path, request, children, seed):
    if (children, seed) == (450, 1):  # the sample, processed once for the session
        params = request.getfixturevalue("sample_processed")
    else:
        params = load_params(make_config(tmp_path, children, seed))
        stages.process(params, stages.StageTimer(say=lambda _m: None))
    res = audit_processed(params)
    assert res.ok, "\n".join(res.lines())
    # nothing published is a small count
    for path in params.processed_dir.glob("pub_*.parquet"):
        df = pl.read_parquet(path)
        for col in df.columns:
            if col.endswith("_count") and "change" not in col and df.schema[col].is_integer():
                assert not df[col].drop_nulls().is_between(1, 5).any(), (path.name, col)
