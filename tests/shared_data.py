"""Where the shared public data is, and what a test does when something it needs is absent.

Tests that need ../shared (or a tool CI installs: Debian chromium, poppler-utils) skip with a
printed reason when it is absent, but fail when the environment says CI=true (CI always has
them). Every skip in the suite goes through `unavailable` (tests/test_skips.py checks).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
FAKE_903 = SHARED / "data" / "ssda903-fake"
DFE = SHARED / "data" / "dfe"


def unavailable(message: str) -> None:
    """Skip saying `message`; under CI=true fail instead (CI has everything the tests need)."""
    if os.environ.get("CI") == "true":
        pytest.fail(message + " (CI=true: CI always has ../shared and the tools .ci/run installs)")
    pytest.skip(message)


def need(path: Path) -> Path:
    """`path`, or skip (fail under CI=true) when it is not there."""
    if not path.exists():
        unavailable(f"shared data not present: {path}")
    return path


def need_tool(name: str, package: str) -> str:
    """The path of executable `name`, or skip (fail under CI=true) naming its Debian package."""
    found = shutil.which(name) or (
        name if Path(name).is_absolute() and Path(name).exists() else None
    )
    if found is None:
        unavailable(f"{name} not installed (Debian package {package}; .ci/run installs it)")
    return found
