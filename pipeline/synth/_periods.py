"""Children and their periods of care, drawn as a steady flow so trend tables look plausible.

Each period follows a care-planning *track* (adoption, return home, special guardianship,
long-term care to 18, other, UASC) that fixes its legal-status path, its length and how it
ends. Periods are drawn in bulk and a prefix of the pool is kept so that the number in care
on 31 March of the year end matches the request.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipeline.synth._util import OPEN, add_years, pick, pick_by_group

TRACKS = ("adopt", "home", "sgo", "long", "other", "uasc")
ADOPT, HOME, SGO, LONG, OTHER, UASC = range(6)

# entry age band -> probability of each track (non-UASC)
_ENTRY_AGE_BANDS = {0: 0.18, 1: 0.12, 2: 0.14, 3: 0.46, 4: 0.10}  # <1, 1-4, 5-9, 10-15, 16-17
_BAND_YEARS = np.array([[0, 1], [1, 5], [5, 10], [10, 16], [16, 17.7]])
_TRACK_BY_BAND = {
    0: {ADOPT: 56, HOME: 8, SGO: 24, LONG: 9, OTHER: 3},
    1: {ADOPT: 32, HOME: 14, SGO: 28, LONG: 22, OTHER: 4},
    2: {HOME: 18, SGO: 28, LONG: 47, OTHER: 7},
    3: {HOME: 24, SGO: 5, LONG: 57, OTHER: 14},
    4: {HOME: 40, LONG: 25, OTHER: 35},
}
_TEEN_SKEW = 0.5  # 10-15 entrants lean to the older end of the band
_LEAVE_BEFORE_18 = 0.65  # long stayers who leave in the 18 months before their 18th birthday
_EARLY_REASONS = {"E4A": 35, "E5": 20, "E8": 25, "E13": 12, "E6": 8}
_TURNED_18 = {"E5": 50, "E17": 30, "E6": 15, "E7": 5}
_REASONS = {
    ADOPT: {"E11": 80, "E12": 20},
    HOME: {"E4A": 62, "E4B": 8, "E13": 30},
    SGO: {"E41": 15, "E45": 40, "E46": 20, "E47": 20, "E48": 5},
    LONG: _TURNED_18,
    OTHER: {"E8": 45, "E3": 35, "E16": 8, "E9": 10, "E2": 2},
    UASC: {"E15": 35, "E3": 40, "E8": 15, "E16": 10},  # used only for those leaving before 18
}
# need at entry (other than UASC): with the UASC mix below, abuse or neglect is ~64% of all
# children in care, as in England (DfE CLA statistics, category of need)
_CIN = {
    "N1": 78,
    "N5": 9,
    "N4": 5,
    "N2": 2.5,
    "N3": 1.5,
    "N6": 1.5,
    "N8": 1.5,
    "N7": 0.5,
    "N9": 0.5,
}
_CIN_UASC = {"N8": 96, "N9": 2, "N1": 2}
_ENTRY_LS = {"C1": 78, "L1": 9, "L2": 8, "V2": 5}  # care-order tracks


@dataclass
class Periods:
    """One row per period of care; dates are int day numbers, `end` is OPEN if still open."""

    child: np.ndarray  # index into the children arrays
    number: np.ndarray  # 1 or 2
    start: np.ndarray
    end: np.ndarray
    track: np.ndarray
    reason: np.ndarray  # REC of the last episode (object; '' if open)
    cin: np.ndarray
    ls0: np.ndarray
    ls1: np.ndarray
    ls2: np.ndarray
    t1: np.ndarray  # offsets (days from start) of the legal-status changes, -1 if none
    t2: np.ndarray
    t_adopt: np.ndarray  # offset of placement for adoption, -1 if none
    adopt_decision: np.ndarray  # offset of the should-be-placed-for-adoption decision, -1
    adopt_recorded: np.ndarray  # offset from which the extract holds that decision, -1
    adopt_reversed: np.ndarray  # offset of a reversed adoption decision, -1


def _lognormal_days(rng, median: float, sigma: float, size: int) -> np.ndarray:
    return np.maximum(1, rng.lognormal(np.log(median), sigma, size)).astype("int64")


def draw_periods(
    rng: np.random.Generator, start: np.ndarray, dob: np.ndarray, track: np.ndarray
) -> dict[str, np.ndarray]:
    """Length, legal-status path and ending of periods whose start, DOB and track are known."""
    n = start.shape[0]
    age_d = start - dob
    dur = np.full(n, OPEN, dtype="int64")
    ls0 = np.full(n, "V2", dtype=object)
    ls1 = np.full(n, "", dtype=object)
    ls2 = np.full(n, "", dtype=object)
    t1 = np.full(n, -1, dtype="int64")
    t2 = np.full(n, -1, dtype="int64")
    t_adopt = np.full(n, -1, dtype="int64")
    decision = np.full(n, -1, dtype="int64")
    recorded = np.full(n, -1, dtype="int64")  # when the decision appears in the extract
    reversed_ = np.full(n, -1, dtype="int64")

    # legal route: care-order tracks start C1 (or L1/L2/V2 first), long/home/other split with s20
    court = np.isin(track, [ADOPT, SGO]) | (
        np.isin(track, [LONG, HOME, OTHER])
        & (rng.random(n) < np.where(age_d > 16 * 365, 0.2, np.where(track == HOME, 0.6, 0.92)))
    )
    court &= track != UASC
    entry = pick(rng, _ENTRY_LS, n)
    emergency = court & np.isin(entry, ["L1", "L2"])
    # interim care order to final hearing: care proceedings take 26 to 45 weeks
    proceedings = rng.integers(180, 320, n)
    first = np.where(
        emergency, np.where(entry == "L1", rng.integers(1, 4, n), rng.integers(3, 9, n)), 0
    )
    final = np.where(track == ADOPT, "E1", "C2")
    ls0[court] = np.where(emergency, entry, np.where(entry == "V2", "V2", "C1"))[court]
    # emergency/s20 -> C1 -> C2/E1 ; C1 -> C2/E1
    two_step = court & (emergency | (entry == "V2"))
    t1[two_step] = np.where(emergency, first, rng.integers(14, 90, n))[two_step]
    ls1[two_step] = "C1"
    t2[two_step] = (t1 + proceedings)[two_step]
    ls2[two_step] = final[two_step]
    one_step = court & ~two_step
    t1[one_step] = proceedings[one_step]
    ls1[one_step] = final[one_step]
    c_end = np.where(two_step, t2, t1)  # day the final order is made

    # remands: a few older 'other' children are J1 for a few weeks
    remand = (track == OTHER) & (age_d > 12 * 365) & (rng.random(n) < 0.18)
    ls0[remand], ls1[remand], ls2[remand] = "J1", "", ""
    t1[remand] = t2[remand] = -1

    # lengths by track
    is_ = {k: track == k for k in range(6)}
    # adoption timeline as in the DfE's national averages (national_cla_adopted_average_time_
    # between_adoption_process_stages): the decision ~9 months after entry (just before the
    # placement order at the final hearing), matched ~8-10 months later, placed ~1 month
    # after matching, adopted ~9 months after placement
    lead = rng.integers(14, 60, n)
    dec = c_end + lead  # from when the extract holds the decision
    place = c_end - lead + rng.integers(220, 420, n)
    adopted = place + rng.integers(150, 400, n)
    rev = is_[ADOPT] & (rng.random(n) < 0.08)
    # the decision that the child should be placed for adoption comes before the placement
    # order it supports (DfE 554); c_end >= 100 days, so it stays inside the period
    decision[is_[ADOPT]] = (c_end - lead)[is_[ADOPT]]
    recorded[is_[ADOPT]] = dec[is_[ADOPT]]
    t_adopt[is_[ADOPT] & ~rev] = place[is_[ADOPT] & ~rev]
    reversed_[rev] = (dec + rng.integers(60, 240, n))[rev]
    dur[is_[ADOPT]] = np.where(rev, reversed_ + rng.integers(90, 300, n), adopted)[is_[ADOPT]]
    home = _lognormal_days(rng, 450, 0.9, n)
    dur[is_[HOME]] = home[is_[HOME]]
    dur[is_[SGO]] = (c_end + 60 + rng.gamma(2.0, 330, n).astype("int64"))[is_[SGO]]
    other = np.where(remand, rng.integers(5, 90, n), _lognormal_days(rng, 450, 1.0, n))
    dur[is_[OTHER]] = other[is_[OTHER]]
    uasc_leaves = is_[UASC] & (rng.random(n) < 0.14)
    dur[uasc_leaves] = rng.integers(20, 200, n)[uasc_leaves]
    # legal changes after the end are dropped
    t2 = np.where(t2 >= dur, -1, t2)
    ls2 = np.where(t2 < 0, "", ls2)
    t1 = np.where(t1 >= dur, -1, t1)
    ls1 = np.where(t1 < 0, "", ls1)
    t_adopt = np.where(t_adopt >= dur, -1, t_adopt)

    reason = pick_by_group(rng, track, _REASONS)
    reason[rev] = pick(rng, {"E45": 50, "E46": 30, "E4A": 20}, n)[rev]
    reason[remand] = pick(rng, {"E14": 80, "E9": 20}, n)[remand]
    young = age_d + dur < 12 * 365
    reason[(track == OTHER) & young & np.isin(reason, ["E9"])] = "E8"

    # nobody is looked after past 18: long stayers and anyone reaching 18 leave on the birthday
    eighteen = add_years(dob, 18)
    end = np.where(dur >= OPEN, eighteen, start + dur)
    at18 = end >= eighteen
    end = np.where(at18, eighteen - np.where(rng.random(n) < 0.12, rng.integers(1, 30, n), 0), end)
    reason[at18] = pick(rng, _TURNED_18, n)[at18]
    # some long stayers leave at 16.5-17.9: home, independent living, or care just ends
    early = at18 & (track == LONG) & (rng.random(n) < _LEAVE_BEFORE_18) & (start < eighteen - 550)
    end = np.where(early, eighteen - rng.integers(40, 550, n), end)
    reason[early] = pick(rng, _EARLY_REASONS, n)[early]
    end = np.maximum(end, start + 1)
    cin = np.where(track == UASC, pick(rng, _CIN_UASC, n), pick(rng, _CIN, n))
    return {
        "end": end,
        "reason": reason,
        "cin": cin,
        "ls0": ls0,
        "ls1": ls1,
        "ls2": ls2,
        "t1": t1,
        "t2": t2,
        "t_adopt": t_adopt,
        "adopt_decision": decision,
        "adopt_recorded": recorded,
        "adopt_reversed": reversed_,
    }


def entry_ages(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Age at entry in days (non-UASC) and the age band used to choose a track."""
    band = rng.choice(5, size=n, p=np.array(list(_ENTRY_AGE_BANDS.values())))
    lo, hi = _BAND_YEARS[band, 0], _BAND_YEARS[band, 1]
    u = rng.random(n)
    years = lo + (hi - lo) * np.where(band == 3, u**_TEEN_SKEW, u)
    newborn = (band == 0) & (rng.random(n) < 0.45)  # many babies come into care at birth
    days = np.where(newborn, rng.integers(0, 14, n), (years * 365.25).astype("int64"))
    return days, band


def tracks_for(rng: np.random.Generator, band: np.ndarray) -> np.ndarray:
    return pick_by_group(rng, band, _TRACK_BY_BAND).astype("int64")
