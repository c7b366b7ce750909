"""`cic-reports`: the command line. Exit codes (docs/cli.md):

0 success · 1 rows were quarantined and --strict was given · 2 an input is unusable
(missing required table or column, unreadable file) · 3 configuration error ·
4 a notebook or render step failed · 5 some authorities in a multi-authority build failed ·
6 the disclosure audit found a suppressed figure that the published tables expose ·
7 the executed notebooks are missing, truncated, of mixed runs or stale (run build first).
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
EXIT_EXPOSED = 6
EXIT_STALE = 7
DEFAULT_CONFIG = Path("config/sample.yml")

ConfigOpt = Annotated[Path, typer.Option("--config", "-c", help="config/<authority>.yml")]
ProjectOpt = Annotated[
    Path | None,
    typer.Option(
        "--project-dir",
        help="Project root (default: the folder above the config, else the working folder, "
        "that holds _quarto.yml or pyproject.toml)",
    ),
]
ForceOpt = Annotated[
    bool,
    typer.Option(
        "--force", help="Publish even when a data-quality guard fails (the reports say so)"
    ),
]
RendererOpt = Annotated[
    str, typer.Option(help="auto (Quarto when installed, else pandoc), quarto or pandoc")
]
YearOpt = Annotated[
    int | None,
    typer.Option(
        help="Reporting year end, e.g. 2024 for 2023-24 (a configured pack_month moves with it)"
    ),
]
FreshOpt = Annotated[
    bool, typer.Option("--fresh", help="Run every stage, reusing nothing from earlier builds")
]


def say(msg: str) -> None:
    console.print(msg)


def fail(code: int, message: str) -> None:
    """One line on stderr and an exit code: never a traceback for bad input."""
    console.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(code)


def guarded(func: Callable[[], object]) -> object:
    """Map the project's known errors to one-line messages and exit codes."""
    from pipeline.disclosure.linked import DisclosureError
    from pipeline.errors import InputError
    from pipeline.params import ConfigError
    from pipeline.publish.render.errors import RenderError
    from pipeline.reports.pack.catalogue import CatalogueError
    from pipeline.reports.pack.sources import CommentaryError
    from pipeline.run.build import StaleError
    from pipeline.run.notebooks import NotebookError

    try:
        return func()
    except StaleError as exc:
        fail(EXIT_STALE, str(exc))
    except (ConfigError, CatalogueError) as exc:
        fail(EXIT_CONFIG, str(exc))
    except (NotebookError, RenderError, CommentaryError) as exc:
        fail(EXIT_RENDER, str(exc))
    except DisclosureError as exc:
        fail(EXIT_EXPOSED, str(exc))
    except InputError as exc:
        fail(EXIT_INPUT, str(exc))
    except FileNotFoundError as exc:
        fail(EXIT_INPUT, str(exc))
    return None


def _params(config: Path, project_dir: Path | None = None, **overrides):
    from pipeline.params import load_params

    return load_params(config, project_dir=project_dir, **overrides)


@app.command()
def synth(
    out: Annotated[Path, typer.Option(help="Folder to write the sample extracts into")],
    children: Annotated[int, typer.Option(help="Children in care at the last 31 March")] = 450,
    seed: Annotated[int, typer.Option(help="Random seed (same seed, same files)")] = 1,
    year_end: Annotated[int, typer.Option(help="Last reporting year end")] = 2024,
    errors: Annotated[bool, typer.Option(help="Include a few realistic data errors")] = True,
    layout: Annotated[
        str,
        typer.Option(
            help="extract: one multi-year extract; returns: one SSDA903 return per collection "
            "year (ssda903/2019-20/...), as an authority's archive holds them"
        ),
    ] = "extract",
    fmt: Annotated[
        str, typer.Option("--format", help="csv, or xml: the SSDA903 tables as DfE XML returns")
    ] = "csv",
    config: ConfigOpt = DEFAULT_CONFIG,
    project_dir: ProjectOpt = None,
) -> None:
    """Write a fictional authority's SSDA903 and IRO extracts (deterministic for a seed)."""
    import time

    from pipeline.synth import FORMATS, LAYOUTS, generate

    if layout not in LAYOUTS:
        fail(EXIT_CONFIG, f"--layout must be one of {', '.join(LAYOUTS)}, not {layout!r}")
    if fmt not in FORMATS:
        fail(EXIT_CONFIG, f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    start = time.perf_counter()
    rows = generate(
        out, children=children, seed=seed, year_end=year_end, errors=errors, layout=layout, fmt=fmt
    )
    _supplied_sample(out, config, year_end, project_dir)
    took = time.perf_counter() - start
    say(f"wrote {sum(rows.values()):,} rows in {len(rows)} tables to {out} in {took:.1f} s")


def _check_rows_target(path: Path, params) -> None:
    """The operator's list names children: never inside the output (published) folder."""
    target = path.resolve()
    output = params.output_dir.resolve()
    if target == output or target.is_relative_to(output):
        fail(
            EXIT_CONFIG,
            f"--rows {path}: refusing to write child-level rows inside the output folder "
            f"{output} (published files); write it under data/ instead",
        )
    if target.is_dir():
        fail(EXIT_CONFIG, f"--rows {path}: is a folder; give a file name such as data/rows.csv")
    if not target.parent.is_dir():
        fail(EXIT_CONFIG, f"--rows {path}: folder {target.parent} does not exist")


def _supplied_sample(out: Path, config: Path, year_end: int, project_dir=None) -> None:
    """Sample values for the indicators other teams supply (fostering, education, ...)."""
    try:
        from pipeline.reports.pack import catalogue_path
        from pipeline.reports.pack.catalogue import load_catalogue
        from pipeline.reports.pack.supplied import write_sample_supplied
    except ImportError:
        return
    params = _params(config, project_dir, year_end=year_end)
    catalogue = load_catalogue(catalogue_path(params))
    months = [f"{year_end - 1 if m >= 4 else year_end}-{m:02d}" for m in (*range(4, 13), 1, 2, 3)]
    target = out / "supplied" / "indicators.csv"
    target.parent.mkdir(parents=True, exist_ok=True)
    from pipeline.reports.pack.supplied import sample_records

    # values consistent with the sample's own records (bases, carers and their children)
    records = sample_records(params, out, months)
    write_sample_supplied(target, catalogue, months, seed=1, records=records)


@app.command()
def validate(
    raw: Annotated[Path, typer.Option(help="Folder of raw extracts")],
    config: ConfigOpt = DEFAULT_CONFIG,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON")] = False,
    strict: Annotated[bool, typer.Option(help="Exit 1 if any row was quarantined")] = False,
    extract_date: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD; later dates are quarantined")
    ] = None,
    year_end: YearOpt = None,
    project_dir: ProjectOpt = None,
    rows: Annotated[
        Path | None,
        typer.Option(
            help="Write every flagged (row, rule) to this CSV: child-level and sensitive, "
            "keep it in data/ (refused inside the output folder)"
        ),
    ] = None,
    engine: Annotated[
        str | None,
        typer.Option(
            help="beside (the default, as `build` and `run`): the polars twins give the rows "
            "while Great Expectations runs every contract suite in a worker process and must "
            "agree; gx: the suites in this process; polars: the twins alone (no GX: least "
            "memory). Default: the config's `validation_engine`"
        ),
    ] = None,
) -> None:
    """Ingest and validate a folder of extracts; print row accounting per table (and per
    return), the collection years the data covers, and the rules that fired."""

    def go():
        from pipeline.inputs.ingest import ingest
        from pipeline.validate import summary_json, summary_text, validate, write_operator_rows

        overrides = {"raw": raw, "year_end": year_end}
        if extract_date:
            overrides["extract_date"] = dt.date.fromisoformat(extract_date)
        params = _params(config, project_dir, **overrides)
        if rows is not None:
            _check_rows_target(rows, params)
        how = engine or params.validation_engine
        if how not in ("beside", "gx", "polars"):
            fail(EXIT_CONFIG, f"--engine must be beside, gx or polars, not {how!r}")
        if how == "beside":
            from pipeline.run.gxcheck import GXBeside, validate_beside

            gx = GXBeside()  # its import overlaps ingest
            try:
                ingested = ingest(params.raw_dir)
            except BaseException:
                gx.close(kill=True)
                raise
            result = validate_beside(gx, ingested.tables, params, say=say)
        else:
            ingested = ingest(params.raw_dir)
            result = validate(ingested.tables, params, engine=how)
        if rows is not None:
            n = write_operator_rows(result, rows)
            say(f"wrote {n:,} flagged (row, rule) lines to {rows} (child-level: never publish it)")
        if as_json:
            data = summary_json(result)
            data["files"] = [
                {
                    "file": str(f.path),
                    "table": f.table,
                    "status": f.status,
                    "collection_year": f.collection_year,
                    "year_source": f.year_source,
                    "codes_normalised": f.codes_normalised,
                    "note": f.note,
                }
                for f in ingested.files
            ]
            typer.echo(json.dumps(data, indent=2, default=str))
        else:
            for f in ingested.files:
                if f.status != "ingested":
                    say(f"[yellow]{f.status}:[/] {f.path} {f.note or ''}")
                elif f.year_source:
                    say(f"{f.path}: {f.table}, return {f.year_text}")
            if ingested.codes_normalised:
                say(
                    f"{ingested.codes_normalised:,} codes upper-cased (matched without regard to case)"
                )
            typer.echo(summary_text(result))
            from pipeline.run.stages import report_inputs_of

            for line in report_inputs_of(params, ingested, result):
                typer.echo(line)
        quarantined = int(result.summary["rows_quarantined"].sum())
        if strict and quarantined:
            fail(EXIT_STRICT, f"{quarantined} rows quarantined (--strict)")

    guarded(go)


@app.command()
def run(
    config: ConfigOpt = DEFAULT_CONFIG,
    year_end: YearOpt = None,
    jobs: Annotated[int, typer.Option(help="(kept for compatibility)")] = 2,
    force: ForceOpt = False,
    fresh: FreshOpt = False,
    project_dir: ProjectOpt = None,
) -> None:
    """Ingest, validate, transform, publish and execute the notebooks (no rendering)."""

    def go():
        from pipeline.run.build import build as build_run

        params = _params(config, project_dir, year_end=year_end)
        outcome = build_run(
            params, config_path=config, formats=[], say=say, force=force, fresh=fresh
        )
        say(f"processed tables in {params.processed_dir} (run {outcome.run_id[:12]})")
        return outcome

    guarded(go)


@app.command()
def audit(
    config: ConfigOpt = DEFAULT_CONFIG,
    year_end: YearOpt = None,
    relaxed: Annotated[
        bool, typer.Option(help="Linear relaxation only (faster; can miss an integer-only bound)")
    ] = False,
) -> None:
    """Prove the published tables: no suppressed figure can be worked out from them."""

    def go():
        from pipeline.run.disclosure import audit_processed

        params = _params(config, year_end=year_end)
        if params.disclosure == "none":
            typer.echo(
                "disclosure: none — every figure is published unsuppressed; nothing to audit"
            )
            return
        result = audit_processed(params, integer=not relaxed)
        for line in result.lines():
            typer.echo(line)
        if not result.ok:
            fail(
                EXIT_EXPOSED,
                f"{result.n_exposed} suppressed figure(s) exposed by the published tables",
            )

    guarded(go)


@app.command()
def render(
    config: ConfigOpt = DEFAULT_CONFIG,
    year_end: YearOpt = None,
    doc: Annotated[str, typer.Option(help="iro, pack, csc or all")] = "all",
    to: Annotated[str, typer.Option(help="html, docx or pdf")] = "html",
    final: Annotated[
        bool,
        typer.Option(
            help="Refuse while anything is unfinished (placeholders, 'to verify', commentary)"
        ),
    ] = False,
    project_dir: ProjectOpt = None,
    renderer: RendererOpt = "auto",
) -> None:
    """Render the reports from the executed notebooks (Quarto if installed, else pandoc)."""

    def go():
        from pipeline.publish.render import check_options

        check_options([to], renderer)
        params = _params(config, project_dir, year_end=year_end)
        for path in _render_docs(params, doc, to, final, renderer):
            typer.echo(str(path))

    guarded(go)


def say_rendered(result) -> None:
    """What was rendered, with what and how long it took, then the renderer's warnings."""
    from rich.markup import escape

    say(result.summary())
    for warning in result.warnings:
        say(f"[yellow]  warning ({result.renderer}):[/] {escape(warning)}")


DOCS = {
    "iro": ["iro-annual-report"],
    "pack": ["performance-pack"],
    "csc": ["csc-performance-report"],
    "both": ["iro-annual-report", "performance-pack"],
}


def _docs(doc: str) -> list[str] | None:
    """The reports `--doc` names, checked before the build is looked for (a typo is named as
    such, not reported as a missing build)."""
    from pipeline.publish.render.errors import RenderError
    from pipeline.reports import registry

    if doc in ("all", "", None):
        return None  # every report the last build made
    if doc in DOCS or doc in registry():
        return DOCS.get(doc, [doc])
    names = ", ".join([*DOCS, "all", *registry()])
    raise RenderError(f"--doc: unknown report {doc!r} (one of {names})")


def _render_docs(params, doc: str, to: str, final: bool, renderer: str = "auto") -> list[Path]:
    from pipeline.run.build import render_reports

    return render_reports(params, _docs(doc), [to], renderer=renderer, final=final, say=say)


def _configs(paths: list[Path]) -> list[Path]:
    out: list[Path] = []
    for p in paths:
        out.extend(sorted(p.glob("*.yml")) if p.is_dir() else [p])
    return [p for p in out if p.name != "indicators.yml"]


def build_one(
    config: Path,
    year_end: int | None,
    jobs: int,
    to: list[str],
    force: bool = False,
    project_dir: Path | None = None,
    renderer: str = "auto",
    fresh: bool = False,
) -> list[Path]:
    """Sample if needed, then every stage that needs running (pipeline/run/build.py)."""
    from pipeline.run.build import build as build_run
    from pipeline.run.stages import has_raw_data

    params = _params(config, project_dir, year_end=year_end)
    if not has_raw_data(params.raw_dir):
        say(f"no extracts in {params.raw_dir}: generating the fictional sample")
        synth(out=params.raw_dir, config=config, year_end=params.year_end, project_dir=project_dir)
    outcome = build_run(
        params,
        config_path=config,
        formats=to,
        renderer=renderer,
        force=force,
        fresh=fresh,
        say=say,
    )
    return outcome.paths


@app.command()
def build(
    config: Annotated[
        list[Path] | None, typer.Option("--config", "-c", help="Config files or folders")
    ] = None,
    year_end: YearOpt = None,
    jobs: Annotated[int, typer.Option(help="Authorities built in parallel")] = 1,
    to: Annotated[list[str] | None, typer.Option(help="Formats: html, docx, pdf")] = None,
    force: ForceOpt = False,
    fresh: FreshOpt = False,
    project_dir: ProjectOpt = None,
    renderer: RendererOpt = "auto",
) -> None:
    """What `make report` runs: for each authority, sample if empty, then every stage whose
    inputs changed (the rest reused), published at once."""
    from pipeline.publish.render import check_options

    formats = to or ["html"]
    guarded(lambda: check_options(formats, renderer))
    configs = _configs(config or [DEFAULT_CONFIG])
    if len(configs) == 1:
        paths = guarded(
            lambda: build_one(configs[0], year_end, 2, formats, force, project_dir, renderer, fresh)
        )
        for p in paths or []:
            typer.echo(str(p))
        return
    from pipeline.run.multi import build_many

    failures = build_many(
        configs,
        year_end=year_end,
        jobs=jobs,
        formats=formats,
        say=say,
        renderer=renderer,
        fresh=fresh,
    )
    if failures:
        fail(EXIT_SOME_FAILED, f"{len(failures)} of {len(configs)} authorities failed")


@app.command()
def pack(
    config: ConfigOpt = DEFAULT_CONFIG,
    month: Annotated[str | None, typer.Option(help="YYYY-MM")] = None,
    catalogue: Annotated[Path | None, typer.Option(help="Indicator catalogue YAML")] = None,
    supplied: Annotated[Path | None, typer.Option(help="Supplied values CSV")] = None,
    out: Annotated[Path | None, typer.Option(help="Output folder")] = None,
    final: Annotated[
        bool,
        typer.Option(
            help="Refuse while anything is unfinished (placeholders, 'to verify', commentary)"
        ),
    ] = False,
    project_dir: ProjectOpt = None,
) -> None:
    """Render the performance pack for a month, with the appendix as CSV and Excel."""

    def go():
        from pipeline.reports.pack.run import run_pack

        params = _params(
            config, project_dir, month=month, output=out, catalogue=catalogue, supplied=supplied
        )
        for path in run_pack(params, config_path=config.resolve(), final=final, say=say):
            typer.echo(str(path))

    guarded(go)


@app.command()
def csc(
    config: ConfigOpt = DEFAULT_CONFIG,
    quarter: Annotated[
        str | None, typer.Option(help="e.g. '2023-24 Q2' (default: latest complete quarter)")
    ] = None,
    to: Annotated[str, typer.Option(help="html, docx or pdf")] = "html",
    final: Annotated[bool, typer.Option(help="Missing analysis is an error")] = False,
    renderer: RendererOpt = "auto",
) -> None:
    """Render the quarterly children's social care performance report on its own."""

    def go():
        from pipeline.reports.csc.run import run_csc

        overrides = {"quarter": quarter}
        if quarter:
            overrides["year_end"] = int(quarter[:4]) + 1
        params = _params(config, **overrides)
        paths = run_csc(
            params, config_path=config.resolve(), final=final, to=to, renderer=renderer, say=say
        )
        for path in paths:
            typer.echo(str(path))

    guarded(go)


@app.command()
def bench(
    config: ConfigOpt = DEFAULT_CONFIG,
    sizes: Annotated[str, typer.Option(help="Multiples of the default authority")] = "1,10,200",
    repeat: Annotated[int, typer.Option(help="Measurements per stage (median reported)")] = 3,
    out: Annotated[Path, typer.Option(help="Where to write bench.json")] = Path("build/bench"),
    with_render: Annotated[bool, typer.Option(help="Also time notebooks and render")] = True,
    with_builds: Annotated[
        bool,
        typer.Option(help="Also time, at 1x, a cold build, a one-edit rebuild and a bare render"),
    ] = True,
    fake903: Annotated[
        Path | None,
        typer.Option(help="The shared fake SSDA903 return, to time validating it ('' to skip)"),
    ] = Path("../shared/data/ssda903-fake"),
    csc_up_to: Annotated[
        float,
        typer.Option(
            help="Largest size generated with the CSC report's inputs (CIN census, Annex A); "
            "larger sizes have the SSDA903 and IRO extracts only"
        ),
    ] = 10.0,
) -> None:
    """Time every stage at several data sizes; print a table and write JSON."""
    from pipeline.run.bench import run_bench

    run_bench(
        config,
        sizes=[float(s) for s in sizes.split(",")],
        repeat=repeat,
        out=out,
        with_render=with_render,
        with_builds=with_builds,
        fake903=fake903 if fake903 and str(fake903) not in ("", ".") else None,  # '' is Path('.')
        csc_up_to=csc_up_to,
        say=say,
    )


benchmarks_app = typer.Typer(
    no_args_is_help=True, help="The published-statistics snapshot shipped with the project."
)
app.add_typer(benchmarks_app, name="benchmarks")


@benchmarks_app.command("update")
def benchmarks_update(
    source: Annotated[
        Path,
        typer.Option(
            "--from", help="Folder of newly downloaded DfE/ONS files (as in ../shared/data/dfe)"
        ),
    ],
    out: Annotated[
        Path | None, typer.Option(help="Where to write it (default: the project's snapshot)")
    ] = None,
) -> None:
    """Rebuild the benchmark snapshot from published DfE files (commit the result)."""

    def go():
        from pipeline.inputs.published import SNAPSHOT, build_snapshot

        if not source.is_dir():
            raise FileNotFoundError(f"{source}: folder not found")
        target = out or SNAPSHOT
        manifest = build_snapshot(source, target)
        for r in manifest.iter_rows(named=True):
            say(f"{r['file']}: {r['rows_count']:,} rows, {r['first_year']}-{r['last_year']}")
        say(f"snapshot written to {target}")

    guarded(go)


@benchmarks_app.command("show")
def benchmarks_show() -> None:
    """List what the snapshot holds: source file, publication, years, rows."""
    from pipeline.inputs.published import manifest

    m = manifest()
    if m is None:
        fail(EXIT_INPUT, "no benchmark snapshot in the project (cic-reports benchmarks update)")
    for r in m.iter_rows(named=True):
        typer.echo(
            f"{r['file']}\t{r['publication']}\t{r['first_year']}-{r['last_year']}\t{r['rows_count']}"
        )


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        console.print("interrupted")
        sys.exit(130)
