"""One frozen, typed parameters object per run, built from `config/<authority>.yml`.

Every stage receives a `RunParams`; nothing reads globals or the environment.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from pipeline.yaml_errors import yaml_problem


class ConfigError(ValueError):
    """A configuration file is missing, malformed or inconsistent (one-line message)."""


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Authority(_Frozen):
    name: str
    old_la_code: Annotated[str, Field(pattern=r"^\d{3}$")]
    new_la_code: Annotated[str, Field(pattern=r"^E\d{8}$")]
    service_name: str = "Independent Reviewing Officer service"
    # local authority district codes (ONS) making up the authority, for "placed outside the
    # authority"; empty: the new LA code itself (unitary, metropolitan and London authorities)
    district_codes: list[Annotated[str, Field(pattern=r"^[A-Z]\d{8}$")]] = []

    @property
    def area_codes(self) -> list[str]:
        return list(self.district_codes) or [self.new_la_code]


class Population(_Frozen):
    """Children aged 0-17 for rates per 10,000: a number, or the ONS file format."""

    children_0_17: int | None = Field(default=None, gt=0)
    ons_file: Path | None = None
    ons_la_code: str | None = None

    @model_validator(mode="after")
    def _one_source(self) -> Population:
        if self.children_0_17 is None and self.ons_file is None:
            raise ValueError("give population.children_0_17 or population.ons_file")
        return self


class Neighbours(_Frozen):
    """Statistical neighbours: an explicit list of old LA codes, or the groupings file."""

    codes: list[Annotated[str, Field(pattern=r"^\d{3}$")]] = []
    groupings_file: Path | None = None
    of_la_code: str | None = None
    label: str = "statistical neighbours"


class Paths(_Frozen):
    raw: Path = Path("data/raw")
    processed: Path = Path("data/processed")
    build: Path = Path("build")
    output: Path = Path("output")
    dfe: Path | None = None
    catalogue: Path | None = None  # None: the pack's bundled catalogue
    supplied: Path | None = None
    narrative: Path = Path("report/narrative")
    commentary: Path = Path("report/commentary")
    analysis: Path = Path("report/csc-analysis")  # CSC report: <quarter>/<group>.md
    postcodes: Path | None = None  # local postcode directory CSV (adds to the ONS package)
    csc_catalogue: Path | None = None  # None: the CSC report's bundled catalogue


class Guards(_Frozen):
    """When the build stops rather than publish figures from broken input (--force: warn)."""

    max_quarantined_pct: Annotated[float, Field(ge=0, le=100)] = 50
    min_rows: Annotated[int, Field(ge=0)] = 100  # smaller tables are not share-checked


class ReportSettings(_Frozen):
    """How the reports are published. `omit_sections`: headings (as slugs, e.g.
    `dispute-resolution`, `iro-contact-with-children`) left out of every report, heading
    and all, so that a final render may publish without inputs the authority lacks."""

    omit_sections: list[str] = []

    @field_validator("omit_sections")
    @classmethod
    def _slugs(cls, v: list[str]) -> list[str]:
        for name in v:
            if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
                raise ValueError(
                    f"{name!r} is not a section name: a heading in lower case with hyphens, "
                    "e.g. dispute-resolution (docs/iro-extracts.md)"
                )
        return v


class RunParams(_Frozen):
    """Everything a run needs. Built by `load_params`; passed to every stage."""

    authority: Authority
    year_end: Annotated[int, Field(ge=2000, le=2100)]
    extract_date: dt.date
    pack_month: Annotated[str, Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$")] | None = None
    # CSC report quarter, e.g. "2023-24 Q2"; None: the latest quarter ending by the extract
    # date within the reporting year (Q4 once the year is over)
    quarter: Annotated[str, Field(pattern=r"^\d{4}-\d{2} Q[1-4]$")] | None = None
    population: Population
    statistical_neighbours: Neighbours = Neighbours()
    disclosure_threshold: Annotated[int, Field(ge=0, le=20)] = 5
    disclosure: Literal["suppress", "none"] = "suppress"  # none: publish unsuppressed (stated)
    history_years: Annotated[int, Field(ge=1, le=10)] = 4
    # how validation checks the contract: the polars twins with Great Expectations agreeing
    # in a worker (beside), GX in the build's process (gx), or the twins alone (polars)
    validation_engine: Literal["beside", "gx", "polars"] = "beside"
    guards: Guards = Guards()
    report: ReportSettings = ReportSettings()
    paths: Paths = Paths()
    root: Path = Path(".")

    @model_validator(mode="before")
    @classmethod
    def _threshold(cls, data):
        """A threshold below 1 suppresses nothing: only with an explicit `disclosure: none`."""
        if not isinstance(data, dict):
            return data
        if data.get("disclosure") == "none":
            return {**data, "disclosure_threshold": 0}
        threshold = data.get("disclosure_threshold", 5)
        if isinstance(threshold, int) and threshold < 1:
            raise ValueError(
                "disclosure_threshold below 1 publishes every figure unsuppressed; "
                "set `disclosure: none` to do that on purpose"
            )
        return data

    @field_validator("extract_date")
    @classmethod
    def _not_future(cls, v: dt.date) -> dt.date:
        if v.year < 2000:
            raise ValueError("extract_date is implausibly early")
        return v

    # ---- derived, so nobody recomputes them differently ----
    @property
    def period_start(self) -> dt.date:
        """First day of the reporting year (1 April)."""
        return dt.date(self.year_end - 1, 4, 1)

    @property
    def period_end(self) -> dt.date:
        """Last day of the reporting year (31 March)."""
        return dt.date(self.year_end, 3, 31)

    @property
    def slug(self) -> str:
        """The authority's folder name, e.g. 'wessex-vale-council-e06999999': the name made
        folder-safe, then the ONS code, which alone keeps authorities apart ("St. Helens" and
        "St Helens" are two folders if their codes differ; a name of punctuation only is just
        the code, never the output folder itself)."""
        name = re.sub(r"[^a-z0-9]+", "-", self.authority.name.lower()).strip("-")
        code = self.authority.new_la_code.lower()
        return f"{name}-{code}" if name else code

    @property
    def year_label(self) -> str:
        return f"{self.year_end - 1}-{str(self.year_end)[-2:]}"

    @property
    def previous(self) -> RunParams:
        """The same run for the year before (for 'last year' comparisons)."""
        return self.model_copy(update={"year_end": self.year_end - 1})

    @property
    def month(self) -> str:
        """Pack month: configured, else the last complete month of the reporting year."""
        return self.pack_month or f"{self.year_end}-03"

    @property
    def csc_quarter(self) -> str:
        """CSC report quarter: configured, else the latest complete quarter of the
        reporting year by the extract date (Q1 ends 30 June ... Q4 ends 31 March)."""
        if self.quarter:
            return self.quarter
        ends = [dt.date(self.year_end - 1, m, d) for m, d in ((6, 30), (9, 30), (12, 31))]
        ends.append(self.period_end)
        done = [i for i, e in enumerate(ends, start=1) if e <= self.extract_date]
        return f"{self.year_label} Q{done[-1] if done else 1}"

    def path(self, p: Path | None) -> Path | None:
        """Resolve a configured path against the project root."""
        if p is None:
            return None
        return p if p.is_absolute() else (self.root / p).resolve()

    @property
    def raw_dir(self) -> Path:
        return self.path(self.paths.raw)

    @property
    def processed_dir(self) -> Path:
        return self.path(self.paths.processed)

    @property
    def build_dir(self) -> Path:
        return self.path(self.paths.build)

    @property
    def output_dir(self) -> Path:
        return self.path(self.paths.output)

    @property
    def dfe_dir(self) -> Path | None:
        return self.path(self.paths.dfe)

    def with_overrides(self, **changes) -> RunParams:
        """A validated copy with some fields changed (e.g. year_end from the CLI).

        A new `year_end` moves a configured `pack_month` by as many years, unless a month is
        given too: `--year-end 2023` with `pack_month: 2024-03` makes the 2023-03 pack, never
        the 2024 one (which would overwrite that year's published pack); a configured CSC
        `quarter` moves likewise.
        """
        data = self.model_dump()
        changes = {("pack_month" if k == "month" else k): v for k, v in changes.items()}
        new_year = changes.get("year_end")
        if new_year is not None and changes.get("pack_month") is None and self.pack_month:
            year, month = self.pack_month.split("-")
            changes["pack_month"] = f"{int(year) + int(new_year) - self.year_end:04d}-{month}"
        if new_year is not None and changes.get("quarter") is None and self.quarter:
            # likewise a configured CSC quarter ("2023-24 Q4" -> "2022-23 Q4")
            start = int(self.quarter[:4]) + int(new_year) - self.year_end
            changes["quarter"] = f"{start}-{str(start + 1)[-2:]}{self.quarter[7:]}"
        for key, value in changes.items():
            if value is None:
                continue
            if key in Paths.model_fields:
                data["paths"][key] = value
            else:
                data[key] = value
        return RunParams.model_validate(data)


PROJECT_MARKERS = ("_quarto.yml", "pyproject.toml")


def find_project_root(*starts: Path) -> Path:
    """The project root: the nearest folder at or above each start (in turn) that holds
    `_quarto.yml` or `pyproject.toml`; else the installed project, where this code lives."""
    for start in starts:
        for folder in (start.resolve(), *start.resolve().parents):
            if any((folder / m).is_file() for m in PROJECT_MARKERS):
                return folder
    return Path(__file__).resolve().parents[1]


class _Loader(yaml.SafeLoader):
    """YAML without implicit dates (pydantic parses them, so `2024-02-30` is an error naming
    its key, not a traceback) and with duplicate keys refused (YAML would keep the last)."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _key_lines(node, prefix: tuple = ()) -> dict[tuple, int]:
    """(key, path, ...) -> 1-based line of every mapping key in a composed YAML document."""
    out: dict[tuple, int] = {}
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            path = (*prefix, str(key_node.value))
            out[path] = key_node.start_mark.line + 1
            out.update(_key_lines(value_node, path))
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            out[(*prefix, str(i))] = item.start_mark.line + 1
            out.update(_key_lines(item, (*prefix, str(i))))
    return out


def _read_config(path: Path) -> tuple[dict, dict[tuple, int]]:
    """The file's settings and the line of each key; one-line ConfigError otherwise."""
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ConfigError(
            f"{path} line {line}: not UTF-8 text (byte 0x{raw[exc.start]:02x}; saved as "
            "Windows-1252?): save the file as UTF-8"
        ) from None
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            data = loader.construct_document(node) if node is not None else {}
        finally:
            loader.dispose()
    except yaml.YAMLError as exc:
        where, problem = yaml_problem(exc)
        if not problem.startswith("duplicate key"):
            problem = f"not valid YAML ({problem})" if problem else "not valid YAML"
        raise ConfigError(f"{path}{where}: {problem}") from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping of settings (key: value lines)")
    return data, (_key_lines(node) if node is not None else {})


def _problem(err: dict) -> str:
    """Pydantic's message for one error, said for a config file."""
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown key (docs/configuration.md lists the keys)"
    if kind == "missing":
        return "required key missing"
    value = err.get("input")
    if isinstance(value, str | int | float | bool) and kind not in (
        "value_error",
        "assertion_error",
    ):
        return f"{msg} (got {value!r})"
    return msg.removeprefix("Value error, ")


def resolve_config_path(config: Path | str) -> Path:
    """The config file: as given if it exists (relative to the working folder), else a
    relative path from the project root above the working folder. A notebook's default
    `config/sample.yml` therefore works from the notebook's own folder, as JupyterLab runs it."""
    path = Path(config)
    if path.is_file() or path.is_absolute():
        return path
    candidate = find_project_root(Path.cwd()) / path
    return candidate if candidate.is_file() else path


def load_params(
    config: Path | str, project_dir: Path | str | None = None, **overrides
) -> RunParams:
    """Read a configuration file into a RunParams, with one-line errors.

    Any problem (not UTF-8, bad YAML, duplicate or unknown key, wrong type, impossible date
    or value) is a ConfigError naming the file, the key (and its line) and the problem.
    Relative paths in the file resolve against the project root: `project_dir` if given,
    else the nearest folder above the config file, then above the working folder, that
    holds `_quarto.yml` or `pyproject.toml` (so a config may live anywhere).
    """
    path = resolve_config_path(config)
    if not path.is_file():
        raise ConfigError(f"{path}: configuration file not found")
    data, lines = _read_config(path)
    if project_dir is not None:
        root = Path(project_dir).resolve()
        if not root.is_dir():
            raise ConfigError(f"{root}: project folder not found")
        data["root"] = str(root)
    else:
        data.setdefault("root", str(find_project_root(path.resolve().parent, Path.cwd())))
    try:
        params = RunParams.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        key = tuple(str(p) for p in err["loc"])
        loc = ".".join(key) or "(top level)"
        line = next((lines[key[:n]] for n in range(len(key), 0, -1) if key[:n] in lines), None)
        where = f" line {line}" if line else ""
        raise ConfigError(f"{path}{where}: {loc}: {_problem(err)}") from None
    try:
        return params.with_overrides(**overrides) if overrides else params
    except ValidationError as exc:
        err = exc.errors()[0]
        loc = ".".join(str(p) for p in err["loc"]) or "(top level)"
        raise ConfigError(f"{path}: {loc} (from the command line): {_problem(err)}") from None
