"""A pause point for the crash tests: `CIC_REPORTS_PAUSE_AT=<point>` makes a build stop at
that point (printing `paused at <point>` on stderr) and wait to be killed, so a test can
`kill -9` it at an exact stage (tests/test_atomic.py). Unset, `pause` does nothing.

Points: `ingest`, `validate`, `transform`, `measures`, `pack`, `write processed`,
`notebooks`, `notebooks-<report>` (after that report's notebooks), `render`,
`render-<doc>` (after that render), `appendix`, `publish` (before the first swap) and
`publish-<n>` (between swaps).
"""

from __future__ import annotations

import os
import sys
import time

ENV = "CIC_REPORTS_PAUSE_AT"


def pause(point: str) -> None:
    if os.environ.get(ENV) != point:
        return
    sys.stderr.write(f"paused at {point}\n")
    sys.stderr.flush()
    while True:  # until killed
        time.sleep(60)
