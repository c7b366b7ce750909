"""Several annual SSDA903 returns stacked: which rows a later return supersedes, where two
returns disagree, and which years the stacked data covers.

A return for collection year Y (1 April Y-1 to 31 March Y) repeats every child looked after
in Y and every episode open during Y, so consecutive returns overlap. Rows are matched across
returns by each table's natural key (`natural_key` in tables.yml: header CHILD, episodes
CHILD+DECOM, reviews CHILD+REVIEW, ...); the row from the latest return wins and the older
copies are *superseded* (counted, not quarantined). OC2 and OC3 are per-year snapshots: a
child's OC3 in two years are two facts, so their key includes the collection year and they
are never superseded. Rows of unknown year (a multi-year extract) are never superseded.
Returns of one collection year are ordered by their `stack_order` where a reader gives one
(Ofsted Annex A workbooks: the date in the file name), so a later workbook wins too.

Where a superseded row and its winner differ in a value that the earlier return had, that
is a *conflict* (reported to the operator with both values; child-level, never published).
A value the earlier return left blank and the later one fills (an episode open at the end
of one year that ended in the next) is an update, not a conflict.

Coverage: a return for Y makes year Y complete, and also 31 March Y-1 (every child in care
on 31 March Y-1 and still in care on 1 April Y-1 is in the return for Y). A multi-year
extract is taken as complete from the 1 April on or before its earliest review (its
history start) to the extract date. Reviews and missing episodes dated before the data's
coverage start are history the data does not cover: out of scope, not errors.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from pipeline.inputs.contract import TableSpec, code_lists, tables
from pipeline.inputs.ingest import parse_date
from pipeline.inputs.layout import year_label

SUPERSEDED_SCHEMA = {
    "table": pl.String,
    "row_id": pl.UInt32,
    "collection_year": pl.Int64,
    "superseded_by_file": pl.String,
    "superseded_by_row": pl.Int64,
    "superseded_by_year": pl.Int64,
}
CONFLICTS_SCHEMA = {
    "table": pl.String,
    "child_id": pl.String,
    "column": pl.String,
    "earlier_value": pl.String,
    "earlier_year": pl.Int64,
    "earlier_file": pl.String,
    "earlier_row": pl.Int64,
    "later_value": pl.String,
    "later_year": pl.Int64,
    "later_file": pl.String,
    "later_row": pl.Int64,
}
COVERAGE_SCHEMA = {
    "year_end": pl.Int64,
    "year_label": pl.String,
    "has_return": pl.Boolean,
    "is_year_covered": pl.Boolean,
    "is_31_march_covered": pl.Boolean,
    "basis": pl.String,
}


# ---------------------------------------------------------------- superseded rows, conflicts
def _key_expr(spec: TableSpec, col: str) -> pl.Expr:
    """A key column compared across returns: dates as dates (01/02/2020 = 2020-02-01)."""
    if spec.column(col).type == "date":
        return pl.coalesce(parse_date(pl.col(col)).cast(pl.String), pl.col(col))
    return pl.col(col)


def _value_expr(spec: TableSpec, col: str) -> pl.Expr:
    """A value compared across returns: dates as dates; codes as their label, so a change
    of coding between years (SEX 1 -> M) is not a disagreement."""
    c = spec.column(col)
    if c.type == "date":
        return pl.coalesce(parse_date(pl.col(col)).cast(pl.String), pl.col(col))
    if c.type == "code" and c.codes:
        labels = code_lists()[c.codes]
        return pl.col(col).replace_strict(labels, default=pl.col(col), return_dtype=pl.String)
    return pl.col(col)


def superseded(table: str, df: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows of `df` a later return supersedes, conflicts between them and their winners).

    `df` is a raw table with `row_id` and `collection_year`.
    """
    spec = tables()[table]
    empty = pl.DataFrame(schema=SUPERSEDED_SCHEMA), pl.DataFrame(schema=CONFLICTS_SCHEMA)
    if not spec.natural_key or spec.per_year or "collection_year" not in df.columns:
        return empty
    dated = df.filter(pl.col("collection_year").is_not_null())
    year = pl.col("collection_year").cast(pl.String).str.zfill(4)
    within = pl.col("stack_order") if "stack_order" in df.columns else pl.lit("")
    dated = dated.with_columns(
        pl.concat_str(year, pl.lit("|"), within.fill_null("")).alias("_order")
    )
    if dated["_order"].n_unique() < 2:
        return empty
    keys = [f"_k{i}" for i in range(len(spec.natural_key))]
    dated = dated.with_columns(
        _key_expr(spec, c).alias(k) for c, k in zip(spec.natural_key, keys, strict=True)
    ).drop_nulls(keys)
    latest = pl.col("_order").max().over(keys)
    winners = (
        dated.filter(pl.col("_order") == latest)
        .sort("row_id")
        .unique(keys, keep="first", maintain_order=True)
    )
    losers = dated.filter(pl.col("_order") < latest)
    if losers.is_empty():
        return empty
    values = [c for c in spec.column_names if c not in spec.natural_key]
    w = winners.select(
        *keys,
        pl.col("source_file").alias("_w_file"),
        pl.col("source_row").alias("_w_row"),
        pl.col("collection_year").alias("_w_year"),
        *[pl.col(c).alias(f"_w_{c}") for c in values],
        *[_value_expr(spec, c).alias(f"_wv_{c}") for c in values],
    )
    joined = losers.with_columns(_value_expr(spec, c).alias(f"_lv_{c}") for c in values).join(
        w, on=keys, how="inner"
    )
    sup = joined.select(
        pl.lit(table).alias("table"),
        "row_id",
        "collection_year",
        pl.col("_w_file").alias("superseded_by_file"),
        pl.col("_w_row").alias("superseded_by_row"),
        pl.col("_w_year").alias("superseded_by_year"),
    )
    child = (
        pl.col(spec.child_column)
        if spec.child_column in spec.column_names
        else pl.lit(None, pl.String)
    )
    parts = []
    for c in values:
        earlier, later = pl.col(f"_lv_{c}"), pl.col(f"_wv_{c}")
        differs = earlier.is_not_null() & (later.is_null() | (earlier != later))
        parts.append(
            joined.filter(differs).select(
                pl.lit(table).alias("table"),
                child.alias("child_id"),
                pl.lit(c).alias("column"),
                pl.col(c).alias("earlier_value"),
                pl.col("collection_year").alias("earlier_year"),
                pl.col("source_file").alias("earlier_file"),
                pl.col("source_row").alias("earlier_row"),
                pl.col(f"_w_{c}").alias("later_value"),
                pl.col("_w_year").alias("later_year"),
                pl.col("_w_file").alias("later_file"),
                pl.col("_w_row").alias("later_row"),
            )
        )
    conflicts = pl.concat(parts, how="vertical") if parts else empty[1]
    return (
        sup.select([pl.col(k).cast(v) for k, v in SUPERSEDED_SCHEMA.items()]),
        conflicts.select([pl.col(k).cast(v) for k, v in CONFLICTS_SCHEMA.items()]),
    )


def stack(raw: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Superseded rows and conflicts of every table (`raw`: table -> frame with row_id)."""
    sups, cons = [], []
    for table, df in raw.items():
        s, c = superseded(table, df)
        sups.append(s)
        cons.append(c)
    sup = pl.concat(sups, how="vertical") if sups else pl.DataFrame(schema=SUPERSEDED_SCHEMA)
    con = pl.concat(cons, how="vertical") if cons else pl.DataFrame(schema=CONFLICTS_SCHEMA)
    return sup, con.sort("table", "child_id", "column", "earlier_year")


# ---------------------------------------------------------------- coverage
@dataclass(frozen=True)
class Coverage:
    """Which collection years the data covers (return years, or an extract's span)."""

    return_years: tuple[int, ...]
    extract_start: dt.date | None  # 1 April the multi-year extract is complete from
    extract_date: dt.date

    @property
    def start(self) -> dt.date | None:
        """The earliest day the data is complete from (None: no 903 data at all)."""
        starts = [dt.date(y - 1, 4, 1) for y in self.return_years[:1]]
        if self.extract_start is not None:
            starts.append(self.extract_start)
        return min(starts) if starts else None

    def year_covered(self, year_end: int) -> bool:
        """Every child looked after in the year, with all their episodes and reviews in it."""
        if year_end in self.return_years:
            return True
        s = self.extract_start
        return (
            s is not None
            and dt.date(year_end - 1, 4, 1) >= s
            and year_end <= _fy(self.extract_date)
        )

    def march_covered(self, year_end: int) -> bool:
        """Every child in care on 31 March of `year_end`."""
        if year_end in self.return_years or year_end + 1 in self.return_years:
            return True
        s, d = self.extract_start, dt.date(year_end, 3, 31)
        return s is not None and d >= s - dt.timedelta(days=1) and d <= self.extract_date

    def note(self, year_end: int) -> str:
        """What an uncovered year shows instead of a number."""
        return f"not available: no return for {year_label(year_end)}"

    def basis(self, year_end: int) -> str:
        if year_end in self.return_years:
            return f"return {year_label(year_end)}"
        if self.year_covered(year_end):
            return f"multi-year extract from {self.extract_start:%-d %B %Y}"
        if year_end + 1 in self.return_years:
            return (
                f"31 March only, from the return {year_label(year_end + 1)} "
                f"(children looked after on 1 April {year_end})"
            )
        if self.march_covered(year_end):
            return (
                f"31 March only, from the extract (children in care on "
                f"{self.extract_start:%-d %B %Y})"
            )
        return self.note(year_end)

    def table(self, first: int, last: int) -> pl.DataFrame:
        years = range(first, last + 1)
        rows = [
            (
                y,
                year_label(y),
                y in self.return_years,
                self.year_covered(y),
                self.march_covered(y),
                self.basis(y),
            )
            for y in years
        ]
        return pl.DataFrame(rows, schema=COVERAGE_SCHEMA, orient="row")


def _fy(d: dt.date) -> int:
    return d.year + (1 if d.month >= 4 else 0)


def coverage(raw: dict[str, pl.DataFrame], extract_date: dt.date) -> Coverage:
    """The coverage of the 903 tables in `raw` (table -> raw frame with collection_year)."""
    years: set[int] = set()
    extract = False
    for name, spec in tables().items():
        df = raw.get(name)
        if spec.source != "SSDA903" or df is None or df.is_empty():
            continue
        y = df["collection_year"]
        years |= set(y.drop_nulls().to_list())
        extract = extract or bool(y.is_null().any())
    start = None
    if extract:
        start = _extract_start(raw)
    return Coverage(tuple(sorted(years)), start, extract_date)


def _extract_start(raw: dict[str, pl.DataFrame]) -> dt.date | None:
    """1 April on or before the earliest review of the extract (else its earliest episode)."""
    for table, col in (("reviews", "REVIEW"), ("episodes", "DECOM")):
        df = raw.get(table)
        if df is None:
            continue
        first = (
            df.filter(pl.col("collection_year").is_null())
            .select(parse_date(pl.col(col)).min())
            .item()
        )
        if first is not None:
            return dt.date(first.year - (1 if first.month < 4 else 0), 4, 1)
    return None


def before_coverage(table: str, df: pl.DataFrame, cov: Coverage) -> pl.DataFrame:
    """`row_id`s of a dated 903 table (reviews, missing) dated before the coverage start."""
    spec = tables()[table]
    start = cov.start
    if spec.dated is None or start is None or df.is_empty():
        return pl.DataFrame(schema={"row_id": pl.UInt32})
    return df.filter(parse_date(pl.col(spec.dated)) < start).select("row_id")
