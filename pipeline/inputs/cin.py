"""The CIN census XML (`Message/Children/Child`) -> raw_cin_* tables of strings, nothing lost.

Streaming: `lxml.etree.iterparse` hands over one `Child` at a time and each is cleared
once read, so memory stays flat for a national-size return. Every row carries
`source_file`, `source_row` (the line of the element it came from: `Child`, `CINdetails`,
`Assessments`, `CINPlanDates`, `Section47`, `ChildProtectionPlans`, `CPPreviewDate`) and
`collection_year` (`Header/CollectionDetails/Year`, the census year end).

The repeating modules have no wrapper: each `Assessments`, `CINPlanDates`, `Section47`
and `ChildProtectionPlans` element *is* one record, and all review dates of a plan sit in
one `Reviews` element (every `CPPreviewDate` is read, not only the first). Elements are
found by name, so their order does not matter. Unknown elements are counted in the file
report, not fatal; an XML syntax error makes the file unreadable (line given).
The same tables can be supplied as CSV files (cin_episodes.csv, ...) with a `Year` column.
"""

from __future__ import annotations

import re
from pathlib import Path

import polars as pl

from pipeline.inputs.contract import tables

TABLES = (
    "cin_children",
    "cin_episodes",
    "cin_assessments",
    "cin_plans",
    "cin_section47",
    "cin_cp_plans",
    "cin_cp_reviews",
)
# elements read into some table (any other element under Child is reported as unknown)
_KNOWN = {
    "Child", "ChildIdentifiers", "ChildCharacteristics", "CINdetails", "Disabilities",
    "Disability", "Assessments", "FactorsIdentifiedAtAssessment", "AssessmentFactors",
    "CINPlanDates", "Section47", "ChildProtectionPlans", "Reviews", "CPPreviewDate",
}  # fmt: skip


def is_cin_census(path: Path) -> bool:
    """True when an XML file is a CIN census return (its collection is CIN or it has CINdetails)."""
    try:
        head = Path(path).read_bytes()[:20_000].decode("utf-8", "ignore")
    except OSError:
        return False
    return bool(re.search(r"<Collection>\s*CIN\s*</Collection>|<CINdetails[\s>]", head))


def _text(el, tag: str) -> str | None:
    found = el.find(tag)
    if found is None or found.text is None:
        return None
    value = found.text.strip()
    return value or None


def _fields(el, names: list[str]) -> dict[str, str | None]:
    return {n: _text(el, n) for n in names}


class _Rows:
    """Row dicts per table, each with the element's line as source_row."""

    def __init__(self) -> None:
        self.rows: dict[str, list[dict]] = {t: [] for t in TABLES}
        self.columns = {t: tables()[t].column_names for t in TABLES}
        # element names read into some column (XML elements are the column names)
        self.fields = {c for cols in self.columns.values() for c in cols} | {"Sex"}

    def add(self, table: str, line: int | None, values: dict) -> None:
        row = {c: values.get(c) for c in self.columns[table]}
        row["source_row"] = line
        self.rows[table].append(row)


def _child(child, rows: _Rows, unknown: dict[str, int]) -> None:
    ids = child.find("ChildIdentifiers")
    chars = child.find("ChildCharacteristics")
    ident = _fields(ids, rows.columns["cin_children"]) if ids is not None else {"LAchildID": None}
    la_id = ident.get("LAchildID")
    disab = [] if chars is None else chars.findall("Disabilities/Disability")
    codes = [d.text.strip() for d in disab if d.text and d.text.strip()]
    ident["Ethnicity"] = None if chars is None else _text(chars, "Ethnicity")
    ident["Disabilities"] = ";".join(codes) or None
    rows.add("cin_children", child.sourceline, ident)
    known = _KNOWN | rows.fields
    for el in child.iter():
        if isinstance(el.tag, str) and el.tag not in known:
            unknown[el.tag] = unknown.get(el.tag, 0) + 1
    for ep in child.findall("CINdetails"):
        ref = _text(ep, "CINreferralDate")
        keys = {"LAchildID": la_id, "CINreferralDate": ref}
        rows.add("cin_episodes", ep.sourceline, _fields(ep, rows.columns["cin_episodes"]) | keys)
        for a in ep.findall("Assessments"):
            factors = [
                f.text.strip()
                for f in a.findall("FactorsIdentifiedAtAssessment/AssessmentFactors")
                if f.text and f.text.strip()
            ]
            values = _fields(a, rows.columns["cin_assessments"]) | keys
            values["AssessmentFactors"] = ";".join(factors) or None
            rows.add("cin_assessments", a.sourceline, values)
        for p in ep.findall("CINPlanDates"):
            rows.add("cin_plans", p.sourceline, _fields(p, rows.columns["cin_plans"]) | keys)
        for s in ep.findall("Section47"):
            rows.add(
                "cin_section47", s.sourceline, _fields(s, rows.columns["cin_section47"]) | keys
            )
        for cp in ep.findall("ChildProtectionPlans"):
            plan = _fields(cp, rows.columns["cin_cp_plans"]) | keys
            rows.add("cin_cp_plans", cp.sourceline, plan)
            for rv in cp.findall("Reviews/CPPreviewDate"):
                value = rv.text.strip() if rv.text and rv.text.strip() else None
                rows.add(
                    "cin_cp_reviews",
                    rv.sourceline,
                    keys | {"CPPstartDate": plan["CPPstartDate"], "CPPreviewDate": value},
                )


def read_cin_xml(path: Path, rel: str) -> tuple[dict[str, pl.DataFrame], dict]:
    """One CIN census XML -> ({table: raw frame}, {"rows", "note", "year"}).

    Raises `lxml.etree.XMLSyntaxError` for a file that is not well-formed XML.
    """
    from lxml import etree

    rows = _Rows()
    unknown: dict[str, int] = {}
    header: dict[str, str | None] = {"Year": None, "ReferenceDate": None}
    for _, el in etree.iterparse(
        str(path), events=("end",), tag=("Year", "ReferenceDate", "Child"), huge_tree=True
    ):
        if el.tag == "Child":
            _child(el, rows, unknown)
            el.clear()
            while el.getprevious() is not None:  # free what has been read
                del el.getparent()[0]
        elif el.getparent() is not None and el.getparent().tag == "CollectionDetails":
            header[el.tag] = (el.text or "").strip() or None
    year = header["Year"]
    year_int = int(year) if year and year.isdigit() else None
    out = {}
    for table in TABLES:
        schema = {c: pl.String for c in rows.columns[table]} | {"source_row": pl.Int64}
        df = pl.DataFrame(rows.rows[table], schema=schema, orient="row")
        out[table] = df.with_columns(
            pl.col("Year").fill_null(pl.lit(year)) if "Year" in df.columns else pl.lit(year),
            source_file=pl.lit(rel),
            collection_year=pl.lit(year_int, pl.Int64),
        )
    notes = []
    if year_int is None:
        notes.append("no census Year in Header/CollectionDetails (collection year unknown)")
    ref = header["ReferenceDate"]
    if year_int is not None and ref != f"{year_int}-03-31":
        notes.append(f"ReferenceDate {ref or '(missing)'} is not 31 March {year_int}")
    if unknown:
        notes.append(
            "elements not read: " + ", ".join(f"{k} ({v})" for k, v in sorted(unknown.items()))
        )
    n = sum(df.height for df in out.values())
    return out, {
        "rows": n,
        "note": "; ".join(notes),
        "year": year_int,
        "year_source": "XML header" if year_int else "",
    }
