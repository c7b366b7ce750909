"""IRO contact at the year end: window, 'more than one', and who contact is expected for."""

import datetime as dt

import polars as pl

from pipeline.core.schemas import frame
from pipeline.reports.iro.measures.contact import contact_at, contact_table, window_start
from tests.test_reviews import make_params

d = dt.date
P = make_params()
YE = d(2024, 3, 31)


def me(child, date, placement="U4"):
    return dict(month_end_date=date, child_id=child, placement_code=placement)


def contact(child, date, kind="VISIT"):
    return dict(child_id=child, iro_id="I1", contact_date=date, contact_type_code=kind)


MONTH_END = frame(
    "core_month_end",
    [
        me("A", YE),
        me("B", YE),
        me("C", YE, "A5"),  # placed for adoption: contact not expected
        me("D", YE, "R2"),  # in hospital: not expected
        me("E", YE, "T1"),  # temporary period in hospital: not expected
        me("F", YE),
        me("G", d(2024, 2, 29)),  # left care before the year end: not counted
        me("A", d(2023, 9, 30)),
        me("B", d(2023, 9, 30)),
    ],
)
CONTACTS = frame(
    "core_contacts",
    [
        contact("A", d(2023, 10, 1)),  # first day of the window
        contact("A", d(2024, 3, 31), "TEXT"),  # last day: A has two
        contact("B", d(2023, 9, 30)),  # the day before the window: not counted at year end
        contact("C", d(2024, 1, 10)),  # placed for adoption, has a contact
        contact("D", d(2024, 2, 1)),
        contact("D", d(2024, 2, 2)),
        contact("F", d(2024, 4, 1)),  # after the date: not counted
        contact("G", d(2024, 1, 1)),  # not in care at the year end
    ],
)


def test_window_is_six_whole_months():
    assert window_start(d(2024, 3, 31)) == d(2023, 10, 1)
    assert window_start(d(2023, 9, 30)) == d(2023, 4, 1)


def test_contact_at_year_end():
    out = contact_at(MONTH_END, CONTACTS, YE)
    rows = {r["measure_code"]: r for r in out.iter_rows(named=True)}
    # in care: A-F = 6; with a contact: A, C, D = 3 (50.0%); more than one: A, D = 2 (33.3%)
    assert rows["children_in_care"]["children_count"] == 6
    assert (rows["contact_6m"]["children_count"], rows["contact_6m"]["pct"]) == (3, 50.0)
    assert (
        rows["more_than_one_contact_6m"]["children_count"],
        rows["more_than_one_contact_6m"]["pct"],
    ) == (2, 33.3)
    # expected: A, B, F (C adoption, D and E hospital left out) = 3; with contact: A = 1
    assert rows["contact_expected"]["children_count"] == 3
    e = rows["expected_with_contact_6m"]
    assert (e["children_count"], e["denominator_count"], e["pct"]) == (1, 3, 33.3)


def test_contact_table_has_half_year_and_last_year():
    out = contact_table(MONTH_END, CONTACTS, P)
    row = out.filter(pl.col("measure_code") == "contact_6m").row(0, named=True)
    # 30 Sep 2023: A and B in care; B's contact on 30 Sep is inside 1 Apr-30 Sep: 1 of 2
    assert (row["half_year_children_count"], row["half_year_denominator_count"]) == (1, 2)
    assert row["half_year_pct"] == 50.0
    # 31 March 2023: nobody in care in this fixture
    assert row["last_year_denominator_count"] == 0 and row["last_year_pct"] is None
    assert row["snapshot_date"] == YE and row["half_year_snapshot_date"] == d(2023, 9, 30)
