"""The synthetic population: children (with a second period of care for some) sized to a target."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from pipeline.synth._periods import HOME, OTHER, UASC, draw_periods, entry_ages, tracks_for
from pipeline.synth._util import add_years, day, pick

_ETHNIC = {
    "WBRI": 800, "WOTH": 30, "WIRI": 3, "WIRT": 3, "WROM": 5, "MWBC": 30, "MWBA": 12,
    "MWAS": 15, "MOTH": 25, "AIND": 5, "APKN": 8, "ABAN": 3, "AOTH": 5, "BCRB": 8,
    "BAFR": 10, "BOTH": 5, "CHNE": 1, "OOTH": 8, "REFU": 3, "NOBT": 4,
}  # fmt: skip
_ETHNIC_UASC = {"BAFR": 30, "AOTH": 28, "OOTH": 24, "BOTH": 8, "AIND": 4, "WOTH": 3, "MOTH": 3}
UASC_SHARE = 0.12
_BURST_SHARE = 0.3  # UASC arriving in their year's one-month burst
_BIG_BURST = 0.08  # UASC arriving in August of the reporting year


@dataclass
class Population:
    """Children (one row each) and their periods of care (one row each, child = row index)."""

    sex: np.ndarray
    dob: np.ndarray
    ethnic: np.ndarray
    uasc: np.ndarray
    periods: dict[str, np.ndarray]


@dataclass(frozen=True)
class Window:
    """The dates every table is built around (int day numbers)."""

    start: int  # 1 April, history_years before the year end
    year_end: int  # 31 March of the reporting year
    extract: int
    year: int  # year_end as a calendar year

    @classmethod
    def of(cls, year_end: int, extract: dt.date, history_years: int) -> Window:
        return cls(
            start=day(dt.date(year_end - history_years, 4, 1)),
            year_end=day(dt.date(year_end, 3, 31)),
            extract=day(extract),
            year=year_end,
        )


def _fy(days: np.ndarray) -> np.ndarray:
    """Year in which the April-March year containing each date ends."""
    d = days.astype("datetime64[D]")
    y = d.astype("datetime64[Y]").astype("int64") + 1970
    m = d.astype("datetime64[M]").astype("int64") % 12 + 1
    return np.where(m >= 4, y + 1, y)


def _uasc_starts(rng: np.random.Generator, n: int, w: Window) -> np.ndarray:
    """Arrival dates: a steady trickle plus bursts (one month a year, as when an authority takes
    a share of a national transfer), and a large one in August of the reporting year."""
    lo = w.start - 3 * 365
    start = rng.integers(lo, w.extract + 1, n)
    years = np.arange(w.year - 6, w.year + 2)
    burst_month = rng.integers(1, 13, years.size)
    burst_month[years == w.year] = 8
    fy = _fy(start)
    month = burst_month[np.clip(fy - years[0], 0, years.size - 1)]
    cal_year = np.where(month >= 4, fy - 1, fy)
    first = (
        ((cal_year - 1970) * 12 + month - 1)
        .astype("datetime64[M]")
        .astype("datetime64[D]")
        .astype("int64")
    )
    burst = rng.random(n) < _BURST_SHARE
    start = np.where(burst, first + rng.integers(0, 28, n), start)
    # the reporting year's August transfer is a big one (Dorset: +30 on ~430 in care)
    august = day(dt.date(w.year - 1, 8, 1))
    big = rng.random(n) < _BIG_BURST
    return np.where(big, august + rng.integers(0, 28, n), start)


def _pool(rng: np.random.Generator, n: int, w: Window, uasc: bool) -> dict[str, np.ndarray]:
    if uasc:
        start = _uasc_starts(rng, n, w)
        years = rng.choice([14, 15, 16, 17], size=n, p=[0.08, 0.22, 0.42, 0.28])
        age = (years * 365.25 + rng.integers(0, 330, n)).astype("int64")
        track = np.full(n, UASC)
        sex = np.where(rng.random(n) < 0.95, "1", "2")
        ethnic = pick(rng, _ETHNIC_UASC, n)
    else:
        start = rng.integers(w.year_end - int(18.6 * 365), w.extract + 1, n)
        age, band = entry_ages(rng, n)
        track = tracks_for(rng, band)
        sex = np.where(rng.random(n) < 0.55, "1", "2")
        ethnic = pick(rng, _ETHNIC, n)
    dob = start - age
    p = draw_periods(rng, start, dob, track)
    return {"start": start, "dob": dob, "track": track, "sex": sex, "ethnic": ethnic, **p}


def _second_periods(rng: np.random.Generator, first: dict, w: Window) -> dict[str, np.ndarray]:
    """Some children who went home come back: a second period of care months later."""
    n = first["start"].shape[0]
    eighteen = add_years(first["dob"], 18)
    gap = np.maximum(14, rng.lognormal(np.log(240), 0.8, n)).astype("int64")
    start = first["end"] + gap
    ok = (
        np.isin(first["track"], [HOME, OTHER])
        & np.isin(first["reason"], ["E4A", "E4B", "E13", "E8"])
        & (rng.random(n) < 0.25)
        & (start <= w.extract)
        & (start < eighteen - 60)
    )
    idx = np.flatnonzero(ok)
    age_y = (start[idx] - first["dob"][idx]) / 365.25
    band = np.searchsorted([1, 5, 10, 16], age_y, side="right")
    track = tracks_for(rng, band)
    p = draw_periods(rng, start[idx], first["dob"][idx], track)
    return {"child": idx, "start": start[idx], "track": track, **p}


def _in_care(start: np.ndarray, end: np.ndarray, on: int) -> np.ndarray:
    return (start <= on) & (end > on)


def _take(d: dict[str, np.ndarray], idx: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[idx] for k, v in d.items()}


def _sized(rng: np.random.Generator, target: int, w: Window, uasc: bool):
    """Draw pools until a prefix holds `target` children in care on 31 March; keep it."""
    if target <= 0:
        return None, None
    size = int(target / (0.15 if uasc else 0.12)) + 50
    while True:
        first = _pool(rng, size, w, uasc)
        second = _second_periods(rng, first, w)
        in_care = _in_care(first["start"], first["end"], w.year_end)
        in_care[second["child"][_in_care(second["start"], second["end"], w.year_end)]] = True
        cum = np.cumsum(in_care)
        if cum[-1] >= target:
            keep = int(np.searchsorted(cum, target)) + 1
            second = _take(second, np.flatnonzero(second["child"] < keep))
            return _take(first, np.arange(keep)), second
        size *= 2


def build(rng: np.random.Generator, children: int, w: Window) -> Population:
    """Children with any care between the window start and the extract date."""
    n_uasc = round(children * UASC_SHARE)
    parts = [_sized(rng, children - n_uasc, w, False), _sized(rng, n_uasc, w, True)]
    kids, periods, offset = [], [], 0
    for first, second in parts:
        if first is None:
            continue
        n = first["start"].shape[0]
        kids.append(
            {k: first[k] for k in ("sex", "dob", "ethnic")} | {"uasc": first["track"] == UASC}
        )
        p1 = {k: v for k, v in first.items() if k not in ("sex", "dob", "ethnic")}
        p1 |= {"child": np.arange(n) + offset, "number": np.ones(n, dtype="int64")}
        p2 = second | {
            "child": second["child"] + offset,
            "number": np.full(second["child"].size, 2),
        }
        periods += [p1, p2]
        offset += n
    kid = {k: np.concatenate([c[k] for c in kids]) for k in kids[0]}
    per = {k: np.concatenate([p[k] for p in periods]) for k in periods[0]}
    # keep only children with some care inside the window
    touches = (per["end"] > w.start) & (per["start"] <= w.extract)
    keep_child = np.zeros(offset, dtype=bool)
    keep_child[per["child"][touches]] = True
    new_index = np.cumsum(keep_child) - 1
    per = _take(per, keep_child[per["child"]])
    per["child"] = new_index[per["child"]]
    kid = _take(kid, np.flatnonzero(keep_child))
    order = np.lexsort((per["start"], per["child"]))
    return Population(
        sex=kid["sex"],
        dob=kid["dob"],
        ethnic=kid["ethnic"],
        uasc=kid["uasc"],
        periods=_take(per, order),
    )
