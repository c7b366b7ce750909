"""Assemble the quarterly CSC report's tables from the catalogue: every indicator for every
month of the reporting year to the quarter's end, the quarter, and four annual values.

Periods (`periods`): `month` (each month, April to the quarter end), `ytd` (1 April to each
month end), `quarter` (the report's quarter and the same quarter a year before) and `year`
(the three years before, in full, and this year to the quarter end). An events indicator
is aggregated over each period; a snapshot indicator is read at each period's end.
A catalogue row with window `ytd` shows the ytd values in its month rows.

Everything published passes disclosure control: counts (n and d) of 1 to the threshold are
suppressed, with secondary suppression inside each year (months and the year total) and
each quarter (its months and the quarter total), and a percentage or rate is suppressed
with its n or d.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.disclosure import DisclosureSpec, protect
from pipeline.params import RunParams
from pipeline.reports.csc import indicators as ind_mod
from pipeline.reports.csc.catalogue import Catalogue, definition, load_catalogue

TREND_YEARS = 4
PERIOD_SCHEMA = {
    "period": pl.String,
    "label": pl.String,
    "start_date": pl.Date,
    "end_date": pl.Date,
    "year_label": pl.String,
    "quarter_label": pl.String,
}
VALUES_SCHEMA = {
    "indicator_id": pl.String,
    "period": pl.String,
    "label": pl.String,
    "end_date": pl.Date,
    "year_label": pl.String,
    "quarter_label": pl.String,
    "value": pl.Float64,
    "numerator_count": pl.Int64,
    "denominator_count": pl.Int64,
    "is_supplied": pl.Boolean,
}
SPEC = DisclosureSpec(
    counts=("numerator_count", "denominator_count"),
    within=("indicator_id", "year_label"),
    also_within=(("indicator_id", "quarter_label"),),
    derived={"value": ("numerator_count", "denominator_count")},
)


def year_label(year_end: int) -> str:
    return f"{year_end - 1}-{str(year_end)[-2:]}"


def parse_quarter(quarter: str) -> tuple[int, int]:
    """'2023-24 Q2' -> (2024, 2)."""
    return int(quarter[:4]) + 1, int(quarter[-1])


def quarter_bounds(year_end: int, q: int) -> tuple[dt.date, dt.date]:
    """Q1 April-June ... Q4 January-March of the year ending 31 March `year_end`."""
    start_month = (4 + 3 * (q - 1) - 1) % 12 + 1
    start = dt.date(year_end - 1 if q < 4 else year_end, start_month, 1)
    nxt = dt.date(start.year + (start.month + 3 > 12), (start.month + 2) % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def quarter_of(d: dt.date) -> str:
    ye = d.year + 1 if d.month >= 4 else d.year
    return f"{year_label(ye)} Q{((d.month - 4) % 12) // 3 + 1}"


def month_ends(year_end: int) -> list[dt.date]:
    """The twelve month ends of the reporting year, April first."""
    out = []
    for k in range(12):
        y, m = year_end - 1 + (3 + k) // 12, (3 + k) % 12 + 1
        out.append(dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
    return out


def periods(quarter: str) -> pl.DataFrame:
    """Every period the report shows, for `quarter` ('2023-24 Q2')."""
    ye, q = parse_quarter(quarter)
    q_start, q_end = quarter_bounds(ye, q)
    start = dt.date(ye - 1, 4, 1)
    rows = []
    for me in month_ends(ye):
        if me > q_end:
            break
        label = f"{me.year:04d}-{me.month:02d}"
        common = {"year_label": year_label(ye), "quarter_label": quarter_of(me)}
        rows.append({"period": "month", "label": label, "start_date": me.replace(day=1),
                     "end_date": me, **common})  # fmt: skip
        rows.append({"period": "ytd", "label": label, "start_date": start, "end_date": me,
                     "year_label": f"ytd {label}", "quarter_label": f"ytd {label}"})  # fmt: skip
    for back in (1, 0):
        s, e = quarter_bounds(ye - back, q)
        label = f"{year_label(ye - back)} Q{q}"
        rows.append({"period": "quarter", "label": label, "start_date": s, "end_date": e,
                     "year_label": f"q {label}", "quarter_label": label})  # fmt: skip
    for y in range(ye - TREND_YEARS + 1, ye + 1):
        end = dt.date(y, 3, 31) if y < ye else q_end
        label = year_label(y)
        rows.append({"period": "year", "label": label, "start_date": dt.date(y - 1, 4, 1),
                     "end_date": end, "year_label": label, "quarter_label": f"y {label}"})  # fmt: skip
    return pl.DataFrame(rows, schema=PERIOD_SCHEMA)


def _events_values(ev: pl.DataFrame, per: pl.DataFrame, unit: str) -> pl.DataFrame:
    joined = per.join(ev, how="cross").filter(
        pl.col("event_date").is_between(pl.col("start_date"), pl.col("end_date"))
    )
    if unit == "%":
        agg = joined.group_by("period", "label").agg(
            pl.col("is_numerator").fill_null(False).sum().cast(pl.Int64).alias("numerator_count"),
            pl.len().cast(pl.Int64).alias("denominator_count"),
        )
    else:
        agg = joined.group_by("period", "label").agg(
            pl.col("unit_id").n_unique().cast(pl.Int64).alias("numerator_count"),
            pl.lit(None, pl.Int64).alias("denominator_count"),
        )
    out = per.join(agg, on=["period", "label"], how="left").with_columns(
        pl.col("numerator_count").fill_null(0)
    )
    if unit == "%":
        out = out.with_columns(pl.col("denominator_count").fill_null(0))
        value = pl.when(pl.col("denominator_count") > 0).then(
            100 * pl.col("numerator_count") / pl.col("denominator_count")
        )
    else:
        value = pl.col("numerator_count").cast(pl.Float64)
    return out.with_columns(value.cast(pl.Float64).alias("value"))


def _snapshot_values(
    func: str, core: dict, per: pl.DataFrame, population: int | None
) -> pl.DataFrame:
    dates = sorted(set(per["end_date"].to_list()))
    snap = ind_mod.compute_snapshot(func, core, dates, population)
    snap = snap.rename({"month_end_date": "end_date"}).select(
        "end_date", "value", "numerator_count", "denominator_count"
    )
    return per.join(snap, on="end_date", how="left")


def _rates(df: pl.DataFrame, populations: dict[str, int | None]) -> pl.DataFrame:
    """Count -> rate per 10,000 children aged 0-17 of the period's reporting year."""
    pop = pl.col("_year").replace_strict(populations, default=None, return_dtype=pl.Int64)
    d = pl.col("end_date")
    ye = d.dt.year() + (d.dt.month() >= 4).cast(pl.Int32)
    label = pl.concat_str(
        (ye - 1).cast(pl.String), pl.lit("-"), (ye % 100).cast(pl.String).str.zfill(2)
    )
    return (
        df.with_columns(label.alias("_year"))
        .with_columns(pop.alias("denominator_count"))
        .with_columns(
            (pl.col("numerator_count") / pl.col("denominator_count") * 10_000).alias("value")
        )
        .drop("_year")
    )


@dataclass(frozen=True)
class CscTables:
    quarter: str
    values: pl.DataFrame  # pub_csc_values
    catalogue: pl.DataFrame  # pub_csc_catalogue
    groups: pl.DataFrame  # pub_csc_groups
    summary: pl.DataFrame  # pub_csc_summary
    quarantine: pl.DataFrame  # supplied rows not used

    def tables(self) -> dict[str, pl.DataFrame]:
        return {
            "pub_csc_values": self.values,
            "pub_csc_catalogue": self.catalogue,
            "pub_csc_groups": self.groups,
            "pub_csc_summary": self.summary,
        }


def catalogue_frame(cat: Catalogue) -> pl.DataFrame:
    rows = [
        {
            "indicator_id": i.id,
            "code": i.code or "",
            "title": i.title,
            "group_id": i.group,
            "unit": i.unit,
            "good_is": i.polarity,
            "target": i.target,
            "window": i.window,
            "source": "computed" if i.is_computed else "supplied",
            "numerator": i.numerator or "",
            "denominator": i.denominator or "",
            "definition": definition(i),
            "supplied_reason": i.supplied_reason or "",
            "summary": i.summary,
            "decimals": i.decimals,
            "order": n,
        }
        for n, i in enumerate(cat.indicators)
    ]
    return pl.DataFrame(rows, infer_schema_length=None).with_columns(
        pl.col("target").cast(pl.Float64), pl.col("summary").cast(pl.String),
        pl.col("good_is").cast(pl.String),
    )  # fmt: skip


def groups_frame(cat: Catalogue) -> pl.DataFrame:
    return pl.DataFrame(
        [
            {
                "group_id": g.id,
                "title": g.title,
                "definition": g.definition,
                "chart": g.chart or cat.in_group(g.id)[0].id,
                "order": n,
            }  # fmt: skip
            for n, g in enumerate(cat.groups)
        ]
    )


def _supplied(cat: Catalogue, path: Path | None, per: pl.DataFrame):
    from pipeline.reports.pack.supplied import read_supplied

    sup = read_supplied(path, cat)  # type: ignore[arg-type]  # same id/unit interface
    months = per.filter(pl.col("period") == "month").select(
        "label", "end_date", "year_label", "quarter_label"
    )
    values = sup.values.rename({"month": "label"})
    month_rows = values.join(months, on="label").with_columns(period=pl.lit("month"))
    # the year trend of a supplied figure: March of past years, the latest month this year
    years = per.filter(pl.col("period").is_in(["year", "quarter", "ytd"]))
    ends = years.with_columns(pl.col("end_date").dt.strftime("%Y-%m").alias("_month")).select(
        "period", "label", "end_date", "year_label", "quarter_label", "_month"
    )
    other = values.rename({"label": "_month"}).join(ends, on="_month").drop("_month")
    out = pl.concat([month_rows, other], how="diagonal_relaxed").with_columns(
        pl.lit(None, pl.Int64).alias("numerator_count"),
        pl.lit(None, pl.Int64).alias("denominator_count"),
        pl.lit(True).alias("is_supplied"),
    )
    return out, sup.quarantine


def build_csc(
    params: RunParams,
    core: dict,
    *,
    quarter: str | None = None,
    catalogue_path: Path | str | None = None,
    supplied_path: Path | str | None = None,
) -> CscTables:
    """Every indicator of the catalogue for the quarter, published (disclosure-controlled)."""
    from pipeline.inputs.dfe import population_0_17
    from pipeline.reports.csc import DEFAULT_CATALOGUE
    from pipeline.reports.csc.narrative import summary_sentences
    from pipeline.shared import sharing

    quarter = quarter or params.csc_quarter
    cat = load_catalogue(
        catalogue_path or params.path(params.paths.csc_catalogue) or DEFAULT_CATALOGUE
    )
    per = periods(quarter)
    ye, _ = parse_quarter(quarter)
    populations = {
        year_label(y): population_0_17(params, year_end=y)
        for y in range(ye - TREND_YEARS + 1, ye + 1)
    }
    from pipeline.core.schemas import CORE, empty

    ctx = (
        {name: empty(name) for name in CORE}
        | dict(core)
        | {
            "_authority_name": pl.DataFrame({"name": [params.authority.name]}),
            "_area_codes": pl.DataFrame({"code": params.authority.area_codes}),
        }
    )
    parts = []
    missing = not_available(cat, ctx, ye)
    with sharing():
        for ind in cat.indicators:
            if not ind.is_computed or ind.id in missing:
                continue
            spec = ind_mod.REGISTRY[ind.function]
            if spec.kind == "events":
                ev = spec.func(ctx)
                unit = "%" if ind.unit == "%" else "No."
                df = _events_values(ev, per, unit).with_columns(pl.lit(ev.height > 0).alias("_has"))
            else:
                df = _snapshot_values(ind.function, ctx, per, populations.get(year_label(ye)))
                has = (
                    df["numerator_count"].fill_null(0).sum() > 0
                    or df["denominator_count"].fill_null(0).sum() > 0
                )
                df = df.with_columns(pl.lit(bool(has)).alias("_has"))
            if ind.unit == "Rate":
                df = _rates(df, populations)
            parts.append(
                df.with_columns(
                    pl.lit(ind.id).alias("indicator_id"), pl.lit(False).alias("is_supplied")
                )
            )
    computed = (
        pl.concat(parts, how="diagonal_relaxed")
        if parts
        else pl.DataFrame(schema=VALUES_SCHEMA | {"_has": pl.Boolean})
    )
    sup_path = supplied_path if supplied_path is not None else _supplied_path(params)
    supplied, quarantine = _supplied(cat, Path(sup_path) if sup_path else None, per)
    # a computed indicator with no input at all (e.g. no visits extract) uses supplied values
    absent = pl.concat(
        [
            computed.filter(~pl.col("_has")).select("indicator_id"),
            pl.DataFrame({"indicator_id": list(missing)}, schema={"indicator_id": pl.String}),
        ]
    ).unique()
    usable = supplied.join(
        pl.concat(
            [
                absent,
                pl.DataFrame({"indicator_id": [i.id for i in cat.indicators if not i.is_computed]}),
            ]
        ),
        on="indicator_id",
        how="semi",
    )
    computed = computed.join(usable.select("indicator_id").unique(), on="indicator_id", how="anti")
    values = pl.concat(
        [computed.drop("_has").select(list(VALUES_SCHEMA)), usable.select(list(VALUES_SCHEMA))],
        how="vertical_relaxed",
    ).sort("indicator_id", "period", "end_date")
    protected = protect(values, SPEC, params.disclosure_threshold)
    catalogue = catalogue_frame(cat).join(
        pl.DataFrame(
            {"indicator_id": list(missing), "not_available": list(missing.values())},
            schema={"indicator_id": pl.String, "not_available": pl.String},
        ),
        on="indicator_id",
        how="left",
    )
    groups = groups_frame(cat)
    summary = summary_sentences(protected, catalogue, groups, quarter)
    return CscTables(quarter, protected, catalogue, groups, summary, quarantine)


def not_available(cat, core: dict, year_end: int) -> dict[str, str]:
    """Indicator id -> why it is not computed: an input its function declares is absent or
    has no usable rows (it then shows supplied values if given, else no figure, never 0)."""
    from pipeline.inputs.availability import reason

    out = {}
    for ind in cat.indicators:
        spec = ind_mod.REGISTRY.get(ind.function or "") if ind.is_computed else None
        if spec is None or not spec.inputs:
            continue
        why = reason(
            spec.inputs,
            core,
            year_label=year_label(year_end),
            start=dt.date(year_end - 1, 4, 1),
            end=dt.date(year_end, 3, 31),
        )
        if why:
            out[ind.id] = why
    return out


def _supplied_path(params: RunParams) -> Path | None:
    """Supplied CSC values: `<raw>/supplied/csc-indicators.csv` if present (pack format)."""
    candidate = params.raw_dir / "supplied" / "csc-indicators.csv"
    return candidate if candidate.is_file() else None


def has_csc_data(core: dict) -> bool:
    """The CSC report is built when a CIN census (or Annex A front-door lists) was supplied."""
    return any(
        core.get(t) is not None and core[t].height
        for t in ("core_cin_episodes", "core_aa_referrals", "core_aa_assessments")
    )


def csc_published(params: RunParams, core: dict, validated=None) -> dict[str, pl.DataFrame]:
    """The pub_csc_* tables for `stage_measures`, or nothing when there is no CSC data."""
    if not has_csc_data(core):
        return {}
    tables = build_csc(params, core)
    return tables.tables() | {"validation_csc_supplied": tables.quarantine}
