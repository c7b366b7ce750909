"""The DfE SSDA903 XML return (`EXPSSDA903` -> `CHILD` -> `HEADER`, `EPISODE` ...) as raw rows.

Streamed with lxml's `iterparse`: one `CHILD` element at a time is turned into rows and then
cleared, so a national file never needs its whole tree in memory. Each element becomes a row
of the same raw tables CSV files give, with the element's line number as `source_row`, so
validation, quarantine and row accounting are the same for both formats. The mapping
(docs/data-contract.md, "The XML return"):

- `CHILD/HEADER` -> header (`CHILDID` is CHILD); its own leaves also give one uasc row
  (when `UASC` is set and not 0, or `DUC` is given), one oc3 row (when any of IN_TOUCH,
  ACTIV, ACCOM is given) and one ad1 row (when any adoption field is given);
- `HEADER/AREVIEW` -> reviews, `HEADER/AMISSING` -> missing, `HEADER/OC2` -> oc2,
  `HEADER/PERMANENCE` -> previous_permanence, `HEADER/AD_PLACED` -> placed_for_adoption;
- `CHILD/EPISODE` -> episodes (`PL` is PLACE).

Rows from HEADER's sub-elements carry the child's CHILD and DOB. Elements the contract does
not know are counted and reported, not fatal.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from lxml import etree

from pipeline.inputs.contract import tables

RENAMES = {"CHILDID": "CHILD", "PL": "PLACE"}
# sub-elements of HEADER that are rows of their own table
HEADER_ROWS = {
    "AREVIEW": "reviews",
    "AMISSING": "missing",
    "OC2": "oc2",
    "PERMANENCE": "previous_permanence",
    "AD_PLACED": "placed_for_adoption",
}
# tables made from HEADER's own leaves when any of these is given
HEADER_LEAF_TABLES = {
    "oc3": ("IN_TOUCH", "ACTIV", "ACCOM"),
    "ad1": ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR"),
}
ROOT = "EXPSSDA903"


@dataclass
class XmlResult:
    """Rows per contract table (lists of dicts) and what could not be read."""

    rows: dict[str, list[dict]] = field(default_factory=dict)
    children: int = 0
    root: str = ""
    unknown: Counter = field(default_factory=Counter)
    error: str = ""

    @property
    def is_903(self) -> bool:
        return self.children > 0

    def frames(self) -> dict[str, pl.DataFrame]:
        """Non-empty tables as string frames with `source_row` (ingest adds `source_file`)."""
        out = {}
        for name, rows in self.rows.items():
            if not rows:
                continue
            cols = tables()[name].column_names
            data = {c: [r.get(c) for r in rows] for c in cols}
            data["source_row"] = [r["_line"] for r in rows]
            schema = {c: pl.String for c in cols} | {"source_row": pl.Int64}
            out[name] = pl.DataFrame(data, schema=schema)
        return out


def _tag(el) -> str:
    tag = el.tag if isinstance(el.tag, str) else ""
    return tag.rsplit("}", 1)[-1]


def _text(el) -> str | None:
    t = (el.text or "").strip()
    return t or None


def _leaves(el) -> dict[str, str | None]:
    """Direct leaf children of `el` as {column: text} (contract names)."""
    out = {}
    for c in el:
        if len(c) == 0 and isinstance(c.tag, str):
            tag = _tag(c)
            out[RENAMES.get(tag, tag)] = _text(c)
    return out


def _keep(row: dict, table: str, line: int, unknown: Counter) -> dict:
    cols = set(tables()[table].column_names)
    for k in row:
        if k not in cols and k != "CHILD":
            unknown[f"{table}.{k}"] += 1
    return {k: v for k, v in row.items() if k in cols} | {"_line": line}


def _child_rows(child, res: XmlResult) -> None:
    header = next((c for c in child if _tag(c) == "HEADER"), None)
    if header is None:
        res.unknown["CHILD without HEADER"] += 1
        return
    res.children += 1
    h = _leaves(header)
    ident = {"CHILD": h.get("CHILD"), "DOB": h.get("DOB")}
    line = header.sourceline or 0
    header_cols = set(tables()["header"].column_names)
    used = set(header_cols) | {"UASC", "DUC"}
    res.rows["header"].append({k: v for k, v in h.items() if k in header_cols} | {"_line": line})
    uasc = h.get("UASC")
    if (uasc is not None and uasc != "0") or h.get("DUC") is not None:
        res.rows["uasc"].append(
            {"CHILD": h.get("CHILD"), "SEX": h.get("SEX"), "DOB": h.get("DOB")}
            | {"DUC": h.get("DUC"), "_line": line}
        )
    for table, fields in HEADER_LEAF_TABLES.items():
        used |= set(fields)
        if any(h.get(f) is not None for f in fields):
            res.rows[table].append(ident | {f: h.get(f) for f in fields} | {"_line": line})
    for k in h:
        if k not in used:
            res.unknown[f"HEADER.{k}"] += 1
    for sub in header:
        tag = _tag(sub)
        if len(sub) == 0:
            continue
        table = HEADER_ROWS.get(tag)
        if table is None:
            res.unknown[f"HEADER/{tag}"] += 1
            continue
        res.rows[table].append(_keep(ident | _leaves(sub), table, sub.sourceline or 0, res.unknown))
    for sub in child:
        tag = _tag(sub)
        if tag == "EPISODE":
            row = {"CHILD": h.get("CHILD")} | _leaves(sub)
            res.rows["episodes"].append(_keep(row, "episodes", sub.sourceline or 0, res.unknown))
        elif tag != "HEADER":
            res.unknown[f"CHILD/{tag}"] += 1


def read_xml(path: Path) -> XmlResult:
    """Stream one XML file into 903 rows; `is_903` is False when it holds no CHILD/HEADER."""
    res = XmlResult(rows={name: [] for name, s in tables().items() if s.source == "SSDA903"})
    depth = 0
    try:
        for event, el in etree.iterparse(
            str(path),
            events=("start", "end"),
            resolve_entities=False,
            no_network=True,
            huge_tree=True,
        ):
            if event == "start":
                if depth == 0:
                    res.root = _tag(el)
                depth += 1
                continue
            depth -= 1
            if _tag(el) == "CHILD" and any(_tag(c) == "HEADER" for c in el):
                _child_rows(el, res)
                el.clear(keep_tail=True)
                parent = el.getparent()
                while parent is not None and el.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        res.error = f"not well-formed XML (line {exc.lineno})"
    return res
