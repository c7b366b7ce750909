"""Calibration figures of a generated sample, measured from the CSVs as a report would.

`measure(root)` reads what `generate` wrote under `root` and returns the shares that
docs/sample-data.md quotes and tests/test_synth.py checks (all 0-1 except counts):

    python -m pipeline.synth._calibrate --children 2000 --seed 1
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl

from pipeline.core.calendar import add_working_days

AGE_BANDS = ("0-4", "5-9", "10-12", "13-15", "16+")
LEGAL = ("C2", "V2", "C1", "E1")
_AT_18 = 31  # left within a month of the 18th birthday counts as leaving at 18


def _read(path: Path) -> pl.DataFrame:
    return pl.read_csv(path, infer_schema=False)


def _d(col: str) -> pl.Expr:
    return pl.col(col).str.to_date("%d/%m/%Y", strict=False)


def _periods(episodes: pl.DataFrame) -> pl.DataFrame:
    """One row per period of care: child, start, end (null if open), REC of its last episode."""
    e = (
        episodes.with_columns(start=_d("DECOM"), end=_d("DEC"))
        .sort("CHILD", "start", maintain_order=True)
        .with_columns(pid=(pl.col("RNE") == "S").cum_sum().over("CHILD"))
    )
    return e.group_by("CHILD", "pid").agg(
        pl.col("start").first(), pl.col("end").last(), pl.col("REC").last()
    )


def _frac(num: int | float, den: int | float) -> float:
    return float(num) / den if den else float("nan")


def measure(root: Path, year_end: int = 2024) -> dict[str, float]:
    """Shares and counts of the reporting year ending 31 March `year_end`."""
    root = Path(root)
    ye = dt.date(year_end, 3, 31)
    ys = dt.date(year_end - 1, 4, 1)
    header = _read(root / "ssda903/header.csv").unique("CHILD").with_columns(dob=_d("DOB"))
    uasc_ids = _read(root / "ssda903/uasc.csv")["CHILD"].implode()
    episodes = _read(root / "ssda903/episodes.csv")
    periods = _periods(episodes).join(header.select("CHILD", "dob"), on="CHILD")

    def open_on(d: dt.date) -> pl.Expr:
        return (pl.col("start") <= d) & (pl.col("end").is_null() | (pl.col("end") > d))

    in_care = periods.filter(open_on(ye))
    n = in_care["CHILD"].n_unique()
    out: dict[str, float] = {"in_care": n}
    out["uasc"] = _frac(in_care.filter(pl.col("CHILD").is_in(uasc_ids)).height, n)

    # starts and leavers in the year
    starts = periods.filter(pl.col("start").is_between(ys, ye))
    out["starts"] = _frac(starts.height, n)
    out["starts_uasc"] = _frac(starts.filter(pl.col("CHILD").is_in(uasc_ids)).height, n)
    left = periods.filter(pl.col("end").is_between(ys, ye)).with_columns(
        at18=pl.col("end") >= pl.col("dob").dt.offset_by("18y") - pl.duration(days=_AT_18)
    )
    out["leavers"] = _frac(left.height, n)
    rec = left["REC"]
    out["left_at_18"] = _frac(left["at18"].sum(), left.height)
    out["left_adopted"] = _frac(rec.is_in(["E11", "E12"]).sum(), left.height)
    out["left_sgo_cao"] = _frac(rec.is_in(["E41", "E45", "E46", "E47", "E48"]).sum(), left.height)
    out["left_uasc"] = _frac(left.filter(pl.col("CHILD").is_in(uasc_ids)).height, left.height)
    out["left_home"] = _frac(rec.is_in(["E4A", "E4B", "E13"]).sum(), left.height)

    # age and legal status on 31 March
    kids = in_care.unique("CHILD").with_columns(
        age=((pl.lit(ye) - pl.col("dob")).dt.total_days() / 365.25).floor()
    )
    age = kids["age"]
    for b, (lo, hi) in zip(AGE_BANDS, [(0, 4), (5, 9), (10, 12), (13, 15), (16, 99)], strict=True):
        out[f"age_{b}"] = _frac(age.is_between(lo, hi).sum(), n)
    eps = episodes.with_columns(start=_d("DECOM"), end=_d("DEC"))
    ls = eps.filter(open_on(ye))["LS"]
    for code in LEGAL:
        out[f"ls_{code}"] = _frac((ls == code).sum(), ls.len())

    # placements: 3+ in the year among those in care on 31 March
    in_year = eps.filter((pl.col("start") <= ye) & (pl.col("end").is_null() | (pl.col("end") > ys)))
    in_year = in_year.sort("CHILD", "start", maintain_order=True).with_columns(
        first=pl.col("start").rank("ordinal").over("CHILD") == 1
    )
    placements = (
        in_year.filter(pl.col("first") | pl.col("RNE").is_in(["S", "P", "T", "U", "B"]))
        .group_by("CHILD")
        .len()
    )
    yec = kids.select("CHILD").join(placements, on="CHILD", how="left")
    out["placements_3plus"] = _frac((yec["len"] >= 3).sum(), n)

    # missing: children looked after during the year with a missing (M) episode in it
    during = periods.filter(
        (pl.col("start") <= ye) & (pl.col("end").is_null() | (pl.col("end") >= ys))
    )["CHILD"].unique()
    mis = _read(root / "ssda903/missing.csv").filter(_d("MIS_START").is_between(ys, ye))
    out["missing"] = _frac(mis.filter(pl.col("MISSING") == "M")["CHILD"].n_unique(), during.len())
    out["missing_or_away"] = _frac(mis["CHILD"].n_unique(), during.len())

    # IRO contact in the last 6 months, among all in care on 31 March
    six = dt.date(year_end - 1, 10, 1)
    con = _read(root / "iro/contacts.csv").filter(_d("CONTACT_DATE").is_between(six, ye))
    out["iro_contact_6m"] = _frac(kids["CHILD"].is_in(con["CHILD"].implode()).sum(), n)

    # reviews: in timescale, recommendations within 5 and minutes distributed within 20 wd
    rv = (
        _read(root / "ssda903/reviews.csv")
        .with_columns(review=_d("REVIEW"))
        .join_asof(
            periods.sort("start").select("CHILD", "start", "end"),
            left_on="review",
            right_on="start",
            by="CHILD",
            strategy="backward",
            check_sortedness=False,
        )
        .sort("CHILD", "review")
        .with_columns(
            k=pl.col("review").cum_count().over("CHILD", "start"),
            prev=pl.col("review").shift(1).over("CHILD", "start"),
        )
        .with_columns(
            due=pl.when(pl.col("k") == 1)
            .then(add_working_days(pl.col("start"), 20))
            .when(pl.col("k") == 2)
            .then(pl.col("prev").dt.offset_by("3mo"))
            .otherwise(pl.col("prev").dt.offset_by("6mo"))
        )
        .filter(pl.col("review").is_between(ys, ye))
    )
    # a period that started before the extracts begin has its early reviews cut off
    window_start = rv["start"].min()
    rv = rv.filter(~((pl.col("k") <= 2) & (pl.col("start") < window_start + dt.timedelta(400))))
    out["reviews_in_time"] = _frac((rv["review"] <= rv["due"]).sum(), rv.height)
    proc = (
        _read(root / "iro/review_process.csv")
        .with_columns(review=_d("REVIEW"), recs=_d("RECS_ISSUED"), dist=_d("MINUTES_DISTRIBUTED"))
        .filter(pl.col("review").is_between(ys, ye))
    )
    r = pl.col("review")
    out["recs_5wd"] = _frac(
        (pl.col("recs") <= add_working_days(r, 5)).fill_null(False).sum().pipe(proc.select).item(),
        proc.height,
    )
    out["minutes_20wd"] = _frac(
        (pl.col("dist") <= add_working_days(r, 20)).fill_null(False).sum().pipe(proc.select).item(),
        proc.height,
    )

    # month-end counts across the year (all and UASC)
    for i in range(12):
        m = dt.date(year_end - 1 + (i + 3) // 12, (i + 3) % 12 + 1, 1)
        nxt = dt.date(m.year + m.month // 12, m.month % 12 + 1, 1)
        month_end = nxt - dt.timedelta(days=1)
        c = periods.filter(open_on(month_end))
        out[f"month_{month_end:%b}"] = c["CHILD"].n_unique()
        out[f"uasc_{month_end:%b}"] = c.filter(pl.col("CHILD").is_in(uasc_ids))["CHILD"].n_unique()
    return out


def _main() -> None:
    import argparse
    import tempfile

    from pipeline.synth import generate

    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, default=450)
    ap.add_argument("--seed", type=int, nargs="+", default=[1])
    args = ap.parse_args()
    rows = []
    for seed in args.seed:
        with tempfile.TemporaryDirectory() as tmp:
            generate(Path(tmp), children=args.children, seed=seed, errors=False)
            rows.append(measure(Path(tmp)))
    for k in rows[0]:
        vals = [r[k] for r in rows]
        fmt = (lambda v: f"{v:6.3f}") if isinstance(vals[0], float) else (lambda v: f"{v:6d}")
        print(f"{k:18s}", " ".join(fmt(v) for v in vals))


if __name__ == "__main__":
    _main()
