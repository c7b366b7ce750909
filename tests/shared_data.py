"""Where the shared public data is, and what a test does when it is absent.

Tests that need ../shared skip with a printed reason when it is absent, but fail when the
environment says CI=true (CI always has ../shared).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = (ROOT / ".." / "shared").resolve()
FAKE_903 = SHARED / "data" / "ssda903-fake"
DFE = SHARED / "data" / "dfe"


def need(path: Path) -> Path:
    """`path`, or skip (fail under CI=true) when it is not there."""
    if not path.exists():
        message = f"shared data not present: {path}"
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true: CI always has ../shared)")
        pytest.skip(message)
    return path
