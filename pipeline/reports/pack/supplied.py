"""Supplied indicator values: `indicator_id,month,value[,numerator,denominator]` CSV from
services outside the 903.

Every row is kept or quarantined with a reason and its row number (the header is row 1),
never silently dropped. Quarantined: unknown id, bad month, non-numeric value, a
percentage outside 0-100, a second value for the same indicator and month (both rows: we
cannot tell which is right); and rows that cannot be true:

- numerator and denominator (optional columns) that are not whole numbers with
  0 <= numerator <= denominator, or whose ratio is not the percentage given (to the
  precision it was given to);
- a percentage that no number of children could give out of the base known from the
  records (catalogue `base`, e.g. 98.26% of 11 new children: k/11 is 90.91% or 100%), or
  a denominator different from that base;
- a count above the figure it can never exceed (catalogue `at_most`, e.g. children in
  care, or another supplied count: health passports completed <= due).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from pipeline.reports.pack.catalogue import Catalogue

COLUMNS = ("indicator_id", "month", "value")
OPTIONAL = ("numerator", "denominator")
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"
VALUES_SCHEMA = {
    "indicator_id": pl.String,
    "month": pl.String,
    "value": pl.Float64,
    "numerator_count": pl.Int64,
    "denominator_count": pl.Int64,
}
QUARANTINE_SCHEMA = {
    "row_number": pl.Int64,
    "indicator_id": pl.String,
    "month": pl.String,
    "value": pl.String,
    "reason": pl.String,
}
#: {(indicator id or computed function, month): value}, from the records (unsuppressed)
Bases = dict[tuple[str, str], float]


class SuppliedError(ValueError):
    """The supplied file cannot be read at all (missing columns): one-line message."""


@dataclass(frozen=True)
class Supplied:
    values: pl.DataFrame  # indicator_id, month, value, numerator_count, denominator_count
    quarantine: pl.DataFrame  # row_number, indicator_id, month, value, reason


def empty_supplied() -> Supplied:
    return Supplied(pl.DataFrame(schema=VALUES_SCHEMA), pl.DataFrame(schema=QUARANTINE_SCHEMA))


def shift_month(month: str, back: int) -> str:
    y, m = (int(p) for p in month.split("-"))
    idx = y * 12 + m - 1 - back
    return f"{idx // 12:04d}-{idx % 12 + 1:02d}"


def _given_decimals(text: str | None) -> int:
    if not text or "." not in text:
        return 0
    return len(text.split(".", 1)[1].strip())


def _tolerance(text: str | None) -> float:
    """Half a unit in the last place given: '98.26' may be 98.255 to 98.265."""
    return 0.5 * 10 ** -_given_decimals(text) + 1e-9


def achievable(value: float, base: int, tol: float) -> bool:
    """Whether some whole number k of `base` children gives `value`% (to `tol`)."""
    if base <= 0:
        return False
    k = round(value * base / 100)
    return any(0 <= j <= base and abs(100 * j / base - value) <= tol for j in (k - 1, k, k + 1))


def _plausibility(rows: list[dict], catalogue: Catalogue, bases: Bases | None) -> list[str | None]:
    """The reason each (otherwise valid) row cannot be true, or None. Tens of rows a month."""
    by_id = {i.id: i for i in catalogue.indicators}
    supplied_values = {(r["indicator_id"], r["month"]): r["_num"] for r in rows}
    out: list[str | None] = []
    for r in rows:
        ind = by_id[r["indicator_id"]]
        value, n_text, d_text = r["_num"], r.get("numerator"), r.get("denominator")
        reason = None
        n = _whole(n_text)
        d = _whole(d_text)
        if (n_text or d_text) and (n is None or d is None or n < 0 or d <= 0 or n > d):
            reason = (
                f"numerator '{n_text or ''}' and denominator '{d_text or ''}' are not whole "
                "numbers with 0 <= numerator <= denominator and a denominator above 0"
            )
        elif (
            n is not None
            and d is not None
            and ind.unit == "%"
            and abs(100 * n / d - value) > _tolerance(r["value"])
        ):
            reason = f"{r['value']}% is not {n} / {d} ({100 * n / d:.2f}%)"
        # the CSC report's catalogue shares this reader and has no plausibility keys
        base, lag = getattr(ind, "base", None), getattr(ind, "base_lag", 0)
        at_most = getattr(ind, "at_most", None)
        if reason is None and base and bases is not None and ind.unit == "%":
            base_month = shift_month(r["month"], lag)
            b = bases.get((base, base_month))
            if b is not None:
                what = f"{int(b)} recorded in {base_month} ({base})"
                if d is not None and d != int(b):
                    reason = f"denominator {d} differs from the {what}"
                elif not achievable(value, int(b), _tolerance(r["value"])):
                    reason = f"{r['value']}% cannot be a whole number of children out of the {what}"
        if reason is None and at_most:
            key = (at_most, r["month"])
            bound = supplied_values.get(key) if at_most in by_id else None
            if bound is None and bases is not None:
                bound = bases.get(key)
            if bound is not None and value > bound + 1e-9:
                reason = f"{value:g} is more than {at_most} ({bound:g}) in {r['month']}"
        out.append(reason)
    return out


def _whole(text: str | None) -> int | None:
    if text is None or text == "":
        return None
    try:
        x = float(text.replace(",", ""))
    except ValueError:
        return None
    return int(x) if math.isfinite(x) and x.is_integer() else None


def validate_supplied(
    raw: pl.DataFrame, catalogue: Catalogue, bases: Bases | None = None
) -> Supplied:
    """Split raw string rows into valid values and quarantined rows with the first failing
    reason (`bases`: figures from the records for the plausibility checks)."""
    ids = catalogue.ids
    pct_ids = [i.id for i in catalogue.indicators if i.unit == "%"]
    cols = [*COLUMNS, *[c for c in OPTIONAL if c in raw.columns]]
    df = raw.select([pl.col(c).cast(pl.String).str.strip_chars() for c in cols]).with_row_index(
        "row_number", offset=2
    )
    for c in OPTIONAL:
        if c not in df.columns:
            df = df.with_columns(pl.lit(None, pl.String).alias(c))
    number = pl.col("value").str.replace_all(",", "").cast(pl.Float64, strict=False)
    df = df.with_columns(number.alias("_num"))
    dup = pl.struct("indicator_id", "month").is_duplicated()
    reason = (
        pl.when(pl.col("indicator_id").is_null() | ~pl.col("indicator_id").is_in(ids))
        .then(pl.format("unknown indicator id '{}'", pl.col("indicator_id").fill_null("")))
        .when(pl.col("month").is_null() | ~pl.col("month").str.contains(MONTH_PATTERN))
        .then(pl.format("bad month '{}' (expected YYYY-MM)", pl.col("month").fill_null("")))
        .when(pl.col("_num").is_null() | pl.col("_num").is_nan() | pl.col("_num").is_infinite())
        .then(pl.format("non-numeric value '{}'", pl.col("value").fill_null("")))
        .when(pl.col("indicator_id").is_in(pct_ids) & ~pl.col("_num").is_between(0, 100))
        .then(pl.lit("percentage outside 0-100"))
        .when(dup)
        .then(pl.lit("duplicate indicator_id and month"))
    )
    df = df.with_columns(reason.alias("reason"))
    ok = df.filter(pl.col("reason").is_null())
    implausible = _plausibility(ok.rows(named=True), catalogue, bases)
    ok = ok.with_columns(pl.Series("reason", implausible, pl.String))
    df = pl.concat([df.filter(pl.col("reason").is_not_null()), ok]).sort("row_number")
    good = df.filter(pl.col("reason").is_null()).select(
        "indicator_id",
        "month",
        pl.col("_num").alias("value"),
        pl.col("numerator")
        .str.replace_all(",", "")
        .cast(pl.Float64, strict=False)
        .cast(pl.Int64)
        .alias("numerator_count"),
        pl.col("denominator")
        .str.replace_all(",", "")
        .cast(pl.Float64, strict=False)
        .cast(pl.Int64)
        .alias("denominator_count"),
    )
    bad = df.filter(pl.col("reason").is_not_null()).select(
        pl.col("row_number").cast(pl.Int64), "indicator_id", "month", "value", "reason"
    )
    return Supplied(good, bad)


def read_supplied(
    path: Path | str | None, catalogue: Catalogue, bases: Bases | None = None
) -> Supplied:
    """Read and validate the supplied CSV; no file configured means no supplied values."""
    if path is None:
        return empty_supplied()
    path = Path(path)
    if not path.is_file():
        raise SuppliedError(f"{path}: supplied indicator values file not found")
    raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    raw = raw.rename({c: c.lstrip("\ufeff").strip() for c in raw.columns})
    missing = [c for c in COLUMNS if c not in raw.columns]
    if missing:
        raise SuppliedError(f"{path}: missing column(s) {', '.join(missing)}")
    return validate_supplied(raw, catalogue, bases)


# ---------------------------------------------------------------- the sample's values
@dataclass(frozen=True)
class SampleSpec:
    """A supplied indicator's plausible monthly values (sample only).

    `lo`..`hi`: the range the value walks in (a percentage, a count or a rate).
    `base`: a percentage's denominator from the records (a computed function, lagged by
    the catalogue's base_lag), or `share` of children in care (a cohort the records do not
    hold, e.g. children of school age), or `fixed` (lo, hi) children.
    `of`: a count derived from records: records[of] / U(lo, hi) (households from children).
    """

    lo: float
    hi: float
    base: str | None = None
    share: float | None = None
    fixed: tuple[int, int] | None = None
    of: str | None = None


# Ranges from the reference reports (Dorset's pack, scaled to the sample's ~450 children
# in care) and DfE national figures; see docs/sample-data.md.
SAMPLE_SPECS: dict[str, SampleSpec] = {
    "supervision_8_weeks_pct": SampleSpec(78, 92, fixed=(900, 1000)),
    "advocate_cp_count": SampleSpec(8, 30),
    "permanence_plan_pct": SampleSpec(94, 99, share=0.85),
    "permanence_plan_excl_uasc_pct": SampleSpec(94, 99, share=0.75),
    "placed_outside_la_pct": SampleSpec(35, 45, base="cic_count"),
    "placed_outside_la_excl_uasc_pct": SampleSpec(30, 40, base="cic_excl_uasc_count"),
    "iha_20_days_pct": SampleSpec(40, 95, base="started_count"),
    "iha_20_days_excl_uasc_pct": SampleSpec(45, 95, base="started_excl_uasc_count"),
    "health_passport_pct": SampleSpec(35, 45, share=0.9),
    "health_passport_excl_uasc_pct": SampleSpec(40, 48, base="cic_excl_uasc_count"),
    "care_leavers_bb_count": SampleSpec(0, 2),
    "care_leavers_unsuitable_count": SampleSpec(3, 10),
    "care_leavers_pathway_plan_pct": SampleSpec(92, 98, fixed=(300, 340)),
    "health_passports_due_count": SampleSpec(3, 8),
    "health_passports_completed_count": SampleSpec(2, 8),
    "adopters_approved_count": SampleSpec(0, 5),
    "adopters_in_assessment_count": SampleSpec(8, 13),
    "placement_order_revocations_12m_count": SampleSpec(4, 8),
    "mainstream_carers_count": SampleSpec(1.0, 1.25, of="in_house_mainstream_fostering_count"),
    "connected_carers_count": SampleSpec(1.0, 1.2, of="in_house_connected_fostering_count"),
    "foster_carers_count": SampleSpec(0, 0),  # mainstream + connected + a few temporary
    "mainstream_applicants_count": SampleSpec(6, 12),
    "connected_applicants_count": SampleSpec(8, 14),
    "recruited_mainstream_count": SampleSpec(0, 3),
    "recruited_connected_count": SampleSpec(0, 2),
    "recruited_temporary_count": SampleSpec(0, 2),
    "recruited_foster_to_adopt_count": SampleSpec(0, 1),
    "deregistered_mainstream_count": SampleSpec(0, 3),
    "deregistered_connected_count": SampleSpec(0, 2),
    "deregistered_temporary_count": SampleSpec(0, 1),
    "deregistered_foster_to_adopt_count": SampleSpec(0, 1),
    "fostering_utilisation_rate": SampleSpec(0, 0),  # in-house mainstream children / households
    "foster_carer_visits_pct": SampleSpec(75, 90, base="mainstream_carers_count"),
    "allegations_12m_count": SampleSpec(15, 30),
    "allegations_substantiated_count": SampleSpec(0, 2),
    "pep_20_days_pct": SampleSpec(85, 100, base="started_count"),
    "pep_termly_pct": SampleSpec(92, 99, share=0.6),
    "attendance_pct": SampleSpec(88, 93),
    "ehcp_pct": SampleSpec(25, 33, share=0.6),
    "suspension_pct": SampleSpec(8, 16, share=0.6),
    "neet_pct": SampleSpec(15, 28, share=0.12),
}
ZERO_MOSTLY = ("recruited_foster_to_adopt_count", "deregistered_foster_to_adopt_count")


def _walk(lo: float, hi: float, rng: random.Random, n: int) -> list[float]:
    """A gentle random walk inside [lo, hi]."""
    span = hi - lo
    v = rng.uniform(lo + span * 0.25, hi - span * 0.25)
    out = []
    for _ in range(n):
        v = min(hi, max(lo, v + rng.uniform(-span, span) * 0.2))
        out.append(v)
    return out


def _plausible(unit: str, target: float | None, rng: random.Random, n: int) -> list[float]:
    """Fallback for a supplied indicator with no sample spec: a walk around the target."""
    if unit == "%":
        centre = target if target is not None else rng.uniform(30, 90)
        return _walk(max(0, centre - 6), min(100, centre + 6), rng, n)
    centre = target if target is not None else rng.uniform(2, 20)
    return _walk(max(0, centre * 0.8), centre * 1.2 + 1, rng, n)


def sample_supplied(
    catalogue: Catalogue, months: list[str], seed: int = 903, records: Bases | None = None
) -> pl.DataFrame:
    """Deterministic plausible values for every supplied indicator and month (sample only).

    With `records` (figures computed from the sample's own records: children in care,
    starters, in-house foster placements), percentages are whole numbers of children out of
    their real bases and carer households follow the children placed with them.
    """
    records = records or {}
    rows: list[dict] = []
    got: dict[tuple[str, str], float] = {}
    cic = {m: records.get(("cic_count", m)) for m in months}
    order = sorted(
        (i for i in catalogue.indicators if not i.is_computed),
        key=lambda i: (
            i.id in ("foster_carers_count", "fostering_utilisation_rate")
            or SAMPLE_SPECS.get(i.id, SampleSpec(0, 0)).base == "mainstream_carers_count"
        ),
    )
    for ind in order:
        rng = random.Random(f"{seed}:{ind.id}")
        spec = SAMPLE_SPECS.get(ind.id)
        walk = (
            _walk(spec.lo, spec.hi, rng, len(months))
            if spec
            else _plausible(ind.unit, ind.target, rng, len(months))
        )
        for month, v in zip(months, walk, strict=True):
            n = d = None
            if ind.id == "foster_carers_count":
                parts = [
                    got.get((k, month))
                    for k in ("mainstream_carers_count", "connected_carers_count")
                ]
                if any(p is None for p in parts):
                    continue
                value = float(sum(parts) + rng.randint(2, 5))
            elif ind.id == "fostering_utilisation_rate":
                kids = records.get(("in_house_mainstream_fostering_count", month))
                homes = got.get(("mainstream_carers_count", month))
                if not kids or not homes:
                    continue
                value = round(kids / homes, ind.decimals or 1)
            elif spec and spec.of:
                kids = records.get((spec.of, month))
                if kids is None:
                    value = float(round(rng.uniform(40, 120)))
                else:
                    value = float(max(1, round(kids / v)))
            elif ind.unit == "%" and spec and (spec.base or spec.share or spec.fixed):
                d = _denominator(spec, ind.base_lag, month, records, got, cic, rng)
                if d is None or d <= 0:
                    continue
                n = round(d * v / 100)
                value = round(100 * n / d, ind.decimals)
            elif ind.unit == "No.":
                value = float(round(v))
                if ind.id in ZERO_MOSTLY:
                    value = float(rng.random() < 0.15)
                if ind.id == "health_passports_completed_count":
                    value = min(value, got.get(("health_passports_due_count", month), value))
            else:
                value = round(v, ind.decimals or 1)
            got[(ind.id, month)] = value
            rows.append(
                {
                    "indicator_id": ind.id,
                    "month": month,
                    "value": float(value),
                    "numerator_count": n,
                    "denominator_count": d,
                }
            )
    order_ids = {i.id: k for k, i in enumerate(catalogue.indicators)}
    rows.sort(key=lambda r: (order_ids[r["indicator_id"]], r["month"]))
    return pl.DataFrame(rows, schema=VALUES_SCHEMA)


def _denominator(spec, lag, month, records, got, cic, rng) -> int | None:
    if spec.base:
        key = (spec.base, shift_month(month, lag))
        b = records.get(key, got.get(key))
        if b is None and spec.base == "cic_excl_uasc_count":
            c, u = records.get(("cic_count", key[1])), records.get(("uasc_count", key[1]))
            b = c - u if c is not None and u is not None else None
        if b is None:
            b = rng.randint(8, 20) if "started" in spec.base else rng.randint(300, 450)
        return int(b)
    if spec.share:
        c = cic.get(month) or 450
        return max(1, round(c * spec.share))
    lo, hi = spec.fixed
    return rng.randint(lo, hi)


def write_sample_supplied(
    path: Path | str,
    catalogue: Catalogue,
    months: list[str],
    seed: int = 903,
    records: Bases | None = None,
) -> Path:
    """Write `sample_supplied(...)` as the supplied CSV (with numerator and denominator)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    df = sample_supplied(catalogue, months, seed, records)
    df.rename({"numerator_count": "numerator", "denominator_count": "denominator"}).write_csv(path)
    return path


RECORD_FUNCTIONS = (
    "cic_count",
    "uasc_count",
    "started_count",
    "started_excl_uasc_count",
    "in_house_mainstream_fostering_count",
    "in_house_connected_fostering_count",
)


def record_figures(core: dict, months: list[str], names: tuple[str, ...] = ()) -> Bases:
    """{(function, month): value} from the records, for the sample and the checks."""
    from pipeline.reports.pack import indicators as ind_mod

    ends = [ind_mod.month_end(m) for m in months]
    out: Bases = {}
    for name in dict.fromkeys((*RECORD_FUNCTIONS, *names)):
        df = ind_mod.compute(name, core, ends)
        for me, value in df.select(ind_mod.ME, "value").iter_rows():
            if value is not None:
                out[(name, f"{me.year:04d}-{me.month:02d}")] = float(value)
    for m in months:
        c, u = out.get(("cic_count", m)), out.get(("uasc_count", m))
        if c is not None and u is not None:
            out[("cic_excl_uasc_count", m)] = c - u
    return out


def sample_records(params, raw_dir: Path, months: list[str]) -> Bases:
    """The figures `sample_supplied` needs, computed from freshly generated records (the
    pipeline's own ingest, validation and transforms; nothing is written)."""
    from pipeline.run.stages import stage_ingest, stage_transform, stage_validate

    run = params.with_overrides(raw=str(raw_dir))
    # the polars twins alone: fictional records, whose only use is these figures (Great
    # Expectations would give the same rows, in three times the synth's time)
    core = stage_transform(stage_validate(stage_ingest(run), run, engine="polars"), run)
    return record_figures(core, [shift_month(months[0], 1), *months])
