"""Which table a raw file holds and which collection year it belongs to, from its path.

Local authorities keep one SSDA903 return per collection year, named their own way:
`2021-header.csv`, `SSDA903_2020_episodes.csv`, `Episodes 2017-18.xlsx`, or one sub-folder
per year (`2019-20/header.csv`). A file's table is read from its name (year tags and words
such as `SSDA903` ignored), else from its columns; its collection year from its folder, else
its name (the dates inside come last, in `pipeline.inputs.ingest`). Years are year ends, as
DfE names collections: `2017-18` and `2018` are both the return for 1 April 2017 to 31 March
2018.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from pipeline.errors import InputError
from pipeline.inputs.contract import TableSpec, tables

# a full date in a name is an export date, never a collection year
_DATE = re.compile(
    r"(?<!\d)(?:(?:19|20)\d{2}[-_.]?[01]\d[-_.]?[0-3]\d|[0-3]\d[-_.][01]\d[-_.](?:19|20)\d{2})(?!\d)"
)
# 2017-18, 2017_18, 2017/18, 201718, 2017-2018, 2017 to 2018
_RANGE = re.compile(
    r"(?<!\d)((?:19|20)\d{2})\s*(?:[-_/]|\s|to)?\s*((?:19|20)?\d{2})(?!\d)", re.IGNORECASE
)
_YEAR = re.compile(r"(?<!\d)((?:19|20)\d{2})(?!\d)")
# words that say where a file came from, not what it holds
_NOISE = {"ssda903", "ssda", "903", "return", "returns", "data", "extract", "export", "table"}
_NOISE |= {"csv", "xlsx", "la", "lac", "cla", "cic", "copy", "final", "v"}
# the share of a file's columns that must belong to a table for its columns to identify it
MIN_COLUMN_SHARE = 0.5


@dataclass(frozen=True)
class Year:
    year: int | None
    source: str  # 'folder' | 'file name' | 'dates' | '' (unknown)
    note: str = ""


def year_in(text: str) -> tuple[int | None, str]:
    """The collection year (year end) a name states, and a note when it is ambiguous.

    `2017-18` -> 2018; a lone `2021` -> 2021 (the year the return ends, as DfE names it).
    Full dates (`2024-04-30`, `20240430`) are export dates and are ignored.
    """
    s = _DATE.sub(" ", text)
    found: list[int] = []
    rest = s
    for m in _RANGE.finditer(s):
        first, second = int(m.group(1)), m.group(2)
        follows = int(second) == (first + 1 if len(second) == 4 else (first + 1) % 100)
        if follows:
            found.append(first + 1)
            rest = rest.replace(m.group(0), " ", 1)
    found += [int(y) for y in _YEAR.findall(rest)]
    years = sorted(set(found))
    if len(years) > 1:
        return None, f"names several years ({', '.join(map(str, years))})"
    return (years[0] if years else None), ""


def year_label(year: int | None) -> str:
    return "unknown year" if year is None else f"{year - 1}-{year % 100:02d}"


def path_year(rel: str) -> Year:
    """A file's collection year from its folders (deepest first), else its file name."""
    path = PurePosixPath(rel)
    for folder in reversed(path.parent.parts):
        year, note = year_in(folder)
        if year is not None:
            named, _ = year_in(path.stem)
            clash = f"; file name says {year_label(named)}" if named not in (None, year) else ""
            return Year(year, "folder", f"year from folder {folder}{clash}")
        if note:
            raise InputError(f"folder {folder} {note}: cannot tell its collection year", file=rel)
    year, note = year_in(path.stem)
    if note:
        raise InputError(f"file name {note}: cannot tell its collection year", file=rel)
    return Year(year, "file name" if year is not None else "")


def _words(stem: str) -> list[str]:
    s = _DATE.sub(" ", stem.lower())
    s = _RANGE.sub(" ", s)
    s = _YEAR.sub(" ", s)
    words = [w for w in re.split(r"[^a-z0-9]+", s) if w]
    return [w for w in words if w not in _NOISE and not w.isdigit()]


def _names(spec: TableSpec) -> set[str]:
    names = {spec.name, *spec.aliases}
    return {re.sub(r"[^a-z0-9]", "", n.lower()) for n in names}


def table_from_name(stem: str) -> str | None:
    """The contract table a file name says (case, separators and year tags ignored)."""
    words = _words(stem)
    if not words:
        return None
    joined = "".join(words)
    for name, spec in tables().items():
        if joined in _names(spec):
            return name
    return None


def norm_column(name: str) -> str:
    return re.sub(r"\s+", "", name).upper()


def tables_from_columns(columns: list[str]) -> list[str]:
    """Contract tables whose columns best fit a file's header row (empty: none fits).

    A table fits when every required column is present and more than half of the file's
    columns (two at least) are the table's; the best fit has the most columns in common, then the fewest
    extra. More than one name means the header alone is ambiguous.
    """
    cols = {norm_column(c) for c in columns if c and c.strip()}
    if not cols:
        return []
    scored = []
    for name, spec in tables().items():
        own = {norm_column(c) for c in spec.column_names}
        if not {norm_column(c) for c in spec.required_columns} <= cols:
            continue
        common = len(cols & own)
        if common < 2 or common / len(cols) <= MIN_COLUMN_SHARE:
            continue
        scored.append((common, -len(cols - own), name))
    if not scored:
        return []
    best = max(s[:2] for s in scored)
    return [name for *score, name in scored if tuple(score) == best]
