"""SSDA903 tables written as the DfE XML return (`EXPSSDA903` -> `CHILD` -> `HEADER`, `EPISODE`).

The inverse of `pipeline.inputs.xml903` (which documents the mapping): one CHILD per header
row, with the child's UASC, OC3 and AD1 fields as HEADER leaves, AREVIEW, PERMANENCE, OC2,
AD_PLACED and AMISSING inside HEADER, and EPISODE elements after it. One element per line,
written incrementally (no whole tree in memory). Empty values are self-closing tags.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
from lxml import etree

from pipeline.inputs.contract import tables

HEADER_LEAVES = ("UPN", "SEX", "DOB", "ETHNIC")
OC3 = ("IN_TOUCH", "ACTIV", "ACCOM")
AD1 = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")
SUB = {  # HEADER sub-element -> (table, its fields)
    "AREVIEW": ("reviews", ("REVIEW", "REVIEW_CODE")),
    "PERMANENCE": ("previous_permanence", ("PREV_PERM", "LA_PERM", "DATE_PERM")),
    "OC2": ("oc2", None),
    "AD_PLACED": (
        "placed_for_adoption",
        ("DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED"),
    ),
    "AMISSING": ("missing", ("MISSING", "MIS_START", "MIS_END")),
}
EPISODE = ("DECOM", "RNE", "LS", "CIN", "PLACE", "PL_POST", "HOME_POST", "URN")
EPISODE += ("PLACE_PROVIDER", "DEC", "REC", "REASON_PLACE_CHANGE")


def _by_child(df: pl.DataFrame) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for row in df.iter_rows(named=True):
        out.setdefault(row["CHILD"], []).append(row)
    return out


def _leaf(parent, tag: str, value) -> None:
    el = etree.SubElement(parent, tag)
    if value is not None:
        el.text = str(value)


def write_xml(frames: dict[str, pl.DataFrame], path: Path) -> int:
    """Write the 903 tables in `frames` as one XML return; returns the number of children."""
    groups = {name: _by_child(frames[name]) for name in frames if name != "header"}
    oc2_fields = [c for c in tables()["oc2"].column_names if c not in ("CHILD", "DOB")]
    path.parent.mkdir(parents=True, exist_ok=True)
    n = 0
    with etree.xmlfile(str(path), encoding="us-ascii") as xf:
        xf.write_declaration()
        with xf.element("EXPSSDA903"):
            xf.write("\n")
            for h in frames["header"].iter_rows(named=True):
                child_id = h["CHILD"]
                child = etree.Element("CHILD")
                header = etree.SubElement(child, "HEADER")
                _leaf(header, "CHILDID", child_id)
                for f in HEADER_LEAVES:
                    _leaf(header, f, h[f])
                uasc = groups["uasc"].get(child_id)
                _leaf(header, "UASC", "1" if uasc else None)
                if uasc:
                    _leaf(header, "DUC", uasc[0]["DUC"])
                if oc3 := groups["oc3"].get(child_id):
                    for f in OC3:
                        _leaf(header, f, oc3[0][f])
                if ad1 := groups["ad1"].get(child_id):
                    for f in AD1:
                        _leaf(header, f, ad1[0][f])
                for tag in ("AREVIEW",):
                    table, fields = SUB[tag]
                    for r in groups[table].get(child_id, []):
                        sub = etree.SubElement(header, tag)
                        for f in fields:
                            _leaf(sub, f, r[f])
                _leaf(header, "MOTHER", h["MOTHER"])
                _leaf(header, "MC_DOB", h["MC_DOB"])
                for tag in ("PERMANENCE", "OC2", "AD_PLACED", "AMISSING"):
                    table, fields = SUB[tag]
                    for r in groups[table].get(child_id, []):
                        sub = etree.SubElement(header, tag)
                        for f in fields or oc2_fields:
                            _leaf(sub, f, r[f])
                for r in groups["episodes"].get(child_id, []):
                    ep = etree.SubElement(child, "EPISODE")
                    for f in EPISODE:
                        _leaf(ep, "PL" if f == "PLACE" else f, r[f])
                etree.indent(child, space="", level=1)
                child.tail = "\n"
                xf.write(child)
                n += 1
    return n
