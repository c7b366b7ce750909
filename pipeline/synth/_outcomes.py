"""The smaller SSDA903 tables: missing, OC2 (health), OC3 (care leavers), adoption, permanence."""

from __future__ import annotations

import numpy as np
import polars as pl

from pipeline.synth._iro import events
from pipeline.synth._util import NONE, OPEN, add_years, age_years, date_col, frame, pick

_ACTIV = {
    "F2": 22, "F4": 18, "F1": 6, "P4": 6, "P2": 4, "F5": 3, "P1": 1, "P5": 0.5,
    "G5": 24, "G4": 8, "G6": 5, "0": 2.5,
}  # fmt: skip
_ACCOM = {
    "U1": 28, "D1": 18, "B1": 15, "Z1": 10, "E1": 8, "K1": 6, "C1": 3, "T1": 3, "Y1": 3,
    "B2": 2, "U2": 2, "S2": 1, "W2": 1, "X2": 1, "0": 1,
}  # fmt: skip


def _flag(rng, p: float, n: int) -> np.ndarray:
    return np.where(rng.random(n) < p, "1", "0").astype(object)


def missing(rng, w, pop, child_id, dob_s, lo, hi, **_) -> pl.DataFrame:
    """Missing/away episodes: ~11% of children in care a year go missing, some many times; teens mostly."""
    p = pop.periods
    age = (lo - pop.dob[p["child"]]) / 365.25
    prone = rng.random(lo.size) < np.where(age >= 11, 0.34, 0.03)
    rate = np.where(prone, rng.gamma(1.2, 2.5, lo.size), 0.0) / 365.25
    idx, start = events(rng, lo, hi, rate)
    n = idx.size
    length = np.where(rng.random(n) < 0.8, rng.integers(0, 2, n), rng.integers(2, 12, n))
    kid = p["child"][idx]
    # a missing period ends by the end of care (DfE 577) and by the child's next one (574)
    end = np.minimum(start + length, p["end"][idx])
    o = np.lexsort((start, kid))
    same = np.r_[kid[o][1:] == kid[o][:-1], False]
    end[o] = np.where(same, np.minimum(end[o], np.r_[start[o][1:], OPEN]), end[o])
    return frame(
        "missing",
        {
            "CHILD": child_id[kid],
            "DOB": dob_s.gather(kid),
            "MISSING": np.where(rng.random(n) < 0.62, "M", "A"),
            "MIS_START": date_col(start),
            "MIS_END": date_col(np.where(end > w.extract, NONE, end)),
        },
    )


def oc2(rng, w, pop, child_id, dob_s, **_) -> pl.DataFrame:
    """Health and wellbeing of children in care 12 months or more on 31 March."""
    p = pop.periods
    a_year_before = add_years(np.array([w.year_end]), -1)[0]
    rows = np.flatnonzero((p["start"] <= a_year_before) & (p["end"] > w.year_end))
    kid = p["child"][rows]
    n = kid.size
    age = age_years(pop.dob[kid], w.year_end)
    sdq_age = (age >= 4) & (age <= 16)
    returned = sdq_age & (rng.random(n) < 0.82)
    score = np.clip(np.rint(rng.normal(14, 7, n)), 0, 40).astype("int64").astype(str)
    reason = np.where(sdq_age, pick(rng, {"SDQ2": 3, "SDQ4": 5, "SDQ5": 3, "SDQ3": 1}, n), "SDQ1")
    misuse = np.where(age >= 11, _flag(rng, 0.07, n), "0")
    offered = np.where(misuse == "1", _flag(rng, 0.85, n), None)
    return frame(
        "oc2",
        {
            "CHILD": child_id[kid],
            "DOB": dob_s.gather(kid),
            "SDQ_SCORE": np.where(returned, score, None),
            "SDQ_REASON": np.where(returned, None, reason),
            "CONVICTED": np.where(age >= 10, _flag(rng, 0.025, n), None),
            "HEALTH_CHECK": _flag(rng, 0.89, n),
            "IMMUNISATIONS": _flag(rng, 0.85, n),
            "TEETH_CHECK": _flag(rng, 0.76, n),
            "HEALTH_ASSESSMENT": _flag(rng, 0.9, n),
            "SUBSTANCE_MISUSE": misuse,
            "INTERVENTION_RECEIVED": np.where(
                offered == "1", _flag(rng, 0.7, n), np.where(misuse == "1", "0", None)
            ),
            "INTERVENTION_OFFERED": offered,
        },
    )


def oc3(rng, w, pop, child_id, dob_s, **_) -> pl.DataFrame:
    """Care leavers whose 19th, 20th or 21st birthday fell in the reporting year."""
    p = pop.periods
    last = np.r_[p["child"][1:] != p["child"][:-1], True]
    left_old = last & (p["end"] < OPEN) & (p["end"] - p["start"] >= 91)
    left_old &= (p["end"] - pop.dob[p["child"]]) >= int(17.5 * 365.25)
    kid = p["child"][left_old]
    age = age_years(pop.dob[kid], w.year_end)
    reason = p["reason"][left_old][np.isin(age, [19, 20, 21])]
    kid = kid[np.isin(age, [19, 20, 21])]  # age k on 31 March: k-th birthday in the year
    n = kid.size
    touch = pick(rng, {"YES": 88, "NO": 4, "REFU": 3, "NREQ": 3, "RHOM": 2}, n)
    yes = touch == "YES"
    # died in care or transferred to another authority: not this authority's care leaver
    # (DfE 1000, 1011); dropped after drawing so the other draws stay as they were
    keep = ~np.isin(reason, ["E2", "E3"])
    return frame(
        "oc3",
        {
            "CHILD": child_id[kid],
            "DOB": dob_s.gather(kid),
            "IN_TOUCH": touch,
            "ACTIV": np.where(yes, pick(rng, _ACTIV, n), None),
            "ACCOM": np.where(yes, pick(rng, _ACCOM, n), None),
        },
    ).filter(pl.Series(keep))


def placed_for_adoption(rng, w, pop, child_id, dob_s, **_) -> pl.DataFrame:
    """Decisions that a child should be placed for adoption, and how they ended."""
    p = pop.periods
    # a decision is in the extract once recorded: once the placement order it supports has
    # been made (and the case settled), which keeps the draws after it as they were
    rows = np.flatnonzero(
        (p["adopt_decision"] >= 0) & (p["start"] + p["adopt_recorded"] <= w.extract)
    )
    kid = p["child"][rows]
    decided = p["start"][rows] + p["adopt_decision"][rows]
    rev = p["adopt_reversed"][rows]
    rev_date = np.where(rev >= 0, p["start"][rows] + rev, OPEN)
    adopted = np.isin(p["reason"][rows], ["E11", "E12"]) & (p["end"][rows] <= w.extract)
    ceased = np.where(adopted, p["end"][rows], np.where(rev_date <= w.extract, rev_date, NONE))
    why = np.where(
        adopted,
        p["reason"][rows],
        np.where(
            rev_date <= w.extract,
            pick(rng, {"RD1": 30, "RD2": 40, "RD4": 25, "RD3": 5}, rows.size),
            None,
        ),
    )
    return frame(
        "placed_for_adoption",
        {
            "CHILD": child_id[kid],
            "DOB": dob_s.gather(kid),
            "DATE_PLACED": date_col(decided),
            "DATE_PLACED_CEASED": date_col(ceased),
            "REASON_PLACED_CEASED": why,
        },
    )


def ad1(rng, w, pop, child_id, dob_s, with_carer, **_) -> pl.DataFrame:
    """Adopted children: decision and matching dates, and who adopted them."""
    p = pop.periods
    rows = np.flatnonzero(np.isin(p["reason"], ["E11", "E12"]) & (p["end"] <= w.extract))
    kid = p["child"][rows]
    n = rows.size
    match = (
        p["start"][rows]
        + np.maximum(p["t_adopt"][rows], p["adopt_decision"][rows] + 1)
        - rng.integers(14, 60, n)
    )
    couple = rng.random(n) < 0.8
    sex = np.where(
        couple, pick(rng, {"MF": 85, "FF": 9, "MM": 6}, n), pick(rng, {"F1": 85, "M1": 15}, n)
    )
    ls = np.where(
        couple, pick(rng, {"L0": 62, "L12": 28, "L11": 10}, n), pick(rng, {"L3": 85, "L4": 15}, n)
    )
    return frame(
        "ad1",
        {
            "CHILD": child_id[kid],
            "DOB": dob_s.gather(kid),
            "DATE_INT": date_col(p["start"][rows] + p["adopt_decision"][rows]),
            "DATE_MATCH": date_col(match),
            "FOSTER_CARE": np.where(with_carer[rows], "1", "0"),
            "NB_ADOPTR": np.where(couple, "2", "1"),
            "SEX_ADOPTR": sex,
            "LS_ADOPTR": ls,
        },
    )


def previous_permanence(rng, w, pop, child_id, dob_s, **_) -> pl.DataFrame:
    """One row per child: mostly no previous permanence order (Z1)."""
    n = child_id.size
    prev = pick(rng, {"Z1": 88, "P2": 5, "P1": 3, "P3": 3, "P4": 1}, n)
    has = prev != "Z1"
    when = w.year_end - rng.integers(200, 3000, n)
    full = date_col(when)
    partial = pl.Series(rng.random(n) < 0.2)
    when_s = pl.select(
        pl.when(partial).then(pl.lit("zz/") + full.str.slice(3)).otherwise(full)
    ).to_series()
    when_s = when_s.to_numpy().astype(object)
    return frame(
        "previous_permanence",
        {
            "CHILD": child_id,
            "DOB": dob_s,
            "PREV_PERM": prev,
            "LA_PERM": np.where(has, np.where(rng.random(n) < 0.7, "999", "ZZZ"), None),
            "DATE_PERM": np.where(has, when_s, None),
        },
    )
