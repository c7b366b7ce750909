"""What a build says about disclosure is what `cic-reports audit` finds in what it wrote."""

from __future__ import annotations

import re

from helpers import cli


def _totals(lines: str) -> tuple[int, int]:
    per_report = re.findall(
        r"^(.+): (\d+) cells published, (\d+) suppressed, (\d+) exposed$", lines, re.M
    )
    assert per_report, lines
    assert all(exposed == "0" for *_, exposed in per_report)
    return sum(int(p) for _, p, _, _ in per_report), sum(int(s) for _, _, s, _ in per_report)


def test_the_builds_disclosure_line_is_the_audit_of_the_published_tables(sample_build):
    [line] = re.findall(
        r"disclosure: (\d+) cells published, (\d+) suppressed .*0 exposed", sample_build["log_2024"]
    )
    audit = cli("audit", "--config", str(sample_build["cfg"]))
    # the build audits the tables exactly as it writes them (the pack's values assembled
    # with the supplied ones), so its figures are the audit's, report by report summed
    assert (int(line[0]), int(line[1])) == _totals(audit.stdout + audit.stderr)
