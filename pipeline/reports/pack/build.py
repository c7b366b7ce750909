"""Assemble the monthly corporate-parenting performance pack from the catalogue.

Computed indicators come from core_ tables, supplied ones from the supplied CSV; both pass
disclosure control before anything is published. Without child-level records (`core=None`)
the pack is built from supplied values alone: a computed indicator then uses a supplied
value when one is given, and is otherwise blank.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline.disclosure import DisclosureSpec, protect
from pipeline.io import write_tables
from pipeline.params import RunParams
from pipeline.reports.pack import indicators as ind_mod
from pipeline.reports.pack.benchmarks import benchmarks_table
from pipeline.reports.pack.catalogue import Catalogue, load_catalogue
from pipeline.reports.pack.headlines import headlines
from pipeline.reports.pack.rag import status_columns
from pipeline.reports.pack.supplied import Supplied, read_supplied

APPENDIX_MONTHS = 6
TREND_MONTHS = 13
FIXED_COLUMNS = [
    "indicator_id",
    "title",
    "section",
    "unit",
    "good_is",
    "england",
    "stat_neighbours",
    "target",
]
VALUES_SCHEMA = {
    "indicator_id": pl.String,
    "month": pl.String,
    "value": pl.Float64,
    "is_value_suppressed": pl.Boolean,
    # the percentage's numerator and denominator, published only when neither they nor
    # their difference is a small number (else null): "321 / 337" beside "95.3"
    "numerator_count": pl.Int64,
    "denominator_count": pl.Int64,
}
COMPUTED_SPEC = DisclosureSpec(
    counts=("numerator_count",), derived={"value": ("numerator_count", "denominator_count")}
)


@dataclass(frozen=True)
class PackTables:
    month: str
    months: list[str]  # the appendix's six months, oldest first
    values: pl.DataFrame  # pub_pack_values
    appendix: pl.DataFrame  # pub_pack_appendix
    headlines: pl.DataFrame  # pub_pack_headlines
    quarantine: pl.DataFrame = field(default_factory=pl.DataFrame)  # supplied rows not used
    sections: list[str] = field(default_factory=list)  # the catalogue's, in pack order

    @property
    def indicator_count(self) -> int:
        return self.appendix.height

    def tables(self) -> dict[str, pl.DataFrame]:
        return {
            "pub_pack_appendix": self.appendix,
            "pub_pack_values": self.values,
            "pub_pack_headlines": self.headlines,
        }

    def write(self, folder: Path) -> None:
        """Save the pub_pack_* tables (parquet + manifest) in the processed folder."""
        write_tables(folder, self.tables())

    def write_appendix_csv(self, path: Path | str) -> Path:
        from pipeline.reports.pack.writers import write_appendix_csv

        return write_appendix_csv(self.appendix, self.months, path, self.sections)

    def write_appendix_xlsx(self, path: Path | str) -> Path:
        from pipeline.reports.pack.writers import write_appendix_xlsx

        return write_appendix_xlsx(
            self.appendix,
            self.months,
            path,
            title=f"Corporate parenting performance pack, {self.month}",
            sections=self.sections,
        )


def month_label(d: dt.date) -> str:
    return f"{d.year:04d}-{d.month:02d}"


def financial_year_end(month: str) -> int:
    """The year whose 31 March ends the financial year holding `month` (for populations)."""
    y, m = (int(p) for p in month.split("-"))
    return y + 1 if m >= 4 else y


def benchmark_year_cap(month: str) -> int:
    """Latest 31 March on or before the month end: benchmarks are never from a later year."""
    y, m = (int(p) for p in month.split("-"))
    return y if m >= 3 else y - 1


def computed_values(
    catalogue: Catalogue, core: dict, months: list[dt.date], population: int | None, threshold: int
) -> pl.DataFrame:
    """Every computed indicator for every month, after disclosure control."""
    return _protected(_computed(catalogue, core, months, population), threshold)


def not_available(catalogue: Catalogue, core: dict | None, month: str) -> dict[str, str]:
    """Indicator id -> why it is not computed: an input its function needs is absent, empty
    or holds no rows in the pack month's financial year (shown as not available, never 0)."""
    from pipeline.inputs.availability import reason

    if core is None:
        return {}
    fy = financial_year_end(month)
    out = {}
    for ind in catalogue.indicators:
        spec = ind_mod.REGISTRY.get(ind.function or "")
        if not ind.is_computed or spec is None:
            continue
        why = reason(
            spec.inputs,
            core,
            year_label=f"{fy - 1}-{fy % 100:02d}",
            start=dt.date(fy - 1, 4, 1),
            end=dt.date(fy, 3, 31),
        )
        if why:
            out[ind.id] = why
    return out


def _computed(
    catalogue: Catalogue,
    core: dict,
    months: list[dt.date],
    population: int | None,
    skip: dict[str, str] | None = None,
) -> pl.DataFrame | None:
    frames = []
    for ind in catalogue.indicators:
        if not ind.is_computed or ind.id in (skip or {}):
            continue
        out = ind_mod.compute(ind.function, core, months, population)
        frames.append(out.with_columns(pl.lit(ind.id).alias("indicator_id")))
    return pl.concat(frames, how="vertical_relaxed") if frames else None


def _protected(df: pl.DataFrame | None, threshold: int) -> pl.DataFrame:
    if df is None:
        return pl.DataFrame(schema=VALUES_SCHEMA)
    raw = df.select("indicator_id", ind_mod.ME, "numerator_count", "denominator_count")
    df = protect(df, COMPUTED_SPEC, threshold).drop("numerator_count", "denominator_count")
    df = df.join(raw, on=["indicator_id", ind_mod.ME], how="left")
    return df.select(
        "indicator_id",
        pl.col(ind_mod.ME).dt.strftime("%Y-%m").alias("month"),
        pl.col("value").cast(pl.Float64),
        pl.col("is_value_suppressed").fill_null(False),
        *_published_counts(threshold),
    )


def _published_counts(threshold: int) -> list[pl.Expr]:
    """Numerator and denominator, kept only when the value is published and none of the
    numerator, the denominator and their difference (the complement) is 1..threshold."""
    n, d = pl.col("numerator_count"), pl.col("denominator_count")

    def small(e: pl.Expr) -> pl.Expr:
        return e.is_between(1, threshold) if threshold > 0 else pl.lit(False)

    shown = (
        ~pl.col("is_value_suppressed").fill_null(False)
        & n.is_not_null()
        & d.is_not_null()
        & ~small(n)
        & ~small(d)
        & ~small(d - n)
    )
    return [
        pl.when(shown).then(n).otherwise(None).cast(pl.Int64).alias("numerator_count"),
        pl.when(shown).then(d).otherwise(None).cast(pl.Int64).alias("denominator_count"),
    ]


def _catalogue_frame(catalogue: Catalogue) -> pl.DataFrame:
    rows = [
        {
            "indicator_id": i.id,
            "title": i.title,
            "section": i.section,
            "unit": i.unit,
            "good_is": i.polarity,
            "target": i.target,
            "tolerance": i.tolerance,
            "decimals": i.decimals,
            "source": "computed" if i.is_computed else "supplied",
            "is_computed": i.is_computed,
            "suppress_small": i.suppress_small,
            "definition": i.definition or "",
            "supplied_by": i.supplied_by,
            "ytd": i.ytd,
            "headline": i.headline,
            "order": n,
        }
        for n, i in enumerate(catalogue.indicators)
    ]
    return pl.DataFrame(
        rows,
        schema={
            "indicator_id": pl.String,
            "title": pl.String,
            "section": pl.String,
            "unit": pl.String,
            "good_is": pl.String,
            "target": pl.Float64,
            "tolerance": pl.Float64,
            "decimals": pl.Int64,
            "source": pl.String,
            "is_computed": pl.Boolean,
            "suppress_small": pl.Boolean,
            "definition": pl.String,
            "supplied_by": pl.String,
            "ytd": pl.String,
            "headline": pl.String,
            "order": pl.Int64,
        },
    )


def supplied_instead(
    missing: dict[str, str], cat: pl.DataFrame, supplied: Supplied
) -> tuple[dict[str, str], pl.DataFrame]:
    """A computed indicator whose input is absent takes the service's supplied values when
    there are any (as a pack built from supplied values alone does): it is then a supplied
    indicator, not 'not available'. Returns what is still not available, and the catalogue
    frame with those indicators' source set to supplied."""
    given = set(supplied.values["indicator_id"].unique().to_list())
    instead = sorted(set(missing) & given)
    if not instead:
        return missing, cat
    is_instead = pl.col("indicator_id").is_in(instead)
    cat = cat.with_columns(
        pl.when(is_instead)
        .then(pl.lit(False))
        .otherwise(pl.col("is_computed"))
        .alias("is_computed"),
        pl.when(is_instead).then(pl.lit("supplied")).otherwise(pl.col("source")).alias("source"),
    )
    return {k: v for k, v in missing.items() if k not in instead}, cat


def supplied_values(
    cat: pl.DataFrame, supplied: Supplied, *, has_core: bool, threshold: int
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Supplied values to use (small counts of children suppressed) and rows set aside."""
    joined = supplied.values.join(
        cat.select("indicator_id", "unit", "is_computed", "suppress_small"), on="indicator_id"
    )
    overridden = joined.filter(pl.col("is_computed") & pl.lit(has_core))
    used = joined.filter(~(pl.col("is_computed") & pl.lit(has_core)))
    small = (
        (pl.col("unit") == "No.")
        & pl.col("suppress_small")
        & pl.col("value").is_between(1, threshold)
        & pl.lit(threshold > 0)
    )
    used = used.with_columns(small.alias("is_value_suppressed")).select(
        "indicator_id",
        "month",
        pl.when(pl.col("is_value_suppressed")).then(None).otherwise(pl.col("value")).alias("value"),
        "is_value_suppressed",
        *_published_counts(threshold),
    )
    set_aside = overridden.select(
        pl.lit(None, pl.Int64).alias("row_number"),
        "indicator_id",
        "month",
        pl.col("value").cast(pl.String),
        pl.lit("computed from child-level records; supplied value not used").alias("reason"),
    )
    return used, set_aside


def _round_to_decimals(values: pl.DataFrame, cat: pl.DataFrame) -> pl.DataFrame:
    """Publish at the catalogue's precision (no spurious decimals)."""
    return (
        values.join(cat.select("indicator_id", "decimals"), on="indicator_id", how="left")
        .with_columns(
            (
                (pl.col("value") * pl.lit(10.0).pow(pl.col("decimals"))).round(0)
                / pl.lit(10.0).pow(pl.col("decimals"))
            ).alias("value")
        )
        .drop("decimals")
    )


def pack_values_grid(cat: pl.DataFrame, values: pl.DataFrame, months: list[str]) -> pl.DataFrame:
    """Every indicator x every month: blank when no value was computed or supplied."""
    grid = cat.select("indicator_id", "order").join(
        pl.DataFrame({"month": months}, schema={"month": pl.String}), how="cross"
    )
    values = values.with_columns(
        [pl.lit(None, pl.Int64).alias(c) for c in VALUES_SCHEMA if c not in values.columns]
    )
    out = grid.join(values, on=["indicator_id", "month"], how="left")
    return (
        out.with_columns(pl.col("is_value_suppressed").fill_null(False))
        .sort("order", "month")
        .select(list(VALUES_SCHEMA))
    )


def year_start_month(month: str) -> str:
    """The April that starts the financial year holding `month` ('2024-03' -> '2023-04')."""
    y, m = (int(p) for p in month.split("-"))
    return f"{y if m >= 4 else y - 1:04d}-04"


def comparisons(
    values: pl.DataFrame, cat: pl.DataFrame, month: str, threshold: int
) -> pl.DataFrame:
    """Per indicator: the same month last year and the year to date (April to `month`).

    The year to date is defined by the catalogue's `ytd`: `sum` adds the months (counts of
    events such as children starting care), `ratio` divides the summed numerators by the
    summed denominators (a percentage of events). It is left out ('c') when any month in
    it is suppressed, so that it cannot be used to work out a suppressed month, and when
    the sum is itself a small number.
    """
    y, m = (int(p) for p in month.split("-"))
    last_year = f"{y - 1:04d}-{m:02d}"
    ly = values.filter(pl.col("month") == last_year).select(
        "indicator_id",
        pl.col("value").alias("same_month_last_year"),
        pl.col("is_value_suppressed").alias("is_same_month_last_year_suppressed"),
    )
    ytd_rows = values.filter(
        pl.col("month").is_between(pl.lit(year_start_month(month)), pl.lit(month))
    )
    agg = (
        ytd_rows.join(cat.select("indicator_id", "ytd", "decimals"), on="indicator_id")
        .group_by("indicator_id", "ytd", "decimals")
        .agg(
            any_hidden=pl.col("is_value_suppressed").any(),
            total=pl.col("value").sum(),
            months_with_value=pl.col("value").count(),
            n=pl.col("numerator_count").sum(),
            d=pl.col("denominator_count").sum(),
            nd_complete=pl.col("denominator_count").is_not_null().all(),
        )
    )
    small = pl.col("total").is_between(1, threshold) if threshold > 0 else pl.lit(False)
    value = (
        pl.when(pl.col("ytd") == "sum")
        .then(pl.col("total"))
        .when((pl.col("ytd") == "ratio") & pl.col("nd_complete") & (pl.col("d") > 0))
        .then(100.0 * pl.col("n") / pl.col("d"))
    )
    hidden = pl.col("ytd").is_not_null() & (
        pl.col("any_hidden") | ((pl.col("ytd") == "sum") & small)
    )
    ytd = agg.select(
        "indicator_id",
        pl.when(hidden | (pl.col("months_with_value") == 0))
        .then(None)
        .otherwise(value)
        .round_sig_figs(12)
        .alias("ytd_value"),
        hidden.alias("is_ytd_value_suppressed"),
    )
    return (
        cat.select("indicator_id")
        .join(ly, on="indicator_id", how="left")
        .join(ytd, on="indicator_id", how="left")
        .with_columns(pl.col("^is_.*_suppressed$").fill_null(False))
    )


def appendix_table(
    cat: pl.DataFrame,
    values: pl.DataFrame,
    bench: pl.DataFrame,
    months: list[str],
    threshold: int = 5,
    missing: dict[str, str] | None = None,
) -> pl.DataFrame:
    """One row per indicator: catalogue columns, benchmarks, six months, DOT and RAG, the
    latest month's numerator and denominator, the same month last year, the year to date,
    and `not_available`: why a computed indicator has no figure (its input is absent)."""
    six = values.filter(pl.col("month").is_in(months))
    wide = six.pivot(on="month", index="indicator_id", values="value").select(
        "indicator_id",
        *[
            pl.col(m) if m in six["month"].unique().to_list() else pl.lit(None, pl.Float64).alias(m)
            for m in months
        ],
    )
    flags = six.pivot(on="month", index="indicator_id", values="is_value_suppressed").select(
        "indicator_id",
        *[
            (pl.col(m) if m in six["month"].unique().to_list() else pl.lit(False))
            .fill_null(False)
            .alias(f"is_{m}_suppressed")
            for m in months
        ],
    )
    latest_nd = values.filter(pl.col("month") == months[-1]).select(
        "indicator_id", "numerator_count", "denominator_count"
    )
    out = (
        cat.join(bench, on="indicator_id", how="left")
        .join(wide, on="indicator_id", how="left")
        .join(flags, on="indicator_id", how="left")
        .join(latest_nd, on="indicator_id", how="left")
        .join(comparisons(values, cat, months[-1], threshold), on="indicator_id", how="left")
        .sort("order")
    )
    out = status_columns(out, months[-1], months[-2])
    gaps = pl.DataFrame(
        {"indicator_id": list(missing or {}), "not_available": list((missing or {}).values())},
        schema={"indicator_id": pl.String, "not_available": pl.String},
    )
    out = out.join(gaps, on="indicator_id", how="left").with_columns(
        # not available: no DOT or RAG either (not even "n/a": there is nothing to compare)
        pl.when(pl.col("not_available").is_null()).then(pl.col(c)).alias(c)
        for c in ("dot", "rag")
    )
    return out.select(
        *FIXED_COLUMNS,
        *months,
        "dot",
        "rag",
        "tolerance",
        "decimals",
        "source",
        "supplied_by",
        "definition",
        "headline",
        "england_label",
        "stat_neighbours_label",
        "numerator_count",
        "denominator_count",
        "same_month_last_year",
        "is_same_month_last_year_suppressed",
        "ytd",
        "ytd_value",
        "is_ytd_value_suppressed",
        *[f"is_{m}_suppressed" for m in months],
        "not_available",
        "order",
    )


@dataclass
class PackValues:
    """The pack's values before the run-wide (linked) protection; `assemble` finishes it."""

    month: str
    months: list[str]
    catalogue: Catalogue
    cat: pl.DataFrame
    grid: pl.DataFrame  # every indicator x trend month, protected table by table
    truth: pl.DataFrame | None  # the same without suppression (checks the declared links)
    bench: pl.DataFrame
    quarantine: pl.DataFrame
    population: int | None
    threshold: int  # the run's disclosure threshold (small numerators, year-to-date sums)
    missing: dict[str, str] = field(default_factory=dict)  # not computed: indicator -> why


def build_pack(
    params: RunParams,
    *,
    month: str,
    catalogue_path: Path | str,
    supplied_path: Path | str | None = None,
    core: dict | None = None,
) -> PackTables:
    """The pack for `month` ('YYYY-MM'): values, appendix (with DOT/RAG) and headlines."""
    values = pack_values(
        params, month=month, catalogue_path=catalogue_path, supplied_path=supplied_path, core=core
    )
    return assemble(values, values.grid)


def assemble(pv: PackValues, grid: pl.DataFrame) -> PackTables:
    """Appendix (with DOT/RAG) and headlines from the published values grid."""
    appendix = appendix_table(pv.cat, grid, pv.bench, pv.months, pv.threshold, pv.missing)
    heads = headlines(appendix, pv.months[-1], pv.months[-2], sections=pv.catalogue.sections)
    return PackTables(
        pv.month, pv.months, grid, appendix, heads, pv.quarantine, pv.catalogue.sections
    )


def pack_values(
    params: RunParams,
    *,
    month: str,
    catalogue_path: Path | str,
    supplied_path: Path | str | None = None,
    core: dict | None = None,
) -> PackValues:
    """Computed and supplied values for every indicator and trend month, protected per table."""
    from pipeline.inputs.dfe import neighbour_codes, population_0_17
    from pipeline.shared import sharing

    catalogue = load_catalogue(catalogue_path)
    threshold = params.disclosure_threshold
    trend = ind_mod.month_ends(month, TREND_MONTHS)
    trend_labels = [month_label(d) for d in trend]
    months = trend_labels[-APPENDIX_MONTHS:]
    cat = _catalogue_frame(catalogue)

    supplied_file = (
        supplied_path if supplied_path is not None else params.path(params.paths.supplied)
    )
    bases = None
    parts, truth_parts = [], None
    population = None
    missing = not_available(catalogue, core, month)
    if core is not None:
        population = population_0_17(params, year_end=financial_year_end(month))
        with sharing():  # indicators share intermediate frames (pipeline.shared)
            computed = _computed(catalogue, core, trend, population, missing)
            bases = _bases(catalogue, core, trend_labels)
        parts.append(_protected(computed, threshold))
        truth_parts = [_protected(computed, 0)]
    supplied = read_supplied(supplied_file, catalogue, bases)
    missing, cat = supplied_instead(missing, cat, supplied)
    used, set_aside = supplied_values(cat, supplied, has_core=core is not None, threshold=threshold)
    parts.append(used)

    def grid_of(frames: list[pl.DataFrame]) -> pl.DataFrame:
        values = pl.concat(frames, how="vertical_relaxed").filter(
            pl.col("month").is_in(trend_labels)
        )
        return pack_values_grid(cat, _round_to_decimals(values, cat), trend_labels)

    grid = grid_of(parts)
    truth = grid_of(truth_parts) if truth_parts else None

    bench = benchmarks_table(
        catalogue.indicators,
        params.dfe_dir,
        neighbour_codes(params),
        params.statistical_neighbours.label,
        up_to=benchmark_year_cap(month),
    )
    quarantine = pl.concat([supplied.quarantine, set_aside], how="vertical_relaxed")
    return PackValues(
        month,
        months,
        catalogue,
        cat,
        grid,
        truth,
        bench,
        quarantine,
        population,
        threshold,
        missing,
    )


def _bases(catalogue: Catalogue, core: dict, months: list[str]) -> dict:
    """Figures from the records (before suppression) that supplied values are checked
    against: the catalogue's `base` and `at_most` functions, a year back for any lag."""
    from pipeline.reports.pack.supplied import record_figures, shift_month

    names = tuple(
        n for i in catalogue.indicators for n in (i.base, i.at_most) if n and n in ind_mod.REGISTRY
    )
    lag = max((i.base_lag for i in catalogue.indicators), default=0)
    earlier = [shift_month(months[0], k) for k in range(lag, 0, -1)]
    return record_figures(core, [*earlier, *months], names)


def build_and_save(params: RunParams, core: dict | None = None) -> PackTables:
    """Build the pack for the configured month and save the pub_pack_* tables."""
    from pipeline.reports.pack import catalogue_path

    pack = build_pack(params, month=params.month, catalogue_path=catalogue_path(params), core=core)
    pack.write(params.processed_dir)
    return pack
