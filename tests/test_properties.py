"""Invariants that must hold for any input, checked on random inputs (hypothesis).

Each property compares the pipeline with a literal, slow reading of the documented rule
(a day-by-day loop, a per-child scan of episodes, counting birthdays) or with the
accounting identity itself. Example counts are kept small so the suite stays quick; the
random cross-table audit (no suppressed cell recoverable from published totals, HiGHS)
is in tests/test_disclosure_audit.py.
"""

from __future__ import annotations

import calendar as cal
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import holidays
import polars as pl
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from pipeline.core.calendar import add_working_days, within_working_days, working_days_between
from pipeline.core.month_end import snapshot_at
from pipeline.core.schemas import frame
from pipeline.disclosure import DisclosureSpec, protect
from pipeline.reports.pack.rag import dot, rag
from pipeline.rules.testing import EPISODE, HEADER, raw_tables
from pipeline.validate import validate
from tests.test_reviews import make_params

d = dt.date
FAST = settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW = settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# ================================================================ working days
ENG = holidays.UnitedKingdom(subdiv="ENG", years=range(2015, 2031))


def _working(day: dt.date) -> bool:
    return day.weekday() < 5 and day not in ENG


def _add_loop(start: dt.date, n: int) -> dt.date:
    day, count = start, 0
    while count < n:
        day += dt.timedelta(days=1)
        count += _working(day)
    return day


def _between_loop(start: dt.date, end: dt.date) -> int:
    lo, hi, sign = (start, end, 1) if end >= start else (end, start, -1)
    days = (lo + dt.timedelta(days=i) for i in range(1, (hi - lo).days + 1))
    return sign * sum(_working(x) for x in days)


dates = st.dates(d(2016, 1, 1), d(2029, 12, 1))


@FAST
@given(
    st.lists(st.tuples(dates, st.integers(1, 30), st.integers(-40, 60)), min_size=1, max_size=20)
)
def test_working_days_equal_a_day_by_day_loop(cases):
    df = pl.DataFrame(
        {
            "s": [s for s, _, _ in cases],
            "n": [n for _, n, _ in cases],
            "e": [s + dt.timedelta(days=k) for s, _, k in cases],
        }
    )
    out = df.select(
        add=add_working_days(pl.col("s"), pl.col("n")),
        between=working_days_between(pl.col("s"), pl.col("e")),
        within=within_working_days(pl.col("s"), pl.col("e"), 20),
    )
    for (s, n, _), e, got in zip(cases, df["e"], out.rows(), strict=True):
        assert got[0] == _add_loop(s, n), (s, n)
        assert got[1] == _between_loop(s, e), (s, e)
        assert got[2] == (e <= _add_loop(s, 20)), (s, e)


# ================================================================ month-end snapshots
def _birthday(born: dt.date, year: int) -> dt.date:
    """The birthday in `year`; 29 February counts from 1 March in other years."""
    if born.month == 2 and born.day == 29 and not cal.isleap(year):
        return d(year, 3, 1)
    return born.replace(year=year)


def _age_loop(born: dt.date, on: dt.date) -> int:
    return sum(_birthday(born, y) <= on for y in range(born.year + 1, on.year + 1))


def _plus_months(start: dt.date, k: int) -> dt.date:
    y, m = divmod(start.month - 1 + k, 12)
    y, m = start.year + y, m + 1
    return d(y, m, min(start.day, cal.monthrange(y, m)[1]))


def _months_loop(start: dt.date, on: dt.date) -> int:
    k = 0
    while _plus_months(start, k + 1) <= on:
        k += 1
    return k


def _month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    out, y, m = [], first.year, first.month
    while (y, m) <= (last.year, last.month):
        out.append(d(y, m, cal.monthrange(y, m)[1]))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


@st.composite
def child_histories(draw):
    """A few children, each with non-overlapping episodes (some open, some short breaks)."""
    children = []
    for i in range(draw(st.integers(1, 4))):
        born = draw(st.dates(d(2004, 1, 1), d(2020, 12, 31)))
        day = draw(st.dates(d(2021, 1, 1), d(2023, 12, 31)))
        eps = []
        for _ in range(draw(st.integers(1, 3))):
            length = draw(st.integers(1, 400))
            gap = draw(st.sampled_from([0, 0, 1, 30]))  # 0: a continuing episode
            end = day + dt.timedelta(days=length)
            ls = draw(st.sampled_from(["C2", "C2", "E1", "V2", "V3", "V4"]))
            eps.append((day, end, ls))
            day = end + dt.timedelta(days=gap)
        if draw(st.booleans()):
            start, _, ls = eps[-1]
            eps[-1] = (start, None, ls)  # the last episode still open
        children.append((f"C{i}", born, eps))
    return children


@FAST
@given(child_histories())
def test_month_end_rows_equal_a_scan_of_each_childs_episodes(children):
    first, last = d(2022, 1, 1), d(2024, 12, 31)
    eps = [
        dict(
            child_id=c,
            episode_start_date=s,
            episode_end_date=e,
            new_episode_reason_code="S" if j == 0 else "P",
            legal_status_code=ls,
            placement_code="U4",
            need_code="N1",
        )
        for c, _, history in children
        for j, (s, e, ls) in enumerate(history)
    ]
    kids = [dict(child_id=c, sex="1", birth_date=b, ethnicity_code="WBRI") for c, b, _ in children]
    core = {
        "core_episodes": frame("core_episodes", eps),
        "core_children": frame("core_children", kids),
    }
    snap = snapshot_at(core, first, last)
    got = {(r["child_id"], r["month_end_date"]): r for r in snap.rows(named=True)}
    expected = {}
    for c, born, history in children:
        for m in _month_ends(first, last):
            # in care at M: an episode (not V3/V4) with start <= M and (open or end > M)
            if any(
                s <= m and (e is None or e > m) and ls not in ("V3", "V4") for s, e, ls in history
            ):
                expected[(c, m)] = born
    assert set(got) == set(expected)
    for (c, m), born in expected.items():
        assert got[(c, m)]["age_years"] == _age_loop(born, m), (c, m, born)


def _month_end_after(start: dt.date, k: int) -> dt.date:
    y, m = divmod(start.month - 1 + k, 12)
    return d(start.year + y, m + 1, cal.monthrange(start.year + y, m + 1)[1])


# late-in-the-month starts against month ends, where the short-month and 29 February rules
# bite, as well as any two dates
late_days = st.builds(
    lambda y, m, day: d(y, m, min(day, cal.monthrange(y, m)[1])),
    st.integers(2008, 2024),
    st.integers(1, 12),
    st.sampled_from([1, 15, 28, 29, 30, 31]),
)
pairs = st.one_of(
    st.builds(lambda s, k: (s, s + dt.timedelta(days=k)), dates, st.integers(0, 1500)),
    st.builds(lambda s, k: (s, _month_end_after(s, k)), late_days, st.integers(0, 40)),
)


@FAST
@given(st.lists(pairs, min_size=1, max_size=30))
def test_whole_months_and_age_equal_counting_them_one_by_one(cases):
    from pipeline.core.month_end import age_years, whole_months

    df = pl.DataFrame(
        {"s": [s for s, _ in cases], "on": [on for _, on in cases]},
        schema={"s": pl.Date, "on": pl.Date},
    )
    out = df.select(m=whole_months("s", "on"), a=age_years("s", "on"))
    for s, on, (m, a) in zip(df["s"], df["on"], out.rows(), strict=True):
        assert m == _months_loop(s, on), (s, on)
        assert a == _age_loop(s, on), (s, on)


# ================================================================ disclosure
@st.composite
def grouped_counts(draw):
    groups = draw(st.integers(1, 4))
    values = draw(st.lists(st.integers(0, 15), min_size=groups * 2, max_size=groups * 5))
    cols = draw(st.integers(1, 2))
    return (
        pl.DataFrame(
            {
                "g": [f"g{i % groups}" for i in range(len(values))],
                **{f"n{j}": values[j:] + values[:j] for j in range(cols)},
            }
        ),
        cols,
        draw(st.integers(1, 10)),
    )


@FAST
@given(grouped_counts())
def test_no_published_count_is_small_and_no_group_has_one_hidden_cell(case):
    df, cols, t = case
    counts = tuple(f"n{j}" for j in range(cols))
    out = protect(df, DisclosureSpec(counts=counts, within=("g",)), t)
    for c in counts:
        shown = out[c].drop_nulls()
        assert not ((shown >= 1) & (shown <= t)).any(), (c, t)
        # a hidden cell is never the only one in its group beside non-zero published
        # cells (the group total would give it away); with only zeros beside it, the total
        # equals it and is itself small, so it is hidden wherever it is published
        per_group = out.group_by("g").agg(
            hidden=pl.col(f"is_{c}_suppressed").sum(), others=(pl.col(c).fill_null(0) > 0).sum()
        )
        lone = per_group.filter((pl.col("hidden") == 1) & (pl.col("others") > 0))
        assert lone.height == 0, (c, t, lone)
        # nothing published was changed
        same = out.filter(pl.col(c).is_not_null())
        assert same[c].to_list() == df.filter(out[c].is_not_null())[c].to_list()


# ================================================================ DOT and RAG
def _shown(x, decimals):
    """The figure as the pack prints it, to its published decimals."""
    return Decimal(f"{x:.{decimals}f}")


def _literal_rag(latest, target, polarity, tolerance, decimals):
    # docs/indicators.md and pipeline/reports/pack/rag.py: round the value to the published
    # decimals; Green at or better than target; Amber worse by no more than the tolerance
    # (default 5% of the target, in the indicator's unit and not rounded: 3.5 for 70);
    # Red otherwise. Better follows polarity. Exact fractions so the edge is exact.
    v = Fraction(_shown(latest, decimals))
    tol = Fraction(tolerance) if tolerance is not None else abs(Fraction(target)) / 20
    worse = target - v if polarity == "High" else v - target
    return "Green" if worse <= 0 else "Amber" if worse <= tol else "Red"


values = st.integers(0, 20000).map(lambda x: x / 100)


@FAST
@given(
    # hundredths from the target: where rounding decides (within 0.6) and the tolerance edge
    st.one_of(st.integers(-60, 60), st.integers(-1500, 1500)),
    st.integers(0, 200),
    st.sampled_from(["High", "Low"]),
    st.one_of(st.none(), st.integers(0, 10)),
    st.integers(0, 2),
)
@example(offset=350, target=70, polarity="Low", tolerance=None, decimals=0)  # 74 vs 70 +/- 3.5
@example(offset=450, target=90, polarity="Low", tolerance=None, decimals=1)  # 94.5: on the edge
def test_rag_agrees_with_a_literal_reading(offset, target, polarity, tolerance, decimals):
    latest = max(0.0, target + offset / 100 + 0.004)  # e.g. 89.994, 89.996: rounding matters
    assert rag(latest, target, polarity, tolerance, decimals) == _literal_rag(
        latest, target, polarity, tolerance, decimals
    )


@FAST
@given(values, values, st.sampled_from(["High", "Low", None]), st.integers(0, 2))
@example(latest=0.35, previous=0.4, polarity="High", decimals=1)  # 0.35 is printed 0.3
def test_dot_agrees_with_a_literal_reading(latest, previous, polarity, decimals):
    got = dot(latest, previous, polarity, decimals)
    if polarity is None:
        assert got == ""
        return
    a, b = _shown(latest, decimals), _shown(previous, decimals)
    good_up = polarity == "High"
    assert got == ("Same" if a == b else "Improving" if (a > b) == good_up else "Worsening")


# ================================================================ row accounting
DATES = [
    "01/05/2023",
    "15/08/2023",
    "31/03/2024",
    "29/02/2024",
    "31/02/2024",
    "2023-13-01",
    "",
    "x",
]


def _maybe(draw, good, bad):
    """Mostly the good value; sometimes one of the corruptions."""
    return draw(st.sampled_from(bad)) if draw(st.integers(0, 3)) == 0 else good


@st.composite
def corrupted_returns(draw):
    """C1: a valid child with an open episode (always clean, so the property is never
    vacuous); C2, C3: rows with random corruptions; reviews for any of them."""
    header, episodes = [HEADER], [EPISODE]
    for c in draw(st.lists(st.sampled_from(["C2", "C3", "", None]), max_size=3)):
        header.append(
            {
                "CHILD": c,
                "SEX": _maybe(draw, "2", ["3", ""]),
                "DOB": _maybe(draw, "01/01/2012", ["29/02/2011", "", "soon"]),
                "ETHNIC": _maybe(draw, "WBRI", ["ZZZZ", ""]),
            }
        )
    for _ in range(draw(st.integers(0, 5))):
        episodes.append(
            {
                "CHILD": draw(st.sampled_from(["C2", "C3", ""])),
                "DECOM": _maybe(draw, "01/05/2023", DATES),
                "RNE": _maybe(draw, "S", ["P", "Q"]),
                "LS": _maybe(draw, "C2", ["V3", "XX"]),
                "CIN": _maybe(draw, "N1", ["N9", ""]),
                "PLACE": _maybe(draw, "U1", ["ZZ", "K2"]),
                "PLACE_PROVIDER": _maybe(draw, "PR1", [""]),
                "DEC": _maybe(draw, "", DATES),
                "REC": _maybe(draw, "", ["E11", "X1", "E99"]),
            }
        )
    reviews = [
        {
            "CHILD": draw(st.sampled_from(["C1", "C2", "C3", ""])),
            "DOB": "01/01/2010",
            "REVIEW": _maybe(draw, "15/08/2023", DATES),
            "REVIEW_CODE": _maybe(draw, "PN1", ["PN8", ""]),
        }
        for _ in range(draw(st.integers(0, 4)))
    ]
    return {"header": header, "episodes": episodes, "reviews": reviews}


P = make_params()


@SLOW
@given(corrupted_returns())
def test_every_row_of_a_corrupted_return_is_accounted_for(rows):
    raw = raw_tables(rows, base=False)
    result = validate(raw, P, engine="polars")
    summary = {r["table"]: r for r in result.summary.rows(named=True)}
    for table, given_rows in rows.items():
        s = summary[table]
        assert s["rows_in"] == len(given_rows)
        parts = ("rows_clean", "rows_quarantined", "rows_superseded", "rows_out_of_scope")
        assert s["rows_in"] == sum(s[p] for p in parts), s
        quarantined = result.quarantine.filter(pl.col("table") == table)
        # every quarantined row names a rule and says why
        assert quarantined["rule_code"].null_count() == 0
        assert (quarantined["message"].str.len_chars() > 0).all()
        assert quarantined["source_row"].n_unique() == s["rows_quarantined"]
    # C1's header row and open episode are valid: never vacuous
    assert summary["header"]["rows_clean"] >= 1 and summary["episodes"]["rows_clean"] >= 1
    core_of = {"header": "core_children", "episodes": "core_episodes", "reviews": "core_reviews"}
    for table, core_name in core_of.items():
        assert result.core[core_name].height == summary[table]["rows_clean"]
