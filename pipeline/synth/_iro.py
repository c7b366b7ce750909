"""The IRO service's own records: escalations (and pre-escalations), contacts, practice notes."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipeline.synth._util import NONE, busday_add, pick, pick_by_group

_STAGES = {"INF": 64, "S1": 20, "S2": 9, "S3": 5, "S4": 2, "S5": 0.15}
_AREAS = {
    "CPI": 96, "REG": 77, "ORD": 52, "OTH": 31, "SRV": 30, "VOC": 22, "HOM": 20, "HLT": 16,
    "TRN": 15, "EDU": 14, "SAF": 14, "FAM": 13, "LSW": 6, "STF": 1,
}  # fmt: skip
_PRE_AREAS = {
    "P_PERM": 73,
    "P_PLAN": 58,
    "P_FILE": 48,
    "P_EDU": 34,
    "P_HLT": 18,
    "P_VOICE": 12,
    "P_FAM": 2,
}
_OUTCOMES = {"RES": 76, "PART": 12, "NRES": 5, "WDN": 7}
_CONTACT = {
    "young": {"VISIT": 78, "VIDEO": 8, "LETTER": 10, "PHONE": 3, "OTHER": 1},
    "older": {"VISIT": 52, "PHONE": 20, "TEXT": 15, "VIDEO": 8, "LETTER": 4, "OTHER": 1},
}


def events(rng, lo: np.ndarray, hi: np.ndarray, per_day: np.ndarray | float):
    """Poisson events dated uniformly in [lo, hi) for each span: (span index, date)."""
    length = np.maximum(hi - lo, 0)
    count = rng.poisson(length * per_day)
    idx = np.repeat(np.arange(lo.shape[0]), count)
    date = lo[idx] + (rng.random(idx.size) * length[idx]).astype("int64")
    order = np.lexsort((date, idx))
    return idx[order], date[order]


def _areas(rng, n: int, weights: dict[str, float], k_probs: list[float]) -> pl.Series:
    """1-3 distinct areas per escalation, ';'-separated (Gumbel top-k weighted sampling)."""
    keys = np.array(list(weights), dtype=object)
    logw = np.log(np.array(list(weights.values()), dtype=float))
    top = np.argsort(-(logw + rng.gumbel(size=(n, keys.size))), axis=1)[:, :3]
    k = rng.choice(len(k_probs), size=n, p=k_probs) + 1
    cols = [
        pl.Series(np.where(k > j, keys[top[:, j]], None).tolist(), dtype=pl.String)
        for j in range(3)
    ]
    return (
        pl.DataFrame({"a": cols[0], "b": cols[1], "c": cols[2]})
        .select(pl.concat_str("a", "b", "c", separator=";", ignore_nulls=True))
        .to_series()
    )


def escalations(rng, lo, hi, pre_lo: int, extract: int) -> dict[str, object]:
    """Escalations (~0.4 a year per child in care) and pre-escalations (from `pre_lo`)."""
    e_idx, e_date = events(rng, lo, hi, 0.4 / 365.25)
    p_idx, p_date = events(rng, np.maximum(lo, pre_lo), hi, 1.0 / 365.25)
    stage = np.concatenate(
        [pick(rng, _STAGES, e_idx.size), np.full(p_idx.size, "PRE", dtype=object)]
    )
    areas = pl.concat(
        [
            _areas(rng, e_idx.size, _AREAS, [0.25, 0.30, 0.45]),
            _areas(rng, p_idx.size, _PRE_AREAS, [0.9, 0.1, 0.0]),
        ]
    )
    idx, raised = np.concatenate([e_idx, p_idx]), np.concatenate([e_date, p_date])
    n = idx.size
    level = np.searchsorted(["INF", "PRE", "S1", "S2", "S3", "S4", "S5"], stage.astype(str))
    slow = 1.0 + 0.25 * np.where(stage == "PRE", 0, np.maximum(level - 1, 0))
    took = np.maximum(1, rng.lognormal(np.log(18), 0.75, n) * slow).astype("int64")
    resolved = busday_add(raised, took)
    closed = resolved <= extract
    outcome = pick(rng, _OUTCOMES, n)
    outcome[(stage == "S5") & (outcome == "NRES")] = "CAF"
    outcome[stage == "PRE"] = np.where(rng.random(n) < 0.9, "RES", "PART")[stage == "PRE"]
    order = np.lexsort((idx, raised))
    return {
        "idx": idx[order],
        "RAISED": raised[order],
        "STAGE": stage[order],
        "AREAS": areas.gather(order),
        "RESOLVED": np.where(closed, resolved, NONE)[order],
        "OUTCOME": np.where(closed, outcome, None)[order],
    }


def contacts(rng, lo, hi, age_at_lo, adoption) -> dict[str, np.ndarray]:
    """IRO contacts roughly every 6-12 weeks; fewer for children placed for adoption."""
    n = lo.shape[0]
    per_day = 1.0 / rng.uniform(30, 65, n)
    per_day = np.where(rng.random(n) < 0.03, per_day / 4, per_day)  # a minority go quiet
    per_day = np.where(adoption, per_day / 2, per_day)
    idx, date = events(rng, lo, hi, per_day)
    kind = np.where(age_at_lo[idx] < 8, "young", "older")
    return {"idx": idx, "CONTACT_DATE": date, "CONTACT_TYPE": pick_by_group(rng, kind, _CONTACT)}


def practice_notes(rng, lo, hi, since: int) -> dict[str, np.ndarray]:
    """Good-practice recognition notes (and a few others), from `since`."""
    idx, date = events(rng, np.maximum(lo, since), hi, 0.11 / 365.25)
    kind = np.where(rng.random(idx.size) < 0.88, "GOOD", "OTHER")
    order = np.lexsort((idx, date))
    return {"idx": idx[order], "NOTE_DATE": date[order], "NOTE_TYPE": kind[order]}
