"""Helpers shared by the tests that run the command line as a user does, or write a config.

`cli` runs `python -m pipeline` in a fresh process from the project root (so the coverage of
`make test` follows it into the child) and, unless `check=False`, fails the test with the
command and the end of its stderr: one readable line instead of a CalledProcessError.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
SAMPLE_CONFIG = ROOT / "config" / "sample.yml"


def cmd(*args: str) -> list[str]:
    """The argv of `cic-reports <args>` run with this interpreter."""
    return [sys.executable, "-m", "pipeline", *args]


def cli(*args: str, check: bool = True, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `cic-reports <args>`; with `check`, a non-zero exit fails the test.

    NO_COLOR keeps the stderr the tests read free of terminal colours; `env` replaces the
    whole environment (os.environ is not added to it)."""
    proc = subprocess.run(
        cmd(*args),
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"} if env is None else env,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"cic-reports {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
    return proc


def sample_config(path: Path, paths: dict[str, str | Path], **settings) -> Path:
    """config/sample.yml with its `paths` replaced by `paths` (and `root` set to this
    checkout, so the project's code and prose are found from anywhere), other top-level
    `settings` overridden; written to `path`.

    A test project validates with the polars twins alone (`validation_engine: polars`)
    unless it asks for another engine: Great Expectations' worker adds ~7 s to every build,
    and the engines' agreement is tested where it is the subject (tests/test_validate.py,
    the session's sample build, tests/test_incremental.py, `cic-reports validate` tests)."""
    data = yaml.safe_load(SAMPLE_CONFIG.read_text(encoding="utf-8"))
    data["paths"] = {k: str(v) for k, v in paths.items()}
    data["root"] = str(ROOT)
    data["validation_engine"] = "polars"
    data.update(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def work_paths(folder: Path, raw: Path | None = None) -> dict[str, Path]:
    """A project's raw, processed, build and output folders, all under `folder`."""
    return {
        "raw": raw if raw is not None else folder / "raw",
        "processed": folder / "processed",
        "build": folder / "build",
        "output": folder / "output",
    }


def sample_params(raw: Path, folder: Path, **overrides):
    """The sample config's RunParams reading `raw`, writing under `folder` (no file written),
    validating with the polars twins alone unless `overrides` say otherwise (as
    `sample_config`)."""
    from pipeline.params import load_params

    return load_params(
        SAMPLE_CONFIG,
        raw=str(raw),
        processed=str(folder / "processed"),
        build=str(folder / "build"),
        output=str(folder / "output"),
        **overrides,
    ).with_overrides(validation_engine=overrides.get("validation_engine", "polars"))
