"""Raw extracts (CSV/XLSX/XML in the raw folder) -> `raw_<table>` frames of strings, nothing lost.

Every value stays a string here (IDs keep leading zeros); validation types and checks them.
Codes are upper-cased (`c2` is `C2`), and how many were changed is reported.
Each row carries `source_file`, `source_row` (the row number the operator sees when opening
the file: the header is row 1; for XML the element's line) and `collection_year` (the year
end of the return it came from; null for a multi-year extract), so a quarantined row can be
found and fixed and several years of returns can be stacked (`pipeline.inputs.returns`).

A file's table comes from its name, else from its columns (`pipeline.inputs.layout`); its
collection year from its folder, else its name, else its dates: the episodes of the files
beside it fit one collection year (every episode starts by its 31 March and is open on or
after its 1 April). Files that are not part of the contract, empty or unreadable are
reported, not fatal; only a missing required table, a missing required column or an
ambiguous file stops the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

import polars as pl

from pipeline.errors import InputError
from pipeline.inputs.contract import TableSpec, tables
from pipeline.inputs.layout import (
    Year,
    norm_column,
    path_year,
    table_from_name,
    tables_from_columns,
    year_label,
)

CSV_SUFFIXES = {".csv", ".txt"}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls"}
XML_SUFFIXES = {".xml"}
SOURCE_COLUMNS = ("source_file", "source_row", "collection_year")
# Dates accepted anywhere: dd/mm/YYYY (also d/m/YYYY) and ISO YYYY-MM-DD.
DATE_PATTERN = r"^(?:\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2})$"
INT_PATTERN = r"^-?\d+$"
# share of a group's episodes that may end before its collection year and still be a return
DATE_FIT_TOLERANCE = 0.01


@dataclass(frozen=True)
class FileReport:
    """What happened to one file (for XML: one table of one file) found in the raw folder."""

    path: str  # relative to raw_dir
    table: str | None
    rows: int
    status: str  # 'ingested' | 'unknown file' | 'not a 903 return' | 'empty' | 'unreadable'
    note: str = ""
    collection_year: int | None = None
    year_source: str = ""  # 'folder' | 'file name' | 'dates' | '' (unknown: a multi-year extract)
    codes_normalised: int = 0  # code values upper-cased

    @property
    def year_text(self) -> str:
        if self.collection_year is None:
            return ""
        return f"{year_label(self.collection_year)} (from {self.year_source})"


@dataclass
class IngestResult:
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    files: list[FileReport] = field(default_factory=list)

    def files_frame(self) -> pl.DataFrame:
        """The file reports as a frame (no child-level values: paths, counts, notes)."""
        return pl.DataFrame(
            [{k: getattr(f, k) for k in FILES_SCHEMA} for f in self.files],
            schema=FILES_SCHEMA,
        )

    @property
    def codes_normalised(self) -> int:
        return sum(f.codes_normalised for f in self.files)


FILES_SCHEMA = {
    "path": pl.String,
    "table": pl.String,
    "rows": pl.Int64,
    "status": pl.String,
    "note": pl.String,
    "collection_year": pl.Int64,
    "year_source": pl.String,
    "codes_normalised": pl.Int64,
}


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
        "collection_year": pl.Int64,
    }


def empty_raw(spec: TableSpec) -> pl.DataFrame:
    return pl.DataFrame(schema=raw_schema(spec))


# ---------------------------------------------------------------- ingest
@dataclass
class _Part:
    """One table read from one file (no frame: a file not read), before its collection year
    is settled; the year read so far is in its report."""

    report: FileReport
    frame: pl.DataFrame | None = None
    group: str = ""  # files that are one return when their year comes from their dates


def ingest(raw_dir: Path) -> IngestResult:
    """Read every CSV/XLSX/XML under `raw_dir` into `raw_<table>` frames (all contract tables)."""
    raw_dir = Path(raw_dir)
    if not raw_dir.is_dir():
        raise InputError("raw data folder not found", file=str(raw_dir))
    specs = tables()
    parts: list[_Part] = []
    for path in _files(raw_dir):
        parts += _read(path, path.relative_to(raw_dir).as_posix())
    parts = _years_from_dates(parts)
    result = IngestResult(files=[p.report for p in parts])
    by_table: dict[str, list[pl.DataFrame]] = {name: [] for name in specs}
    for p in parts:
        if p.frame is not None:
            by_table[p.report.table].append(
                p.frame.with_columns(collection_year=pl.lit(p.report.collection_year, pl.Int64))
            )
    for name, spec in specs.items():
        if spec.required_table and not by_table[name]:
            raise InputError(_missing_message(name, result.files), table=name)
        frames = by_table[name] or [empty_raw(spec)]
        # an Annex A workbook's rows also carry their stack_order (null for other files)
        result.tables[f"raw_{name}"] = pl.concat(frames, how="diagonal")
    return result


def _missing_message(name: str, files: list[FileReport]) -> str:
    """'required table missing', with every file that was not used and why (one line)."""
    seen = [f"{f.path} ({f.status})" for f in files if f.table == name]
    if seen:
        return f"required table missing from the raw folder; found {', '.join(seen)}"
    ignored = [
        f"{f.path} ({f.status}: {f.note})"  # a file not used always says why
        for f in files
        if f.status != "ingested"
    ]
    expected = f" (expected {name}.csv or {name}.xlsx, a file with its columns, or an XML return)"
    tail = f"; files not used: {'; '.join(ignored)}" if ignored else "; no other files found"
    return f"required table missing from the raw folder{expected}{tail}"


def _files(raw_dir: Path) -> list[Path]:
    """Every non-hidden file under raw_dir, in a stable order."""
    return sorted(
        p
        for p in raw_dir.rglob("*")
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(raw_dir).parts)
    )


def _read(path: Path, rel: str) -> list[_Part]:
    """One file -> its table(s), each with a report. Raises InputError for a file that is
    ambiguous or misses a required column."""
    suffix = path.suffix.lower()
    group = PurePosixPath(rel).parent.as_posix()
    if suffix in XML_SUFFIXES:
        from pipeline.inputs import cin

        if cin.is_cin_census(path):
            return _read_multi(cin.read_cin_xml, path, rel)
        return _read_xml(path, rel)
    if suffix not in CSV_SUFFIXES | EXCEL_SUFFIXES:
        return [_Part(FileReport(rel, None, 0, "unknown file", "not CSV, Excel or XML; ignored"))]
    named = table_from_name(path.stem)
    if suffix in EXCEL_SUFFIXES and named is None:
        from pipeline.inputs import annex_a

        if annex_a.is_annex_a(path):
            return _read_multi(annex_a.read_workbook, path, rel)
    try:
        if suffix in EXCEL_SUFFIXES:
            df = _read_excel(path)
        else:
            text = _decode(path.read_bytes())
            if not text.strip():
                return [_Part(FileReport(rel, named, 0, "empty", "file has no content"))]
            df = pl.read_csv(text.encode("utf-8"), infer_schema=False, truncate_ragged_lines=True)
    except UnicodeDecodeError:
        return [
            _Part(
                FileReport(rel, named, 0, "unreadable", "text encoding not UTF-8 or Windows-1252")
            )
        ]
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported, not fatal
        return [
            _Part(
                FileReport(
                    rel, named, 0, "unreadable", f"could not be parsed ({type(exc).__name__})"
                ),
            )
        ]
    if df.width == 0:  # an empty first sheet (a CSV with any text has a header)
        return [_Part(FileReport(rel, named, 0, "empty", "file has no content"))]
    table, how = _which_table(named, df.columns, rel)
    if table is None:
        return [_Part(FileReport(rel, None, 0, "unknown file", how))]
    year = path_year(rel)
    df, note, upper = _to_contract(df, rel, tables()[table])
    notes = "; ".join(n for n in (how, year.note, note) if n)
    report = FileReport(rel, table, df.height, "ingested", notes, year.year, year.source, upper)
    return [_Part(report, df, group)]


def _which_table(named: str | None, columns: list[str], rel: str) -> tuple[str | None, str]:
    """The table a file holds: its name if its columns allow it, else its columns alone."""
    specs = tables()
    cols = {norm_column(c) for c in columns}
    if named is not None:
        required = [c for c in specs[named].required_columns if norm_column(c) not in cols]
        if not required:
            return named, ""
        fits = tables_from_columns(columns)
        if len(fits) == 1:
            return fits[0], f"named like {named} but its columns are {fits[0]}'s"
        raise InputError(f"required column {required[0]} is missing", file=rel, column=required[0])
    fits = tables_from_columns(columns)
    if len(fits) == 1:
        return fits[0], f"recognised as {fits[0]} by its columns"
    if fits:
        raise InputError(
            f"its columns fit {', '.join(fits[:-1])} and {fits[-1]} equally well: "
            f"name the file after its table (e.g. {fits[0]}.csv)",
            file=rel,
        )
    return None, "name is not a contract table and its columns fit none; ignored"


def _read_xml(path: Path, rel: str) -> list[_Part]:
    from pipeline.inputs.xml903 import read_xml

    res = read_xml(path)
    if res.error:
        return [_Part(FileReport(rel, None, 0, "unreadable", res.error))]
    if not res.is_903:
        why = f"root element <{res.root}> holds no CHILD/HEADER records; ignored"
        return [_Part(FileReport(rel, None, 0, "not a 903 return", why))]
    year = path_year(rel)
    unknown = ", ".join(f"{k} ({n})" for k, n in sorted(res.unknown.items()))
    parts = []
    for table, frame in res.frames().items():
        df, note, upper = _to_contract(frame, rel, tables()[table])
        notes = "; ".join(n for n in (f"XML return, {res.children} children", year.note, note) if n)
        if unknown and table == "header":
            notes += f"; elements not read: {unknown}"
        report = FileReport(rel, table, df.height, "ingested", notes, year.year, year.source, upper)
        parts.append(_Part(report, df, rel))
    return parts


def _read_multi(reader, path: Path, rel: str) -> list[_Part]:
    """A file holding several tables (a CIN census XML, an Annex A workbook) -> one part per
    table, tidied as any other file; a parser failure makes it unreadable, not fatal."""
    from lxml.etree import XMLSyntaxError

    def failed(note: str) -> list[_Part]:
        return [_Part(FileReport(rel, None, 0, "unreadable", note))]

    try:
        frames, info = reader(path, rel)
    except InputError:
        raise
    except XMLSyntaxError as exc:
        return failed(f"not well-formed XML (line {exc.lineno})")
    except Exception as exc:  # noqa: BLE001 - any parser failure is reported, not fatal
        return failed(f"could not be parsed ({type(exc).__name__})")
    year = Year(info.get("year"), info["year_source"])
    parts = []
    for table, frame in frames.items():
        if frame.is_empty():
            continue
        order = frame["stack_order"][0] if "stack_order" in frame.columns else None
        df, note, upper = _to_contract(frame, rel, tables()[table])
        if order is not None:  # the workbook's place among several of one year
            df = df.with_columns(stack_order=pl.lit(order))
        notes = "; ".join(n for n in (info["note"], note) if n)
        report = FileReport(rel, table, df.height, "ingested", notes, year.year, year.source, upper)
        parts.append(_Part(report, df))
    if not parts:
        parts = [_Part(FileReport(rel, None, 0, "empty", "no records"))]
    return parts


def _dated_by_episodes(table: str | None) -> bool:
    return table is not None and tables()[table].source in ("SSDA903", "IRO")


def _years_from_dates(parts: list[_Part]) -> list[_Part]:
    """Files with no year in their folder or name, beside episodes that fit one collection
    year, get that year (source 'dates'); the others stay unknown (a multi-year extract)."""
    groups: dict[str, list[_Part]] = {}
    for p in parts:
        # SSDA903 and IRO files only: a CIN census or Annex A file states its own year
        if (
            p.report.collection_year is None
            and p.frame is not None
            and _dated_by_episodes(p.report.table)
        ):
            groups.setdefault(p.group, []).append(p)
    out = {id(p): p for p in parts}
    for group, members in groups.items():
        eps = [p.frame for p in members if p.report.table == "episodes"]
        if not eps:
            continue
        year = date_year(pl.concat([e.select("DECOM", "DEC") for e in eps]))
        for p in members:
            if year is None:
                note = "no year in its folder or name, and its episodes span several years: read as a multi-year extract"
                p.report = replace(p.report, note="; ".join(n for n in (p.report.note, note) if n))
                continue
            where = group if group != "." else "the raw folder"
            note = f"year from the dates of the episodes in {where}"
            p.report = replace(
                p.report,
                collection_year=year,
                year_source="dates",
                note="; ".join(n for n in (p.report.note, note) if n),
            )
    return [out[id(p)] for p in parts]


def date_year(episodes: pl.DataFrame) -> int | None:
    """The collection year a set of episodes is the return for, or None if it is not one.

    A return for year Y holds the episodes open at some time in Y: each starts by 31 March Y
    and ends (if at all) on or after 1 April Y-1. Y is the year of the latest start; a small
    share (`DATE_FIT_TOLERANCE`) of earlier endings is allowed for errors.
    """
    d = episodes.select(start=parse_date(pl.col("DECOM")), end=parse_date(pl.col("DEC")))
    latest = d["start"].max()
    if latest is None:
        return None
    year = latest.year + (1 if latest.month >= 4 else 0)
    before = d.filter(pl.col("end") < dt.date(year - 1, 4, 1)).height
    return year if before <= DATE_FIT_TOLERANCE * d.height else None


def _decode(data: bytes) -> str:
    """UTF-8 (with or without BOM), else Windows-1252 (Excel's 'CSV' on Windows)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")


def _read_excel(path: Path) -> pl.DataFrame:
    """First sheet, every cell as a string (no schema inferred); Excel's `1.0` and midnight
    datetimes are tidied later. An empty sheet is a frame with no columns, reported empty."""
    return pl.read_excel(
        path, sheet_id=1, engine="calamine", infer_schema_length=0, raise_if_empty=False
    )


def _to_contract(df: pl.DataFrame, rel: str, spec: TableSpec) -> tuple[pl.DataFrame, str, int]:
    """Rename headers to the contract, drop extras, add absent optional columns, tidy values,
    upper-case codes. Returns the frame, a note and how many codes were upper-cased."""
    wanted = {norm_column(c): c for c in spec.column_names}
    has_rows = "source_row" in df.columns
    rename, extra = {}, []
    for col in df.columns:
        # a multi-table reader's own columns (re-added by the caller) are not the file's extras
        if has_rows and col in (*SOURCE_COLUMNS, "stack_order"):
            continue
        target = wanted.get(norm_column(col))
        if target is None or target in rename.values():
            extra.append(col.strip() or "(blank header)")
        else:
            rename[col] = target
    present = set(rename.values())
    absent = [c for c in spec.column_names if c not in present]
    rows = df.get_column("source_row") if has_rows else None
    df = df.select(rename.keys()).rename(rename)
    tidied = df.with_columns([pl.lit(None, pl.String).alias(c) for c in absent]).with_columns(
        _tidy(pl.col(c), *_excel_forms(df, c)).alias(c) for c in spec.column_names
    )
    code_cols = [c.name for c in spec.columns if c.type in ("code", "codes")]
    changed = (
        tidied.select(
            pl.sum_horizontal(
                (pl.col(c) != pl.col(c).str.to_uppercase()).fill_null(False).cast(pl.Int64)
                for c in code_cols
            ).sum()
        ).item()
        if code_cols and tidied.height
        else 0
    )
    if changed:
        tidied = tidied.with_columns(pl.col(c).str.to_uppercase() for c in code_cols)
    if rows is None:
        out = tidied.with_row_index("source_row", offset=2).with_columns(
            pl.col("source_row").cast(pl.Int64), source_file=pl.lit(rel)
        )
    else:
        out = tidied.with_columns(source_row=rows, source_file=pl.lit(rel))
    blank = out.select(pl.all_horizontal(pl.col(spec.column_names).is_null()).sum()).item()
    if blank:
        out = out.filter(~pl.all_horizontal(pl.col(spec.column_names).is_null()))
    notes = []
    if extra:
        notes.append(f"extra columns dropped: {', '.join(extra)}")
    if absent and not has_rows:
        notes.append(f"optional columns absent: {', '.join(absent)}")
    if blank:
        notes.append(f"{blank} blank rows skipped")
    if changed:
        notes.append(f"{changed} codes upper-cased")
    cols = [c for c in raw_schema(spec) if c != "collection_year"]
    return out.select(cols), "; ".join(notes), int(changed or 0)


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
