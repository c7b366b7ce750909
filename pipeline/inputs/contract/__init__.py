"""The input data contract as data: table specs (`tables.yml`) and code lists (`codes.yml`).

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


@dataclass(frozen=True)
class TableSpec:
    name: str
    source: str
    columns: tuple[ColumnSpec, ...]
    required_table: bool = False
    key: tuple[str, ...] = field(default_factory=tuple)

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> ColumnSpec:
        return next(c for c in self.columns if c.name == name)


def _load_yaml(name: str) -> dict:
    return yaml.safe_load(
        files("pipeline.inputs.contract").joinpath(name).read_text(encoding="utf-8")
    )


@cache
def tables() -> dict[str, TableSpec]:
    """All input tables, in contract order."""
    out = {}
    for name, spec in _load_yaml("tables.yml").items():
        cols = tuple(
            ColumnSpec(name=c, **{k: v for k, v in (s or {}).items()})
            for c, s in spec["columns"].items()
        )
        for c in cols:
            assert c.type in COLUMN_TYPES, f"{name}.{c.name}: unknown type {c.type}"
        out[name] = TableSpec(
            name=name,
            source=spec["source"],
            columns=cols,
            required_table=spec.get("required_table", False),
            key=tuple(spec.get("key", [])),
        )
    return out


@cache
def code_lists() -> dict[str, dict[str, str]]:
    """Code list name -> {code: label}. Keys are strings even where YAML saw numbers."""
    return {
        name: {str(k): str(v) for k, v in mapping.items()}
        for name, mapping in _load_yaml("codes.yml").items()
    }


def codes(name: str) -> dict[str, str]:
    return code_lists()[name]


TYPE_TEXT = {
    "id": "identifier (text; leading zeros kept)",
    "date": "date, dd/mm/YYYY or YYYY-MM-DD",
    "code": "code from list",
    "codes": "one or more codes from list, separated by `;`",
    "int": "whole number",
    "text": "text",
    "postcode": "postcode",
}


def contract_markdown() -> str:
    """The tables-and-columns part of docs/data-contract.md, generated from tables.yml."""
    lines = []
    for spec in tables().values():
        where = "SSDA903 return" if spec.source == "SSDA903" else "IRO service extract"
        need = "required" if spec.required_table else "optional"
        lines += [f"### `{spec.name}` ({where}, {need})", ""]
        if spec.key:
            lines += [f"Unique key: {', '.join(spec.key)}.", ""]
        lines += ["| column | type | required | codes |", "| --- | --- | --- | --- |"]
        for c in spec.columns:
            rng = f" ({c.min}-{c.max})" if c.min is not None else ""
            codes_ = f"`{c.codes}`" if c.codes else ""
            req = "yes" if c.required else ""
            lines.append(f"| `{c.name}` | {TYPE_TEXT[c.type]}{rng} | {req} | {codes_} |")
        lines.append("")
    lines += ["### Code lists", ""]
    for name, mapping in code_lists().items():
        items = "; ".join(f"`{k}` {v}" for k, v in mapping.items())
        lines += [f"- **{name}**: {items}"]
    return "\n".join(lines) + "\n"
