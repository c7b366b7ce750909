"""`cic-reports bench`: wall time and peak memory per stage at several data sizes.

A benchmark, not a test: it prints figures (median of `repeat` runs and the spread) and
writes them as JSON; nothing asserts on time. Sizes are multiples of the default sample
authority (450 children in care); 100x is roughly national scale.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import yaml

DEFAULT_CHILDREN = 450
DATA_STAGES = ("ingest", "validate", "transform", "measures")
DATA_TOTAL = "data stages (sum)"
END_TO_END = "data stages end to end"


def _label(size: float) -> str:
    return f"{size:g}x"


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

    def add(self, size: float, stage: str, seconds: float, rss: int) -> None:
        self.rows.append({"size": size, "stage": stage, "seconds": seconds, "peak_rss": rss})

    def summary(self) -> list[dict]:
        out = []
        keys = dict.fromkeys((r["size"], r["stage"]) for r in self.rows)
        for size, stage in keys:
            runs = [r for r in self.rows if r["size"] == size and r["stage"] == stage]
            secs = [r["seconds"] for r in runs]
            out.append(
                {
                    "size": size,
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
def _measure(m: Measurements, rss: PeakRSS, size: float, stage: str):
    rss.reset()
    start = time.perf_counter()
    yield
    m.add(size, stage, time.perf_counter() - start, rss.peak)


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
    say: Callable[[str], None] = print,
) -> list[dict]:
    from pipeline.params import load_params
    from pipeline.run import stages
    from pipeline.synth import generate

    m = Measurements()
    rss = PeakRSS()
    try:
        for size in sizes:
            children = round(DEFAULT_CHILDREN * size)
            work = (out / f"x{size:g}").resolve()
            shutil.rmtree(work, ignore_errors=True)
            cfg = bench_config(config, work, children)
            params = load_params(cfg)
            say(f"size {_label(size)} ({children:,} children in care)")
            for _ in range(repeat):
                shutil.rmtree(params.raw_dir, ignore_errors=True)
                with _measure(m, rss, size, "synth"):
                    generate(params.raw_dir, children=children, seed=1, year_end=params.year_end)
            for i in range(repeat):
                start = time.perf_counter()
                with _measure(m, rss, size, "ingest"):
                    ingested = stages.stage_ingest(params)
                with _measure(m, rss, size, "validate"):
                    validated = stages.stage_validate(ingested, params)
                with _measure(m, rss, size, "transform"):
                    core = stages.stage_transform(validated, params)
                with _measure(m, rss, size, "measures"):
                    pubs = stages.stage_measures(core, params)
                peak = max(r["peak_rss"] for r in m.rows[-len(DATA_STAGES) :])
                m.add(size, DATA_TOTAL, time.perf_counter() - start, peak)
                say(f"  run {i + 1}: data stages {time.perf_counter() - start:.1f} s")
                del ingested, validated, core, pubs
            for _ in range(repeat):
                # ingest -> processed layer written, as `cic-reports run` does it
                with _measure(m, rss, size, END_TO_END):
                    timer = stages.StageTimer(say=lambda _msg: None)
                    stages.process(params, timer)
            if with_render:
                from pipeline.publish.render import render
                from pipeline.run.notebooks import run_notebooks

                for _ in range(repeat):
                    with _measure(m, rss, size, "notebooks"):
                        run_notebooks(params, config_path=cfg, jobs=jobs)
                    with _measure(m, rss, size, "render"):
                        render(params, "iro-annual-report")
                        render(params, "performance-pack")
                        render(params, "csc-performance-report")
    finally:
        rss.stop()
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
        "sizes": {_label(s): round(DEFAULT_CHILDREN * s) for s in sizes},
        "with_render": with_render,
        "stages": summary,
        "ratios": ratios(summary, sizes),
    }
    out.mkdir(parents=True, exist_ok=True)
    (out / "bench.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    say(format_table(summary, report["ratios"]))
    say(f"written {out / 'bench.json'}")
    return summary


def ratios(summary: list[dict], sizes: list[float]) -> dict[str, float]:
    """time(largest)/time(smallest) per data stage: ~size ratio means linear scaling."""
    lo, hi = min(sizes), max(sizes)
    med = {(r["size"], r["stage"]): r["median_s"] for r in summary}
    out = {}
    for stage in (*DATA_STAGES, DATA_TOTAL, END_TO_END):
        if (lo, stage) in med and (hi, stage) in med and med[(lo, stage)] > 0:
            out[stage] = med[(hi, stage)] / med[(lo, stage)]
    return out


def format_table(summary: list[dict], ratio: dict[str, float]) -> str:
    lines = [
        f"{'size':>5}  {'stage':<24} {'median s':>9} {'spread s':>15} {'peak RSS MiB':>13}",
        "-" * 72,
    ]
    for r in summary:
        spread = f"{r['min_s']:.2f}-{r['max_s']:.2f}"
        lines.append(
            f"{_label(r['size']):>5}  {r['stage']:<24} {r['median_s']:>9.2f} "
            f"{spread:>15} {r['peak_rss_mib']:>13.0f}"
        )
    if ratio:
        sizes = sorted({r["size"] for r in summary})
        lines.append("")
        lines.append(
            f"time({_label(sizes[-1])})/time({_label(sizes[0])}): "
            + ", ".join(f"{k} {v:.1f}" for k, v in ratio.items())
        )
    return "\n".join(lines)
