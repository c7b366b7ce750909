"""Fixture builders shared by unit tests: records of one kind, and a pack built from them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml

from pipeline.params import load_params
from pipeline.reports.pack import PackTables, build_pack

ROOT = Path(__file__).resolve().parents[1]


def episode(
    child: str,
    start: dt.date,
    end: dt.date | None = None,
    rne: str = "S",
    ls: str = "C2",
    *,
    place: str = "U4",
    rec: str | None = None,
    need: str = "N1",
) -> dict:
    """One core_episodes row: a child in care from `start` (to `end`, ceased for `rec`),
    reason for new episode `rne`, legal status `ls`, placement `place`, need `need`."""
    return dict(
        child_id=child,
        episode_start_date=start,
        episode_end_date=end,
        new_episode_reason_code=rne,
        legal_status_code=ls,
        reason_ceased_code=rec,
        placement_code=place,
        need_code=need,
    )


def escalation(
    escalation_id: str, child_id: str, stage: str, raised: dt.date, resolved: dt.date | None = None
) -> dict:
    """One core_escalations row (IRO I1): PRE, INF, S1, S2 or S3, raised and resolved on."""
    return dict(
        escalation_id=escalation_id,
        child_id=child_id,
        iro_id="I1",
        stage_code=stage,
        raised_date=raised,
        resolved_date=resolved,
    )


def pack_from(
    folder: Path, catalogue: dict, supplied_csv: str, core: dict | None, month: str = "2024-03"
) -> PackTables:
    """The pack for `month` from a catalogue and supplied values written to `folder`, with
    the sample config (disclosure threshold 5, which the tests' arithmetic assumes)."""
    cat = folder / "indicators.yml"
    cat.write_text(yaml.safe_dump(catalogue, sort_keys=False))
    sup = folder / "supplied.csv"
    sup.write_text(supplied_csv)
    params = load_params(ROOT / "config" / "sample.yml", processed=str(folder / "processed"))
    assert params.disclosure_threshold == 5
    return build_pack(params, month=month, catalogue_path=cat, supplied_path=sup, core=core)
