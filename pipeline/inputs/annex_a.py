"""Ofsted Annex A workbooks -> raw_aa_* tables of strings, nothing lost.

Each list is a sheet; a sheet is matched to a contract table (`annex_a_tables.yml`) by its
list number ("List 3", "List 3 - Referrals") or its title ("Referrals"), and its columns
by header, both ignoring case, spaces and punctuation (Ofsted's wording varies between
years and LAs add `?`, `(Y/N)` or apostrophes). The header row is the first of the top
ten rows that names the child ID column. `source_row` is the Excel row number the operator
sees. Coded cells drop Ofsted's list prefix and label: "e) 2A: Schools" -> "2A",
"a) Yes" -> "Yes", "N1 - Abuse or neglect" -> "N1", "a) Neglect" -> "Neglect";
Excel date cells become ISO dates. Sheets that are not Annex A lists are reported.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from pipeline.inputs.contract import TableSpec, tables
from pipeline.inputs.ingest import _tidy

HEADER_SEARCH_ROWS = 10
_PREFIX = re.compile(r"^[a-z]\d?\)\s*", re.I)  # "a) ", "p1) "
_CODE_LABEL = re.compile(r"^([A-Za-z0-9]{1,4})\s*(?::|\s-\s)\s*.+$")  # "2A: Schools", "N1 - Abuse"
_FILE_DATE = re.compile(r"(\d{4})-?(\d{2})-?(\d{2})")


def norm(text: object) -> str:
    """A header or sheet name for matching: lower case, letters and digits only."""
    return re.sub(r"[^a-z0-9]+", "", str(text or "").lower())


def specs() -> dict[str, TableSpec]:
    return {n: s for n, s in tables().items() if s.source == "ANNEX_A"}


def sheet_table(sheet_name: str) -> str | None:
    """The contract table an Annex A sheet holds, from its list number or title."""
    name = norm(sheet_name)
    for table, spec in specs().items():
        n, title = spec.sheet["list"], norm(spec.sheet["title"])
        if re.match(rf"^list{n}(?!\d)", name) or name == title or name.endswith(title):
            return table
    return None


def is_annex_a(path: Path) -> bool:
    """True when any sheet of an Excel workbook is an Annex A list."""
    try:
        import fastexcel

        names = fastexcel.read_excel(str(path)).sheet_names
    except Exception:  # noqa: BLE001 - not a readable workbook: not Annex A
        return False
    return any(sheet_table(n) for n in names)


def file_order(path: Path) -> str:
    """Stacking order of workbooks: the date in the file name (YYYY-MM-DD or YYYYMMDD), else the name."""
    m = _FILE_DATE.search(path.name)
    return f"{m[1]}-{m[2]}-{m[3]}|{path.name}" if m else f"|{path.name}"


def code_value(text: str | None) -> str | None:
    """An Annex A coded cell as its code: list prefix and label dropped."""
    if text is None:
        return None
    s = _PREFIX.sub("", text.strip())
    m = _CODE_LABEL.match(s)
    return (m[1] if m else s).strip() or None


def _header_map(header: tuple, spec: TableSpec) -> dict[int, str]:
    wanted: dict[str, str] = {}
    for c in spec.columns:
        for name in (c.name, *c.aliases):
            wanted.setdefault(norm(name), c.name)
    out: dict[int, str] = {}
    for i, h in enumerate(header):
        col = wanted.get(norm(h))
        if col and col not in out.values():
            out[i] = col
    return out


def _top_rows(ws) -> tuple[int | None, list[tuple]]:
    """Excel row number of the first non-empty row, and the top rows from it (openpyxl)."""
    first, top = None, []
    for i, row in enumerate(
        ws.iter_rows(min_row=1, max_row=HEADER_SEARCH_ROWS, values_only=True), 1
    ):
        if first is None and any(v is not None and str(v).strip() for v in row):
            first = i
        if first is not None:
            top.append(row)
    return first, top


def read_sheet(
    reader, ws, name: str, spec: TableSpec, rel: str
) -> tuple[pl.DataFrame, str, set[str]]:
    """One list sheet -> raw frame (contract columns, strings), a note, the columns found.

    The cells are read by calamine (fast); openpyxl finds where the sheet starts, since
    calamine skips leading blank rows, so `source_row` is the Excel row number.
    """
    first, top = _top_rows(ws)
    head_at = next(
        (k for k, row in enumerate(top) if spec.child_column in _header_map(row, spec).values()),
        None,
    )
    if first is None or head_at is None:
        return (
            _frame(pl.DataFrame(), spec, rel),
            f"no header row naming {spec.child_column!r}",
            set(),
        )
    df = reader.load_sheet(name, header_row=None, dtypes="string").to_polars()
    header = df.row(head_at)
    mapping = _header_map(header, spec)
    body = (
        df.with_row_index("source_row", offset=first)
        .slice(head_at + 1)
        .select(
            pl.col("source_row").cast(pl.Int64),
            *[pl.col(df.columns[i]).alias(col) for i, col in mapping.items()],
        )
    )
    coded = [
        c.name for c in spec.columns if c.type in ("code", "codes") and c.name in mapping.values()
    ]
    cols = list(mapping.values())
    body = body.with_columns(_tidy(pl.col(c)).alias(c) for c in cols)
    body = body.filter(~pl.all_horizontal(pl.col(cols).is_null())) if cols else body
    body = body.with_columns(code_expr(pl.col(c)).alias(c) for c in coded)
    absent = [c.name for c in spec.columns if c.name not in mapping.values()]
    note = f"optional columns absent: {', '.join(absent)}" if absent else ""
    return _frame(body, spec, rel), note, set(cols)


def code_expr(expr: pl.Expr) -> pl.Expr:
    """`code_value` as a polars expression (the same patterns)."""
    s = expr.str.strip_chars().str.replace(r"(?i)^[a-z]\d?\)\s*", "")
    m = s.str.extract(r"^([A-Za-z0-9]{1,4})\s*(?::|\s-\s)\s*.+$", 1)
    out = pl.coalesce(m, s).str.strip_chars()
    return pl.when(out == "").then(None).otherwise(out)


def _frame(body: pl.DataFrame, spec: TableSpec, rel: str) -> pl.DataFrame:
    schema = {c: pl.String for c in spec.column_names} | {"source_row": pl.Int64}
    df = body.select(
        [
            (pl.col(c) if c in body.columns else pl.lit(None)).cast(t).alias(c)
            for c, t in schema.items()
        ]
    )
    return df.with_columns(
        source_file=pl.lit(rel),
        collection_year=pl.lit(None, pl.Int64),
        stack_order=pl.lit(file_order(Path(rel))),
    )


def read_workbook(path: Path, rel: str) -> tuple[dict[str, pl.DataFrame], dict]:
    """Every Annex A list sheet of a workbook -> ({table: raw frame}, {"rows", "note"}).

    A required column missing from a list is an `InputError` naming file, sheet and column.
    """
    import fastexcel
    from openpyxl import load_workbook

    from pipeline.errors import InputError

    wb = load_workbook(path, read_only=True, data_only=True)
    reader = fastexcel.read_excel(str(path))
    out: dict[str, pl.DataFrame] = {}
    notes, ignored = [], []
    try:
        for name in wb.sheetnames:
            table = sheet_table(name)
            if table is None or table in out:
                ignored.append(name)
                continue
            spec = tables()[table]
            df, note, present = read_sheet(reader, wb[name], name, spec, rel)
            missing = [c.name for c in spec.columns if c.required and c.name not in present]
            if present and missing:
                raise InputError(
                    f"sheet {name!r}: required column {missing[0]} is missing", file=rel
                )
            out[table] = df
            if note:
                notes.append(f"{name}: {note}")
    finally:
        wb.close()
    if ignored:
        notes.append("sheets not read: " + ", ".join(ignored))
    m = _FILE_DATE.search(Path(rel).name)
    year = (int(m[1]) + (int(m[2]) >= 4)) if m else None  # the year ending 31 March after it
    return out, {
        "rows": sum(df.height for df in out.values()),
        "note": "; ".join(notes),
        "year": year,
        "year_source": "file name date" if year else "",
    }
