"""Realistic synthetic SSDA903 and IRO-service extracts for a fictional authority.

`generate(out_dir, children=450, seed=1)` writes `ssda903/*.csv` and `iro/*.csv` in the
formats a real export has: by default one multi-year extract; `layout="returns"` writes one
SSDA903 return per collection year instead (`ssda903/2019-20/...`, as an authority's archive
holds them: `pipeline.synth._returns`), and `fmt="xml"` writes the SSDA903 tables as the DfE
XML return. Everything is drawn with numpy's default_rng(seed) in bulk
(no per-child Python loops), so the same arguments give byte-identical files and 100,000
children take seconds. No row describes a real person. See docs/sample-data.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.synth import _iro, _reviews
from pipeline.synth._csc import generate_csc
from pipeline.synth._episodes import build_episodes
from pipeline.synth._errors import inject
from pipeline.synth._outcomes import (
    ad1,
    missing,
    oc2,
    oc3,
    placed_for_adoption,
    previous_permanence,
)
from pipeline.synth._periods import ADOPT
from pipeline.synth._population import Window, build
from pipeline.synth._returns import SSDA903_TABLES, one_return
from pipeline.synth._returns import folder as return_folder
from pipeline.synth._util import (
    NONE,
    OPEN,
    add_years,
    age_years,
    date_col,
    day,
    frame,
    postcodes,
    write,
)
from pipeline.synth._xml import write_xml

__all__ = ["generate"]

IRO_CASELOAD = 55


def generate(
    out_dir: Path,
    *,
    children: int = 450,
    seed: int = 1,
    year_end: int = 2024,
    extract_date: dt.date | None = None,
    history_years: int = 5,
    errors: bool = True,
    layout: str = "extract",
    fmt: str = "csv",
    csc: bool = True,
) -> dict[str, int]:
    """Write the sample extracts under `out_dir`; return rows written per table.

    `layout`: "extract" (one multi-year extract) or "returns" (one SSDA903 return per
    collection year, the last `history_years` years); `fmt`: "csv" or "xml" (the SSDA903
    tables as DfE XML returns; the IRO extracts stay CSV); `csc=False` leaves out the CSC
    report's inputs (CIN census, Annex A, visits), as an authority without them has it and
    as the national-size benchmark needs (an Annex A of England's size is not a real input).
    """
    if layout not in LAYOUTS or fmt not in FORMATS:
        raise ValueError(f"layout must be one of {LAYOUTS} and fmt one of {FORMATS}")
    extract = extract_date or dt.date(year_end, 4, 30)
    w = Window.of(year_end, extract, history_years)
    rng = np.random.default_rng(seed)
    frames, ctx = _tables(rng, w, children)
    out = Path(out_dir)
    # children in need (CIN census, Annex A, visits), drawn from the SSDA903 before errors
    rng_csc = np.random.default_rng([seed, 15])
    csc = generate_csc(rng_csc, frames, w, children, out) if csc else {}
    if errors:
        frames = inject(np.random.default_rng([seed, 903]), frames, w)
    rows = csc | {
        name: write(df, out / "iro" / f"{name}.csv")
        for name, df in frames.items()
        if name in _IRO_TABLES
    }
    if layout == "extract":
        _write_903(frames, out / "ssda903", "ssda903", fmt, rows)
        return rows
    for year in range(year_end - history_years + 1, year_end + 1):
        w_y = Window.of(year, extract, history_years)
        rng_y = np.random.default_rng([seed, year])
        oc2_y = oc2(**(ctx | {"rng": rng_y, "w": w_y})).sort("CHILD")
        oc3_y = oc3(**(ctx | {"rng": rng_y, "w": w_y})).sort("CHILD")
        ret = one_return(frames, year, oc2_y, oc3_y)
        name = return_folder(year)
        _write_903(ret, out / "ssda903" / name, f"ssda903_{name}", fmt, rows)
    return rows


LAYOUTS = ("extract", "returns")
FORMATS = ("csv", "xml")


def _write_903(frames: dict, folder: Path, stem: str, fmt: str, rows: dict[str, int]) -> None:
    ssda = {k: v for k, v in frames.items() if k in SSDA903_TABLES}
    if fmt == "xml":
        write_xml(ssda, folder / f"{stem}.xml")
        for name, df in ssda.items():
            rows[name] = rows.get(name, 0) + df.height
        return
    for name, df in ssda.items():
        rows[name] = rows.get(name, 0) + write(df, folder / f"{name}.csv")


_IRO_TABLES = ("review_process", "escalations", "contacts", "practice_notes")


def _ids(rng, n: int, prefix: str = "", width: int = 6) -> np.ndarray:
    width = max(width, len(str(n * 3)))
    nums = rng.choice(10**width, n, replace=False)
    return (prefix + np.char.zfill(nums.astype(str), width).astype(object)).astype(object)


def _seq_ids(prefix: str, n: int) -> np.ndarray:
    width = max(6, len(str(n)))
    return (prefix + np.char.zfill(np.arange(1, n + 1).astype(str), width).astype(object)).astype(
        object
    )


def _tables(
    rng: np.random.Generator, w: Window, children: int
) -> tuple[dict[str, pl.DataFrame], dict]:
    pop = build(rng, children, w)
    p = pop.periods
    n_kids = pop.dob.size
    child_id = _ids(rng, n_kids)
    pchild = child_id[p["child"]]
    dob_s = date_col(pop.dob)

    # ---- header, uasc, previous permanence ----
    age_ye = age_years(pop.dob, w.year_end)
    girl12 = (pop.sex == "2") & (age_ye >= 12)
    mother = girl12 & (age_ye >= 16) & (rng.random(n_kids) < 0.06)
    mc_dob = np.where(mother, w.year_end - rng.integers(10, 400, n_kids), NONE)
    upn_num = np.char.zfill(rng.integers(0, 10**9, n_kids).astype(str), 9).astype(object)
    upn = (
        np.array(list("ABCDEFGHJKLMNPQRTUVWXYZ"), dtype=object)[rng.integers(0, 23, n_kids)]
        + "999"
        + upn_num
    )
    upn = np.where(age_ye < 4, "UN1", np.where(pop.uasc & (rng.random(n_kids) < 0.4), "UN2", upn))
    header = frame(
        "header",
        {
            "CHILD": child_id,
            "SEX": pop.sex,
            "DOB": dob_s,
            "ETHNIC": pop.ethnic,
            "UPN": upn,
            "MOTHER": np.where(girl12, np.where(mother, "1", "0"), None),
            "MC_DOB": date_col(mc_dob),
        },
    )
    u = np.flatnonzero(pop.uasc)
    uasc = frame(
        "uasc",
        {
            "CHILD": child_id[u],
            "SEX": pop.sex[u],
            "DOB": dob_s.gather(u),
            "DUC": date_col(add_years(pop.dob[u], 18)),
        },
    )

    # ---- episodes ----
    e = build_episodes(rng, p, pop.dob, pop.uasc, w.extract)
    home_post = postcodes(rng, n_kids, np.where(rng.random(n_kids) < 0.85, "WX", "YX"))
    ekid = p["child"][e["pid"]]
    episodes = frame(
        "episodes",
        {
            "CHILD": child_id[ekid],
            "DECOM": date_col(e["start"]),
            "RNE": e["rne"],
            "LS": e["ls"],
            "CIN": p["cin"][e["pid"]],
            "PLACE": e["place"],
            "PLACE_PROVIDER": e["provider"],
            "DEC": date_col(np.where(e["end"] >= OPEN, NONE, e["end"])),
            "REC": np.where(e["rec"] == "", None, e["rec"]),
            "REASON_PLACE_CHANGE": np.where(e["rpc"] == "", None, e["rpc"]),
            "HOME_POST": home_post[ekid],
            "PL_POST": e["pl_post"],
            "URN": np.where(e["urn"] == "", None, e["urn"]),
        },
    )

    # ---- reviews and the IRO's record of them ----
    n_iro = max(1, round(children * 1.35 / IRO_CASELOAD))
    iro_ids = (
        _seq_ids("IRO", n_iro)
        if n_iro >= 100
        else np.array([f"IRO{i:02d}" for i in range(1, n_iro + 1)], dtype=object)
    )
    share = rng.uniform(0.6, 1.2, n_iro)
    p_iro = iro_ids[rng.choice(n_iro, p["start"].size, p=share / share.sum())]
    r_pid, r_date = _reviews.review_dates(rng, p, w.start, w.extract)
    r_kid = p["child"][r_pid]
    reviews = frame(
        "reviews",
        {
            "CHILD": child_id[r_kid],
            "DOB": dob_s.gather(r_kid),
            "REVIEW": date_col(r_date),
            "REVIEW_CODE": _reviews.review_codes(rng, age_years(pop.dob[r_kid], r_date)),
        },
    )
    proc = _reviews.process(rng, r_date, w.extract)
    review_process = frame(
        "review_process",
        {"CHILD": child_id[r_kid], "REVIEW": date_col(r_date), "IRO": p_iro[r_pid]}
        | {k: date_col(v) for k, v in proc.items()},
    )

    # ---- IRO activity over each period's time in care inside the window ----
    lo = np.maximum(p["start"], w.start)
    hi = np.minimum(p["end"], w.extract + 1)
    autumn = day(dt.date(w.year - 1, 10, 1))
    esc = _iro.escalations(rng, lo, hi, autumn, w.extract)
    escalations = frame(
        "escalations",
        {
            "ESC_ID": _seq_ids("E", esc["idx"].size),
            "CHILD": pchild[esc["idx"]],
            "IRO": p_iro[esc["idx"]],
            "RAISED": date_col(esc["RAISED"]),
            "STAGE": esc["STAGE"],
            "AREAS": esc["AREAS"],
            "RESOLVED": date_col(esc["RESOLVED"]),
            "OUTCOME": esc["OUTCOME"],
        },
    )
    con = _iro.contacts(rng, lo, hi, (lo - pop.dob[p["child"]]) / 365.25, p["track"] == ADOPT)
    contacts = frame(
        "contacts",
        {
            "CHILD": pchild[con["idx"]],
            "IRO": p_iro[con["idx"]],
            "CONTACT_DATE": date_col(con["CONTACT_DATE"]),
            "CONTACT_TYPE": con["CONTACT_TYPE"],
        },
    )
    notes = _iro.practice_notes(rng, lo, hi, autumn)
    practice_notes = frame(
        "practice_notes",
        {
            "NOTE_ID": _seq_ids("N", notes["idx"].size),
            "CHILD": pchild[notes["idx"]],
            "IRO": p_iro[notes["idx"]],
            "NOTE_DATE": date_col(notes["NOTE_DATE"]),
            "NOTE_TYPE": notes["NOTE_TYPE"],
        },
    )

    ctx = {"rng": rng, "w": w, "pop": pop, "child_id": child_id, "dob_s": dob_s, "lo": lo, "hi": hi}
    adopted_with_carer = np.zeros(p["start"].size, bool)
    adopted_with_carer[e["pid"][e["place"] == "A5"]] = True
    return {
        "header": header.sort("CHILD"),
        "episodes": _by_child(episodes, "DECOM"),
        "reviews": _by_child(reviews, "REVIEW"),
        "uasc": uasc.sort("CHILD"),
        "missing": _by_child(missing(**ctx), "MIS_START"),
        "oc2": oc2(**ctx).sort("CHILD"),
        "oc3": oc3(**ctx).sort("CHILD"),
        "ad1": ad1(**ctx, with_carer=adopted_with_carer).sort("CHILD"),
        "placed_for_adoption": _by_child(placed_for_adoption(**ctx), "DATE_PLACED"),
        "previous_permanence": previous_permanence(**ctx).sort("CHILD"),
        "review_process": _by_child(review_process, "REVIEW"),
        "escalations": escalations,
        "contacts": _by_child(contacts, "CONTACT_DATE"),
        "practice_notes": practice_notes,
    }, ctx


def _by_child(df: pl.DataFrame, date: str) -> pl.DataFrame:
    """Sort by child, then by the (dd/mm/YYYY) date, stably."""
    key = pl.col(date).str.to_date("%d/%m/%Y", strict=False)
    return df.sort(pl.col("CHILD"), key, maintain_order=True)
