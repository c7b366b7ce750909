"""Stage a report build: `_quarto.yml`, `report/` and assets next to the executed notebooks.

Layout of `build/<authority>/<year>/` (the same relative layout as the repository, so
`report/*.qmd` can embed `../notebooks/<name>.ipynb#<label>` under Quarto and the fallback):

    _quarto.yml  _variables.yml  _assets/  report/  notebooks/ (from run_notebooks)

`{{< var name >}}` in staged .qmd/.md files is replaced by the run's values here, so
both renderers see literal text; `_variables.yml` is written too for Quarto users.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import yaml

from pipeline.params import RunParams
from pipeline.publish.render import vega
from pipeline.publish.render.errors import RenderError

ASSETS = Path(__file__).resolve().parent / "assets"
VAR = re.compile(r"\{\{<\s*var\s+([A-Za-z0-9_.-]+)\s*>\}\}")


def _long_date(d) -> str:
    return d.strftime("%-d %B %Y")


def variables(params: RunParams) -> dict[str, str]:
    """Values for `{{< var >}}`: all derived from the config, never from the clock."""
    import datetime as dt

    month = dt.date.fromisoformat(params.month + "-01")
    return {
        "authority": params.authority.name,
        "service_name": params.authority.service_name,
        "la_code": params.authority.new_la_code,
        "year_label": params.year_label,
        "year_start": _long_date(params.period_start),
        "year_end": _long_date(params.period_end),
        "month": params.month,
        "month_label": month.strftime("%B %Y"),
        "extract_date": params.extract_date.isoformat(),
        "extract_date_label": _long_date(params.extract_date),
        "disclosure_threshold": str(params.disclosure_threshold),
    }


def stage_dir(params: RunParams) -> Path:
    return params.build_dir / params.slug / params.year_label


def substitute_vars(text: str, values: dict[str, str], where: str) -> str:
    def repl(m: re.Match) -> str:
        key = m.group(1)
        if key not in values:
            raise RenderError(f"{where}: unknown variable {key!r} in {{{{< var {key} >}}}}")
        return values[key]

    return VAR.sub(repl, text)


def _copy_tree(src: Path, dest: Path) -> None:
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".*", "__pycache__", "_output"))


def write_assets(folder: Path, renderer_note: str) -> None:
    """CSS, Lua filter, Vega bundle and footer into `<stage>/_assets/`."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("report.css", "table-scroll.lua"):
        shutil.copyfile(ASSETS / name, folder / name)
    vega.write_include(folder / "vega-bundle.html")
    (folder / "renderer-note.html").write_text(
        f'<footer class="report-footer"><p>{renderer_note}</p></footer>\n', encoding="utf-8"
    )


def stage(params: RunParams, sources: Path, *, renderer_note: str) -> Path:
    """Copy one report's Quarto sources and the service's narrative and commentary into
    the build folder's `report/`; return the stage folder."""
    root = params.root.resolve()
    out = stage_dir(params)
    out.mkdir(parents=True, exist_ok=True)
    config = root / "_quarto.yml"
    if not config.is_file():
        raise RenderError(f"{config}: not found")
    shutil.copyfile(config, out / "_quarto.yml")
    if not sources.is_dir():
        raise RenderError(f"{sources}: report sources not found")
    _copy_tree(sources, out / "report")
    # The prose the service edits (config paths, by default under report/) is staged
    # beside the sources, where `{{< include /report/narrative/... >}}` finds it.
    for key in ("narrative", "commentary"):
        src = params.path(getattr(params.paths, key))
        if src and src.is_dir():
            _copy_tree(src, out / "report" / key)
    values = variables(params)
    (out / "_variables.yml").write_text(
        yaml.safe_dump(values, sort_keys=True, allow_unicode=True), encoding="utf-8"
    )
    for f in sorted((out / "report").rglob("*")):
        if f.suffix in (".qmd", ".md") and f.is_file():
            text = f.read_text(encoding="utf-8")
            new = substitute_vars(text, values, str(f.relative_to(out)))
            if new != text:
                f.write_text(new, encoding="utf-8")
    write_assets(out / "_assets", renderer_note)
    return out
