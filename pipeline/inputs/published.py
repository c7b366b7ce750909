"""Published statistics the reports compare with: configured DfE/ONS files, else the snapshot.

The project ships a small snapshot (`pipeline/inputs/benchmarks/`) of exactly the published
figures its reports use (England, regions and every local authority, every year published),
cut by this module from the DfE files themselves: for each file, the rows of the measures
the reports read, with the columns they read, values kept as published text. Read back, it
gives the same frames as the full files, so a clone with no DfE folder publishes the same
figures as one with it. `cic-reports benchmarks update --from DIR` rebuilds it from newly
downloaded files (same formats as `../shared/data/dfe/`); `manifest.csv` names each source
file, its publication, its years and a checksum.

A configured `paths.dfe` file wins over the snapshot, file by file; a measure in neither is a
printed warning (pipeline.run.guards.benchmark_gaps), never a silent gap.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from pathlib import Path

import polars as pl

SNAPSHOT = Path(str(files("pipeline.inputs").joinpath("benchmarks")))
MANIFEST = "manifest.csv"
LAIT = "lait_bds_long_0.parquet"
# what each source file is (EES publication titles)
PUBLICATIONS = {
    "cla_number_and_rate_per_10k_children.csv": "Children looked after in England including adoptions: number and rate per 10,000",
    "la_cla_placement_stability.csv": "Children looked after in England including adoptions: placement stability",
    "la_care_leavers_accommodation_suitability.csv": "Children looked after in England including adoptions: care leavers' accommodation",
    "la_care_leavers_activity.csv": "Children looked after in England including adoptions: care leavers' activity",
    "la_conviction_health_outcome_cla.csv": "Outcomes for children in need, including children looked after: convictions, health and SDQ",
    LAIT: "DfE Local Authority Interactive Tool (LAIT) data",
}
# the columns every EES extract keeps (which year, which geography)
EES_KEYS = (
    "time_period",
    "time_identifier",
    "geographic_level",
    "country_code",
    "region_code",
    "region_name",
    "old_la_code",
    "new_la_code",
    "la_name",
)
# the IRO report's own reads (pipeline.reports.iro.measures.profile)
IRO_NEEDS = (
    (
        "cla_number_and_rate_per_10k_children.csv",
        "rate_per_10000",
        {"population_type": "Children looked after on 31 March each year"},
    ),
    (LAIT, "value", {"measure": "Unacc_Asylmn_Seek_Childn%"}),
)


@dataclass
class Need:
    """The rows (one filter set each) and value columns the reports read from one file."""

    value_cols: set[str] = field(default_factory=set)
    filters: list[dict[str, str]] = field(default_factory=list)

    def add(self, value_col: str, flt: dict[str, str]) -> None:
        self.value_cols.add(value_col)
        if flt not in self.filters:
            self.filters.append(dict(flt))


def needs() -> dict[str, Need]:
    """Every published measure the reports use: the bundled pack catalogue and the IRO report."""
    from pipeline.reports.pack import DEFAULT_CATALOGUE
    from pipeline.reports.pack.catalogue import Pointer, load_catalogue

    out: dict[str, Need] = {}
    for file, col, flt in IRO_NEEDS:
        out.setdefault(file, Need()).add(col, flt)
    for ind in load_catalogue(DEFAULT_CATALOGUE).indicators:
        for b in (ind.benchmarks.england, ind.benchmarks.stat_neighbours):
            if isinstance(b, Pointer):
                out.setdefault(b.file, Need()).add(b.value_col, b.filters)
    return dict(sorted(out.items()))


# ---------------------------------------------------------------- reading
def _ees_text(path: Path) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    return df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns})


def snapshot_file(name: str, folder: Path | None = None) -> Path | None:
    p = (folder or SNAPSHOT) / f"{Path(name).stem}.parquet"
    return p if p.is_file() else None


@cache
def _snapshot_text(path: str) -> pl.DataFrame:
    return pl.read_parquet(path)


def snapshot_text(name: str) -> pl.DataFrame | None:
    """The snapshot's rows for a published file, as the file's own text (EES) or its own
    types (LAIT); None when the snapshot does not hold that file."""
    p = snapshot_file(name)
    return None if p is None else _snapshot_text(str(p))


def source(dfe_dir: Path | None, name: str) -> Path | None:
    """The configured published file, if it is there."""
    if dfe_dir is None:
        return None
    p = Path(dfe_dir) / name
    return p if p.is_file() else None


# ---------------------------------------------------------------- building
def _cut_ees(path: Path, need: Need) -> pl.DataFrame:
    df = _ees_text(path)
    flt_cols = sorted({c for f in need.filters for c in f})
    missing = [c for c in (*flt_cols, *need.value_cols) if c not in df.columns]
    if missing:
        raise ValueError(f"{path.name}: column {missing[0]} not found")
    keep = pl.lit(False)
    for f in need.filters:
        cond = pl.lit(True)
        for c, v in f.items():
            cond = cond & (pl.col(c) == v)
        keep = keep | cond
    cols = [c for c in EES_KEYS if c in df.columns] + flt_cols + sorted(need.value_cols)
    return df.filter(keep).select(cols).unique().sort(cols, nulls_last=True)


def _cut_lait(path: Path, need: Need) -> pl.DataFrame:
    df = pl.read_parquet(path)
    wanted = [f["measure"] for f in need.filters if "measure" in f]
    cols = list(df.columns)
    return df.filter(pl.col("Short Desc").is_in(wanted)).unique().sort(cols, nulls_last=True)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def build_snapshot(src: Path, out: Path = SNAPSHOT) -> pl.DataFrame:
    """Cut the snapshot from the published files in `src` into `out`; return the manifest.

    Every file the reports need must be in `src` (a one-line error names the first missing).
    The bytes written depend only on the source files (sorted rows, no timestamps).
    """
    src, out = Path(src), Path(out)
    rows = []
    cut = {}
    for name, need in needs().items():
        path = src / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: published statistics file not found")
        frame = _cut_lait(path, need) if name == LAIT else _cut_ees(path, need)
        cut[name] = frame
        years = _years(frame, name)
        rows.append(
            {
                "file": name,
                "publication": PUBLICATIONS.get(name, ""),
                "first_year": min(years) if years else None,
                "last_year": max(years) if years else None,
                "rows_count": frame.height,
                "measures": "; ".join(
                    f"{v}: " + ", ".join(f"{k}={x}" for k, x in f.items())
                    for v in sorted(need.value_cols)
                    for f in need.filters
                ),
                "source_sha256": _sha256(path),
            }
        )
    out.mkdir(parents=True, exist_ok=True)
    for old in out.glob("*.parquet"):
        old.unlink()
    for name, frame in cut.items():
        frame.write_parquet(
            out / f"{Path(name).stem}.parquet", compression="zstd", statistics=False
        )
    manifest = pl.DataFrame(rows)
    manifest.write_csv(out / MANIFEST, line_terminator="\n")
    _snapshot_text.cache_clear()
    return manifest


def _years(frame: pl.DataFrame, name: str) -> list[int]:
    col = "Years" if name == LAIT else "time_period"
    s = frame[col].cast(pl.String).str.slice(0, 4).cast(pl.Int64, strict=False).drop_nulls()
    if name == LAIT:  # '2023-24' -> 2024 (year end), as the reader does
        full = frame[col].cast(pl.String)
        s = (
            pl.select(
                pl.when(full.str.contains(r"^\d{4}-\d{2}$"))
                .then(full.str.slice(0, 2) + full.str.slice(5, 2))
                .otherwise(full.str.slice(-4))
                .cast(pl.Int64, strict=False)
            )
            .to_series()
            .drop_nulls()
        )
    return s.unique().to_list()


def manifest() -> pl.DataFrame | None:
    p = SNAPSHOT / MANIFEST
    return pl.read_csv(p) if p.is_file() else None
