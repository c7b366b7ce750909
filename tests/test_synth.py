"""The sample generator: deterministic, contract-shaped, realistic in the ways reports rely on."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipeline.inputs.contract import code_lists, tables
from pipeline.synth import generate
from pipeline.synth._errors import INVALID_PLACE, ORPHAN_CHILD, per_kind

N = 300
YEAR_END = dt.date(2024, 3, 31)
EXTRACT = dt.date(2024, 4, 30)
FOLDER = {"IRO": "iro", "SSDA903": "ssda903", "SSD": "ssd"}
# the CIN census and Annex A are written as XML and workbooks (tests/test_csc_synth.py)
CSV_TABLES = {n: s for n, s in tables().items() if s.source in FOLDER}


def _read(root, name: str) -> pl.DataFrame:
    folder = FOLDER[tables()[name].source]
    return pl.read_csv(root / folder / f"{name}.csv", infer_schema=False)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    root = tmp_path_factory.mktemp("clean")
    rows = generate(root, children=N, seed=7, errors=False)
    return root, rows


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    root = tmp_path_factory.mktemp("dirty")
    rows = generate(root, children=N, seed=7, errors=True)
    return root, rows


def _date(col: str) -> pl.Expr:
    return pl.col(col).str.to_date("%d/%m/%Y", strict=True)


def _files(root) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def test_same_seed_same_bytes_other_seed_differs(tmp_path):
    generate(tmp_path / "a", children=120, seed=3)
    generate(tmp_path / "b", children=120, seed=3)
    generate(tmp_path / "c", children=120, seed=4)
    a, b, c = (_files(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys() and a != c


def test_every_table_written_with_contract_columns(clean):
    root, rows = clean
    assert set(CSV_TABLES) <= set(rows)
    for name, spec in CSV_TABLES.items():
        df = _read(root, name)
        assert df.columns == spec.column_names, name
        assert df.height == rows[name], name
        assert df.height > 0, name


def test_dates_are_dd_mm_yyyy_and_parse(dirty):
    root, _ = dirty
    for name, spec in CSV_TABLES.items():
        df = _read(root, name)
        for col in (c.name for c in spec.columns if c.type == "date"):
            values = df[col].drop_nulls()
            assert values.str.contains(r"^\d{2}/\d{2}/\d{4}$").all(), (name, col)
            values.str.to_date("%d/%m/%Y", strict=True)  # raises on 31/02 etc.


def _code_violations(root) -> dict[tuple[str, str], int]:
    lists = code_lists()
    bad = {}
    for name, spec in CSV_TABLES.items():
        df = _read(root, name)
        for c in spec.columns:
            if c.type not in ("code", "codes"):
                continue
            values = df[c.name].drop_nulls()
            if c.type == "codes":
                values = values.str.split(";").explode()
            n = int((~values.is_in(list(lists[c.codes]))).sum())
            if n:
                bad[(name, c.name)] = n
    return bad


def test_codes_in_contract_lists_without_errors(clean):
    assert _code_violations(clean[0]) == {}


def test_deliberate_errors_are_few_and_identifiable(clean, dirty):
    (croot, crows), (droot, drows) = clean, dirty
    k = per_kind(crows["header"])
    assert _code_violations(droot) == {("episodes", "PLACE"): k}
    assert (_read(droot, "episodes")["PLACE"] == INVALID_PLACE).sum() == k
    assert drows["header"] == crows["header"] + k
    assert _read(droot, "header").is_duplicated().sum() == 2 * k
    eps = _read(droot, "episodes")
    assert eps.filter(_date("DEC") < _date("DECOM")).height == k
    assert eps["CIN"].null_count() == k
    reviews = _read(droot, "reviews").filter(_date("REVIEW") > EXTRACT)
    assert reviews.height == k
    esc = _read(droot, "escalations").filter(_date("RESOLVED") < _date("RAISED"))
    assert esc.height == k
    assert (_read(droot, "contacts")["CHILD"] == ORPHAN_CHILD).sum() == k
    # well under 1% of any table
    for name in ("header", "episodes", "reviews", "escalations", "contacts"):
        assert k / crows[name] < 0.01
    # and the clean run has none of them
    clean_eps = _read(croot, "episodes")
    assert clean_eps.filter(_date("DEC") < _date("DECOM")).height == 0
    assert _read(croot, "header")["CHILD"].is_unique().all()


def _in_care_at_year_end(root) -> pl.DataFrame:
    eps = _read(root, "episodes").with_columns(start=_date("DECOM"), end=_date("DEC"))
    ids = (
        eps.filter(
            (pl.col("start") <= YEAR_END) & (pl.col("end").is_null() | (pl.col("end") > YEAR_END))
        )
        .select("CHILD")
        .unique()
    )
    return ids.join(_read(root, "header").with_columns(dob=_date("DOB")), on="CHILD")


def test_number_in_care_matches_request(clean):
    n = _in_care_at_year_end(clean[0]).height
    assert abs(n - N) <= 0.1 * N


def test_uasc_share_and_age_mix_at_year_end(clean):
    root, _ = clean
    kids = _in_care_at_year_end(root)
    uasc = _read(root, "uasc")["CHILD"]
    share = kids["CHILD"].is_in(uasc.implode()).mean()
    assert 0.08 <= share <= 0.16
    age = kids.select(((pl.lit(YEAR_END) - pl.col("dob")).dt.total_days() / 365.25).floor())
    age = age.to_series()
    assert age.max() < 18
    teens = (age >= 13).mean()
    under5 = (age < 5).mean()
    assert 0.45 <= teens <= 0.70
    assert 0.06 <= under5 <= 0.25
    # UASC are nearly all boys of 14-17
    u = kids.filter(pl.col("CHILD").is_in(uasc.implode()))
    assert (u["SEX"] == "1").mean() > 0.85
    u_age = u.select(
        ((pl.lit(YEAR_END) - pl.col("dob")).dt.total_days() / 365.25).floor()
    ).to_series()
    assert u_age.min() >= 13


def test_review_codes_follow_age_and_reviews_are_in_care(clean):
    root, _ = clean
    r = _read(root, "reviews").with_columns(review=_date("REVIEW"), dob=_date("DOB"))
    r = r.with_columns(
        under4=pl.col("review") < pl.col("dob").dt.offset_by("4y"),
        pn0=pl.col("REVIEW_CODE") == "PN0",
    )
    assert (r["under4"] == r["pn0"]).all()
    assert r["review"].max() <= EXTRACT
    assert 0.02 <= (r["REVIEW_CODE"] == "PN7").mean() <= 0.15
    assert _read(root, "review_process").height == r.height


def test_some_child_has_two_periods_of_care(clean):
    eps = _read(clean[0], "episodes")
    starts = eps.filter(pl.col("RNE") == "S").group_by("CHILD").len()
    assert (starts["len"] >= 2).sum() >= 1


def test_episodes_chain_within_a_period(clean):
    eps = _read(clean[0], "episodes").with_columns(start=_date("DECOM"), end=_date("DEC"))
    nxt = eps.with_columns(
        next_start=pl.col("start").shift(-1).over("CHILD"),
        next_rne=pl.col("RNE").shift(-1).over("CHILD"),
    ).filter(pl.col("REC") == "X1")
    assert (nxt["end"] == nxt["next_start"]).all()
    assert (nxt["next_rne"] != "S").all()


def test_escalation_stages_use_their_own_areas(clean):
    esc = _read(clean[0], "escalations").with_columns(area=pl.col("AREAS").str.split(";"))
    esc = esc.explode("area").with_columns(pre_area=pl.col("area").str.starts_with("P_"))
    assert (esc["pre_area"] == (esc["STAGE"] == "PRE")).all()
    assert esc.filter(pl.col("STAGE") == "PRE")["RAISED"].str.to_date("%d/%m/%Y").min() >= dt.date(
        2023, 10, 1
    )


# Calibration against the Dorset IRO annual report 2023/24 (Appendix A), measured as a report
# would from the CSVs. Bounds allow for sampling noise at N=300 but fail on a real regression.
CALIBRATION = {
    "starts": (0.28, 0.45),  # ~35% of the number in care
    "left_at_18": (0.22, 0.45),  # ~30-35% of leavers (UASC included)
    "left_adopted": (0.04, 0.18),  # ~10%
    "left_sgo_cao": (0.06, 0.22),  # ~12-15%
    "age_0-4": (0.07, 0.22),  # 14%
    "age_5-9": (0.08, 0.22),  # 15%
    "age_10-12": (0.06, 0.19),  # 12%
    "age_13-15": (0.20, 0.36),  # 28%
    "age_16+": (0.22, 0.40),  # 31%
    "ls_C2": (0.55, 0.75),  # 65%
    "ls_V2": (0.13, 0.30),  # 20%
    "ls_C1": (0.04, 0.16),  # 8%
    "ls_E1": (0.01, 0.10),  # 6%
    "placements_3plus": (0.04, 0.16),  # 9-10%
    "missing": (0.06, 0.17),  # 10-14%
    "iro_contact_6m": (0.85, 0.98),  # 92%
    "reviews_in_time": (0.86, 0.97),  # 90-95%
    "recs_5wd": (0.82, 0.94),  # 88%
    "minutes_20wd": (0.38, 0.56),  # 45-50%
}


@pytest.fixture(scope="module")
def calibration(clean):
    from pipeline.synth._calibrate import measure

    return measure(clean[0], YEAR_END.year)


@pytest.mark.parametrize("name", list(CALIBRATION))
def test_calibrated_to_dorset(calibration, name):
    lo, hi = CALIBRATION[name]
    assert lo <= calibration[name] <= hi, (name, calibration[name])


def test_uasc_burst_in_august_of_the_reporting_year(calibration):
    c = calibration
    assert c["in_care"] == N
    # a national-transfer burst: UASC jump by ~7% of the in-care count in one summer month
    assert c["uasc_Aug"] - c["uasc_Jul"] >= 0.04 * N
    assert c["month_Aug"] - c["month_Jul"] >= 0.02 * N
    assert c["uasc_Apr"] < c["uasc_Mar"] < c["uasc_Sep"]
    # and otherwise month-end counts stay within ~10% of the year-end count
    months = [v for k, v in c.items() if k.startswith("month_")]
    assert max(months) <= 1.12 * N and min(months) >= 0.9 * N


def test_returns_layout_is_deterministic_and_one_folder_per_year(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    generate(a, children=80, seed=3, layout="returns")
    generate(b, children=80, seed=3, layout="returns")
    files = sorted(p.relative_to(a) for p in a.rglob("*.csv"))
    assert files == sorted(p.relative_to(b) for p in b.rglob("*.csv"))
    assert all((a / f).read_bytes() == (b / f).read_bytes() for f in files)
    years = sorted(p.name for p in (a / "ssda903").iterdir())
    assert years == ["2019-20", "2020-21", "2021-22", "2022-23", "2023-24"]
    assert sorted(p.name for p in (a / "iro").iterdir()) == [
        "contacts.csv",
        "escalations.csv",
        "practice_notes.csv",
        "review_process.csv",
    ]
