"""Deliberate, documented data errors, so validation has something realistic to quarantine.

Each kind touches `k = max(1, header rows // 2000)` rows: well under 1% of any table.
They use their own random stream, so `errors=False` gives the same data minus these edits.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from pipeline.synth._util import date_col

INVALID_PLACE = "U7"  # not a DfE placement code
ORPHAN_CHILD = "999999X"  # a contact for a child with no header row

KINDS = {
    "future_review": "reviews: REVIEW after the extract date",
    "invalid_code": f"episodes: PLACE = {INVALID_PLACE!r} (not in the code list)",
    "duplicate_header": "header: an exact duplicate row",
    "episode_ends_before_start": "episodes: DEC earlier than DECOM",
    "missing_required": "episodes: CIN empty",
    "resolved_before_raised": "escalations: RESOLVED earlier than RAISED",
    "orphan_contact": f"contacts: CHILD {ORPHAN_CHILD!r} has no header row",
}


def per_kind(header_rows: int) -> int:
    return max(1, header_rows // 2000)


def _rows(rng, df: pl.DataFrame, k: int, where: pl.Expr | None = None) -> np.ndarray:
    ok = np.flatnonzero(
        df.select(where if where is not None else pl.lit(True)).to_series().to_numpy()
    )
    return np.sort(rng.choice(ok, size=min(k, ok.size), replace=False))


def _set(df: pl.DataFrame, rows: np.ndarray, col: str, values) -> pl.DataFrame:
    vals = np.broadcast_to(np.asarray(values, dtype=object), rows.shape).tolist()
    new = df[col].clone().scatter(rows, pl.Series(vals, dtype=pl.String))
    return df.with_columns(new.alias(col))


def _date(col: str) -> pl.Expr:
    return pl.col(col).str.to_date("%d/%m/%Y")


def inject(rng: np.random.Generator, t: dict[str, pl.DataFrame], w) -> dict[str, pl.DataFrame]:
    k = per_kind(t["header"].height)
    t = dict(t)
    r = _rows(rng, t["reviews"], k)
    future = date_col(w.extract + rng.integers(1, 60, r.size)).to_numpy()
    t["reviews"] = _set(t["reviews"], r, "REVIEW", future)

    ep = t["episodes"]
    r = _rows(
        rng,
        ep,
        3 * k,
        pl.col("DEC").is_not_null() & ((_date("DEC") - _date("DECOM")).dt.total_days() > 1),
    )
    bad_code, bad_dates, no_cin = r[0::3][:k], r[1::3][:k], r[2::3][:k]
    ep = _set(ep, bad_code, "PLACE", INVALID_PLACE)
    starts = ep["DECOM"].str.to_date("%d/%m/%Y").gather(bad_dates).cast(pl.Int32).to_numpy()
    ep = _set(
        ep, bad_dates, "DEC", date_col(starts - rng.integers(1, 30, bad_dates.size)).to_numpy()
    )
    t["episodes"] = _set(ep, no_cin, "CIN", None)

    h = t["header"]
    r = _rows(rng, h, k)
    order = np.sort(np.concatenate([np.arange(h.height), r]), kind="stable")
    t["header"] = h[order]

    es = t["escalations"]
    r = _rows(rng, es, k, pl.col("RESOLVED").is_not_null())
    raised = es["RAISED"].str.to_date("%d/%m/%Y").gather(r).cast(pl.Int32).to_numpy()
    t["escalations"] = _set(
        es, r, "RESOLVED", date_col(raised - rng.integers(1, 10, r.size)).to_numpy()
    )

    c = t["contacts"]
    r = _rows(rng, c, k)
    t["contacts"] = _set(c, r, "CHILD", ORPHAN_CHILD)
    return t
