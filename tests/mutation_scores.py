"""Mutation score per module from mutmut's results (`make mutate` prints this).

Reads mutants/<module>.py.meta (mutmut 3). Score = killed / (killed + survived + no tests).
Timeouts are shown apart and left out of the score: on a loaded machine a mutant can time
out without hanging (raise `timeout_multiplier` in pyproject.toml and run again: mutmut
re-checks only the timeouts). `-v` lists the survivors, for triage in docs/testing.md.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

from mutmut.stats import status_by_exit_code

ROOT = Path(__file__).resolve().parents[1]


def scores(mutants: Path = ROOT / "mutants") -> list[tuple[str, Counter, list[str]]]:
    out = []
    for meta in sorted(mutants.rglob("*.py.meta")):
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        status = Counter(status_by_exit_code[c] for c in codes.values())
        survivors = sorted(k for k, c in codes.items() if status_by_exit_code[c] == "survived")
        out.append((meta.relative_to(mutants).as_posix()[: -len(".meta")], status, survivors))
    return out


def main() -> int:
    rows = scores()
    if not rows:
        print("no mutmut results under mutants/: run `make mutate` first")
        return 1
    head = ("module", "mutants", "checked", "killed", "survived", "timeout", "score")
    print(f"{head[0]:46} " + " ".join(f"{h:>8}" for h in head[1:]))
    for module, s, _ in rows:
        killed = s["killed"] + s["caught by type check"]
        judged = killed + s["survived"] + s["no tests"]
        score = f"{100 * killed / judged:5.1f}%" if judged else "-"
        total = sum(s.values())
        checked = total - s["not checked"]
        cells = (total, checked, killed, s["survived"] + s["no tests"], s["timeout"], score)
        print(f"{module:46} " + " ".join(f"{c:>8}" for c in cells))
    if "-v" in sys.argv:
        for _module, _, survivors in rows:
            for name in survivors:
                print(f"survived: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
