"""Periods of care -> SSDA903 episodes: a new episode at every legal-status or placement change."""

from __future__ import annotations

import numpy as np

from pipeline.synth._util import OPEN, day, pick, pick_by_group, postcodes

SUPPORTED_FROM = day(__import__("datetime").date(2023, 10, 28))  # H5 -> K3

_FOSTER = {"U1": 6, "U3": 9, "U4": 22, "U5": 2, "U6": 35}
_PLACE = {
    "baby": {"U6": 60, "U5": 12, "U3": 12, "U4": 6, "R3": 6, "P1": 4},
    "child": _FOSTER | {"K2": 11, "P1": 6, "R1": 1, "S1": 1.5, "K1": 0.3, "Z1": 0.5, "R2": 0.3},
    "older": {"U4": 20, "U6": 22, "U1": 5, "U3": 4, "K2": 12, "SUP": 28, "P2": 3, "P1": 3}
    | {"R5": 0.7, "S1": 1, "Z1": 1, "K1": 0.3},
    "uasc_child": {"U6": 60, "U4": 20, "K2": 15, "SUP": 5},
    "uasc_older": {"SUP": 62, "U6": 25, "U4": 8, "K2": 5},
}
_PROVIDER = {
    "foster_rel": {"PR1": 1},
    "foster": {"PR1": 64, "PR4": 34, "PR2": 2},
    "home": {"PR4": 74, "PR1": 14, "PR5": 10, "PR2": 2},
    "supported": {"PR4": 70, "PR5": 20, "PR1": 10},
    "adoption": {"PR1": 70, "PR2": 18, "PR5": 12},
    "parents": {"PR0": 1},
    "other": {"PR4": 40, "PR3": 30, "PR5": 20, "PR2": 10},
}
_PROVIDER_OF = (
    dict.fromkeys(["U1", "U2", "U3"], "foster_rel")
    | dict.fromkeys(["U4", "U5", "U6"], "foster")
    | dict.fromkeys(["K1", "K2", "R1", "S1"], "home")
    | dict.fromkeys(["H5", "K3", "P2"], "supported")
    | dict.fromkeys(["A3", "A4", "A5", "A6"], "adoption")
    | {"P1": "parents"}
)
_CHANGE_REASON = {
    "CARPL": 40, "CREQB": 15, "CREQO": 12, "CHILD": 8, "LAREQ": 6, "OTHER": 8,
    "CLOSE": 3, "STAND": 3, "ALLEG": 2, "APPRR": 1,
}  # fmt: skip


def _placement_moves(rng, p: dict, obs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Placement-change events: (period index, offset). A minority are very unstable."""
    n = obs.shape[0]
    kind = rng.random(n)
    # moves a year: most children settle (long-term stability ~65-70%, as in the reference
    # reports and DfE figures); a minority move often (3+ placements in a year ~10%)
    rate = np.where(kind < 0.05, 3.0, np.where(kind < 0.28, 0.8, 0.07))
    limit = np.where(p["t_adopt"] > 0, np.minimum(p["t_adopt"], obs), obs)
    count = rng.poisson(rate * limit / 365.25)
    early = (rng.random(n) < 0.25) & (limit > 30)  # emergency placement -> planned one
    count = np.minimum(count, 14)
    pid = np.repeat(np.arange(n), count)
    off = (rng.random(pid.size) * limit[pid]).astype("int64")
    pid = np.concatenate([pid, np.flatnonzero(early)])
    off = np.concatenate([off, rng.integers(3, 60, n)[early].clip(max=limit[early] - 1)])
    return pid, off


def build_episodes(
    rng: np.random.Generator, p: dict, dob: np.ndarray, uasc: np.ndarray, extract: int
):
    """One row per episode with DfE codes (object arrays) and int-day dates."""
    n = p["start"].shape[0]
    obs = np.minimum(p["end"], extract + 1) - p["start"]  # observed length (open: to extract)
    mv_pid, mv_off = _placement_moves(rng, p, obs)
    l1, l2, ad = p["t1"] > 0, p["t2"] > 0, p["t_adopt"] > 0
    ev_pid = np.concatenate(
        [np.arange(n), mv_pid, np.flatnonzero(l1), np.flatnonzero(l2), np.flatnonzero(ad)]
    )
    ev_off = np.concatenate(
        [np.zeros(n, "int64"), mv_off, p["t1"][l1], p["t2"][l2], p["t_adopt"][ad]]
    )
    ev_l = np.concatenate(
        [
            np.zeros(n + mv_pid.size, bool),
            np.ones(l1.sum() + l2.sum(), bool),
            np.zeros(ad.sum(), bool),
        ]
    )
    ev_p = np.concatenate(
        [
            np.ones(n + mv_pid.size, bool),
            np.zeros(l1.sum() + l2.sum(), bool),
            np.ones(ad.sum(), bool),
        ]
    )
    ev_a = np.concatenate(
        [np.zeros(n + mv_pid.size + l1.sum() + l2.sum(), bool), np.ones(ad.sum(), bool)]
    )
    keep = (ev_off >= 0) & (ev_off < obs[ev_pid])
    ev_pid, ev_off, ev_l, ev_p, ev_a = (a[keep] for a in (ev_pid, ev_off, ev_l, ev_p, ev_a))
    order = np.lexsort((ev_off, ev_pid))
    ev_pid, ev_off, ev_l, ev_p, ev_a = (a[order] for a in (ev_pid, ev_off, ev_l, ev_p, ev_a))
    # events on the same day are one change (legal + placement = T/U)
    first = np.r_[True, (ev_pid[1:] != ev_pid[:-1]) | (ev_off[1:] != ev_off[:-1])]
    idx = np.flatnonzero(first)
    pid, off = ev_pid[idx], ev_off[idx]
    is_l = np.maximum.reduceat(ev_l, idx)
    is_p = np.maximum.reduceat(ev_p, idx)
    is_a = np.maximum.reduceat(ev_a, idx)
    is_start = off == 0
    start = p["start"][pid] + off
    last = np.r_[pid[1:] != pid[:-1], True]
    end = np.where(last, p["end"][pid], np.r_[start[1:], 0])
    # a period that has not ended by the extract date is open in the extract
    end = np.where(last & (end > extract), OPEN, end)

    # legal status in force at the episode start
    t1, t2 = p["t1"][pid], p["t2"][pid]
    ls = np.where(
        (t2 > 0) & (off >= t2),
        p["ls2"][pid],
        np.where((t1 > 0) & (off >= t1), p["ls1"][pid], p["ls0"][pid]),
    )

    # placements: one draw per placement spell, carried across legal-only changes
    spell = np.cumsum(is_p | is_start) - 1
    spell_row = np.flatnonzero(is_p | is_start)
    age = (start[spell_row] - dob[p["child"][pid[spell_row]]]) / 365.25
    kid_uasc = uasc[p["child"][pid[spell_row]]]
    group = np.where(
        kid_uasc,
        np.where(age >= 16, "uasc_older", "uasc_child"),
        np.where(age < 1, "baby", np.where(age >= 16, "older", "child")),
    )
    place = pick_by_group(rng, group, _PLACE)
    sup = place == "SUP"
    place[sup] = np.where(start[spell_row][sup] < SUPPORTED_FROM, "H5", "K3")
    # independent living (P2) is not a valid placement after 28/10/2023 (DfE 217t)
    p2_late = (place == "P2") & (start[spell_row] >= SUPPORTED_FROM)
    place[p2_late] = "K3"
    s20 = ls[spell_row] == "V2"
    place[(place == "P1") & s20] = "U6"  # placed with parents needs a care order
    with_carer = rng.random(spell_row.size) < 0.15  # foster carer adoptions (England ~15%)
    adopt = is_a[spell_row]
    place[adopt] = np.where(with_carer, "A5", "A6")[adopt]
    # the provider-only change (B): same placement code, new provider
    b_change = (~is_start[spell_row]) & ~adopt & (rng.random(spell_row.size) < 0.04)
    prev = np.r_[0, np.arange(spell_row.size - 1)]
    same_period = np.r_[False, pid[spell_row][1:] == pid[spell_row][:-1]]
    b_change &= same_period
    place[b_change] = place[prev][b_change]

    codes, inv = np.unique(place.astype(str), return_inverse=True)
    kind = np.array([_PROVIDER_OF.get(c, "other") for c in codes], dtype=object)[inv]
    provider = pick_by_group(rng, kind, _PROVIDER)
    flip = b_change & (provider == provider[prev])
    provider[flip] = np.where(provider[prev][flip] == "PR4", "PR5", "PR4")
    provider[place == "Z1"] = None  # 'other placements' take no provider (DfE 178)
    provider[place == "P1"] = "PR0"  # with parents: the provider is the parents (DfE 530/531)
    is_home = np.isin(place, ["K1", "K2"])
    n_homes = max(5, n // 25)
    urns = np.char.zfill(rng.choice(1_000_000, n_homes, replace=False).astype(str), 6)
    home_urn = ("SC" + urns.astype(object)).astype(object)
    home_post = postcodes(rng, n_homes, np.where(rng.random(n_homes) < 0.45, "WX", "YX"))
    which = rng.integers(0, n_homes, spell_row.size)
    urn = np.where(is_home, home_urn[which], "")
    pl_post = postcodes(
        rng, spell_row.size, np.where(rng.random(spell_row.size) < 0.66, "WX", "YX")
    )
    pl_post = np.where(is_home, home_post[which], pl_post)
    pl_post[b_change] = pl_post[prev][b_change]

    out = {
        "pid": pid,
        "start": start,
        "end": end,
        "ls": ls,
        "place": place[spell],
        "provider": provider[spell],
        "urn": urn[spell],
        "pl_post": pl_post[spell],
        "is_l": is_l,
        "is_p": is_p,
        "is_start": is_start,
        "last": last,
        "b": np.zeros(pid.size, bool),
    }
    out["b"][spell_row[b_change]] = True
    return _split_supported(rng, _codes(rng, p, out))


def _codes(rng, p: dict, e: dict) -> dict:
    """RNE, REC and the reason for a placement change (recorded on the episode that ends)."""
    m = e["pid"].size
    rne = np.full(m, "L", dtype=object)
    both = e["is_l"] & e["is_p"]
    rne[both] = np.where(rng.random(m) < 0.9, "T", "U")[both]
    rne[e["is_p"] & ~e["is_l"]] = "P"
    # placed for adoption with the current foster carers: same carer (DfE 217)
    rne[e["is_p"] & ~e["is_l"] & (e["place"] == "A5")] = "T"
    rne[e["b"] & ~e["is_l"]] = "B"
    rne[e["is_start"]] = "S"
    rec = np.where(e["last"], p["reason"][e["pid"]], "X1").astype(object)
    rec[e["end"] >= OPEN] = ""
    nxt = np.concatenate([rne[1:], np.array(["S"], dtype=object)])
    moved = ~e["last"] & np.isin(nxt, ["P", "T", "U", "B"])
    rpc = np.full(m, "", dtype=object)
    rpc[moved] = pick(rng, _CHANGE_REASON, m)[moved]
    to_adopt = moved & np.concatenate([np.isin(e["place"][1:], ["A5", "A6"]), [False]])
    rpc[to_adopt] = "CARPL"
    rpc[moved & (nxt == "B")] = "CLOSE"
    e.update(rne=rne, rec=rec, rpc=rpc)
    return e


def _split_supported(rng, e: dict) -> dict:
    """Semi-independent (H5) and independent living (P2) placements open on 28/10/2023
    become supported accommodation (K3) from that day (DfE 217t: no P2 after it)."""
    cut = (
        np.isin(e["place"], ["H5", "P2"])
        & (e["start"] < SUPPORTED_FROM)
        & (e["end"] > SUPPORTED_FROM)
    )
    idx = np.flatnonzero(cut)
    if idx.size == 0:
        return e
    new = {k: v[idx].copy() for k, v in e.items()}
    new["start"][:] = SUPPORTED_FROM
    new["place"][:] = "K3"
    new["rne"][:] = "P"
    new["rpc"][:] = e["rpc"][idx]  # the K3 episode inherits whatever ends it
    e["end"][idx] = SUPPORTED_FROM
    e["rec"][idx] = "X1"
    e["rpc"][idx] = "PLACE"
    e["last"][idx] = False
    new["is_start"][:] = False
    merged = {k: np.concatenate([e[k], new[k]]) for k in e}
    order = np.lexsort((merged["start"], merged["pid"]))
    return {k: v[order] for k, v in merged.items()}
