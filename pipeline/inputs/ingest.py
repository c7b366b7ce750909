"""Raw extracts (CSV/XLSX in the raw folder) -> `raw_<table>` frames of strings, nothing lost.

Every value stays a string here (IDs keep leading zeros); validation types and checks them.
Each row carries `source_file` and `source_row` (the row number the operator sees when
opening the file: the header is row 1) so a quarantined row can be found and fixed.
Files that are not part of the contract, empty or unreadable are reported, not fatal;
only a missing required table or a missing required column stops the run.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from pipeline.errors import InputError
from pipeline.inputs.contract import TableSpec, tables

CSV_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
SOURCE_COLUMNS = ("source_file", "source_row")
# Dates accepted anywhere: dd/mm/YYYY (also d/m/YYYY) and ISO YYYY-MM-DD.
DATE_PATTERN = r"^(?:\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2})$"
INT_PATTERN = r"^-?\d+$"


@dataclass(frozen=True)
class FileReport:
    """What happened to one file found in the raw folder."""

    path: str  # relative to raw_dir
    table: str | None
    rows: int
    status: str  # 'ingested' | 'unknown file' | 'empty' | 'unreadable'
    note: str = ""


@dataclass
class IngestResult:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    files: list[FileReport] = field(default_factory=list)

    def files_frame(self) -> pl.DataFrame:
        """The file reports as a frame (no child-level values: paths, counts, notes)."""
        return pl.DataFrame(
            [vars(f) for f in self.files],
            schema={
                "path": pl.String,
                "table": pl.String,
                "rows": pl.Int64,
                "status": pl.String,
                "note": pl.String,
            },
            orient="row",
        )


# ---------------------------------------------------------------- public helpers
def parse_date(expr: pl.Expr) -> pl.Expr:
    """A string expression as a Date: dd/mm/YYYY (or d/m/YYYY) or ISO; anything else null."""
    s = expr.str.strip_chars()
    # choosing the format first keeps polars on its fast path (a coalesce of both is 3x slower)
    return (
        pl.when(s.str.contains("/", literal=True))
        .then(s.str.to_date("%d/%m/%Y", strict=False))
        .otherwise(s.str.to_date("%Y-%m-%d", strict=False))
    )


def raw_schema(spec: TableSpec) -> dict[str, pl.DataType]:
    """Columns of a `raw_` table: every contract column as String plus where it came from."""
    return {
        **{c: pl.String for c in spec.column_names},
        "source_file": pl.String,
        "source_row": pl.Int64,
    }


def empty_raw(spec: TableSpec) -> pl.DataFrame:
    return pl.DataFrame(schema=raw_schema(spec))


# ---------------------------------------------------------------- ingest
def ingest(raw_dir: Path) -> IngestResult:
    """Read every CSV/XLSX under `raw_dir` into `raw_<table>` frames (all contract tables present)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError("raw data folder not found", file=str(raw_dir))
    specs = tables()
    parts: dict[str, list[pl.DataFrame]] = {name: [] for name in specs}
    result = IngestResult()
    for path in _files(raw_dir):
        rel = path.relative_to(raw_dir).as_posix()
        table = path.stem.strip().lower()
        if table not in specs or path.suffix.lower() not in CSV_SUFFIXES | EXCEL_SUFFIXES:
            result.files.append(
                FileReport(rel, None, 0, "unknown file", "not a contract table; ignored")
            )
            continue
        frame, report = _read_file(path, rel, specs[table])
        result.files.append(report)
        if frame is not None:
            parts[table].append(frame)
    for name, spec in specs.items():
        if spec.required_table and not parts[name]:
            seen = [f"{f.path} ({f.status})" for f in result.files if f.table == name]
            why = f"; found {', '.join(seen)}" if seen else f" (expected {name}.csv or {name}.xlsx)"
            raise InputError(f"required table missing from the raw folder{why}", table=name)
        frames = parts[name] or [empty_raw(spec)]
        result.tables[f"raw_{name}"] = pl.concat(frames, how="vertical")
    return result


def _files(raw_dir: Path) -> list[Path]:
    """Every non-hidden file under raw_dir, in a stable order."""
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    )


def _read_file(path: Path, rel: str, spec: TableSpec) -> tuple[pl.DataFrame | None, FileReport]:
    """One file -> (frame with contract columns, report). Raises InputError for a missing required column."""
    try:
        if path.suffix.lower() in EXCEL_SUFFIXES:
            df = _read_excel(path)
        else:
            text = _decode(path.read_bytes())
            if not text.strip():
                return None, FileReport(rel, spec.name, 0, "empty", "file has no content")
            df = pl.read_csv(text.encode("utf-8"), infer_schema=False, truncate_ragged_lines=True)
    except UnicodeDecodeError:
        return None, FileReport(
            rel, spec.name, 0, "unreadable", "text encoding not UTF-8 or Windows-1252"
        )
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported, not fatal
        return None, FileReport(
            rel, spec.name, 0, "unreadable", f"could not be parsed ({type(exc).__name__})"
        )
    if df.width == 0:
        return None, FileReport(rel, spec.name, 0, "empty", "file has no header row")
    df, note = _to_contract(df, rel, spec)
    return df, FileReport(rel, spec.name, df.height, "ingested", note)


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's 'CSV' on Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _read_excel(path: Path) -> pl.DataFrame:
    """First sheet, every cell as a string; Excel's `1.0` and midnight datetimes tidied later."""
    df = pl.read_excel(path, sheet_id=1, engine="calamine", infer_schema_length=0)
    return df.with_columns(pl.all().cast(pl.String))


def _norm(name: str) -> str:
    return re.sub(r"\s+", "", name).upper()


def _to_contract(df: pl.DataFrame, rel: str, spec: TableSpec) -> tuple[pl.DataFrame, str]:
    """Rename headers to the contract, drop extras, add absent optional columns, tidy values."""
    wanted = {_norm(c): c for c in spec.column_names}
    rename, extra = {}, []
    for col in df.columns:
        target = wanted.get(_norm(col))
        if target is None or target in rename.values():
            extra.append(col.strip() or "(blank header)")
        else:
            rename[col] = target
    present = set(rename.values())
    missing_required = [c.name for c in spec.columns if c.required and c.name not in present]
    if missing_required:
        raise InputError(
            f"required column {missing_required[0]} is missing",
            file=rel,
            column=missing_required[0],
        )
    absent = [c for c in spec.column_names if c not in present]
    df = df.select(rename.keys()).rename(rename)
    out = (
        df.with_columns([pl.lit(None, pl.String).alias(c) for c in absent])
        .with_columns(_tidy(pl.col(c), *_excel_forms(df, c)).alias(c) for c in spec.column_names)
        .with_row_index("source_row", offset=2)
        .with_columns(pl.col("source_row").cast(pl.Int64), source_file=pl.lit(rel))
    )
    blank = out.select(pl.all_horizontal(pl.col(spec.column_names).is_null()).sum()).item()
    if blank:
        out = out.filter(~pl.all_horizontal(pl.col(spec.column_names).is_null()))
    notes = []
    if extra:
        notes.append(f"extra columns dropped: {', '.join(extra)}")
    if absent:
        notes.append(f"optional columns absent: {', '.join(absent)}")
    if blank:
        notes.append(f"{blank} blank rows skipped")
    return out.select(list(raw_schema(spec))), "; ".join(notes)


def _excel_forms(df: pl.DataFrame, column: str) -> tuple[bool, bool]:
    """Whether `column` may hold Excel's `12.0` / midnight-datetime forms at all: a cheap
    literal scan that lets `_tidy` skip the regex rewrites on columns that cannot match."""
    if column not in df.columns:
        return False, False
    s = df.get_column(column).cast(pl.String)
    return bool(s.str.contains(".", literal=True).any()), bool(
        s.str.contains("00:00:00", literal=True).any()
    )


def _tidy(expr: pl.Expr, decimals: bool = True, midnight: bool = True) -> pl.Expr:
    """Strip; empty -> null; Excel `12.0` -> `12`; Excel midnight datetimes -> the date.

    `decimals`/`midnight` False skip a rewrite that cannot match (see `_excel_forms`).
    """
    s = expr.cast(pl.String).str.strip_chars()
    if decimals:
        s = s.str.replace(r"^(-?\d+)\.0+$", "${1}")
    if midnight:
        s = s.str.replace(r"^(\d{4}-\d{2}-\d{2})[ T]00:00:00(\.0+)?$", "${1}")
    return pl.when(s == "").then(None).otherwise(s)
