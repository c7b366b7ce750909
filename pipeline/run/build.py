"""A build as a graph of stages, each re-run only when its inputs changed, published at once.

    data ──► pack ──► [processed layer] ──► notebooks:<report> ──► render:<report>.<fmt>
      (ingest, validate, transform,                  (per report)    (per report and format)
       every report's measures)          └──────────────────────────► appendix (CSV, XLSX)

Each stage's *key* is a digest of everything its result depends on (pipeline/run/fingerprint.py):

| stage | key |
| --- | --- |
| data | code, parameters (but the pack month), the raw files, the published statistics and population files they point at, `--force` |
| pack | code, parameters, catalogue, supplied values, the pack's folder's settings, the core_ tables it reads (by content) |
| notebooks:<r> | code, the report's notebooks, parameters — and the content of every processed file its notebooks read last time (recorded while they ran) |
| render:<r>.<fmt> | render code, renderer and version, the report's Quarto sources, the prose it includes (narrative or commentary), `_quarto.yml`, parameters, the notebooks' key; for DOCX and PDF also the run id |
| appendix | code, `pub_pack_appendix` (by content), the month |

A stage whose key is the one recorded with the published outputs is *reused*: its files
are hard-linked into the new set. Keys of later stages use the *content* of earlier
stages' tables, so a change that leaves a table byte-identical stops there (editing the
catalogue re-runs the pack and its notebook and render, not the IRO report's). `--fresh`
runs everything. Every stage writes into staging folders that are swapped in together at
the end (pipeline/run/publish.py), so a crash leaves the previous run's set.

The run id is the digest of all data inputs (raw files, configuration, catalogue, supplied
values, code, notebooks); it is written in `data/processed/run.json`, in each executed
notebook's metadata, in the output folder's `.manifest.json` and in each report's colophon
(a reused HTML file gets the new id in place; DOCX and PDF are rendered again). `render`
refuses (exit 7) executed notebooks that are missing, truncated, of mixed runs, or of a
run other than the one the current inputs give.

A new stage (e.g. the disclosure audit before publishing) is a function from tables to
tables with a key: see `Build._table_stage` and how `data` and `pack` use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.params import RunParams
from pipeline.run import fingerprint as fp
from pipeline.run import publish as pub
from pipeline.run.faults import pause

Say = Callable[[str], None]
RUN_FILE = "run.json"  # in the processed folder and the notebooks folder
OUTPUT_MANIFEST = ".manifest.json"  # in output/<authority>/
PACK = "performance-pack"
CSC = "csc-performance-report"
VALIDATION_TABLES = (
    "validation_summary",
    "validation_rules",
    "validation_returns",
    "validation_coverage",
)


class StaleError(RuntimeError):
    """The executed notebooks cannot be rendered as the current run's (one-line message)."""


class _GXDisagrees(RuntimeError):
    pass


# ---------------------------------------------------------------- where things live
@dataclass(frozen=True)
class Places:
    processed: Path
    notebooks: Path
    output: Path
    authority: Path  # build/<authority>/: journal, locks, caches

    @property
    def stat_file(self) -> Path:
        return self.authority / "cache" / "stat.json"


def places(params: RunParams) -> Places:
    from pipeline.run.notebooks import executed_dir

    return Places(
        processed=params.processed_dir,
        notebooks=executed_dir(params),
        output=params.output_dir / params.slug,
        authority=params.build_dir / params.slug,
    )


def read_json(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def write_json(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(tmp, path)


@contextlib.contextmanager
def authority_lock(params: RunParams, *, publishing: bool = False) -> Iterator[None]:
    """One build of an authority's year at a time; one publish of an authority at a time."""
    p = places(params)
    name = ".publish.lock" if publishing else f".{params.year_label}.lock"
    with pub.locked(p.authority / name):
        yield


def recover(params: RunParams) -> list[str]:
    """Finish an interrupted publish and clear dead runs' staging (under the publish lock)."""
    p = places(params)
    with authority_lock(params, publishing=True):
        return pub.recover(p.authority, [p.processed, p.notebooks, p.output])


# ---------------------------------------------------------------- inputs and the run id
def _report_settings(report, stat: fp.StatCache) -> dict:
    return {f.name: stat.sha256(f) for f in sorted(report.folder.glob("*.yml"))}


@dataclass
class Inputs:
    """Digests of every input of a run, by component (their digest is the run id)."""

    components: dict[str, object]

    @property
    def run_id(self) -> str:
        return fp.digest("run", self.components)

    def changed_since(self, old: dict) -> list[str]:
        names = {
            "code": "the code",
            "params": "the configuration",
            "raw": "the raw files",
            "referenced": "the published statistics or population files",
            "catalogue": "the indicator catalogue",
            "supplied": "the supplied values",
            "report_settings": "a report's settings",
            "notebooks": "the notebooks",
            "force": "--force",
        }
        return [names.get(k, k) for k in self.components if old.get(k) != self.components[k]]


def gather_inputs(params: RunParams, stat: fp.StatCache, *, force: bool = False) -> Inputs:
    from pipeline.reports import registry
    from pipeline.reports.pack import catalogue_path
    from pipeline.run.stages import supplied_path

    reports = registry()
    return Inputs(
        {
            "code": fp.code_digest("data"),
            "params": fp.digest(fp.params_content(params)),
            "raw": fp.digest(fp.tree(params.raw_dir, stat)),
            "referenced": fp.referenced_files(params, stat),
            "catalogue": fp.path_digest(catalogue_path(params), stat),
            "supplied": fp.path_digest(supplied_path(params), stat),
            "report_settings": {d: _report_settings(r, stat) for d, r in reports.items()},
            "notebooks": {
                d: {p.name: fp.path_digest(p, stat) for p in r.notebook_paths()}
                for d, r in reports.items()
            },
            "force": force,
        }
    )


# ---------------------------------------------------------------- what a build returns
@dataclass
class Outcome:
    run_id: str
    ran: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    paths: list[Path] = field(default_factory=list)  # published files of this run
    result: object = None  # stages.RunResult when the data stages ran
    seconds: dict[str, float] = field(default_factory=dict)


def _prose_files(params: RunParams, report, generated: dict[str, str]) -> dict[str, object]:
    """Digest of every file the report's main document includes, followed transitively, as
    staged: `report/` is the report's sources, `report/narrative` and `report/commentary` the
    service's prose, `report/csc-analysis` the CSC report's analysis
    (pipeline/publish/render/stage.py)."""
    import posixpath

    from pipeline.publish.render.shortcodes import INCLUDE

    prose = {
        "report/narrative": params.path(params.paths.narrative),
        "report/commentary": params.path(params.paths.commentary),
        "report/csc-analysis": params.path(params.paths.analysis),
    }

    def real(staged: str) -> Path | None:
        for prefix, folder in prose.items():
            if staged == prefix or staged.startswith(prefix + "/"):
                return folder / staged[len(prefix) + 1 :] if folder else None
        if staged.startswith("report/"):
            return report.source_dir / staged[len("report/") :]
        return None

    def text_of(staged: str) -> str | None:
        if staged in generated:
            return generated[staged]
        path = real(staged)
        if path is None or not path.is_file():
            return None
        return path.read_text(encoding="utf-8", errors="replace")

    seen: dict[str, object] = {}
    todo = [f"report/{report.doc}.qmd"]
    while todo:
        staged = todo.pop()
        if staged in seen:
            continue
        text = text_of(staged)
        seen[staged] = None if text is None else fp.digest(text)
        if text is None:
            continue
        for m in INCLUDE.finditer(text):
            target = m.group(1)
            if target.startswith("/"):
                nxt = posixpath.normpath(target.lstrip("/"))
            else:
                nxt = posixpath.normpath(posixpath.join(posixpath.dirname(staged), target))
            todo.append(nxt)
    return seen


def embedded_notebooks(report, generated: dict[str, str]) -> set[str]:
    """Stems of the notebooks a report's sources embed (`{{< embed ../notebooks/x.ipynb#.. >}}`)."""
    from pipeline.publish.render.shortcodes import EMBED

    texts = list(generated.values())
    for f in sorted(report.source_dir.rglob("*")):
        if f.suffix in (".qmd", ".md") and f.is_file():
            texts.append(f.read_text(encoding="utf-8", errors="replace"))
    out = set()
    for text in texts:
        for m in EMBED.finditer(text):
            out.add(Path(m.group(1).split("#", 1)[0]).stem)
    return out


def say_rendered(say: Say, result) -> None:
    """What was rendered, with what and how long it took, then the renderer's warnings."""
    from rich.markup import escape

    say(result.summary())
    for warning in result.warnings:
        say(f"[yellow]  warning ({result.renderer}):[/] {escape(warning)}")


# ---------------------------------------------------------------- the build
class Build:
    """One build of one authority's reporting year (see the module docstring)."""

    def __init__(
        self,
        params: RunParams,
        *,
        config_path: Path,
        docs: list[str] | None = None,
        formats: list[str] = ("html",),
        renderer: str = "auto",
        force: bool = False,
        fresh: bool = False,
        final: bool = False,
        engine: str | None = None,
        say: Say = print,
    ) -> None:
        from pipeline.reports import registry
        from pipeline.run.stages import StageTimer

        self.params = params
        self.config_path = Path(config_path).resolve()
        self.asked_for = list(docs) if docs else None
        self.docs = list(docs or registry())
        self.formats = list(formats)
        self.renderer = renderer
        self.force, self.fresh, self.final = force, fresh, final
        self.engine = engine or params.validation_engine
        self.say = say
        self.timer = StageTimer(say)
        self.places = places(params)
        self.stat = fp.StatCache(self.places.stat_file)
        self.outcome: Outcome | None = None
        self.tables: dict[str, dict] = {}  # staged table name -> {"sha256", "rows", ...}
        self.frames: dict[str, object] = {}  # tables made in this process (kept in memory)
        self.stage_records: dict[str, dict] = {}
        self.notebook_records: dict[str, dict] = {}
        self.output_records: dict[str, dict] = {}
        self.warnings: list[str] = []
        self._generated_cache: dict[str, dict] = {}
        self._deps_cache: dict[str, tuple[set, set]] = {}

    # ------------------------------------------------------------ bookkeeping
    def _ran(self, name: str, seconds: float | None = None) -> None:
        self.outcome.ran.append(name)
        if seconds is not None:
            self.outcome.seconds[name] = seconds

    def _reused(self, name: str, why: str = "inputs unchanged") -> None:
        self.outcome.reused.append(name)
        self.say(f"• {name}: reused ({why})")

    def _table_sha(self, name: str) -> str | None:
        info = self.tables.get(name)
        return info["sha256"] if info else None

    def _consumed(self, prefixes: tuple[str, ...], names: tuple[str, ...] = ()) -> dict:
        return {
            t: info["sha256"]
            for t, info in sorted(self.tables.items())
            if t.startswith(prefixes) or t in names
        }

    # ------------------------------------------------------------ table stages
    def _link_tables(self, stage: str, record: dict) -> bool:
        """Hard-link a reused stage's tables from the published processed folder; False if
        any is missing or not the recorded bytes."""
        manifest = read_json(self.places.processed / "manifest.json")
        found = {}
        for name, info in record["tables"].items():
            src = self.places.processed / f"{name}.parquet"
            if not src.is_file() or self.stat.sha256(src) != info["sha256"]:
                return False
            found[name] = (src, info)
        for name, (src, info) in found.items():
            pub.link_or_copy(src, self.staged_processed / src.name)
            self.tables[name] = dict(info)
            if name in manifest:
                self.manifest[name] = manifest[name]
        return True

    def _write_tables(self, tables: dict) -> dict:
        from pipeline import io

        io.write_tables(self.staged_processed, tables)
        out = {}
        for name, df in tables.items():
            path = self.staged_processed / f"{name}.parquet"
            sha = fp.file_sha256(path)
            self.stat.remember(path, sha, as_path=self.places.processed / path.name)
            out[name] = {"sha256": sha, "rows": df.height}
            self.tables[name] = out[name]
            self.frames[name] = df
        self.manifest.update(read_json(self.staged_processed / "manifest.json"))
        return out

    def _table_stage(self, name: str, key: str, run: Callable[[], dict], *, label=None) -> bool:
        """Reuse stage `name`'s published tables if its key is unchanged, else `run()` it
        (tables by name, plus "_warnings"). True when it ran."""
        prev = self.prev_processed.get("stages", {}).get(name)
        if not self.fresh and prev and prev.get("key") == key and self._link_tables(name, prev):
            self._reused(label or name)
            for w in prev.get("warnings", []):
                self.say(f"[yellow]warning:[/] {w}")
            self.stage_records[name] = prev
            self.warnings += prev.get("warnings", [])
            return False
        start = time.perf_counter()
        made = run()
        warnings = made.pop("_warnings", [])
        written = self._write_tables(made)
        self.stage_records[name] = {"key": key, "tables": written, "warnings": warnings}
        self.warnings += warnings
        self._ran(label or name, time.perf_counter() - start)
        return True

    def _frame(self, name: str):
        """A staged table: from memory if made in this process, else read from staging."""
        if name not in self.frames:
            import polars as pl

            path = self.staged_processed / f"{name}.parquet"
            self.frames[name] = pl.read_parquet(path) if path.is_file() else None
        return self.frames[name]

    # ------------------------------------------------------------ data and pack
    def data_key(self) -> str:
        return fp.digest(
            "data",
            self.inputs.components["code"],
            fp.params_content(self.params, without=("pack_month",)),
            self.inputs.components["raw"],
            self.inputs.components["referenced"],
            self.force,
        )

    def run_data(self) -> None:
        from pipeline.reports.pack.run import has_records
        from pipeline.run.stages import data_stages

        self.records = has_records(self.params.raw_dir)
        if not self.records and set(self.docs) <= {PACK}:
            self.say("no child-level records: building the pack from supplied values only")
            if self.gx is not None:
                self.gx.close(kill=True)
                self.gx = None
            return
        self.records = True  # (without records, ingest says what is missing)
        key = self.data_key()

        def run() -> dict:
            from pipeline.validate import GX_BESIDE

            token = GX_BESIDE.set(self.gx)
            try:
                data = data_stages(self.params, self.timer, force=self.force, engine=self._engine())
            finally:
                GX_BESIDE.reset(token)
            self.outcome.result = data.result
            self.core = data.core
            return {**data.tables, "_warnings": []}

        prev = self.prev_processed.get("stages", {}).get("data")
        will_run = self.fresh or not prev or prev.get("key") != key
        if not will_run and self.gx is not None:
            self.gx.close(kill=True)  # started early in case; not needed
            self.gx = None
        self.core = None
        ran = self._table_stage(
            "data", key, run, label="data (ingest, validate, transform, measures)"
        )
        if not ran and self.gx is not None:
            self.gx.close()
            self.gx = None

    def _drop_reports_without_data(self) -> None:
        """The CSC report is built only from a CIN census or Annex A lists; asked for by
        name without them, that is an input error (as `cic-reports csc` says)."""
        from pipeline.errors import InputError

        has_csc = any(
            (self.tables.get(t) or {}).get("rows")
            for t in ("core_cin_episodes", "core_aa_referrals", "core_aa_assessments")
        )
        if self.outcome.result is not None:
            self.outcome.result.has_csc = has_csc
        if CSC not in self.docs or has_csc:
            return
        if self.asked_for is not None and CSC in self.asked_for:
            raise InputError(
                "no CIN census (XML or cin_*.csv) or Annex A referrals or assessments in the "
                "raw folder",
                file=str(self.params.raw_dir),
            )
        self.docs.remove(CSC)

    def _engine(self) -> str:
        if self.engine == "beside" and self.gx is not None:
            return "polars"
        return "polars" if self.engine == "polars" else "gx"

    def pack_key(self) -> str:
        from pipeline.reports import get

        return fp.digest(
            "pack",
            self.inputs.components["code"],
            fp.params_content(self.params),
            self.inputs.components["catalogue"],
            self.inputs.components["supplied"],
            self.inputs.components["report_settings"].get(get(PACK).doc),
            self.inputs.components["referenced"],
            # the disclosure stage protects every report's tables with the pack's
            self._consumed(("core_", "out_"), VALIDATION_TABLES),
            self.records,
        )

    def run_pack(self) -> None:
        from pipeline.run.stages import Validation, stage_pack

        def run() -> dict:
            core = None
            if self.records:
                if self.core is not None:
                    core = self.core
                else:
                    core = {t: self._frame(t) for t in self.tables if t.startswith("core_")}
            outs, validation = None, None
            if self.records:
                outs = {t: self._frame(t) for t in self.tables if t.startswith("out_")}
                validation = Validation.of({t: self._frame(t) for t in VALIDATION_TABLES})
            tables, gaps = stage_pack(self.params, core, self.timer, outs, validation)
            return {**tables, "_warnings": gaps}

        self._table_stage("pack", self.pack_key(), run)

    # ------------------------------------------------------------ notebooks
    def _lineage(self, record: dict) -> str:
        return fp.digest(record["static"], record["reads"], record["listings"])

    def _listing(self, prefix: str) -> list[str]:
        return sorted(t for t in self.tables if t.startswith(prefix))

    def notebooks_static(self, doc: str) -> str:
        return fp.digest(
            "notebooks",
            doc,
            self.inputs.components["code"],
            self.inputs.components["notebooks"].get(doc),
            fp.params_content(self.params),
            self._generated_notebooks(doc),
        )

    def _generated_notebooks(self, doc: str) -> list[str]:
        """The text of the notebooks a report builds per run (the pack's, from the
        catalogue): a catalogue edit that changes them re-runs the report's notebooks."""
        import nbformat

        from pipeline.reports import get

        built = get(doc).generate_notebooks(self.params)
        return [nbformat.writes(built[k]) for k in sorted(built)]

    def _reuse_notebooks(self, doc: str, static: str) -> dict | None:
        prev = self.prev_notebooks.get("reports", {}).get(doc)
        if self.fresh or not prev or prev.get("static") != static:
            return None
        for name, sha in prev["reads"].items():
            if self._table_sha(name.removesuffix(".parquet")) != sha:
                return None
        for prefix, names in prev["listings"].items():
            if self._listing(prefix) != names:
                return None
        files = [self.places.notebooks / n for n in prev["files"]]
        if not all(f.is_file() for f in files):
            return None
        return prev

    def run_notebooks(self, doc: str, *, required: bool = True) -> None:
        import nbformat

        from pipeline.reports import get
        from pipeline.run import notebooks as nbr

        report = get(doc)
        static = self.notebooks_static(doc)
        name = f"notebooks:{doc}"
        prev = self._reuse_notebooks(doc, static)
        if prev is not None:
            for f in prev["files"]:
                try:
                    nb = nbformat.read(self.places.notebooks / f, as_version=4)
                except Exception:
                    prev = None
                    break
                nbr.stamp(nb, self.run_id, doc)
                nbr.write(nb, self.staged_notebooks / f)
        if prev is not None:
            self.notebook_records[doc] = prev
            if required:
                self._reused(name)
            return
        if not required:
            return  # another report's notebooks, stale: left out of this run's set
        pause("notebooks")
        parameters = nbr.notebook_parameters(self.params, self.config_path, self.staged_processed)
        shown = {"processed_dir": str(self.places.processed)}
        with self.timer.stage(f"notebooks ({doc})"):
            done = nbr.execute_all(
                [nbr.generated_notebook(self.params, p) for p in report.notebook_paths()],
                self.staged_notebooks,
                parameters,
                shown=shown,
                watch=self.staged_processed,
                run_id=self.run_id,
                report=doc,
            )
        reads = {}
        for f in sorted(done.reads.files):
            table = f.removesuffix(".parquet")
            if table in self.tables:
                reads[f] = self.tables[table]["sha256"]
            elif (self.staged_processed / f).is_file():
                reads[f] = fp.file_sha256(self.staged_processed / f)
        self.notebook_records[doc] = {
            "static": static,
            "reads": reads,
            "listings": {p: self._listing(p) for p in sorted(done.reads.listings)},
            "files": sorted(p.name for p in done.paths.values()),
        }
        self._ran(name, done.seconds)
        pause(f"notebooks-{doc}")

    # ------------------------------------------------------------ render and appendix
    def _renderer_id(self) -> str:
        from pipeline.publish.render import fallback, quarto

        use_quarto = self.renderer == "quarto" or (self.renderer == "auto" and quarto.available())
        return f"quarto {quarto.version()}" if use_quarto else f"pandoc {fallback.version()}"

    def render_key(self, doc: str, fmt: str) -> str:
        from pipeline.reports import get

        report = get(doc)
        generated = self._generated(doc)
        quarto_yml = self.params.root / "_quarto.yml"
        return fp.digest(
            "render",
            doc,
            fmt,
            self._renderer_id(),
            self.final,
            fp.code_digest("render"),
            self.inputs.components["code"],
            fp.digest(fp.tree(report.source_dir, self.stat, skip=())),
            generated,
            _prose_files(self.params, report, generated),
            fp.path_digest(quarto_yml, self.stat),
            fp.params_content(self.params),
            {d: self._lineage(self.notebook_records[d]) for d in sorted(self._render_deps(doc))},
            self.run_id if fmt != "html" else None,
        )

    def _generated(self, doc: str) -> dict[str, str]:
        from pipeline.reports import get

        if doc not in self._generated_cache:
            report = get(doc)
            self._generated_cache[doc] = (
                report.generate_sources(self.params, self.final) if report.sources_generator else {}
            )
        return self._generated_cache[doc]

    def _render_deps(self, doc: str) -> set[str]:
        """The reports whose notebooks `doc` embeds (normally itself alone)."""
        from pipeline.reports import get, registry

        if doc not in self._deps_cache:
            stems = embedded_notebooks(get(doc), self._generated(doc))
            owners = {
                d for d, r in registry().items() if stems & {p.stem for p in r.notebook_paths()}
            }
            self._deps_cache[doc] = (owners or {doc}), stems
        return self._deps_cache[doc][0]

    def _reuse_render(self, name: str, key: str) -> bool:
        prev = self.prev_output.get("files", {}).get(name)
        src = self.places.output / name
        if self.fresh or not prev or prev.get("key") != key or not src.is_file():
            return False
        if self.stat.sha256(src) != prev.get("sha256"):
            return False
        dest = self.staged_output / name
        old, new = prev.get("run", "")[:12], self.run_id[:12]
        if old == new or not name.endswith(".html"):
            pub.link_or_copy(src, dest)
        else:
            text = src.read_text(encoding="utf-8")
            if text.count(f"run {old}") != 1:
                return False
            dest.write_text(text.replace(f"run {old}", f"run {new}"), encoding="utf-8")
        self.output_records[name] = {"key": key, "run": self.run_id, "sha256": fp.file_sha256(dest)}
        return True

    def _render_one(self, doc: str, fmt: str) -> tuple[str, object]:
        from pipeline.publish.render import output_path, render

        name = output_path(self.params, doc, fmt).name
        key = self.render_key(doc, fmt)
        if self._reuse_render(name, key):
            return name, None
        result = render(
            self.params,
            doc,
            to=fmt,
            renderer=self.renderer,
            final=self.final,
            notebooks=self.staged_notebooks,
            out_dir=self.staged_output,
            run_id=self.run_id,
            stage_folder=self.places.authority / self.params.year_label / f"stage-{doc}",
            only_notebooks=self._deps_cache[doc][1],
        )
        sha = fp.file_sha256(result.path)
        self.output_records[name] = {"key": key, "run": self.run_id, "sha256": sha}
        return name, result

    def notebooks_and_renders(self) -> None:
        """Each report's notebooks, then its renders in the background (pandoc or Quarto
        runs while the next report's notebooks execute)."""
        from pipeline.reports import registry

        order = sorted(self.docs, key=lambda d: len(registry()[d].notebooks))  # quick first
        pending = {d: self._render_deps(d) for d in order} if self.formats else {}
        done: set[str] = set()
        futures = {}
        start = time.perf_counter()
        if self.formats:
            pause("render")
        with ThreadPoolExecutor(max_workers=2) as pool:
            try:
                for doc in order:
                    self.run_notebooks(doc)
                    done.add(doc)
                    for d, deps in list(pending.items()):
                        if deps <= done | (set(registry()) - set(self.docs)):
                            futures[d] = pool.submit(self._renders_of, d)
                            del pending[d]
                for doc in registry():
                    if doc not in self.docs:
                        self.run_notebooks(doc, required=False)
                for d in list(pending):
                    futures[d] = pool.submit(self._renders_of, d)
                results = {d: f.result() for d, f in futures.items()}
            except BaseException:
                for f in futures.values():
                    f.cancel()
                raise
        for doc in self.docs:
            for name, result in results.get(doc, []):
                if result is None:
                    self._reused(f"render:{name}")
                else:
                    say_rendered(self.say, result)
                    self._ran(f"render:{name}", result.seconds)
                self.outcome.paths.append(self.places.output / name)
            if doc in results:
                pause(f"render-{doc}")
        if self.formats:
            self.outcome.seconds["notebooks and renders (wall)"] = time.perf_counter() - start

    def _renders_of(self, doc: str) -> list:
        return [self._render_one(doc, fmt) for fmt in self.formats]

    def run_appendix(self) -> None:
        from pipeline.publish.render import output_path
        from pipeline.reports.pack.run import appendix_files

        if not self.formats or PACK not in self.docs:
            return
        pause("appendix")
        key = fp.digest(
            "appendix",
            self.inputs.components["code"],
            self._table_sha("pub_pack_appendix"),
            self.params.month,
        )
        names = [output_path(self.params, PACK, ext).name for ext in ("csv", "xlsx")]
        if all(self._reuse_render(n, key) for n in names):
            self._reused("appendix")
        else:
            start = time.perf_counter()
            for path in appendix_files(
                self.params, processed=self.staged_processed, out_dir=self.staged_output
            ):
                self.output_records[path.name] = {
                    "key": key,
                    "run": self.run_id,
                    "sha256": fp.file_sha256(path),
                }
            self._ran("appendix", time.perf_counter() - start)
        self.outcome.paths += [self.places.output / n for n in names]

    # ------------------------------------------------------------ finishing
    def _write_processed_manifest(self) -> None:
        write_json(self.staged_processed / "manifest.json", dict(sorted(self.manifest.items())))
        write_json(
            self.staged_processed / RUN_FILE,
            {
                "run": self.run_id,
                "authority": self.params.slug,
                "year_end": self.params.year_end,
                "month": self.params.month,
                "inputs": self.inputs.components,
                "stages": self.stage_records,
                "tables": {t: {"sha256": i["sha256"]} for t, i in sorted(self.tables.items())},
            },
        )
        # what else the folder holds (its README): kept
        pub.keep_files(
            self.places.processed,
            self.staged_processed,
            skip=lambda n: n.endswith(".parquet") or n in ("manifest.json", RUN_FILE),
        )

    def _write_notebooks_manifest(self) -> None:
        write_json(
            self.staged_notebooks / RUN_FILE,
            {
                "run": self.run_id,
                "authority": self.params.slug,
                "year_end": self.params.year_end,
                "month": self.params.month,
                "inputs": self.inputs.components,
                "reports": self.notebook_records,
            },
        )

    def _finish_output(self) -> None:
        """This run's files plus, from the published folder, every file of another report
        period (another year's report, another month's pack) with its manifest entry."""
        produced = {Path(n).stem for n in self.output_records}
        prev = read_json(self.places.output / OUTPUT_MANIFEST).get("files", {})
        records = dict(self.output_records)

        def skip(name: str) -> bool:
            return name.startswith(".") or Path(name).stem in produced

        pub.keep_files(self.places.output, self.staged_output, skip=skip)
        for p in self.staged_output.iterdir():
            if p.name not in records and not p.name.startswith("."):
                records[p.name] = prev.get(p.name, {"run": None, "key": None})
        write_json(self.staged_output / OUTPUT_MANIFEST, {"files": dict(sorted(records.items()))})

    def publish(self) -> None:
        pairs = [
            (self.staged_processed, self.places.processed),
            (self.staged_notebooks, self.places.notebooks),
        ]
        if self.formats:
            pairs.append((self.staged_output, self.places.output))
        with authority_lock(self.params, publishing=True):
            pub.recover(self.places.authority, [])
            if self.formats:
                self._finish_output()
            pause("publish")
            self.publishing = True
            pub.publish(self.places.authority, self.run_id, pairs)
            self.publishing = False

    # ------------------------------------------------------------ the whole build
    def run(self) -> Outcome:
        self.gx = None
        if self.engine == "beside":
            # started first: its Great Expectations import overlaps everything until validate
            from pipeline.run.gxcheck import GXBeside

            self.gx = GXBeside()
        try:
            return self._run()
        finally:
            if self.gx is not None:
                self.gx.close(kill=True)
                self.gx = None

    def _run(self) -> Outcome:
        from pipeline.shared import sharing

        with authority_lock(self.params):
            recover(self.params)
            self.inputs = gather_inputs(self.params, self.stat, force=self.force)
            self.run_id = self.inputs.run_id
            self.outcome = Outcome(self.run_id)
            self.prev_processed = read_json(self.places.processed / RUN_FILE)
            if self.prev_processed.get("authority") not in (None, self.params.slug):
                self.prev_processed = {}  # another authority's folder: nothing to reuse
            self.prev_notebooks = read_json(self.places.notebooks / RUN_FILE)
            self.prev_output = read_json(self.places.output / OUTPUT_MANIFEST)
            self.staged_processed = pub.staging_for(self.places.processed, self.run_id)
            self.staged_notebooks = pub.staging_for(self.places.notebooks, self.run_id)
            self.staged_output = pub.staging_for(self.places.output, self.run_id)
            self.manifest: dict = {}
            self.publishing = False
            try:
                with sharing():  # the IRO measures and the pack share intermediate frames
                    self.run_data()
                    self.run_pack()
                self._drop_reports_without_data()
                pause("write processed")
                self._write_processed_manifest()
                self.frames.clear()
                self.core = None
                self.notebooks_and_renders()
                self._write_notebooks_manifest()
                self.run_appendix()
                if self.gx is not None:
                    start = time.perf_counter()
                    self.gx_suites = len(self.gx.plans or [])
                    problems = self.gx.verify()
                    self.gx = None
                    self.outcome.seconds["waiting for Great Expectations"] = (
                        time.perf_counter() - start
                    )
                    if problems:
                        raise _GXDisagrees("; ".join(problems))
                    waited = self.outcome.seconds["waiting for Great Expectations"]
                    self.say(
                        f"• validate: Great Expectations ran {self.gx_suites} contract suites "
                        f"beside the build: the same rows as the polars rules (waited {waited:.1f} s)"
                    )
                self.publish()
            finally:
                self.stat.save()
                if not self.publishing:  # a failed publish keeps its staging: recover finishes it
                    import shutil

                    for staged in (
                        self.staged_processed,
                        self.staged_notebooks,
                        self.staged_output,
                    ):
                        shutil.rmtree(staged, ignore_errors=True)
        self._say_inputs()
        self.say("ran: " + (", ".join(self.outcome.ran) or "nothing"))
        self.say("reused: " + (", ".join(self.outcome.reused) or "nothing"))
        return self.outcome

    def _say_inputs(self) -> None:
        """Per report, the inputs found and missing (issue 17), reused or not."""
        path = self.params.processed_dir / "pub_inputs.parquet"
        if path.is_file():
            import polars as pl

            from pipeline.run.stages import say_inputs

            say_inputs(pl.read_parquet(path), self.say)


def build(params: RunParams, *, config_path: Path, say: Say = print, **options) -> Outcome:
    """Build one authority's year (see `Build`); GX is compared beside the polars twins and
    the data stages re-run under GX itself if the two ever disagree."""
    try:
        return Build(params, config_path=config_path, say=say, **options).run()
    except _GXDisagrees as exc:
        say(f"[yellow]warning:[/] {exc}: validating again with Great Expectations itself")
        options = {**options, "engine": "gx"}
        return Build(params, config_path=config_path, say=say, **options).run()


# ---------------------------------------------------------------- render on its own
def check_notebooks(params: RunParams, docs: list[str], inputs: Inputs) -> dict:
    """The notebooks folder's run record, if every notebook the reports need is there,
    complete, of one run, and of the run the current inputs give; else StaleError."""
    import nbformat

    from pipeline.reports import get
    from pipeline.run.notebooks import STAMP

    p = places(params)
    record = read_json(p.notebooks / RUN_FILE)
    hint = "run `cic-reports build` (or `run`) first"
    if not record:
        raise StaleError(
            f"{p.notebooks}: no executed notebooks of a build for {params.year_label}; {hint}"
        )
    run_id = record.get("run")
    for doc in docs:
        for path in get(doc).notebook_paths():
            executed = p.notebooks / path.name
            if not executed.is_file():
                raise StaleError(f"{executed}: not executed in the last build; {hint}")
            try:
                nb = nbformat.read(executed, as_version=4)
            except Exception:
                raise StaleError(
                    f"{executed}: not a complete notebook (truncated or damaged); {hint}"
                ) from None
            stamp = (nb.metadata.get(STAMP) or {}).get("run")
            if stamp != run_id:
                raise StaleError(
                    f"{executed}: from another run ({str(stamp)[:12]}) than the other notebooks "
                    f"({str(run_id)[:12]}); {hint}"
                )
    if run_id != inputs.run_id:
        changed = inputs.changed_since(record.get("inputs", {}))
        what = ", ".join(changed) if changed else "the inputs"
        raise StaleError(
            f"the executed notebooks are from run {str(run_id)[:12]}, but {what} changed since "
            f"(the inputs now give run {inputs.run_id[:12]}); {hint}"
        )
    processed = read_json(p.processed / RUN_FILE)
    same_year = (processed.get("authority"), processed.get("year_end")) == (
        params.slug,
        params.year_end,
    )
    if processed and same_year and processed.get("run") != run_id:
        raise StaleError(
            f"{p.processed}: the processed data are from run {str(processed.get('run'))[:12]}, "
            f"the notebooks from run {str(run_id)[:12]}; {hint}"
        )
    return record


def render_reports(
    params: RunParams,
    docs: list[str] | None,
    formats: list[str],
    *,
    renderer: str = "auto",
    final: bool = False,
    say: Say = print,
) -> list[Path]:
    """`cic-reports render`: the notebooks checked (`check_notebooks`), every document
    rendered (never reused), the output folder's set for these reports replaced at once."""
    from pipeline.publish.render import render

    p = places(params)
    with authority_lock(params):
        recover(params)
        stat = fp.StatCache(p.stat_file)
        inputs = gather_inputs(
            params,
            stat,
            force=read_json(p.notebooks / RUN_FILE).get("inputs", {}).get("force", False),
        )
        stat.save()
        if docs is None:  # every report the last build made (the CSC report only with its data)
            from pipeline.reports import registry

            built = read_json(p.notebooks / RUN_FILE).get("reports", {})
            docs = [d for d in registry() if d in built] or list(registry())
        record = check_notebooks(params, docs, inputs)
        run_id = record["run"]
        staged = pub.staging_for(p.output, run_id)
        try:
            records, paths = {}, []
            for doc in docs:
                for fmt in formats:
                    result = render(
                        params,
                        doc,
                        to=fmt,
                        renderer=renderer,
                        final=final,
                        notebooks=p.notebooks,
                        out_dir=staged,
                        run_id=run_id,
                        stage_folder=p.authority / params.year_label / f"stage-{doc}",
                    )
                    say_rendered(say, result)
                    records[result.path.name] = {
                        "key": None,  # not a build's: the next build renders it again
                        "run": run_id,
                        "sha256": fp.file_sha256(result.path),
                    }
                    paths.append(p.output / result.path.name)
            with authority_lock(params, publishing=True):
                pub.recover(p.authority, [])
                produced = {Path(n).stem for n in records}
                prev = read_json(p.output / OUTPUT_MANIFEST).get("files", {})
                # the same report period's other files from the same run stay (e.g. the
                # pack's CSV beside a re-rendered pack); another run's are dropped
                keep = {n for n, r in prev.items() if r.get("run") == run_id}
                pub.keep_files(
                    p.output,
                    staged,
                    skip=lambda n: (
                        n.startswith(".") or (Path(n).stem in produced and n not in keep)
                    ),
                )
                for f in staged.iterdir():
                    if not f.name.startswith(".") and f.name not in records:
                        records[f.name] = prev.get(f.name, {"run": None, "key": None})
                write_json(staged / OUTPUT_MANIFEST, {"files": dict(sorted(records.items()))})
                pub.publish(p.authority, run_id, [(staged, p.output)])
        finally:
            import shutil

            shutil.rmtree(staged, ignore_errors=True)
    return paths
