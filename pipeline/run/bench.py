"""`cic-reports bench`: wall time and peak memory per stage at several data sizes.

A benchmark, not a test: it prints figures (median of `repeat` runs and the spread) and
writes them as JSON; nothing asserts on time. Sizes are multiples of the default sample
authority (450 children in care); 200x is England's children in care. Sizes above
`csc_up_to` (10x) are generated without the CSC report's inputs (CIN census, Annex A lists):
those are one authority's lists, and an Annex A of England's size is neither a real input nor
something the sample generator writes in an hour. The smallest size is then also run without
them, so time(largest)/time(smallest) compares like with like. At each size validation
is also timed without the DfE rules (codes `DFE-...`), to show what they add. Given the
shared fake SSDA903 return, `cic-reports validate` is run on it in fresh processes (as a
user runs it) with each engine, and its wall time and peak RSS are printed; with
`CIC_PEER903_PYTHON` set, the DfE's own validator is timed on the same files too.

Also, in fresh processes: `cic-reports validate` on each size's raw folder (peak RSS
against the files' size on disk), and at 1× a cold `cic-reports build`, a rebuild after one
commentary edit and a bare `cic-reports render`, with their ratios to the render.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

DEFAULT_CHILDREN = 450
DATA_STAGES = ("ingest", "validate", "transform", "measures", "disclosure")
DATA_TOTAL = "data stages (sum)"
END_TO_END = "data stages end to end"
WITHOUT_DFE = "validate without DfE rules"
FAKE_903_YEAR_END = 2018  # the shared fake return is for 2017-18


def without_dfe(rule) -> bool:
    return not rule.code.startswith("DFE-")


def _label(size: float) -> str:
    return f"{size:g}x"


NO_CSC = "903+IRO"  # the case label's suffix: SSDA903 and IRO extracts only


@dataclass(frozen=True)
class Case:
    """One sample to time: a size, with or without the CSC report's inputs."""

    size: float
    csc: bool = True

    @property
    def label(self) -> str:
        return _label(self.size) if self.csc else f"{_label(self.size)} {NO_CSC}"

    @property
    def folder(self) -> str:
        return f"x{self.size:g}" if self.csc else f"x{self.size:g}-{NO_CSC.lower()}"

    @property
    def children(self) -> int:
        return round(DEFAULT_CHILDREN * self.size)


def cases_for(sizes: list[float], csc_up_to: float) -> list[Case]:
    """Each size, with the CSC inputs up to `csc_up_to`; if some size goes without them, the
    smallest size also without them (the base of the ratios), in size order."""
    cases = [Case(size, csc=size <= csc_up_to) for size in sorted(set(sizes))]
    if any(not c.csc for c in cases) and cases[0].csc:
        cases.insert(1, Case(cases[0].size, csc=False))
    return cases


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


@dataclass
class PeakRSS:
    """Samples this process's resident memory in a thread; `peak` is the max since reset."""

    interval: float = 0.01
    peak: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __post_init__(self) -> None:
        self._proc = psutil.Process(os.getpid())
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(self.interval)

    def reset(self) -> None:
        self.peak = self._proc.memory_info().rss

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Measurements:
    rows: list[dict] = field(default_factory=list)

    def add(self, case: Case, stage: str, seconds: float, rss: int) -> None:
        self.rows.append({"case": case, "stage": stage, "seconds": seconds, "peak_rss": rss})

    def summary(self) -> list[dict]:
        out = []
        keys = dict.fromkeys((r["case"], r["stage"]) for r in self.rows)
        for case, stage in keys:
            runs = [r for r in self.rows if r["case"] == case and r["stage"] == stage]
            secs = [r["seconds"] for r in runs]
            out.append(
                {
                    "size": case.size,
                    "case": case.label,
                    "csc_inputs": case.csc,
                    "stage": stage,
                    "median_s": statistics.median(secs),
                    "min_s": min(secs),
                    "max_s": max(secs),
                    "runs": len(secs),
                    "peak_rss_mib": max(r["peak_rss"] for r in runs) / 2**20,
                }
            )
        return out


@contextmanager
def _measure(m: Measurements, rss: PeakRSS, case: Case, stage: str):
    rss.reset()
    start = time.perf_counter()
    yield
    m.add(case, stage, time.perf_counter() - start, rss.peak)


def bench_config(base: Path, work: Path, children: int) -> Path:
    """A copy of the base config whose folders all live under `work` (sizes kept apart)."""
    data = yaml.safe_load(base.read_text(encoding="utf-8"))
    root = base.resolve().parent.parent
    paths = data.setdefault("paths", {})
    for key in ("raw", "processed", "build", "output"):
        paths[key] = str(work / key)
    for key in ("dfe", "catalogue", "supplied"):
        if paths.get(key) and not Path(paths[key]).is_absolute():
            paths[key] = str((root / paths[key]).resolve())
    for key, default in (("narrative", "report/narrative"), ("commentary", "report/commentary")):
        src = Path(paths.get(key) or default)
        src = src if src.is_absolute() else root / src
        if src.is_dir():  # the build benchmark edits its own copy, never the project's
            shutil.copytree(src, work / key, dirs_exist_ok=True)
            paths[key] = str(work / key)
    data["root"] = str(root)
    cfg = work / f"bench-{children}.yml"
    work.mkdir(parents=True, exist_ok=True)
    cfg.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return cfg


def run_bench(
    config: Path,
    *,
    sizes: list[float],
    repeat: int = 3,
    out: Path = Path("build/bench"),
    with_render: bool = True,
    jobs: int = 2,
    fake903: Path | None = None,
    with_builds: bool = True,
    csc_up_to: float = 10.0,
    say: Callable[[str], None] = print,
) -> list[dict]:
    from pipeline.params import load_params
    from pipeline.run import stages
    from pipeline.synth import generate
    from pipeline.validate import validate

    cases = cases_for(sizes, csc_up_to)
    m = Measurements()
    rss = PeakRSS()
    try:
        for case in cases:
            children = case.children
            work = (out / case.folder).resolve()
            shutil.rmtree(work, ignore_errors=True)
            cfg = bench_config(config, work, children)
            params = load_params(cfg)
            inputs = "" if case.csc else " (SSDA903 and IRO extracts; no CIN census, Annex A)"
            say(f"size {case.label} ({children:,} children in care){inputs}")
            for _ in range(repeat):
                shutil.rmtree(params.raw_dir, ignore_errors=True)
                with _measure(m, rss, case, "synth"):
                    generate(
                        params.raw_dir,
                        children=children,
                        seed=1,
                        year_end=params.year_end,
                        csc=case.csc,
                    )
            for i in range(repeat):
                with _measure(m, rss, case, "ingest"):
                    ingested = stages.stage_ingest(params)
                with _measure(m, rss, case, "validate"):
                    validated = stages.stage_validate(ingested, params)
                with _measure(m, rss, case, WITHOUT_DFE):
                    validate(ingested.tables, params, select=without_dfe)
                with _measure(m, rss, case, "transform"):
                    core = stages.stage_transform(validated, params)
                with _measure(m, rss, case, "measures"):
                    measured = stages.stage_measures(core, params)
                with _measure(m, rss, case, "disclosure"):  # linked protection + audit
                    pubs = stages.stage_disclosure(params, measured, validated, lambda _m: None)
                stage_rows = [
                    r for r in m.rows[-len(DATA_STAGES) - 1 :] if r["stage"] != WITHOUT_DFE
                ]
                peak = max(r["peak_rss"] for r in stage_rows)
                m.add(case, DATA_TOTAL, sum(r["seconds"] for r in stage_rows), peak)
                say(f"  run {i + 1}: data stages {m.rows[-1]['seconds']:.1f} s")
                del ingested, validated, core, measured, pubs
            for _ in range(repeat):
                # ingest -> processed layer written, as `cic-reports run` does it
                with _measure(m, rss, case, END_TO_END):
                    timer = stages.StageTimer(say=lambda _msg: None)
                    stages.process(params, timer)
            if with_render:
                from pipeline.publish.render import render
                from pipeline.reports import csc, registry
                from pipeline.run.notebooks import run_notebooks

                # without the CSC inputs there is no CSC report (as `build` leaves it out)
                reports = {n: r for n, r in registry().items() if case.csc or r is not csc.REPORT}
                notebooks = [p for r in reports.values() for p in r.notebook_paths()]
                for _ in range(repeat):
                    with _measure(m, rss, case, "notebooks"):
                        run_notebooks(params, notebooks, config_path=cfg, jobs=jobs)
                    with _measure(m, rss, case, "render"):
                        for name in reports:
                            render(params, name)
    finally:
        rss.stop()
    validate_rss = [validate_memory(out / c.folder, c, say) for c in cases]
    builds = build_runs(config, out, repeat, say) if with_builds else {}
    fake = fake903_runs(config, fake903, repeat, say) if fake903 is not None else []
    summary = m.summary()
    report = {
        "machine": {
            "cpu": _cpu_model(),
            "cpus": os.cpu_count(),
            "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
            "python": platform.python_version(),
            "platform": platform.platform(),
        },
        "repeat": repeat,
        "sizes": {c.label: c.children for c in cases},
        "csc_up_to": csc_up_to,
        "with_render": with_render,
        "stages": summary,
        "ratios": ratios(summary),
        "dfe_rules_add_pct": dfe_share(summary),
        "fake_903": fake,
        "builds": builds,
        "validate_memory": validate_rss,
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    say(format_table(summary, report["ratios"]))
    if report["dfe_rules_add_pct"]:
        say(
            "DfE rules add to validate: "
            + ", ".join(f"{k} {v:+.0f}%" for k, v in report["dfe_rules_add_pct"].items())
        )
    if builds:
        say(format_builds(builds))
    say(format_validate_memory(validate_rss))
    if fake:
        say(format_fake(fake))
    say(f"written {out / 'bench.json'}")
    return summary


def dfe_share(summary: list[dict]) -> dict[str, float]:
    """Per case: how much longer validate takes with the DfE rules than without (median)."""
    med = {(r["case"], r["stage"]): r["median_s"] for r in summary}
    out = {}
    for case in dict.fromkeys(r["case"] for r in summary):
        base = med.get((case, WITHOUT_DFE))
        if base and (case, "validate") in med:
            out[case] = 100 * (med[(case, "validate")] / base - 1)
    return out


def _peak_of(pid: int) -> int:
    """The process's peak resident memory so far in bytes (Linux VmHWM, which starts again
    at exec, unlike the parent-inherited ru_maxrss of wait4; else its current RSS)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    try:
        return psutil.Process(pid).memory_info().rss
    except psutil.Error:
        return 0


def _timed_process(cmd: list[str], cwd: Path) -> tuple[float, float, int]:
    """Wall seconds, peak RSS (MiB) and exit code of a fresh process (its memory sampled
    every 5 ms while it runs)."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, _peak_of(proc.pid))
        time.sleep(0.005)
    wall = time.perf_counter() - start
    return wall, peak / 2**20, proc.returncode


def fake903_runs(config: Path, fake: Path, repeat: int, say) -> list[dict]:
    """`cic-reports validate --raw <fake> --year-end 2018 --rows <tmp>` in fresh processes,
    with each engine (and the DfE validator, when CIC_PEER903_PYTHON points at it)."""
    from pipeline.rules import peer

    if not fake.is_dir():
        say(f"fake 903 not found at {fake}: its validation is not timed")
        return []
    root = Path(__file__).resolve().parents[2]
    runs: dict[str, list[tuple[float, float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        commands = {
            f"cic-reports validate ({engine})": [
                sys.executable, "-m", "pipeline", "validate", "--raw", str(fake),
                "--config", str(config.resolve()), "--year-end", str(FAKE_903_YEAR_END),
                "--engine", engine, "--rows", str(Path(tmp) / f"rows-{engine}.csv"),
            ]
            for engine in ("beside", "gx", "polars")
        }  # fmt: skip
        python = peer.peer_python()
        if python is not None:
            commands["DfE validator (csc-validator-be-903)"] = [
                str(python), str(peer.HARNESS), "--csv-dir", str(fake),
                "--year-end", str(FAKE_903_YEAR_END), "--out", str(Path(tmp) / "peer.csv"),
            ]  # fmt: skip
        say(f"fake 903 ({fake}): {', '.join(commands)}")
        for _ in range(repeat):
            for name, cmd in commands.items():
                wall, peak, code = _timed_process(cmd, root)
                if code != 0:
                    say(f"  {name} exited {code}: not timed")
                    continue
                runs.setdefault(name, []).append((wall, peak))
    return [
        {
            "command": name,
            "runs": len(v),
            "median_s": statistics.median(w for w, _ in v),
            "min_s": min(w for w, _ in v),
            "max_s": max(w for w, _ in v),
            "peak_rss_mib": max(p for _, p in v),
        }
        for name, v in runs.items()
    ]


def _tree_peaks(pid: int, seen: dict[int, int]) -> None:
    """Record the peak RSS so far of a process and each of its descendants (by pid)."""
    seen[pid] = max(seen.get(pid, 0), _peak_of(pid))
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return
    for child in children:
        seen[child.pid] = max(seen.get(child.pid, 0), _peak_of(child.pid))


def _timed_tree(cmd: list[str], cwd: Path) -> tuple[float, float, float, int]:
    """Wall seconds, peak RSS of the process and the sum of the peaks of it and every
    process it started (MiB: an upper bound of what they held together), exit code."""
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    seen: dict[int, int] = {}
    while proc.poll() is None:
        _tree_peaks(proc.pid, seen)
        time.sleep(0.01)
    wall = time.perf_counter() - start
    own = seen.get(proc.pid, 0)
    return wall, own / 2**20, sum(seen.values()) / 2**20, proc.returncode


def _data_bytes(raw: Path) -> int:
    from pipeline.run.stages import data_files

    return sum(p.stat().st_size for p in data_files(raw))


def validate_memory(work: Path, case: Case, say) -> dict:
    """`cic-reports validate` (default engine: the polars twins with Great Expectations in
    a worker) on this size's raw folder in a fresh process: peak RSS against the raw
    files' size on disk, for the validating process and with the GX worker added."""
    cfg = next(work.glob("bench-*.yml"))
    raw = work / "raw"
    root = Path(__file__).resolve().parents[2]
    cmd = [sys.executable, "-m", "pipeline", "validate", "--config", str(cfg), "--raw", str(raw)]
    wall, own, tree, code = _timed_tree(cmd, root)
    mib = _data_bytes(raw) / 2**20
    if code != 0:
        say(f"  validate at {case.label} exited {code}")
    return {
        "size": case.size,
        "case": case.label,
        "raw_mib": mib,
        "wall_s": wall,
        "peak_rss_mib": own,
        "with_gx_worker_mib": tree,
        "ratio": own / mib if mib else None,
        "ratio_with_worker": tree / mib if mib else None,
        "exit": code,
    }


def format_validate_memory(rows: list[dict]) -> str:
    lines = [
        "",
        "cic-reports validate (fresh process) peak RSS against the raw files on disk:",
        f"  {'size':>13} {'raw MiB':>8} {'wall s':>7} {'peak MiB':>9} {'ratio':>6} "
        f"{'+GX worker MiB':>15} {'ratio':>6}",
    ]
    for r in rows:
        lines.append(
            f"  {r['case']:>13} {r['raw_mib']:>8.1f} {r['wall_s']:>7.1f} "
            f"{r['peak_rss_mib']:>9.0f} {r['ratio'] or 0:>6.1f} {r['with_gx_worker_mib']:>15.0f} "
            f"{r['ratio_with_worker'] or 0:>6.1f}"
        )
    return "\n".join(lines)


BUILD_COMMANDS = ("cold build", "rebuild after one commentary edit", "bare render")


def build_runs(config: Path, out: Path, repeat: int, say) -> dict:
    """At 1×, in fresh processes as a user runs them: `cic-reports build` from empty
    processed, build and output folders (cold); `build` again after appending a sentence to
    one commentary file of the pack's month (only render should re-run); and one bare
    `cic-reports render` of the same reports (the floor a build cannot go under)."""
    from pipeline.params import load_params
    from pipeline.synth import generate

    work = (out / "builds").resolve()
    shutil.rmtree(work, ignore_errors=True)
    cfg = bench_config(config, work, DEFAULT_CHILDREN)
    params = load_params(cfg)
    generate(params.raw_dir, children=DEFAULT_CHILDREN, seed=1, year_end=params.year_end)
    root = Path(__file__).resolve().parents[2]
    base = [sys.executable, "-m", "pipeline"]
    edited = sorted((params.path(params.paths.commentary) / params.month).glob("*.md"))
    say(
        f"builds at 1x ({DEFAULT_CHILDREN} children in care), fresh processes: {', '.join(BUILD_COMMANDS)}"
    )
    runs: dict[str, list[tuple[float, float]]] = {c: [] for c in BUILD_COMMANDS}
    for n in range(repeat):
        for folder in (params.processed_dir, params.build_dir, params.output_dir):
            shutil.rmtree(folder, ignore_errors=True)
        steps = [("cold build", ["build", "--config", str(cfg)])]
        steps += [("rebuild after one commentary edit", ["build", "--config", str(cfg)])]
        steps += [("bare render", ["render", "--config", str(cfg)])]
        for name, args in steps:
            if name.startswith("rebuild") and edited:
                with edited[0].open("a", encoding="utf-8") as f:
                    f.write(f"\nA sentence added for the benchmark ({n + 1}).\n")
            wall, _own, tree, code = _timed_tree(base + args, root)
            if code != 0:
                say(f"  {name} exited {code}: not timed")
                continue
            runs[name].append((wall, tree))
            say(f"  run {n + 1}: {name} {wall:.1f} s")
    rows = {
        name: {
            "runs": len(v),
            "median_s": statistics.median(w for w, _ in v),
            "min_s": min(w for w, _ in v),
            "max_s": max(w for w, _ in v),
            "peak_rss_mib": max(p for _, p in v),
        }
        for name, v in runs.items()
        if v
    }
    bare = rows.get("bare render", {}).get("median_s")
    for r in rows.values():
        r["ratio_to_render"] = r["median_s"] / bare if bare else None
    return rows


def format_builds(rows: dict) -> str:
    lines = [
        "",
        "Builds at 1x (fresh processes; peak RSS with the processes they start):",
        f"  {'command':<36} {'median s':>9} {'spread s':>12} {'x render':>9} {'peak MiB':>9}",
    ]
    for name, r in rows.items():
        spread = f"{r['min_s']:.2f}-{r['max_s']:.2f}"
        ratio = f"{r['ratio_to_render']:.1f}" if r.get("ratio_to_render") else "-"
        lines.append(
            f"  {name:<36} {r['median_s']:>9.2f} {spread:>12} {ratio:>9} {r['peak_rss_mib']:>9.0f}"
        )
    return "\n".join(lines)


def format_fake(rows: list[dict]) -> str:
    lines = [
        "",
        "Validating the shared fake 903 (fresh process, 2017-18):",
        f"  {'command':<40} {'median s':>9} {'spread s':>12} {'peak RSS MiB':>13}",
    ]
    for r in rows:
        spread = f"{r['min_s']:.2f}-{r['max_s']:.2f}"
        lines.append(
            f"  {r['command']:<40} {r['median_s']:>9.2f} {spread:>12} {r['peak_rss_mib']:>13.0f}"
        )
    return "\n".join(lines)


def ratio_cases(summary: list[dict]) -> tuple[str, str] | None:
    """(smallest, largest) case labels with the same inputs: the largest size against the
    smallest size run with the same inputs (with or without the CSC ones)."""
    cases = {r["case"]: (r["size"], r["csc_inputs"]) for r in summary}
    if len(cases) < 2:
        return None
    hi = max(cases, key=lambda c: cases[c][0])
    same = [c for c in cases if cases[c][1] == cases[hi][1] and c != hi]
    return (min(same, key=lambda c: cases[c][0]), hi) if same else None


def ratios(summary: list[dict]) -> dict[str, float]:
    """time(largest)/time(smallest) per data stage, like with like: ~size ratio is linear."""
    pair = ratio_cases(summary)
    if pair is None:
        return {}
    lo, hi = pair
    med = {(r["case"], r["stage"]): r["median_s"] for r in summary}
    out = {}
    for stage in (*DATA_STAGES, DATA_TOTAL, END_TO_END):
        if (lo, stage) in med and (hi, stage) in med and med[(lo, stage)] > 0:
            out[stage] = med[(hi, stage)] / med[(lo, stage)]
    return out


def format_table(summary: list[dict], ratio: dict[str, float]) -> str:
    lines = [
        f"{'size':>13}  {'stage':<24} {'median s':>9} {'spread s':>15} {'peak RSS MiB':>13}",
        "-" * 80,
    ]
    for r in summary:
        spread = f"{r['min_s']:.2f}-{r['max_s']:.2f}"
        lines.append(
            f"{r['case']:>13}  {r['stage']:<24} {r['median_s']:>9.2f} "
            f"{spread:>15} {r['peak_rss_mib']:>13.0f}"
        )
    pair = ratio_cases(summary)
    if ratio and pair:
        lines.append("")
        lines.append(
            f"time({pair[1]})/time({pair[0]}): "
            + ", ".join(f"{k} {v:.1f}" for k, v in ratio.items())
        )
    return "\n".join(lines)
