"""The input data contract as data: table specs and code lists.

`tables.yml` (SSDA903 and the IRO extracts) and `codes.yml` are the first contract; each
further source has its own files beside them, read after it: `cin_tables.yml` (CIN census,
visits extracts) with `cin_codes.yml`, and `annex_a_tables.yml` (Ofsted Annex A).
DfE field names (CHILD, DECOM, LS, ...) appear only here and in the raw layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files

import yaml

COLUMN_TYPES = {"id", "date", "code", "codes", "int", "text", "postcode"}


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    required: bool = False
    codes: str | None = None
    min: int | None = None
    max: int | None = None
    aliases: tuple[str, ...] = ()  # other headers accepted for this column (Annex A)


@dataclass(frozen=True)
class TableSpec:
    name: str
    source: str
    columns: tuple[ColumnSpec, ...]
    required_table: bool = False
    key: tuple[str, ...] = field(default_factory=tuple)
    natural_key: tuple[str, ...] = field(default_factory=tuple)
    per_year: bool = False
    dated: str | None = None
    aliases: tuple[str, ...] = field(default_factory=tuple)
    child_column: str = "CHILD"  # the column naming the child (quarantine's child_id)
    sheet: dict | None = None  # Annex A: {list: n, title: ...} finding the sheet

    @property
    def required_columns(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


def _load_yaml(name: str) -> dict:
    return yaml.safe_load(
        files("pipeline.inputs.contract").joinpath(name).read_text(encoding="utf-8")
    )


TABLE_FILES = ("tables.yml", "cin_tables.yml", "annex_a_tables.yml")
CODE_FILES = ("codes.yml", "cin_codes.yml")


def _column(name: str, spec: dict | None) -> ColumnSpec:
    spec = dict(spec or {})
    spec["aliases"] = tuple(spec.get("aliases", ()))
    return ColumnSpec(name=name, **spec)


@cache
def tables() -> dict[str, TableSpec]:
    """All input tables, in contract order (the 903 contract first, then each further file)."""
    out = {}
    contract = {}
    for file in TABLE_FILES:
        contract |= _load_yaml(file)
    for name, spec in contract.items():
        cols = tuple(_column(c, s) for c, s in spec["columns"].items())
        for c in cols:
            assert c.type in COLUMN_TYPES, f"{name}.{c.name}: unknown type {c.type}"
        out[name] = TableSpec(
            name=name,
            source=spec["source"],
            columns=cols,
            required_table=spec.get("required_table", False),
            key=tuple(spec.get("key", [])),
            natural_key=tuple(spec.get("natural_key", [])),
            per_year=spec.get("per_year", False),
            dated=spec.get("dated"),
            aliases=tuple(spec.get("aliases", [])),
            child_column=spec.get("child_column", "CHILD"),
            sheet=spec.get("sheet"),
        )
    return out


@dataclass(frozen=True)
class Code:
    """One code of a list: its label and the collection years (year ends) it is valid in."""

    label: str
    first_year: int | None = None  # None: every year up to `last_year`
    last_year: int | None = None  # None: every year from `first_year`

    def valid_in(self, year: int | None) -> bool:
        if year is None:
            return True
        return (self.first_year is None or year >= self.first_year) and (
            self.last_year is None or year <= self.last_year
        )


@cache
def _code_entries() -> dict[str, dict[str, Code]]:
    out = {}
    lists: dict = {}
    for file in CODE_FILES:
        lists |= _load_yaml(file)
    for name, mapping in lists.items():
        out[name] = {
            str(k): Code(str(v["label"]), v.get("from"), v.get("to"))
            if isinstance(v, dict)
            else Code(str(v))
            for k, v in mapping.items()
        }
    return out


@cache
def code_lists() -> dict[str, dict[str, str]]:
    """Code list name -> {code: label} over every collection year. Keys are strings even
    where YAML saw numbers."""
    return {name: {k: c.label for k, c in m.items()} for name, m in _code_entries().items()}


def codes(name: str) -> dict[str, str]:
    return code_lists()[name]


def codes_for(name: str, year: int | None) -> dict[str, str]:
    """The codes of list `name` valid in collection year `year` (None: every year)."""
    return {k: c.label for k, c in _code_entries()[name].items() if c.valid_in(year)}


def year_limited(name: str) -> dict[str, Code]:
    """The codes of `name` valid only in some collection years (empty: all codes always)."""
    return {
        k: c
        for k, c in _code_entries()[name].items()
        if c.first_year is not None or c.last_year is not None
    }


TYPE_TEXT = {
    "id": "identifier (text; leading zeros kept)",
    "date": "date, dd/mm/YYYY or YYYY-MM-DD",
    "code": "code from list",
    "codes": "one or more codes from list, separated by `;`",
    "int": "whole number",
    "text": "text",
    "postcode": "postcode",
}


SOURCE_TEXT = {
    "SSDA903": "SSDA903 return",
    "IRO": "IRO service extract",
    "CIN": "CIN census",
    "SSD": "visits extract, Standard Safeguarding Dataset shape",
    "ANNEX_A": "Ofsted Annex A list",
}


def contract_markdown() -> str:
    """The tables-and-columns part of docs/data-contract.md, generated from tables.yml."""
    lines = []
    for spec in tables().values():
        where = SOURCE_TEXT.get(spec.source, spec.source)
        need = "required" if spec.required_table else "optional"
        lines += [f"### `{spec.name}` ({where}, {need})", ""]
        if spec.key:
            lines += [f"Unique key: {', '.join(spec.key)}.", ""]
        if spec.natural_key:
            same = ", ".join(spec.natural_key) + (" and collection year" if spec.per_year else "")
            how = (
                "a per-year snapshot: each return's rows are its own year's facts"
                if spec.per_year
                else "the latest return's row is used, older copies are superseded"
            )
            lines += [f"Same fact in several returns: same {same} ({how}).", ""]
        if spec.aliases:
            lines += [f"Also recognised by the names: {', '.join(spec.aliases)}.", ""]
        if spec.sheet:
            lines += [f"Annex A list {spec.sheet['list']} ({spec.sheet['title']}).", ""]
        lines += ["| column | type | required | codes |", "| --- | --- | --- | --- |"]
        for c in spec.columns:
            rng = f" ({c.min}-{c.max})" if c.min is not None else ""
            codes_ = f"`{c.codes}`" if c.codes else ""
            req = "yes" if c.required else ""
            alias = f" (also: {'; '.join(c.aliases)})" if c.aliases else ""
            lines.append(f"| `{c.name}`{alias} | {TYPE_TEXT[c.type]}{rng} | {req} | {codes_} |")
        lines.append("")
    lines += ["### Code lists", ""]
    lines += [
        "Codes are matched without regard to case (`c2` is read as `C2`). A code marked",
        "with years is valid only in those collection years (year ends: `2018` is the",
        "2017-18 return); each row is checked against its own return's year.",
        "",
    ]
    for name, mapping in _code_entries().items():
        items = "; ".join(f"`{k}` {c.label}{_years(c)}" for k, c in mapping.items())
        lines += [f"- **{name}**: {items}"]
    return "\n".join(lines) + "\n"


def _years(c: Code) -> str:
    if c.first_year is None and c.last_year is None:
        return ""
    if c.first_year is None:
        return f" (to {c.last_year - 1}-{c.last_year % 100:02d})"
    if c.last_year is None:
        return f" (from {c.first_year - 1}-{c.first_year % 100:02d})"
    return f" ({c.first_year - 1}-{c.first_year % 100:02d} to {c.last_year - 1}-{c.last_year % 100:02d})"
