"""Great Expectations beside the build, off its critical path.

Importing Great Expectations and building its context takes about four seconds, and its
suites another one or two, while their polars twins give the same rows in a fraction of a
second (tests/test_validate.py holds the two engines together). So a build validates with
the polars twins and, at the same time, runs every contract suite in a worker process
started as the build begins (the import overlaps ingest). Before anything is published
the two results are compared rule by rule:

- value-wise expectations (not null, in set, regex) run on distinct values, so their
  results are compared as the sets of failing values — after checking that the polars
  twin failed exactly the rows holding its failing values;
- whole-column expectations (uniqueness) are compared row by row.

If they agree, the run's quarantine is the one GX gives; if they disagree, or the worker
fails, the data stages run again with `engine="gx"` in the build's own process, so the
published result is always Great Expectations' (pipeline/run/build.py).

`python -m pipeline.run.gxcheck` is the worker: it imports GX, then reads one request
(JSON: Arrow IPC files of the suites' frames and the rule codes) on stdin and answers with
the unexpected positions on stdout.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl


class GXBeside:
    """The worker and what is needed to compare its answer with the polars twins'."""

    def __init__(self) -> None:
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "pipeline.run.gxcheck"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        self.tmp = tempfile.TemporaryDirectory(prefix="cic-gx-")
        self.plans = None
        self.raw = None
        self.expected: dict[tuple[str, str], set] = {}
        self.problems: list[str] = []
        self.submitted = False

    # called from pipeline.validate.run_rules (engine="polars")
    def submit(self, raw: dict[str, pl.DataFrame], rules) -> None:
        from pipeline.rules.gx import plan_suites

        if self.submitted:  # validated twice in one build: compare the first only
            return
        stages = {r.stage for r in rules}
        later = [r.code for r in rules if r.stage != min(stages, default=1)]
        if later:  # a GX rule after other rules would see different failures: not comparable
            self.problems.append(f"GX rules outside the first stage ({', '.join(later)})")
        self.plans = plan_suites(raw, rules)
        self.raw = raw
        request = {"suites": []}
        for n, s in enumerate(self.plans):
            path = Path(self.tmp.name) / f"{n}.arrow"
            s.frame.write_ipc(path, compression="uncompressed")
            request["suites"].append(
                {
                    "name": s.name,
                    "table": s.table,
                    "file": str(path),
                    "rules": [r.code for r in s.rules],
                }
            )
        self._send(request)
        self.submitted = True

    def expect(self, failures: pl.DataFrame) -> None:
        """The polars twins' failures (table, row_id, rule_code), in the same row ids."""
        if self.raw is None:
            return
        from pipeline.rules.gx import _rows_holding

        for s in self.plans:
            df = self.raw[s.table]
            for r in s.rules:
                rows = failures.filter(
                    (pl.col("table") == s.table) & (pl.col("rule_code") == r.code)
                ).get_column("row_id")
                if s.distinct is None:
                    self.expected[(s.name, r.code)] = set(rows.to_list())
                    continue
                column = r.gx[1]["column"]
                values = df.join(
                    pl.DataFrame({"row_id": rows}), on="row_id", how="semi"
                ).get_column(column)
                holding = _rows_holding(df, column, values.unique())
                if holding.len() != rows.len():
                    self.problems.append(f"{r.code}: the polars twin is not value-wise")
                self.expected[(s.name, r.code)] = set(values.unique().to_list())
        self.raw = None  # the rows are not kept beyond validation

    def _send(self, request: dict) -> None:
        stdin, self.proc.stdin = self.proc.stdin, None  # closed here whatever happens
        try:
            stdin.write((json.dumps(request) + "\n").encode("utf-8"))
            stdin.close()
        except (BrokenPipeError, OSError):
            with contextlib.suppress(OSError):
                stdin.close()  # a dead worker: the buffered request has nowhere to go
            self.problems.append("the Great Expectations worker stopped before the request")

    def verify(self) -> list[str]:
        """Wait for GX; the disagreements (empty: GX gives exactly the polars twins' rows)."""
        if not self.submitted:
            self.close()
            return ["no rows were validated beside"]
        out, err = self.proc.communicate()
        self.tmp.cleanup()
        if self.proc.returncode != 0:
            last = [ln for ln in err.decode("utf-8", "replace").splitlines() if ln.strip()]
            return [
                *self.problems,
                f"Great Expectations worker failed: {last[-1] if last else self.proc.returncode}",
            ]
        problems = list(self.problems)
        by_name = {s.name: s for s in self.plans}
        seen = set()
        for name, code, column, idx in json.loads(out.decode("utf-8")):
            s = by_name[name]
            if s.distinct is None:
                got = set(idx)
            else:
                d = s.distinct[column]
                got = set(d.gather([i if i < len(d) else 0 for i in idx]).unique().to_list())
            seen.add((name, code))
            if got != self.expected.get((name, code), set()):
                problems.append(f"{code} on raw_{s.table}: GX and the polars twin disagree")
        missing = set(self.expected) - seen
        problems += [f"{code}: GX gave no result" for _, code in sorted(missing)]
        return problems

    def close(self, *, kill: bool = False) -> None:
        """Stop the worker (nothing to compare: the data stages were reused)."""
        if kill and self.proc.poll() is None:
            self.proc.kill()  # our own child, by its pid
        if self.proc.poll() is None:
            try:
                if self.proc.stdin:
                    self.proc.stdin.close()
                    self.proc.stdin = None
            except OSError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for stream in (self.proc.stdout, self.proc.stderr):
            if stream:
                stream.close()
        self.tmp.cleanup()


def validate_beside(gx: GXBeside, tables, params, say=print):
    """`cic-reports validate` as a build validates: the polars twins give the rows while
    `gx` (started before ingest) runs every contract suite; if the two disagree, or the
    worker fails, validation runs again with Great Expectations itself."""
    from pipeline.validate import GX_BESIDE, validate

    token = GX_BESIDE.set(gx)
    try:
        result = validate(tables, params, engine="polars")
    except BaseException:
        gx.close(kill=True)
        raise
    finally:
        GX_BESIDE.reset(token)
    problems = gx.verify()
    if not problems:
        return result
    say(f"warning: {'; '.join(problems)}: validating again with Great Expectations itself")
    return validate(tables, params, engine="gx")


def _die_with_parent() -> None:
    """Linux: the worker is killed when the build is (a killed build leaves no worker)."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _worker() -> int:
    import logging
    import warnings

    _die_with_parent()
    import pipeline  # noqa: F401  (keeps rfc3987_syntax from loading)

    logging.disable(logging.WARNING)
    warnings.simplefilter("ignore")
    from pipeline.rules import registry
    from pipeline.rules.gx import SuiteInput, _context, check

    _context()  # the import and the context: the slow part, done while the build ingests
    line = sys.stdin.readline()
    if not line.strip():
        return 0  # not needed after all
    request = json.loads(line)
    rules = registry()
    plans = [
        SuiteInput(
            s["table"],
            s["name"],
            pl.read_ipc(s["file"]),
            [rules[c] for c in s["rules"]],
        )
        for s in request["suites"]
    ]
    results = check(plans)
    sys.stdout.write(json.dumps([[n, c, col, [int(i) for i in idx]] for n, c, col, idx in results]))
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    raise SystemExit(_worker())
