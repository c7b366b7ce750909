"""The CSC report's catalogue (`indicators.yml` beside this file): groups and indicators.

The performance pack's format extended with the authority's own code, numerator and
denominator, the window (month, year to date or month-end snapshot) and the group (a
section of the report). Validated on load; every problem is one line naming the file and
the indicator (`pipeline.reports.pack.catalogue.CatalogueError`).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pipeline.reports.pack.catalogue import SLUG, CatalogueError, Computed
from pipeline.yaml_errors import not_valid_yaml

GROUP_SLUG = r"^[a-z][a-z0-9-]*$"


class _Strict(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Group(_Strict):
    id: Annotated[str, Field(pattern=GROUP_SLUG)]
    title: Annotated[str, Field(min_length=1)]
    definition: Annotated[str, Field(min_length=1)]
    chart: str | None = None  # indicator id drawn with its target line


class Indicator(_Strict):
    id: Annotated[str, Field(pattern=SLUG.pattern, max_length=60)]
    code: str | None = None  # the authority's own code, e.g. "CSC 022"
    title: Annotated[str, Field(min_length=1)]
    group: str
    unit: Literal["%", "No.", "Rate"]
    polarity: Literal["High", "Low"] | None = None
    target: float | None = None
    window: Literal["month", "ytd", "snapshot"]
    source: Computed | Literal["supplied"]
    numerator: str | None = None
    denominator: str | None = None
    supplied_reason: str | None = None
    summary: str | None = None
    decimals: Annotated[int, Field(ge=0, le=3)] = 1
    definition: str | None = None  # default: the computed function's definition

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
    groups: tuple[Group, ...]
    indicators: tuple[Indicator, ...]

    @property
    def ids(self) -> list[str]:
        return [i.id for i in self.indicators]

    def in_group(self, group: str) -> list[Indicator]:
        return [i for i in self.indicators if i.group == group]


def _message(exc: ValidationError) -> str:
    err = exc.errors()[0]
    loc = ".".join(str(p) for p in err["loc"] if not str(p).startswith(("function-", "literal")))
    loc = loc.replace("Computed.", "").replace("str.", "")
    if err["type"] == "extra_forbidden":
        return f"unknown key {loc!r}"
    return f"{loc or 'entry'}: {err['msg']}"


def parse_catalogue(data: object, path: Path | str = "indicators.yml") -> Catalogue:
    if not isinstance(data, dict) or set(data) != {"groups", "indicators"}:
        raise CatalogueError(f"{path}: expected the keys 'groups' and 'indicators'")
    groups, seen_g = [], set()
    for n, g in enumerate(data["groups"] or []):
        try:
            group = Group.model_validate(g)
        except ValidationError as exc:
            raise CatalogueError(f"{path}: group #{n + 1}: {_message(exc)}") from None
        if group.id in seen_g:
            raise CatalogueError(f"{path}: group {group.id!r}: duplicate id")
        seen_g.add(group.id)
        groups.append(group)
    out, seen = [], set()
    for n, entry in enumerate(data["indicators"] or []):
        where = (
            f"indicator {entry['id']!r}"
            if isinstance(entry, dict) and isinstance(entry.get("id"), str)
            else f"indicator #{n + 1}"
        )
        try:
            ind = Indicator.model_validate(entry)
        except ValidationError as exc:
            raise CatalogueError(f"{path}: {where}: {_message(exc)}") from None
        if ind.id in seen:
            raise CatalogueError(f"{path}: {where}: duplicate id")
        if ind.group not in seen_g:
            raise CatalogueError(f"{path}: {where}: group {ind.group!r} is not in 'groups'")
        if not ind.is_computed and not ind.supplied_reason:
            raise CatalogueError(f"{path}: {where}: a supplied indicator needs supplied_reason")
        seen.add(ind.id)
        out.append(ind)
    for g in groups:
        if g.chart is not None and g.chart not in seen:
            raise CatalogueError(f"{path}: group {g.id!r}: chart {g.chart!r} is no indicator")
    return Catalogue(groups=tuple(groups), indicators=tuple(out))


def load_catalogue(path: Path | str) -> Catalogue:
    """Read and validate; computed sources must name a registered CSC indicator function."""
    from pipeline.reports.csc.indicators import REGISTRY

    path = Path(path)
    if not path.is_file():
        raise CatalogueError(f"{path}: CSC indicator catalogue not found")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        where, problem = not_valid_yaml(exc)
        raise CatalogueError(f"{path}{where}: {problem}") from None
    cat = parse_catalogue(data, path)
    for ind in cat.indicators:
        if ind.function and ind.function not in REGISTRY:
            raise CatalogueError(
                f"{path}: indicator {ind.id!r}: no computed function {ind.function!r}"
            )
        if ind.function and REGISTRY[ind.function].kind == "snapshot" and ind.window != "snapshot":
            raise CatalogueError(
                f"{path}: indicator {ind.id!r}: a snapshot function needs window: snapshot"
            )
        if ind.function and REGISTRY[ind.function].kind == "events" and ind.window == "snapshot":
            raise CatalogueError(
                f"{path}: indicator {ind.id!r}: an events function needs window month or ytd"
            )
    return cat


def definition(ind: Indicator) -> str:
    """What is published beside the figure: the catalogue's, else the function's definition."""
    if ind.definition:
        return ind.definition
    if ind.function:
        from pipeline.reports.csc.indicators import REGISTRY

        return REGISTRY[ind.function].definition
    return f"Supplied by the service. Not computed because: {ind.supplied_reason}"


def indicators_markdown(cat: Catalogue) -> str:
    """The indicator-by-indicator table of docs/csc-indicators.md (a test keeps them equal)."""
    lines = [
        "| code | indicator | group | unit | window | target | source | definition, or why supplied |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    titles = {g.id: g.title for g in cat.groups}
    for i in cat.indicators:
        target = "" if i.target is None else f"{i.target:g}"
        source = f"computed: `{i.function}`" if i.is_computed else "**supplied**"
        text = definition(i) if i.is_computed else i.supplied_reason
        lines.append(
            f"| {i.code or ''} | {i.title} (`{i.id}`) | {titles[i.group]} | {i.unit} | {i.window} | "
            f"{target} | {source} | {(text or '').replace('|', '/')} |"
        )
    return "\n".join(lines) + "\n"
