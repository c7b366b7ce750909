"""IRO contact with children between reviews, at the year end and the half year.

Children in care on a date are those in core_month_end at that month end. A contact is any
recorded IRO contact of any type (visit, call, video, message, letter, other) in the six
whole calendar months ending on the date (1 October-31 March; 1 April-30 September).
Contact is 'expected' for every child in care except those placed for adoption
(placement A3-A6) or in hospital (R2, T1) on the date.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from pipeline.core.coverage import blank_last_year
from pipeline.disclosure import DisclosureSpec
from pipeline.disclosure.relations import Link, register_nest
from pipeline.measures import Core, measure
from pipeline.params import RunParams
from pipeline.reports.iro.measures.reviews import pct

NOT_EXPECTED_PLACEMENTS = ("A3", "A4", "A5", "A6", "R2", "T1")
WINDOW_MONTHS = 6

ROWS: list[tuple[str, str]] = [
    ("children_in_care", "Children in care"),
    ("contact_6m", "Children with an IRO contact in the last 6 months"),
    ("more_than_one_contact_6m", "Children with more than one IRO contact in the last 6 months"),
    ("contact_expected", "Children for whom IRO contact is expected"),
    ("expected_with_contact_6m", "Of those, children with an IRO contact in the last 6 months"),
]


def window_start(date: dt.date) -> dt.date:
    """First day of the six whole calendar months ending with the month of `date`."""
    month = date.month - WINDOW_MONTHS + 1
    year = date.year + (month - 1) // 12
    return dt.date(year, (month - 1) % 12 + 1, 1)


def contact_at(
    core_month_end: pl.DataFrame, core_contacts: pl.DataFrame, date: dt.date
) -> pl.DataFrame:
    """The contact measures for children in care at one month end: count, denominator, %."""
    in_care = (
        core_month_end.filter(pl.col("month_end_date") == date)
        .select("child_id", "placement_code")
        .unique("child_id")
    )
    contacts = (
        core_contacts.filter(pl.col("contact_date").is_between(window_start(date), date))
        .group_by("child_id")
        .agg(contacts_count=pl.len())
    )
    kids = in_care.join(contacts, on="child_id", how="left").with_columns(
        n=pl.col("contacts_count").fill_null(0),
        is_expected=~pl.col("placement_code").is_in(NOT_EXPECTED_PLACEMENTS).fill_null(False),
    )
    s = kids.select(
        children_in_care=pl.len(),
        contact_6m=(pl.col("n") >= 1).sum(),
        more_than_one_contact_6m=(pl.col("n") >= 2).sum(),
        contact_expected=pl.col("is_expected").sum(),
        expected_with_contact_6m=(pl.col("is_expected") & (pl.col("n") >= 1)).sum(),
    ).row(0, named=True)
    denominators = {
        "children_in_care": None,
        "contact_6m": s["children_in_care"],
        "more_than_one_contact_6m": s["children_in_care"],
        "contact_expected": None,
        "expected_with_contact_6m": s["contact_expected"],
    }
    return pl.DataFrame(
        {
            "measure_code": [c for c, _ in ROWS],
            "measure": [lbl for _, lbl in ROWS],
            "children_count": [s[c] for c, _ in ROWS],
            "denominator_count": [denominators[c] for c, _ in ROWS],
        },
        schema={
            "measure_code": pl.String,
            "measure": pl.String,
            "children_count": pl.Int64,
            "denominator_count": pl.Int64,
        },
    ).with_columns(pct=pct(pl.col("children_count"), pl.col("denominator_count")))


def half_year_end(params: RunParams) -> dt.date:
    return dt.date(params.year_end - 1, 9, 30)


def contact_table(core_month_end: pl.DataFrame, core_contacts: pl.DataFrame, params: RunParams):
    """Year end, half year and last year end side by side (prefixes '', half_year_, last_year_)."""
    snapshots = {
        "": params.period_end,
        "half_year_": half_year_end(params),
        "last_year_": params.previous.period_end,
    }
    out = None
    for prefix, date in snapshots.items():
        one = (
            contact_at(core_month_end, core_contacts, date)
            .rename({c: f"{prefix}{c}" for c in ("children_count", "denominator_count", "pct")})
            .with_columns(pl.lit(date).alias(f"{prefix}snapshot_date"))
        )
        out = one if out is None else out.join(one, on=["measure_code", "measure"], how="left")
    return out


# population keys: children in care on the snapshot date, by contact (none / 1+, and 2+
# inside 1+) and by whether contact is expected; "no contact" is an implied cell
register_nest("contact", "1+", ("1", "2+"))
_CONTACT = {"contact_6m": "1+", "more_than_one_contact_6m": "2+", "expected_with_contact_6m": "1+"}
_EXPECTED = {"contact_expected": "yes", "expected_with_contact_6m": "yes"}


def _links(prefix: str) -> tuple[Link, ...]:
    date = f"{prefix}snapshot_date"
    code = pl.col("measure_code")
    return (
        Link(
            f"{prefix}children_count",
            "in care",
            {
                "date": date,
                "contact": code.replace_strict(_CONTACT, default=None),
                "expected": code.replace_strict(_EXPECTED, default=None),
            },
            complete={"contact": ("none", "1+"), "expected": ("yes", "no")},
        ),
        Link(
            f"{prefix}denominator_count",
            "in care",
            {
                "date": date,
                "expected": pl.when(code == "expected_with_contact_6m").then(pl.lit("yes")),
            },
        ),
    )


COUNTS = tuple(
    f"{p}{c}"
    for p in ("", "half_year_", "last_year_")
    for c in ("children_count", "denominator_count")
)


@measure(
    "iro_contact",
    inputs=("header", "episodes", "contacts"),
    section="iro-contact-with-children",
    title="IRO contact with children in the six months before the year end and half year",
    definition=(
        "Children in care at 31 March (and at 30 September, and 31 March the year before); "
        "how many had at least one, and more than one, recorded IRO contact of any type in the "
        "six calendar months up to and including that date; and, of children for whom contact "
        "is expected (all children in care except those placed for adoption, placements A3-A6, "
        "or in hospital, R2 and T1), how many had a contact. Percentages are of all children "
        "in care, or of children for whom contact is expected."
    ),
    disclosure=DisclosureSpec(
        links=_links("") + _links("half_year_") + _links("last_year_"),
        counts=COUNTS,
        derived={
            f"{p}pct": (f"{p}children_count", f"{p}denominator_count")
            for p in ("", "half_year_", "last_year_")
        },
    ),
)
def iro_contact(core: Core, params: RunParams) -> pl.DataFrame:
    return blank_last_year(
        contact_table(core["core_month_end"], core["core_contacts"], params),
        core,
        params,
        march_only=True,
    )
