"""No silent skips: every skip in the suite says why, and fails under CI=true.

Tests that need ../shared or a tool CI installs call `shared_data.need` / `need_tool`
(or conftest's `require_quarto`), which skip with the reason on a user's machine and fail
when CI=true. The one deliberate exception is the DfE validator comparison
(tests/test_peer903.py), which needs a separate environment that CI does not have either.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from shared_data import ROOT, unavailable

HELPERS = {"tests/shared_data.py", "tests/conftest.py", "tests/test_skips.py"}
EXEMPT = {"tests/test_peer903.py": "needs CIC_PEER903_PYTHON, which CI does not have either"}
SKIP = re.compile(r"pytest\.skip\(|\.skipif\(|importorskip\(|pytest\.mark\.skip\b|xfail")


def _test_files() -> list[Path]:
    return sorted([*ROOT.glob("tests/*.py"), *ROOT.glob("pipeline/**/test_*.py")])


def test_every_skip_goes_through_the_helpers():
    direct = []
    for f in _test_files():
        rel = f.relative_to(ROOT).as_posix()
        if rel in HELPERS or rel in EXEMPT:
            continue
        for n, line in enumerate(f.read_text().splitlines(), 1):
            if SKIP.search(line):
                direct.append(f"{rel}:{n}: {line.strip()}")
    assert direct == [], "skip through tests/shared_data.py instead:\n" + "\n".join(direct)


def test_the_scan_finds_a_direct_skip(tmp_path):
    # the pattern is not vacuous: it sees the forms a direct skip takes
    for line in ('    pytest.skip("no data")', "@pytest.mark.skipif(x, reason='y')"):
        assert SKIP.search(line)
    assert not SKIP.search("    need(FAKE)")


def test_unavailable_fails_under_ci_and_skips_otherwise(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        unavailable("shared data not present: /nowhere")
    monkeypatch.setenv("CI", "false")
    with pytest.raises(pytest.skip.Exception, match="/nowhere"):
        unavailable("shared data not present: /nowhere")


def test_a_missing_shared_folder_fails_a_run_under_ci(tmp_path):
    # end to end: a test needing an absent folder is a failure (exit 1) under CI=true and a
    # skip with the reason printed (exit 0) otherwise
    t = tmp_path / "test_needs.py"
    t.write_text(
        "from shared_data import need\nfrom pathlib import Path\n\n"
        "def test_x():\n    need(Path('/nowhere/shared'))\n"
    )
    cmd = [sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider", str(t)]
    env = {"PYTHONPATH": str(ROOT / "tests"), "PATH": "/usr/bin:/bin"}
    ci = subprocess.run(
        cmd, cwd=tmp_path, env={**env, "CI": "true"}, capture_output=True, text=True
    )
    local = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, text=True)
    assert ci.returncode == 1, ci.stdout
    assert local.returncode == 0, local.stdout
    assert "shared data not present: /nowhere/shared" in local.stdout
