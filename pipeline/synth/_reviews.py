"""Child-in-care reviews on the statutory timetable, and the IRO service's record of each one."""

from __future__ import annotations

import numpy as np

from pipeline.synth._util import NONE, add_months, busday_add, month_of, pick_by_group

_PARTICIPATION = {
    "young": {"PN1": 30, "PN6": 26, "PN3": 13, "PN4": 12, "PN2": 6, "PN5": 8, "PN7": 5},
    "older": {"PN1": 46, "PN6": 18, "PN5": 9, "PN2": 7, "PN4": 6, "PN3": 2, "PN7": 12},
}


def _held(rng, due: np.ndarray, early_max: int) -> np.ndarray:
    """Most reviews are held a little before they fall due; ~6% late, more over Christmas."""
    n = due.shape[0]
    winter = np.isin(month_of(due), [12, 1])
    late = rng.random(n) < np.where(winter, 0.15, 0.055)
    shift = np.where(late, rng.integers(1, 16, n), -rng.integers(0, early_max + 1, n))
    return busday_add(due, shift)


def review_dates(rng, p: dict, window_start: int, extract: int) -> tuple[np.ndarray, np.ndarray]:
    """(period index, review date) for every review held in the window while in care."""
    start, end = p["start"], np.minimum(p["end"], extract + 1)
    pid = np.arange(start.shape[0])
    date = _held(rng, busday_add(start, 20), 8)  # first review: 20 working days
    out_pid, out_date = [], []
    k = 1
    while pid.size:
        ok = date < end[pid]
        pid, date = pid[ok], date[ok]
        out_pid.append(pid)
        out_date.append(date)
        months = 3 if k == 1 else 6
        date = _held(rng, add_months(date, months), 15)
        k += 1
    pid, date = np.concatenate(out_pid), np.concatenate(out_date)
    keep = (date >= window_start) & (date <= extract)
    order = np.lexsort((date[keep], pid[keep]))
    return pid[keep][order], date[keep][order]


def review_codes(rng, age: np.ndarray) -> np.ndarray:
    """PN0 exactly when the child is under 4; otherwise participation varies with age."""
    code = pick_by_group(rng, np.where(age >= 11, "older", "young"), _PARTICIPATION)
    code[age < 4] = "PN0"
    return code


def process(rng, review: np.ndarray, extract: int) -> dict[str, np.ndarray]:
    """Recommendations, minutes and the social worker's report around each review."""
    n = review.shape[0]

    def done(days: np.ndarray, present: np.ndarray) -> np.ndarray:
        return np.where(present & (days <= extract), days, NONE)

    recs = busday_add(
        review, np.where(rng.random(n) < 0.88, rng.integers(0, 6, n), rng.integers(6, 16, n))
    )
    quick = rng.random(n) < 0.52  # minutes out within 20 working days (Dorset: ~45-50%)
    minutes = busday_add(review, np.where(quick, rng.integers(3, 16, n), rng.integers(21, 61, n)))
    has_minutes = rng.random(n) < 0.93
    distributed = busday_add(minutes, rng.integers(0, 6, n))
    swr_due = busday_add(review, -3)
    kind = rng.random(n)
    swr = busday_add(swr_due, np.where(kind < 0.55, -rng.integers(0, 6, n), rng.integers(1, 5, n)))
    return {
        "RECS_ISSUED": done(recs, np.ones(n, bool)),
        "MINUTES_COMPLETED": done(minutes, has_minutes),
        "MINUTES_DISTRIBUTED": done(distributed, has_minutes & (rng.random(n) < 0.97)),
        "SWR_DUE": swr_due,
        "SWR_RECEIVED": done(swr, kind < 0.70),
    }
