"""`cic-reports`: the command line. Exit codes (docs/cli.md):

0 success · 1 rows were quarantined and --strict was given · 2 an input is unusable
(missing required table or column, unreadable file) · 3 configuration error ·
4 a notebook or render step failed · 5 some authorities in a multi-authority build failed.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    help="Children in care reporting: IRO annual report and corporate parenting pack.",
)
console = Console(stderr=True, highlight=False, soft_wrap=True)

EXIT_STRICT, EXIT_INPUT, EXIT_CONFIG, EXIT_RENDER, EXIT_SOME_FAILED = 1, 2, 3, 4, 5
DEFAULT_CONFIG = Path("config/sample.yml")

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="config/<authority>.yml")]
YearOpt = Annotated[int | None, typer.Option(help="Reporting year end, e.g. 2024 for 2023-24")]


def say(msg: str) -> None:
    console.print(msg)


def fail(code: int, message: str) -> None:
    """One line on stderr and an exit code: never a traceback for bad input."""
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def guarded(func: Callable[[], object]) -> object:
    """Map the project's known errors to one-line messages and exit codes."""
    from pipeline.errors import InputError
    from pipeline.params import ConfigError
    from pipeline.publish.render.errors import RenderError
    from pipeline.reports.pack.catalogue import CatalogueError
    from pipeline.reports.pack.sources import CommentaryError
    from pipeline.run.notebooks import NotebookError

    try:
        return func()
    except (ConfigError, CatalogueError) as exc:
        fail(EXIT_CONFIG, str(exc))
    except (NotebookError, RenderError, CommentaryError) as exc:
        fail(EXIT_RENDER, str(exc))
    except InputError as exc:
        fail(EXIT_INPUT, str(exc))
    except FileNotFoundError as exc:
        fail(EXIT_INPUT, str(exc))
    return None


def _params(config: Path, **overrides):
    from pipeline.params import load_params

    return load_params(config, **overrides)


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Folder to write the sample extracts into")],
    children: Annotated[int, typer.Option(help="Children in care at the last 31 March")] = 450,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files)")] = 1,
    year_end: Annotated[int, typer.Option(help="Last reporting year end")] = 2024,
    errors: Annotated[bool, typer.Option(help="Include a few realistic data errors")] = True,
    config: ConfigOpt = DEFAULT_CONFIG,
) -> None:
    """Write a fictional authority's SSDA903 and IRO extracts (deterministic for a seed)."""
    import time

    from pipeline.synth import generate

    start = time.perf_counter()
    rows = generate(out, children=children, seed=seed, year_end=year_end, errors=errors)
    _supplied_sample(out, config, year_end)
    took = time.perf_counter() - start
    say(f"wrote {sum(rows.values()):,} rows in {len(rows)} tables to {out} in {took:.1f} s")


def _supplied_sample(out: Path, config: Path, year_end: int) -> None:
    """Sample values for the indicators other teams supply (fostering, education, ...)."""
    try:
        from pipeline.reports.pack import catalogue_path
        from pipeline.reports.pack.catalogue import load_catalogue
        from pipeline.reports.pack.supplied import write_sample_supplied
    except ImportError:
        return
    params = _params(config, year_end=year_end)
    catalogue = load_catalogue(catalogue_path(params))
    months = [f"{year_end - 1 if m >= 4 else year_end}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
    target = out / "supplied" / "indicators.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    write_sample_supplied(target, catalogue, months, seed=1)


@app.command()
def validate(
    raw: Annotated[Path, typer.Option(help="Folder of raw extracts")],
    config: ConfigOpt = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any row was quarantined")] = False,
    extract_date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD; later dates are quarantined")
    ] = None,
) -> None:
    """Ingest and validate a folder of extracts; print rows in/clean/quarantined per table."""

    def go():
        from pipeline.inputs.ingest import ingest
        from pipeline.validate import summary_json, summary_text, validate

        overrides = {"raw": raw}
        if extract_date:
            overrides["extract_date"] = dt.date.fromisoformat(extract_date)
        params = _params(config, **overrides)
        ingested = ingest(params.raw_dir)
        result = validate(ingested.tables, params)
        if as_json:
            data = summary_json(result)
            data["files"] = [
                {"file": str(f.path), "table": f.table, "status": f.status, "note": f.note}
                for f in ingested.files
            ]
            typer.echo(json.dumps(data, indent=2, default=str))
        else:
            for f in ingested.files:
                if f.status != "ingested":
                    say(f"[yellow]{f.status}:[/] {f.path} {f.note or ''}")
            typer.echo(summary_text(result))
        quarantined = int(result.summary["rows_quarantined"].sum())
        if strict and quarantined:
            fail(EXIT_STRICT, f"{quarantined} rows quarantined (--strict)")

    guarded(go)


@app.command()
def run(
    config: ConfigOpt = DEFAULT_CONFIG,
    year_end: YearOpt = None,
    jobs: Annotated[int, typer.Option(help="Notebooks executed in parallel")] = 2,
) -> None:
    """Ingest, validate, transform, publish and execute the notebooks."""

    def go():
        from pipeline.run.stages import run as run_all

        params = _params(config, year_end=year_end)
        result = run_all(params, config_path=config.resolve(), jobs=jobs, say=say)
        say(f"processed tables in {params.processed_dir}")
        return result

    guarded(go)


@app.command()
def render(
    config: ConfigOpt = DEFAULT_CONFIG,
    year_end: YearOpt = None,
    doc: Annotated[str, typer.Option(help="iro, pack or all")] = "all",
    to: Annotated[str, typer.Option(help="html, docx or pdf")] = "html",
    final: Annotated[bool, typer.Option(help="Missing commentary is an error")] = False,
) -> None:
    """Render the reports from the executed notebooks (Quarto if installed, else pandoc)."""

    def go():
        params = _params(config, year_end=year_end)
        for path in _render_docs(params, doc, to, final):
            typer.echo(str(path))

    guarded(go)


def _render_docs(params, doc: str, to: str, final: bool) -> list[Path]:
    from pipeline.publish.render import render as render_doc

    names = {"iro": ["iro-annual-report"], "pack": ["performance-pack"]}.get(
        doc, ["iro-annual-report", "performance-pack"]
    )
    paths = []
    for name in names:
        result = render_doc(params, name, to=to, final=final)
        say(f"rendered {name} ({to}) with {result.renderer}")
        paths.append(result.path)
    return paths


def _configs(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.yml")) if p.is_dir() else [p])
    return [p for p in out if p.name != "indicators.yml"]


def build_one(config: Path, year_end: int | None, jobs: int, to: list[str]) -> list[Path]:
    """Sample if needed, run, render both reports: what `make report` does for one authority."""
    from pipeline.run.stages import has_raw_data
    from pipeline.run.stages import run as run_all

    params = _params(config, year_end=year_end)
    if not has_raw_data(params.raw_dir):
        say(f"no extracts in {params.raw_dir}: generating the fictional sample")
        synth(out=params.raw_dir, config=config, year_end=params.year_end)
    run_all(params, config_path=config.resolve(), jobs=jobs, say=say)
    from pipeline.reports.pack.run import appendix_files

    paths = []
    for fmt in to:
        paths += _render_docs(params, "all", fmt, final=False)
    return paths + appendix_files(params)


@app.command()
def build(
    config: Annotated[
        list[Path] | None, typer.Option("--config", "-c", help="Config files or folders")
    ] = None,
    year_end: YearOpt = None,
    jobs: Annotated[int, typer.Option(help="Authorities built in parallel")] = 1,
    to: Annotated[list[str] | None, typer.Option(help="Formats: html, docx, pdf")] = None,
) -> None:
    """What `make report` runs: for each authority, sample if empty, run, render."""
    configs = _configs(config or [DEFAULT_CONFIG])
    formats = to or ["html"]
    if len(configs) == 1:
        paths = guarded(lambda: build_one(configs[0], year_end, 2, formats))
        for p in paths or []:
            typer.echo(str(p))
        return
    from pipeline.run.multi import build_many

    failures = build_many(configs, year_end=year_end, jobs=jobs, formats=formats, say=say)
    if failures:
        fail(EXIT_SOME_FAILED, f"{len(failures)} of {len(configs)} authorities failed")


@app.command()
def pack(
    config: ConfigOpt = DEFAULT_CONFIG,
    month: Annotated[str | None, typer.Option(help="YYYY-MM")] = None,
    catalogue: Annotated[Path | None, typer.Option(help="Indicator catalogue YAML")] = None,
    supplied: Annotated[Path | None, typer.Option(help="Supplied values CSV")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder")] = None,
    final: Annotated[bool, typer.Option(help="Missing commentary is an error")] = False,
) -> None:
    """Render the performance pack for a month, with the appendix as CSV and Excel."""

    def go():
        from pipeline.reports.pack.run import run_pack

        params = _params(config, month=month, output=out, catalogue=catalogue, supplied=supplied)
        for path in run_pack(params, config_path=config.resolve(), final=final, say=say):
            typer.echo(str(path))

    guarded(go)


@app.command()
def bench(
    config: ConfigOpt = DEFAULT_CONFIG,
    sizes: Annotated[str, typer.Option(help="Multiples of the default authority")] = "1,10,100",
    repeat: Annotated[int, typer.Option(help="Measurements per stage (median reported)")] = 3,
    out: Annotated[Path, typer.Option(help="Where to write bench.json")] = Path("build/bench"),
    with_render: Annotated[bool, typer.Option(help="Also time notebooks and render")] = True,
) -> None:
    """Time every stage at several data sizes; print a table and write JSON."""
    from pipeline.run.bench import run_bench

    run_bench(
        config,
        sizes=[float(s) for s in sizes.split(",")],
        repeat=repeat,
        out=out,
        with_render=with_render,
        say=say,
    )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
