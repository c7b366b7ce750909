"""Mutation score per module from mutmut's results (`make mutate` prints this).

Reads mutants/<module>.py.meta (mutmut 3). Score = killed / (killed + survived + no tests),
where timeouts count as killed (the mutant made the tests hang) and modules or mutants not
yet checked are listed as such. Survivors are listed for triage in docs/testing.md.
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
    print(f"{'module':52} {'mutants':>7} {'checked':>7} {'killed':>6} {'survived':>8} {'score':>6}")
    for module, s, _ in rows:
        killed = s["killed"] + s["timeout"] + s["caught by type check"]
        judged = killed + s["survived"] + s["no tests"]
        score = f"{100 * killed / judged:5.1f}%" if judged else "    -"
        total = sum(s.values())
        checked = total - s["not checked"]
        print(f"{module:52} {total:7} {checked:7} {killed:6} {s['survived']:8} {score:>6}")
    if "-v" in sys.argv:
        for _module, _, survivors in rows:
            for name in survivors:
                print(f"survived: {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
