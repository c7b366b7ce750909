"""Many authorities in one run: each built in its own process, a bounded number at a time.

Each authority keeps its own raw, processed, build and output folders (from its config);
one failing authority is reported and does not stop the others.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class AuthorityOutcome:
    config: Path
    ok: bool
    outputs: tuple[str, ...]
    message: str
    log: Path


def _build_one(
    config: Path,
    year_end: int | None,
    formats: list[str],
    logs: Path,
    renderer: str = "auto",
    fresh: bool = False,
) -> AuthorityOutcome:
    cmd = [sys.executable, "-m", "pipeline", "build", "--config", str(config)]
    if renderer != "auto":
        cmd += ["--renderer", renderer]
    if fresh:
        cmd += ["--fresh"]
    if year_end:
        cmd += ["--year-end", str(year_end)]
    for fmt in formats:
        cmd += ["--to", fmt]
    log = logs / f"{config.stem}.log"
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
    log.write_text(proc.stderr + "\n" + proc.stdout, encoding="utf-8")
    outputs = tuple(line for line in proc.stdout.splitlines() if line.strip())
    last = next((ln for ln in reversed(proc.stderr.splitlines()) if ln.strip()), "")
    return AuthorityOutcome(config, proc.returncode == 0, outputs, last, log)


def build_many(
    configs: list[Path],
    *,
    year_end: int | None,
    jobs: int,
    formats: list[str],
    say: Callable[[str], None] = print,
    logs: Path = Path("build/logs"),
    renderer: str = "auto",
    fresh: bool = False,
) -> list[AuthorityOutcome]:
    """Build every authority with at most `jobs` at once; return the failures."""
    logs.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        outcomes = list(
            pool.map(lambda c: _build_one(c, year_end, formats, logs, renderer, fresh), configs)
        )
    for o in outcomes:
        if o.ok:
            say(f"[green]ok[/] {o.config}: " + ", ".join(o.outputs))
        else:
            say(f"[red]failed[/] {o.config}: {o.message} (log: {o.log})")
    return [o for o in outcomes if not o.ok]
