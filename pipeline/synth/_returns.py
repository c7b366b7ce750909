"""The generated history cut into annual SSDA903 returns, as an authority's archive holds them.

The return for collection year Y (1 April Y-1 to 31 March Y) holds what DfE asks for: every
episode open at some time in Y (one open at 31 March shows no end, reason ceased or reason
for the placement change), every child with such an episode plus the care leavers with an
OC3 record for Y (header, UASC, previous permanence), the reviews that started in Y, the
missing episodes open at some time in Y (one still open at 31 March shows no end, and is
repeated with its end in the next return), placements for
adoption open during Y, the adoptions completed in Y (AD1), and that year's OC2 and OC3.
Consecutive returns therefore overlap the way real ones do.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

SSDA903_TABLES = (
    "header",
    "episodes",
    "reviews",
    "uasc",
    "missing",
    "oc2",
    "oc3",
    "ad1",
    "placed_for_adoption",
    "previous_permanence",
)


def _d(col: str) -> pl.Expr:
    return pl.col(col).str.to_date("%d/%m/%Y", strict=False)


def _blank_after(
    df: pl.DataFrame, date: str, end: dt.date, also: tuple[str, ...] = ()
) -> pl.DataFrame:
    """Blank `date` (and `also`) where it is after the year end: not known at 31 March."""
    later = _d(date) > end
    return df.with_columns(
        pl.when(later).then(None).otherwise(pl.col(c)).alias(c) for c in (date, *also)
    )


def one_return(
    frames: dict[str, pl.DataFrame], year: int, oc2: pl.DataFrame, oc3: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """The return for collection year `year` (its year end) from the full history."""
    start, end = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
    eps_all = frames["episodes"]
    eps = eps_all.filter((_d("DECOM") <= end) & (pl.col("DEC").is_null() | (_d("DEC") >= start)))
    eps = _blank_after(eps, "DEC", end, ("REC", "REASON_PLACE_CHANGE"))
    looked_after = eps.select("CHILD").unique()
    children = pl.concat([looked_after, oc3.select("CHILD")]).unique()

    def of_children(df: pl.DataFrame) -> pl.DataFrame:
        return df.join(children, on="CHILD", how="semi")

    in_year = lambda col: _d(col).is_between(start, end)  # noqa: E731
    adopted = eps_all.filter(pl.col("REC").is_in(["E11", "E12"]) & in_year("DEC")).select("CHILD")
    pfa = frames["placed_for_adoption"].filter(
        (_d("DATE_PLACED") <= end)
        & (pl.col("DATE_PLACED_CEASED").is_null() | (_d("DATE_PLACED_CEASED") >= start))
    )
    return {
        "header": of_children(frames["header"]),
        "episodes": eps,
        "reviews": frames["reviews"]
        .filter(in_year("REVIEW"))
        .join(looked_after, on="CHILD", how="semi"),
        "uasc": of_children(frames["uasc"]),
        "missing": _blank_after(
            frames["missing"]
            # open at some time in the year: a period still open at the last 31 March is
            # repeated, with its end, in the next return (DfE 576)
            .filter(
                (_d("MIS_START") <= end) & (pl.col("MIS_END").is_null() | (_d("MIS_END") >= start))
            )
            .join(looked_after, on="CHILD", how="semi"),
            "MIS_END",
            end,
        ),
        "oc2": oc2,
        "oc3": oc3,
        "ad1": frames["ad1"].join(adopted, on="CHILD", how="semi"),
        "placed_for_adoption": _blank_after(
            pfa.join(looked_after, on="CHILD", how="semi"),
            "DATE_PLACED_CEASED",
            end,
            ("REASON_PLACED_CEASED",),
        ),
        "previous_permanence": of_children(frames["previous_permanence"]),
    }


def folder(year: int) -> str:
    """The archive's folder for a collection year: `2019-20`."""
    return f"{year - 1}-{year % 100:02d}"
