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
    return yaml.safe_load(files("pipeline.contract").joinpath(name).read_text(encoding="utf-8"))


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
