"""The sample's children in need: CIN census XML returns, Annex A workbooks, visits extracts.

Drawn from the SSDA903 frames the generator has just made, so the two agree: every child
who came into care (not UASC) was referred some weeks before, and most were assessed and
went through a section 47 enquiry and a child protection plan first; UASC are referred on
arrival. Other children in need are referred at a steady rate and some come back
(re-referrals). Volumes and timeliness follow the reference quarterly report of a unitary
authority (about 1,650 referrals, 140 child protection plans started and 120 open a year
for 450 children in care; assessments ~70% and ICPCs ~80% in time; re-referrals ~20%).

Files: `cin/cin_census_<year>.xml` (one return per census year, each as at its 31 March),
`annex_a/annex_a_<date>.xlsx` (every six months, lists 1-5, 7-9 covering six months),
`ssd/ssd_cp_visits.csv`, `ssd/ssd_cla_visits.csv`, and `reference/postcodes.csv` (a
directory for the fictional postcodes, so placement distances can be computed).
Deterministic for a seed; numpy draws in bulk.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import polars as pl

from pipeline.synth._util import EPOCH, OPEN, busday_add, pick

BASE_CHILDREN = 450
REFERRALS_PER_YEAR = 1650
_SOURCE = {"6": 30, "2A": 16, "3A": 4, "3B": 4, "3E": 4, "3F": 3, "5A": 4, "5D": 6, "1A": 8,
           "1C": 2, "4": 2, "7": 4, "8": 5, "9": 2, "10": 1, "2B": 3, "5B": 2}  # fmt: skip
_NEED = {"N1": 55, "N2": 5, "N3": 5, "N4": 12, "N5": 15, "N6": 3, "N7": 1, "N8": 2, "N0": 2}
_CATEGORY = {"NEG": 48, "EMO": 38, "PHY": 7, "SAB": 4, "MUL": 3}
_FACTORS = ["3A", "3B", "4B", "2B", "1B", "16A", "17A", "18C", "21", "11A", "24A", "6A", "5B"]
_SOURCE_LABEL = {"1": "Individual", "2": "Schools", "3": "Health services", "4": "Housing",
                 "5": "LA services", "6": "Police", "7": "Other legal agency", "8": "Other",
                 "9": "Anonymous", "1A": "Individual"}  # fmt: skip
_EXTERNAL = ["Northfield Primary School", "Health visiting team", "Family Support Charity",
             "Valley Academy", "Community Mental Health Team"]  # fmt: skip


def _iso(d) -> str | None:
    return (
        None
        if d is None or d >= OPEN or d < -(10**7)
        else (EPOCH + dt.timedelta(days=int(d))).isoformat()
    )


def _dmy(d) -> str | None:
    return (
        None
        if d is None or d >= OPEN or d < -(10**7)
        else (EPOCH + dt.timedelta(days=int(d))).strftime("%d/%m/%Y")
    )


def _day(d: dt.date) -> int:
    return (d - EPOCH).days


def _periods_903(frames: dict[str, pl.DataFrame]) -> pl.DataFrame:
    """Periods of care (child, start, end, end reason) from the SSDA903 episode strings."""
    from pipeline.core.periods import periods_of_care

    eps = (
        frames["episodes"]
        .select(
            child_id="CHILD",
            episode_start_date=pl.col("DECOM").str.to_date("%d/%m/%Y", strict=False),
            episode_end_date=pl.col("DEC").str.to_date("%d/%m/%Y", strict=False),
            new_episode_reason_code="RNE",
            legal_status_code="LS",
            need_code="CIN",
            placement_code="PLACE",
            reason_ceased_code="REC",
        )
        .filter(pl.col("episode_start_date").is_not_null())
    )
    eps = eps.with_columns(
        [
            pl.lit(None, pl.String).alias(c)
            for c in ("placement_provider_code", "placement_change_reason_code", "urn")
        ]
        + [
            pl.lit(None, pl.Float64).alias("placement_distance_miles"),
            pl.lit(None, pl.String).alias("placement_la_code"),
        ]
    )
    return periods_of_care(eps).filter(~pl.col("is_short_breaks_only"))


class _Episodes:
    """Referral episodes as parallel arrays (int days; OPEN = not yet)."""

    def __init__(self, rng, child, ref, *, entrant_start=None, is_uasc=None, force_cp=None):
        n = child.size
        self.rng, self.n = rng, n
        self.child, self.ref = child, ref
        ent = entrant_start if entrant_start is not None else np.full(n, OPEN)
        uasc = is_uasc if is_uasc is not None else np.zeros(n, bool)
        forced = force_cp if force_cp is not None else np.zeros(n, bool)
        is_ent = ent < OPEN
        r = rng.random((12, n))
        self.source = pick(rng, _SOURCE, n)
        self.need = pick(rng, _NEED, n)
        self.nfa = (r[0] < 0.12) & ~is_ent
        assessed = ~self.nfa & ~uasc
        self.a_start = np.where(assessed, ref + rng.integers(0, 4, n), OPEN)
        dur = np.where(r[1] < 0.70, rng.integers(8, 46, n), rng.integers(46, 81, n))
        self.a_end = np.where(assessed, busday_add(self.a_start.clip(max=10**6), dur), OPEN)
        s47 = assessed & ((r[2] < 0.40) | forced)
        self.s_start = np.where(s47, ref + rng.integers(0, 11, n), OPEN)
        icpc = s47 & ((r[3] < 0.22) | forced)
        wd = np.where(r[4] < 0.80, rng.integers(5, 16, n), rng.integers(16, 31, n))
        self.icpc = np.where(icpc, busday_add(self.s_start.clip(max=10**6), wd), OPEN)
        self.target = np.where(s47, busday_add(self.s_start.clip(max=10**6), 15), OPEN)
        self.icpc_not_required = s47 & ~icpc
        cp = icpc & ((r[5] < 0.88) | forced)
        # transfer-in conferences: a CP plan from another authority, no section 47 here
        self.transfer_in = assessed & ~s47 & (r[6] < 0.012)
        self.ep_icpc = np.where(self.transfer_in, busday_add(self.a_start.clip(max=10**6), 3), OPEN)
        self.cp_start = np.where(cp, self.icpc, np.where(self.transfer_in, self.ep_icpc, OPEN))
        has_cp = self.cp_start < OPEN
        length = np.exp(rng.normal(np.log(270), 0.45, n)).astype("int64").clip(60, 700)
        length = np.where(r[7] < 0.02, rng.integers(731, 900, n), length)
        self.cp_end = np.where(has_cp, self.cp_start + length, OPEN)
        # entrants: their plan (if any) ends the day they come into care
        self.cp_end = np.where(has_cp & is_ent, np.maximum(ent, self.cp_start + 1), self.cp_end)
        plan = assessed & ~s47 & ~self.transfer_in & (r[8] < 0.45)
        gap = rng.integers(60, 300, n)
        closure = np.where(
            self.nfa, ref + rng.integers(0, 3, n), self.a_end + rng.integers(0, 15, n)
        )
        closure = np.where(plan, self.a_end + gap, closure)
        closure = np.where(s47 & ~has_cp, self.a_end + rng.integers(0, 30, n), closure)
        closure = np.where(has_cp, self.cp_end + rng.integers(0, 90, n), closure)
        closure = np.where(uasc, OPEN, closure)
        self.reason = np.where(self.nfa, "RC8", np.where(r[9] < 0.4, "RC9", "RC8")).astype(object)
        self.reason = np.where(plan | has_cp | s47, "RC7", self.reason).astype(object)
        self.plan_start = np.where(plan, self.a_end, OPEN)
        self.plan_end = np.where(plan, closure - 1, OPEN)
        self.closure = closure
        self.is_ent = is_ent
        self.reviews = self._reviews(has_cp)

    def _reviews(self, has_cp) -> list[np.ndarray]:
        out, prev = [], np.where(has_cp, self.cp_start, OPEN)
        first = True
        while True:
            r = self.rng.random(self.n)
            if first:
                step = np.where(
                    r < 0.95, self.rng.integers(60, 89, self.n), self.rng.integers(93, 110, self.n)
                )
            else:
                step = np.where(
                    r < 0.96,
                    self.rng.integers(150, 181, self.n),
                    self.rng.integers(186, 200, self.n),
                )
            nxt = prev + step
            ok = (prev < OPEN) & (nxt < self.cp_end)
            if not ok.any():
                return out
            out.append(np.where(ok, nxt, OPEN))
            prev = np.where(ok, nxt, OPEN)
            first = False

    def close_with_care(self, period_end, end_reason) -> None:
        """Entrants: the episode stays open while in care and closes when care ends."""
        reason = np.select(
            [np.isin(end_reason, ["E11", "E12"]), np.isin(end_reason, ["E45", "E46", "E47", "E48"]),
             end_reason == "E41", end_reason == "E3"],
            ["RC1", "RC4", "RC3", "RC5"], "RC7",
        ).astype(object)  # fmt: skip
        self.closure = np.where(self.is_ent, period_end, self.closure)
        self.reason = np.where(self.is_ent, reason, self.reason)


def _concat(parts: list[_Episodes]) -> dict[str, np.ndarray]:
    keys = ["child", "ref", "source", "need", "nfa", "a_start", "a_end", "s_start", "icpc", "target",
            "icpc_not_required", "transfer_in", "ep_icpc", "cp_start", "cp_end", "plan_start",
            "plan_end", "closure", "reason"]  # fmt: skip
    out = {k: np.concatenate([getattr(p, k) for p in parts]) for k in keys}
    depth = max(len(p.reviews) for p in parts)
    out["reviews"] = [
        np.concatenate([p.reviews[i] if i < len(p.reviews) else np.full(p.n, OPEN) for p in parts])
        for i in range(depth)
    ]
    return out


def draw(
    rng: np.random.Generator,
    frames: dict[str, pl.DataFrame],
    start: int,
    extract: int,
    children: int,
):
    """(children frame, episodes dict): the sample's CIN population and referrals."""
    scale = children / BASE_CHILDREN
    header = frames["header"].unique("CHILD", keep="first").sort("CHILD")
    periods = _periods_903(frames)
    uasc_ids = set(frames["uasc"]["CHILD"].to_list())
    lo = start - 400
    ent = periods.filter(
        pl.col("period_start_date").is_between(
            EPOCH + dt.timedelta(days=lo + 200), EPOCH + dt.timedelta(days=extract)
        )
    ).sort("child_id", "period_start_date")
    ent_child = ent["child_id"].to_numpy().astype(object)
    ent_start = np.array(
        [(d - EPOCH).days for d in ent["period_start_date"].to_list()], dtype="int64"
    )
    ent_end = np.array(
        [OPEN if d is None else (d - EPOCH).days for d in ent["period_end_date"].to_list()],
        dtype="int64",
    )
    ent_end = np.where(ent_end > extract, OPEN, ent_end)
    ent_reason = ent["end_reason_code"].fill_null("").to_numpy().astype(object)
    ent_uasc = np.isin(ent_child, list(uasc_ids))
    gap = np.where(
        ent_uasc,
        0,
        np.exp(rng.normal(np.log(90), 0.6, ent_child.size)).astype("int64").clip(20, 330),
    )
    ent_ref = ent_start - gap
    # a child back in care: the new referral comes after the earlier episode closed (the day
    # that care ended), so a child's CIN episodes never overlap (CIN rule 8820)
    same = np.r_[False, ent_child[1:] == ent_child[:-1]]
    prev_end = np.r_[OPEN, ent_end[:-1]]
    ent_ref = np.where(same & (prev_end < OPEN), np.maximum(ent_ref, prev_end + 1), ent_ref)
    force = ~ent_uasc & (rng.random(ent_child.size) < 0.6)
    # ---- other children in need: first referrals, then returns to the service
    ids_other: list[str] = []
    days = extract - lo
    n_first = int(REFERRALS_PER_YEAR * 0.66 * scale * days / 365.25)
    first_ref = np.sort(rng.integers(lo, extract + 1, n_first))
    pool = rng.choice(9 * 10**6, n_first, replace=False) + 10**6
    ids_other = np.array([f"8{p:07d}" for p in pool], dtype=object)
    parts = [
        _Episodes(
            rng, ent_child, ent_ref, entrant_start=ent_start, is_uasc=ent_uasc, force_cp=force
        ),
        _Episodes(rng, ids_other, first_ref),
    ]
    parts[0].close_with_care(ent_end, ent_reason)
    current = parts[1]
    for _ in range(3):  # some come back: after the episode closes
        back = (current.closure < extract) & (rng.random(current.n) < 0.30)
        if not back.any():
            break
        gap = np.exp(rng.normal(np.log(120), 0.9, back.sum())).astype("int64").clip(7, 900)
        nxt = current.closure[back] + gap
        keep = nxt <= extract
        # a child whose last episode had a plan is more often protected again
        again = (current.cp_start[back][keep] < OPEN) & (rng.random(keep.sum()) < 0.45)
        current = _Episodes(rng, current.child[back][keep], nxt[keep], force_cp=again)
        parts.append(current)
    eps = _concat(parts)
    # ---- children: 903 details for those who came into care, drawn for the others
    kids = np.unique(eps["child"].astype(str))
    h = header.select("CHILD", "SEX", "DOB", "ETHNIC").filter(pl.col("CHILD").is_in(list(kids)))
    others = np.setdiff1d(kids, h["CHILD"].to_numpy().astype(str))
    first_ref_of = (
        pl.DataFrame({"c": eps["child"].astype(str), "r": eps["ref"]})
        .group_by("c")
        .agg(pl.col("r").min())
    )
    fr = dict(zip(first_ref_of["c"].to_list(), first_ref_of["r"].to_list(), strict=True))
    ages = rng.integers(0, 17 * 365, others.size)
    other_dob = np.array([fr[c] for c in others], dtype="int64") - ages
    eth = pick(
        rng,
        {
            "WBRI": 82,
            "WOTH": 3,
            "MWBC": 3,
            "MOTH": 2,
            "APKN": 2,
            "BAFR": 2,
            "OOTH": 2,
            "NOBT": 2,
            "AIND": 2,
        },
        others.size,
    )
    kids_df = pl.concat(
        [
            h.select(
                child="CHILD",
                sex="SEX",
                dob=pl.col("DOB")
                .str.to_date("%d/%m/%Y", strict=False)
                .cast(pl.Int32)
                .cast(pl.Int64),
                ethnic="ETHNIC",
            ),
            pl.DataFrame(
                {
                    "child": others,
                    "sex": np.where(rng.random(others.size) < 0.52, "1", "2"),
                    "dob": other_dob,
                    "ethnic": eth,
                },  # fmt: skip
                schema={"child": pl.String, "sex": pl.String, "dob": pl.Int64, "ethnic": pl.String},
            ),
        ]
    )
    dis = rng.random(kids_df.height) < 0.10
    kids_df = kids_df.with_columns(disabled=pl.Series(dis)).sort("child")
    return kids_df, eps


def _return_xml(kids: pl.DataFrame, eps: dict, year: int, la_code: str) -> str:
    """One census return as at 31 March `year`: what was known then."""
    ref_day = _day(dt.date(year, 3, 31))
    start = _day(dt.date(year - 1, 4, 1))

    def cut(a):
        return np.where(a > ref_day, OPEN, a)

    closure = cut(eps["closure"])
    inc = (eps["ref"] <= ref_day) & (closure >= start)
    idx = np.flatnonzero(inc)
    order = idx[np.lexsort((eps["ref"][idx], eps["child"][idx].astype(str)))]
    by_child: dict[str, list[int]] = {}
    for i in order:
        by_child.setdefault(str(eps["child"][i]), []).append(int(i))
    kd = {
        r["child"]: r for r in kids.filter(pl.col("child").is_in(list(by_child))).rows(named=True)
    }
    # previous CP plans of the child before each plan
    cp_idx = np.flatnonzero(eps["cp_start"] < OPEN)
    prev_count: dict[int, int] = {}
    seen: dict[str, int] = {}
    for i in cp_idx[np.lexsort((eps["cp_start"][cp_idx], eps["child"][cp_idx].astype(str)))]:
        c = str(eps["child"][i])
        prev_count[int(i)] = seen.get(c, 0) + (1 if int(i) % 25 == 0 else 0)
        seen[c] = seen.get(c, 0) + 1
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<Message>",
        "  <Header>",
        f"    <CollectionDetails><Collection>CIN</Collection><Year>{year}</Year><ReferenceDate>{year}-03-31</ReferenceDate></CollectionDetails>",
        f"    <Source><SourceLevel>L</SourceLevel><LEA>{la_code}</LEA><SoftwareCode>cic-reports synth</SoftwareCode><Release>1</Release><SerialNo>001</SerialNo><DateTime>{year}-04-20T09:00:00</DateTime></Source>",
        "  </Header>",
        "  <Children>",
    ]
    for c, eps_i in by_child.items():
        k = kd.get(c)
        if k is None:
            continue
        dob = _iso(k["dob"]) if k["dob"] is not None else None
        born = k["dob"] is not None and k["dob"] <= min(eps["ref"][i] for i in eps_i)
        ident = [f"<LAchildID>{c}</LAchildID>"]
        if born and dob:
            ident.append(f"<PersonBirthDate>{dob}</PersonBirthDate>")
        else:
            ident.append(
                f"<ExpectedPersonBirthDate>{dob or f'{year}-06-01'}</ExpectedPersonBirthDate>"
            )
        gender = (k["sex"] or "0") if born else "0"
        ident.append(f"<GenderCurrent>{gender}</GenderCurrent>")
        dis = (
            "<Disability>LD</Disability><Disability>COMM</Disability>"
            if k["disabled"]
            else "<Disability>NONE</Disability>"
        )
        out.append("    <Child>")
        out.append("      <ChildIdentifiers>" + "".join(ident) + "</ChildIdentifiers>")
        out.append(
            f"      <ChildCharacteristics><Ethnicity>{k['ethnic']}</Ethnicity><Disabilities>{dis}</Disabilities></ChildCharacteristics>"
        )
        for i in eps_i:
            out.append("      <CINdetails>")
            el = [f"<CINreferralDate>{_iso(eps['ref'][i])}</CINreferralDate>",
                  f"<ReferralSource>{eps['source'][i]}</ReferralSource>"]  # fmt: skip
            if not eps["nfa"][i]:
                el.append(f"<PrimaryNeedCode>{eps['need'][i]}</PrimaryNeedCode>")
            if closure[i] < OPEN:
                el.append(
                    f"<CINclosureDate>{_iso(closure[i])}</CINclosureDate><ReasonForClosure>{eps['reason'][i]}</ReasonForClosure>"
                )
            if eps["ep_icpc"][i] <= ref_day:
                el.append(f"<DateOfInitialCPC>{_iso(eps['ep_icpc'][i])}</DateOfInitialCPC>")
            out.append("        " + "".join(el))
            if eps["a_start"][i] <= ref_day:
                auth = cut(eps["a_end"])[i]
                a = f"<AssessmentActualStartDate>{_iso(eps['a_start'][i])}</AssessmentActualStartDate>"
                if auth < OPEN:
                    f1, f2 = _FACTORS[i % len(_FACTORS)], _FACTORS[(i // 7) % len(_FACTORS)]
                    factors = (
                        "<AssessmentFactors>21</AssessmentFactors>"
                        if "21" in (f1, f2)
                        else (
                            f"<AssessmentFactors>{f1}</AssessmentFactors>"
                            + (f"<AssessmentFactors>{f2}</AssessmentFactors>" if f2 != f1 else "")
                        )
                    )
                    a += f"<AssessmentAuthorisationDate>{_iso(auth)}</AssessmentAuthorisationDate><FactorsIdentifiedAtAssessment>{factors}</FactorsIdentifiedAtAssessment>"
                out.append(f"        <Assessments>{a}</Assessments>")
            if eps["plan_start"][i] <= ref_day:
                pe = cut(eps["plan_end"])[i]
                p = f"<CINPlanStartDate>{_iso(eps['plan_start'][i])}</CINPlanStartDate>"
                if pe < OPEN:
                    p += f"<CINPlanEndDate>{_iso(pe)}</CINPlanEndDate>"
                out.append(f"        <CINPlanDates>{p}</CINPlanDates>")
            if eps["s_start"][i] <= ref_day:
                s = f"<S47ActualStartDate>{_iso(eps['s_start'][i])}</S47ActualStartDate><InitialCPCtarget>{_iso(eps['target'][i])}</InitialCPCtarget>"
                icpc = cut(eps["icpc"])[i]
                if icpc < OPEN:
                    s += f"<DateOfInitialCPC>{_iso(icpc)}</DateOfInitialCPC><ICPCnotRequired>false</ICPCnotRequired>"
                else:
                    done = eps["icpc_not_required"][i] and eps["a_end"][i] <= ref_day
                    s += f"<ICPCnotRequired>{'true' if done else 'false'}</ICPCnotRequired>"
                out.append(f"        <Section47>{s}</Section47>")
            out.append(f"        <ReferralNFA>{'true' if eps['nfa'][i] else 'false'}</ReferralNFA>")
            if eps["cp_start"][i] <= ref_day:
                cat = ["NEG", "EMO", "PHY", "SAB", "MUL"][i % 5 if i % 3 else 0]
                cpe = cut(eps["cp_end"])[i]
                cp = f"<CPPstartDate>{_iso(eps['cp_start'][i])}</CPPstartDate>"
                if cpe < OPEN:
                    cp += f"<CPPendDate>{_iso(cpe)}</CPPendDate>"
                cp += f"<InitialCategoryOfAbuse>{cat}</InitialCategoryOfAbuse><LatestCategoryOfAbuse>{cat}</LatestCategoryOfAbuse>"
                cp += f"<NumberOfPreviousCPP>{prev_count.get(i, 0)}</NumberOfPreviousCPP>"
                revs = [r[i] for r in eps["reviews"] if r[i] <= ref_day]
                if revs:
                    cp += (
                        "<Reviews>"
                        + "".join(f"<CPPreviewDate>{_iso(r)}</CPPreviewDate>" for r in revs)
                        + "</Reviews>"
                    )
                out.append(f"        <ChildProtectionPlans>{cp}</ChildProtectionPlans>")
            out.append("      </CINdetails>")
        out.append("    </Child>")
    out += ["  </Children>", "</Message>", ""]
    return "\n".join(out)


def _lettered(codes: list[str], value: str, label: str) -> str:
    i = codes.index(value) if value in codes else 0
    return f"{chr(97 + i % 26)}) {value}: {label}"


def _front_door(rng, lo: int, hi: int, scale: float) -> dict[str, np.ndarray]:
    """Contacts that did not become referrals, and early help assessments, over the window."""
    n_c = int(REFERRALS_PER_YEAR * 0.8 * scale * (hi - lo) / 365.25)
    n_e = int(REFERRALS_PER_YEAR * 0.95 * scale * (hi - lo) / 365.25)
    return {
        "c_day": np.sort(rng.integers(lo, hi + 1, n_c)),
        "c_id": np.array(
            [f"7{x:07d}" for x in rng.choice(9 * 10**6, n_c, replace=False)], dtype=object
        ),
        "c_src": pick(rng, _SOURCE, n_c),
        "c_wd": rng.random(n_c),
        "e_day": np.sort(rng.integers(lo, hi + 1, n_e)),
        "e_id": np.array(
            [f"6{x:07d}" for x in rng.choice(9 * 10**6, n_e, replace=False)], dtype=object
        ),
        "e_len": rng.integers(10, 60, n_e),
        "e_ext": rng.random(n_e) < 0.10,
        "r_lag": rng.integers(0, 2, 10**6),
        "r_wd": rng.random(10**6),
    }


def _annex_a(
    kids: pl.DataFrame,
    eps: dict,
    frames,
    periods: pl.DataFrame,
    as_at: int,
    fd: dict,
    authority: str,
):
    """One Annex A workbook as at `as_at` (six months of events): {sheet: (headers, rows)}."""
    lo = as_at - 183
    kd = {r["child"]: r for r in kids.rows(named=True)}

    def common(c):
        k = kd.get(c) or {"sex": "", "ethnic": "", "dob": None}
        sex = {"1": "a) Male", "2": "b) Female"}.get(k["sex"], "c) Not stated/recorded")
        return [
            c,
            sex,
            f"a) {k['ethnic']}" if k["ethnic"] else None,
            _dmy(k["dob"]) if k["dob"] is not None else None,
        ]

    def within(a):
        return (a > lo) & (a <= as_at)

    sheets = {}
    # list 1: contacts (every referral, plus contacts that were not)
    ri = np.flatnonzero(within(eps["ref"]))
    ci_ = np.flatnonzero(within(fd["c_day"]))
    contact = np.concatenate(
        [eps["ref"][ri] - fd["r_lag"][ri % fd["r_lag"].size], fd["c_day"][ci_]]
    )
    who = [str(eps["child"][i]) for i in ri] + list(fd["c_id"][ci_])
    u = np.concatenate([fd["r_wd"][ri % fd["r_wd"].size], fd["c_wd"][ci_]])
    wd = np.where(
        u < 0.80,
        (u * 10).astype("int64") % 2,
        np.where(u < 0.975, 2 + (u * 100).astype("int64") % 2, 4 + (u * 1000).astype("int64") % 4),
    )
    decision = np.maximum(contact, busday_add(contact, wd))
    src = np.concatenate([eps["source"][ri], fd["c_src"][ci_]])
    codes = list(_SOURCE)
    rows = []
    for c, d, dd, s in zip(who, contact, decision, src, strict=True):
        base = common(c) if c in kd else [c, "c) Not stated/recorded", None, None]
        rows.append(
            [
                *base,
                _dmy(d),
                _lettered(codes, s, _SOURCE_LABEL.get(s[:1], "Other")),
                _dmy(dd) if dd <= as_at else None,
            ]
        )
    sheets["List 1 - Contacts"] = (
        [
            "Child Unique ID",
            "Gender",
            "Ethnicity",
            "Date of Birth",
            "Date of Contact",
            "Contact Source",
            "Date of Decision",
        ],
        rows,
    )
    # list 2: early help assessments
    ei = np.flatnonzero(within(fd["e_day"]))
    rows = []
    for c, d, e, k in zip(
        fd["e_id"][ei], fd["e_day"][ei], fd["e_ext"][ei], fd["e_len"][ei], strict=True
    ):
        done = d + k
        org = _EXTERNAL[int(d) % len(_EXTERNAL)] if e else authority
        rows.append(
            [
                c,
                "c) Not stated/recorded",
                None,
                None,
                _dmy(d),
                _dmy(done) if done <= as_at else None,
                org,
            ]
        )
    sheets["List 2 - Early Help"] = (
        [
            "Child Unique ID",
            "Gender",
            "Ethnicity",
            "Date of Birth",
            "Assessment start date",
            "Assessment completion date",
            "Organisation completing assessment",
        ],
        rows,
    )
    # list 3: referrals
    rows = [[*common(str(eps["child"][i])), _dmy(eps["ref"][i]), _lettered(codes, eps["source"][i], "Referral source"),
             "a) Yes" if eps["nfa"][i] else "b) No", 0] for i in ri]  # fmt: skip
    sheets["List 3 - Referrals"] = (
        [
            "Child Unique ID",
            "Gender",
            "Ethnicity",
            "Date of Birth",
            "Date of referral",
            "Referral Source",
            "Referral NFA?",
            "Number of Referrals in Last 12 Months",
        ],
        rows,
    )
    # list 4: assessments started in the six months
    ai = np.flatnonzero(within(eps["a_start"]))
    rows = [[str(eps["child"][i]), common(str(eps["child"][i]))[1], common(str(eps["child"][i]))[3], _dmy(eps["a_start"][i]), "a) Yes",
             _dmy(eps["a_end"][i]) if eps["a_end"][i] <= as_at else None,
             ("a) Yes" if eps["s_start"][i] < OPEN or eps["plan_start"][i] < OPEN else "b) No") if eps["a_end"][i] <= as_at else None] for i in ai]  # fmt: skip
    sheets["List 4 - Assessments"] = (
        [
            "Child Unique ID",
            "Gender",
            "Date of Birth",
            "Continuous Assessment Start Date",
            "Child Seen During Continuous Assessment",
            "Continuous Assessment Date of Authorisation",
            "Was the child assessed as requiring LA children's social care support?",
        ],
        rows,
    )
    # list 5: section 47 enquiries
    si = np.flatnonzero(within(eps["s_start"]))
    rows = [[str(eps["child"][i]), common(str(eps["child"][i]))[1], common(str(eps["child"][i]))[3], _dmy(eps["s_start"][i]),
             "a) Yes" if eps["icpc_not_required"][i] else "b) No", _dmy(eps["icpc"][i]) if eps["icpc"][i] <= as_at else None,
             ("a) Yes" if eps["cp_start"][i] < OPEN else "b) No") if eps["icpc"][i] <= as_at else None] for i in si]  # fmt: skip
    sheets["List 5 - Section 47"] = (
        [
            "Child Unique ID",
            "Gender",
            "Date of Birth",
            "Strategy discussion initiating Section 47 Enquiry Start Date",
            "Was an Initial Child Protection Conference deemed unnecessary?",
            "Date of Initial Child Protection Conference",
            "Did the Initial Child Protection Conference Result in a Child Protection Plan",
        ],
        rows,
    )
    # list 7: child protection plans open at the date or ended in the six months
    ci = np.flatnonzero((eps["cp_start"] <= as_at) & (eps["cp_end"] > lo))
    cats = [
        "a) Neglect",
        "d) Emotional abuse",
        "b) Physical abuse",
        "c) Sexual abuse",
        "e) Multiple/not recommended",
    ]
    rows = []
    for i in ci:
        c = str(eps["child"][i])
        revs = [r[i] for r in eps["reviews"] if r[i] <= as_at]
        rows.append([c, common(c)[1], common(c)[3], _dmy(eps["cp_start"][i]), cats[i % 5 if i % 3 else 0], cats[i % 5 if i % 3 else 0],
                     _dmy(as_at - int(i % 14)), _dmy(revs[-1]) if revs else None, _dmy(eps["cp_end"][i]) if eps["cp_end"][i] <= as_at else None, 0])  # fmt: skip
    sheets["List 7 - Child Protection"] = (
        [
            "Child Unique ID",
            "Gender",
            "Date of Birth",
            "Child Protection Plan Start Date",
            "Initial Category of Abuse",
            "Latest Category of Abuse",
            "Date of the Last Statutory Visit",
            "Date of latest review conference",
            "Child Protection Plan End Date",
            "Number of Previous Child Protection Plans",
        ],
        rows,
    )
    # list 8: children in care at the date or in the six months (from the SSDA903)
    asd = EPOCH + dt.timedelta(days=as_at)
    lod = EPOCH + dt.timedelta(days=lo)
    cic = periods.filter(
        (pl.col("period_start_date") <= asd)
        & (pl.col("period_end_date").is_null() | (pl.col("period_end_date") > lod))
    )
    uasc = set(frames["uasc"]["CHILD"].to_list())
    rows = []
    for r in cic.rows(named=True):
        end = r["period_end_date"] if r["period_end_date"] and r["period_end_date"] <= asd else None
        rows.append([r["child_id"], "a) Yes" if r["child_id"] in uasc else "b) No", r["period_start_date"].strftime("%d/%m/%Y"),
                     end.strftime("%d/%m/%Y") if end else None, f"a) {r['end_reason_code']}: ceased" if end and r["end_reason_code"] else None])  # fmt: skip
    sheets["List 8 - Children in Care"] = (
        [
            "Child Unique ID",
            "Unaccompanied Asylum Seeking Child (UASC) within the Last 12 Months (Y/N)",
            "Date Started to be Looked After",
            "Date Ceased to be Looked After",
            "Reason Ceased to be Looked After",
        ],
        rows,
    )
    # list 9: care leavers (from OC3)
    rows = []
    for r in frames["oc3"].rows(named=True):
        acc = r["ACCOM"] or ""
        rows.append([r["CHILD"], "c) Not stated/recorded", r["DOB"], "b) Former relevant child", _dmy(as_at - 30),
                     f"{acc[:1]}: accommodation" if acc[:1].isalpha() else None,
                     ("a) Suitable" if acc.endswith("1") else "b) Unsuitable") if acc[:1].isalpha() else None, r["ACTIV"]])  # fmt: skip
    sheets["List 9 - Care Leavers"] = (
        [
            "Child Unique ID",
            "Gender",
            "Date of Birth",
            "Eligibility Category",
            "Latest Date of Contact",
            "Type of Accommodation",
            "Suitability of Accommodation",
            "Activity Status",
        ],
        rows,
    )
    return sheets


def _write_workbook(path: Path, sheets: dict) -> int:
    import xlsxwriter

    path.parent.mkdir(parents=True, exist_ok=True)
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    wb.set_properties({"created": dt.datetime(2024, 1, 1)})  # same bytes every run
    n = 0
    for name, (headers, rows) in sheets.items():
        ws = wb.add_worksheet(name)
        ws.write_row(0, 0, headers)
        for i, row in enumerate(rows, start=1):
            ws.write_row(i, 0, row)
        n += len(rows)
    wb.close()
    return n


def _visits(
    rng, eps: dict, periods: pl.DataFrame, extract: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """SSD-shaped visits: CP plans about every 10 working days, children in care every ~6 weeks."""
    cp_rows = []
    ci = np.flatnonzero(eps["cp_start"] < OPEN)
    for i in ci:
        d, end = int(eps["cp_start"][i]), min(int(eps["cp_end"][i]), extract)
        while True:
            u = rng.random()
            step = (
                rng.integers(6, 11)
                if u < 0.64
                else (rng.integers(11, 16) if u < 0.87 else rng.integers(16, 22))
            )
            d = int(busday_add(np.array([d]), step)[0])
            if d > end:
                break
            cp_rows.append((str(eps["child"][i]), f"P{i}", d))
    cla_rows = []
    for r in periods.rows(named=True):
        d = (r["period_start_date"] - EPOCH).days
        end = (
            extract
            if r["period_end_date"] is None
            else min((r["period_end_date"] - EPOCH).days, extract)
        )
        while True:
            step = rng.integers(20, 43) if rng.random() < 0.8 else rng.integers(43, 70)
            d += int(step)
            if d > end:
                break
            cla_rows.append((r["child_id"], r["period_of_care_id"], d))
    cpv = pl.DataFrame(
        {
            "cppv_cp_visit_id": [f"V{n:07d}" for n in range(len(cp_rows))],
            "cppv_person_id": [c for c, _, _ in cp_rows],
            "cppv_cp_plan_id": [p for _, p, _ in cp_rows],
            "cppv_cp_visit_date": [_dmy(d) for _, _, d in cp_rows],
            "cppv_cp_visit_seen": ["Y"] * len(cp_rows),
            "cppv_cp_visit_seen_alone": ["Y" if k % 3 else "N" for k in range(len(cp_rows))],
            "cppv_cp_visit_bedroom": ["Y" if k % 4 else "N" for k in range(len(cp_rows))],
        },
        schema=dict.fromkeys(
            [
                "cppv_cp_visit_id",
                "cppv_person_id",
                "cppv_cp_plan_id",
                "cppv_cp_visit_date",
                "cppv_cp_visit_seen",
                "cppv_cp_visit_seen_alone",
                "cppv_cp_visit_bedroom",
            ],
            pl.String,
        ),
    )
    clav = pl.DataFrame(
        {
            "clav_cla_visit_id": [f"L{n:07d}" for n in range(len(cla_rows))],
            "clav_cla_id": [p for _, p, _ in cla_rows],
            "clav_person_id": [c for c, _, _ in cla_rows],
            "clav_cla_visit_date": [_dmy(d) for _, _, d in cla_rows],
            "clav_cla_visit_seen": ["Y"] * len(cla_rows),
            "clav_cla_visit_seen_alone": ["Y" if k % 2 else "N" for k in range(len(cla_rows))],
        },
        schema=dict.fromkeys(
            [
                "clav_cla_visit_id",
                "clav_cla_id",
                "clav_person_id",
                "clav_cla_visit_date",
                "clav_cla_visit_seen",
                "clav_cla_visit_seen_alone",
            ],
            pl.String,
        ),
    )
    return cpv, clav


def _postcode_directory(frames) -> pl.DataFrame:
    """Fictional grid references: WX in the authority (a 20 km square), YX 35-120 km away."""
    posts = (
        pl.concat([frames["episodes"]["HOME_POST"], frames["episodes"]["PL_POST"]])
        .drop_nulls()
        .unique()
        .sort()
    )
    out = []
    for p in posts.to_list():
        h = sum(ord(ch) * (i + 7) ** 3 for i, ch in enumerate(p))  # stable, not Python's hash()
        if p.startswith("WX"):
            e, n, la = 400_000 + h % 20_000, 400_000 + (h // 20_000) % 20_000, "E06999999"
        else:  # mostly neighbouring areas; a few placements far away
            dist = 12_000 + h % 18_000 if h % 100 < 72 else 36_000 + h % 90_000
            e, n, la = 410_000 + dist, 410_000 + (h // 90_000) % 10_000, "E06999998"
        out.append((p, e, n, la))
    return pl.DataFrame(
        out,
        schema={
            "postcode": pl.String,
            "easting": pl.Int64,
            "northing": pl.Int64,
            "la_code": pl.String,
        },
        orient="row",
    )


def generate_csc(rng, frames: dict[str, pl.DataFrame], w, children: int, out: Path, *,
                 la_code: str = "999", authority: str = "Wessex Vale Council") -> dict[str, int]:  # fmt: skip
    """Write the CIN census returns, Annex A workbooks, visits and postcode directory."""
    from pipeline.synth._util import write

    kids, eps = draw(rng, frames, w.start, w.extract, children)
    rows: dict[str, int] = {}
    out = Path(out)
    (out / "cin").mkdir(parents=True, exist_ok=True)
    for year in range(w.year - 4, w.year + 1):
        text = _return_xml(kids, eps, year, la_code)
        (out / "cin" / f"cin_census_{year}.xml").write_text(text, encoding="utf-8")
    periods = _periods_903(frames)
    dates = []
    for year in range(w.year - 4, w.year + 1):
        dates += [dt.date(year - 1, 9, 30), dt.date(year, 3, 31)]
    dates.append(EPOCH + dt.timedelta(days=w.extract))
    fd = _front_door(rng, _day(dates[0]) - 200, w.extract, children / BASE_CHILDREN)
    for d in dates:
        sheets = _annex_a(kids, eps, frames, periods, _day(d), fd, authority)
        rows[f"annex_a_{d.isoformat()}"] = _write_workbook(
            out / "annex_a" / f"annex_a_{d.isoformat()}.xlsx", sheets
        )
    cpv, clav = _visits(rng, eps, periods, w.extract)
    rows["ssd_cp_visits"] = write(cpv, out / "ssd" / "ssd_cp_visits.csv")
    rows["ssd_cla_visits"] = write(clav, out / "ssd" / "ssd_cla_visits.csv")
    write(_postcode_directory(frames), out / "reference" / "postcodes.csv")
    return rows
