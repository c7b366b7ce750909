"""Great Expectations beside the build (pipeline/run/gxcheck.py): the agreement path and the
safety net. When the worker dies (out of memory, killed by an operator) the run must not
publish the polars twins' rows unchecked: it warns and validates again with GX itself."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from shared_data import unavailable

from pipeline.params import load_params
from pipeline.rules.testing import EPISODE, HEADER, raw_tables
from pipeline.run.gxcheck import GXBeside, validate_beside
from pipeline.validate import validate

ROOT = Path(__file__).parents[1]

# two header rows broken (SEX 9, a DOB not in the contract's format) and one episode with
# no legal status and 31 February: rules of both kinds (value-wise and row-wise) fail
ROWS = {
    "header": [HEADER, {**HEADER, "CHILD": "C2", "SEX": "9", "DOB": "2010/1/1"}, HEADER],
    "episodes": [EPISODE, {**EPISODE, "LS": None, "DECOM": "31/02/2020"}],
}


@pytest.fixture(scope="module")
def params():
    return load_params(ROOT / "config" / "sample.yml", extract_date=dt.date(2024, 4, 30))


@pytest.fixture(scope="module")
def by_gx(params):
    return validate(raw_tables(ROWS), params, engine="gx").quarantine


def test_when_the_engines_agree_the_result_is_given_without_a_warning(params, by_gx):
    said: list[str] = []
    gx = GXBeside()
    result = validate_beside(gx, raw_tables(ROWS), params, say=said.append)
    assert said == []
    assert result.quarantine.height >= 3  # SEX, DOB, LS and DECOM rules, at least
    assert result.quarantine.equals(by_gx)


def test_a_worker_that_dies_makes_validation_run_again_under_gx(params, by_gx):
    said: list[str] = []
    gx = GXBeside()
    gx.proc.kill()  # as the kernel's OOM killer would
    gx.proc.wait()
    result = validate_beside(gx, raw_tables(ROWS), params, say=said.append)
    (warning,) = said
    assert warning.startswith("warning: ")
    assert "the Great Expectations worker stopped before the request" in warning
    assert "Great Expectations worker failed: " in warning
    assert warning.endswith(": validating again with Great Expectations itself")
    assert result.quarantine.equals(by_gx)


def test_a_run_that_validates_nothing_beside_is_not_taken_as_agreement():
    gx = GXBeside()
    assert gx.verify() == ["no rows were validated beside"]
    assert gx.proc.poll() is not None  # the worker is stopped, not left running


def _children_of(pid: int) -> list[tuple[int, str]]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(fields[1]) == pid:
            out.append((int(stat.parent.name), cmdline))
    return out


def test_a_build_whose_worker_is_killed_validates_again_under_gx_and_publishes(tmp_path):
    """`cic-reports run` with `validation_engine: beside`; its worker is killed (as an
    operator or the OOM killer would) while the build ingests: the build says so, runs the
    data stages again under GX and publishes, exit 0."""
    import contextlib
    import os
    import signal
    import subprocess
    import time

    from helpers import cli, cmd, sample_config, work_paths

    if not Path("/proc/self/stat").exists():
        unavailable("needs Linux /proc to find the build's worker")
    cfg = sample_config(
        tmp_path / "la.yml", work_paths(tmp_path), disclosure="none", validation_engine="beside"
    )
    cli("synth", "--out", str(tmp_path / "raw"), "--children", "30", "--seed", "5")
    proc = subprocess.Popen(
        cmd("run", "--config", str(cfg)),
        cwd=ROOT,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    killed = False
    deadline = time.monotonic() + 60
    while not killed and proc.poll() is None and time.monotonic() < deadline:
        for pid, cmdline in _children_of(proc.pid):
            if "pipeline.run.gxcheck" in cmdline:
                with contextlib.suppress(ProcessLookupError):  # it may have just exited
                    os.kill(pid, signal.SIGKILL)  # our own test's grandchild, by its pid
                killed = True
        time.sleep(0.05)
    out, err = proc.communicate(timeout=600)
    assert killed, "the build started no Great Expectations worker"
    assert proc.returncode == 0, err[-3000:]
    assert "Great Expectations worker failed: " in err
    assert "validating again with Great Expectations itself" in err
    assert "processed tables in " in out + err
    assert (tmp_path / "processed" / "run.json").is_file()
