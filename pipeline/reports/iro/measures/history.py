"""Children in care who had been in care before (Dorset's 'Who were previously CIC').

A child counts as previously in care at a month end when the current period of care is not
their first in the records, or when the SSDA903 previous-permanence table says they left an
earlier period of care through adoption, special guardianship or a child arrangements order
(PREV_PERM P1-P4), possibly in another authority.
"""

from __future__ import annotations

import polars as pl

from pipeline.core.schemas import empty
from pipeline.measures import Core, measure
from pipeline.params import RunParams
from pipeline.reports.iro.measures.profile import (
    _month_end,
    _months_frame,
    _year_months,
    monthly_spec,
    share,
)

PREVIOUS_PERMANENCE_CODES = ("P1", "P2", "P3", "P4")
PREVIOUSLY, FIRST = "Previously in care", "First time in care"


def previously_in_care(month_end: pl.DataFrame, previous_permanence: pl.DataFrame) -> pl.DataFrame:
    """`month_end` with `is_previously_in_care` (earlier period in the records, or PREV_PERM)."""
    earlier_permanence = (
        previous_permanence.filter(
            pl.col("previous_permanence_code").is_in(PREVIOUS_PERMANENCE_CODES)
        )
        .select("child_id")
        .unique()
        .with_columns(has_previous_permanence=pl.lit(True))
    )
    period_number = pl.col("period_of_care_id").str.extract(r"-(\d+)$").cast(pl.Int64)
    return month_end.join(earlier_permanence, on="child_id", how="left").with_columns(
        is_previously_in_care=(period_number > 1)
        | pl.col("has_previous_permanence").fill_null(False)
    )


@measure(
    "previously_in_care_monthly",
    inputs=("header", "episodes", "previous_permanence"),
    section="age-sex-and-ethnicity",
    title="Children in care at each month end who had been in care before",
    definition=(
        "Children in care at each month end of the reporting year whose current period of care "
        "is not their first in the records, or who left an earlier period of care through "
        "adoption, special guardianship or a child arrangements order (SSDA903 previous "
        "permanence P1-P4). Percentages are of all children in care that month end."
    ),
    disclosure=monthly_spec("previously"),
)
def previously_in_care_monthly(core: Core, params: RunParams) -> pl.DataFrame:
    me = previously_in_care(
        _month_end(core, params),
        core.get("core_previous_permanence", empty("core_previous_permanence")),
    )
    category = (
        pl.when(pl.col("is_previously_in_care")).then(pl.lit(PREVIOUSLY)).otherwise(pl.lit(FIRST))
    )
    keys = _months_frame(*_year_months(params.year_end))
    return share(me, category, keys=keys, order=(PREVIOUSLY, FIRST))
