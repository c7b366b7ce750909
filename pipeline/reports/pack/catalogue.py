"""The indicator catalogue (`pipeline/reports/pack/indicators.yml`): what the pack shows, validated on load.

Sections, titles, targets and benchmarks are data: adding a supplied indicator is a YAML
edit only. Every problem is a one-line `CatalogueError` naming the file and the indicator.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.yaml_errors import not_valid_yaml

UNITS = ("%", "No.", "Rate", "Days", "Score")
SLUG = re.compile(r"^[a-z][a-z0-9_]*$")


class CatalogueError(ValueError):
    """The catalogue is missing, malformed or inconsistent (one-line message)."""


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Pointer(_Strict):
    """A measure in a published DfE file: rows matching `filters`, value in `value_col`."""

    file: str
    value_col: str
    filters: dict[str, str] = {}


Benchmark = float | Pointer | None


class Benchmarks(_Strict):
    england: Benchmark = None
    stat_neighbours: Benchmark = None


class Computed(_Strict):
    computed: str


class Indicator(_Strict):
    id: Annotated[str, Field(pattern=SLUG.pattern, max_length=60)]
    title: Annotated[str, Field(min_length=1)]
    section: Annotated[str, Field(min_length=1)]
    unit: Literal["%", "No.", "Rate", "Days", "Score"]
    polarity: Literal["High", "Low"] | None = None
    target: float | None = None
    tolerance: Annotated[float, Field(ge=0)] | None = None
    benchmarks: Benchmarks = Benchmarks()
    source: Computed | Literal["supplied"]
    definition: str | None = None
    decimals: Annotated[int, Field(ge=0, le=4)] = 0
    suppress_small: bool = True
    supplied_by: str | None = None  # the team that supplies a `supplied` indicator
    # plausibility of supplied values (supplied.py): a percentage's base known from the
    # records (a computed function, e.g. started_count, `base_lag` months before), and an
    # indicator (computed function or catalogue id) a count can never exceed
    base: str | None = None
    base_lag: Annotated[int, Field(ge=0, le=12)] = 0
    at_most: str | None = None
    ytd: Literal["sum", "ratio"] | None = None  # how the year to date is formed, if at all
    headline: str | None = None  # sentence template for the summary page: '{value} of ...'

    @field_validator("polarity", mode="before")
    @classmethod
    def _dash_is_none(cls, v):
        return None if v in ("-", "", "None") else v

    @property
    def is_computed(self) -> bool:
        return isinstance(self.source, Computed)

    @property
    def function(self) -> str | None:
        return self.source.computed if isinstance(self.source, Computed) else None


class Catalogue(_Strict):
    indicators: tuple[Indicator, ...]
    section_order: tuple[str, ...] = ()

    def __len__(self) -> int:
        return len(self.indicators)

    def get(self, indicator_id: str) -> Indicator:
        for ind in self.indicators:
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    @property
    def sections(self) -> list[str]:
        """The pack's sections: the `sections` list if given, else order of first appearance."""
        seen = list(dict.fromkeys(i.section for i in self.indicators))
        return [s for s in self.section_order if s in seen] or seen


def _where(entry: object, index: int) -> str:
    if isinstance(entry, dict) and isinstance(entry.get("id"), str):
        return f"indicator {entry['id']!r}"
    return f"indicator #{index + 1}"


def _error_text(exc: ValidationError) -> str:
    errors = exc.errors()
    # in a union (number or pointer), the pointer's own complaint is the informative one
    err = next((e for e in errors if e["type"] == "extra_forbidden"), errors[0])
    branch = {"float", "Pointer", "Computed", "str"}
    loc = ".".join(
        str(p)
        for p in err["loc"]
        if str(p) not in branch and not str(p).startswith(("function-", "literal"))
    )
    if err["type"] == "extra_forbidden":
        return f"unknown key {loc!r}"
    if err["type"] == "literal_error" and loc == "unit":
        return f"unit: {err['input']!r} is not one of {', '.join(UNITS)}"
    return f"{loc or 'entry'}: {err['msg']}"


def parse_catalogue(data: object, path: Path | str = "indicators.yml") -> Catalogue:
    """Validate already-loaded YAML; errors name the file and the indicator."""
    entries = data.get("indicators") if isinstance(data, dict) else data
    if isinstance(data, dict) and set(data) - {"indicators", "sections"}:
        extra = sorted(set(data) - {"indicators", "sections"})[0]
        raise CatalogueError(f"{path}: unknown top-level key {extra!r}")
    order = data.get("sections") or [] if isinstance(data, dict) else []
    if not isinstance(order, list) or not all(isinstance(s, str) for s in order):
        raise CatalogueError(f"{path}: 'sections' must be a list of section names")
    if not isinstance(entries, list):
        raise CatalogueError(f"{path}: expected a list under 'indicators'")
    seen: set[str] = set()
    out = []
    for i, entry in enumerate(entries):
        where = _where(entry, i)
        if not isinstance(entry, dict):
            raise CatalogueError(f"{path}: {where}: expected a mapping")
        try:
            ind = Indicator.model_validate(entry)
        except ValidationError as exc:
            raise CatalogueError(f"{path}: {where}: {_error_text(exc)}") from None
        if ind.id in seen:
            raise CatalogueError(f"{path}: {where}: duplicate id")
        if ind.unit == "No." and ind.decimals:
            raise CatalogueError(f"{path}: {where}: a count (unit No.) has no decimals")
        if ind.base is not None and ind.unit != "%":
            raise CatalogueError(f"{path}: {where}: 'base' is for percentages")
        if ind.ytd == "ratio" and ind.unit != "%":
            raise CatalogueError(f"{path}: {where}: ytd 'ratio' is for percentages")
        if order and ind.section not in order:
            raise CatalogueError(f"{path}: {where}: section {ind.section!r} is not in 'sections'")
        seen.add(ind.id)
        out.append(ind)
    return Catalogue(indicators=tuple(out), section_order=tuple(order))


def load_catalogue(path: Path | str, *, check_functions: bool = True) -> Catalogue:
    """Read and validate the catalogue; computed sources must name a registered function."""
    path = Path(path)
    if not path.is_file():
        raise CatalogueError(f"{path}: indicator catalogue not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        where, problem = not_valid_yaml(exc)
        raise CatalogueError(f"{path}{where}: {problem}") from None
    cat = parse_catalogue(data, path)
    if check_functions:
        from pipeline.reports.pack.indicators import REGISTRY

        for ind in cat.indicators:
            if ind.function and ind.function not in REGISTRY:
                raise CatalogueError(
                    f"{path}: indicator {ind.id!r}: no computed function {ind.function!r}"
                )
            if ind.base and ind.base not in REGISTRY:
                raise CatalogueError(f"{path}: indicator {ind.id!r}: no computed base {ind.base!r}")
            if ind.at_most and ind.at_most not in REGISTRY and ind.at_most not in cat.ids:
                raise CatalogueError(
                    f"{path}: indicator {ind.id!r}: at_most {ind.at_most!r} is neither a "
                    "computed function nor an indicator"
                )
    return cat


def slug(text: str) -> str:
    """A section's slug for labels and file names: 'Health & Emotional Wellbeing' -> 'health-emotional-wellbeing'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
