"""One-line descriptions of YAML syntax errors, for every file a user edits (config,
catalogues, report sources): the line the parser stopped on, what it expected, and where
the construct it was reading began — for an unclosed `[` or quote the mistake is on that
earlier line, not on the one the parser names."""

from __future__ import annotations

import yaml


def yaml_problem(exc: yaml.YAMLError, first_line: int = 1) -> tuple[str, str]:
    """(' line 4', "expected ',' or ']', but got ':'; the flow sequence began on line 3") of
    `exc`; `first_line` is the file's line number of the text's first line (front matter
    starts after its `---`). The where is '' when the parser gives no position."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or ""
    where = f" line {mark.line + first_line}" if mark else ""
    context, begun = getattr(exc, "context", None), getattr(exc, "context_mark", None)
    if context and begun is not None and (mark is None or begun.line < mark.line):
        thing = context.removeprefix("while parsing ").removeprefix("while scanning ")
        thing = thing.removeprefix("a ").removeprefix("an ")
        problem += f"{'; ' if problem else ''}the {thing} began on line {begun.line + first_line}"
    return where, problem


def not_valid_yaml(exc: yaml.YAMLError, first_line: int = 1) -> tuple[str, str]:
    """(' line 4', "not valid YAML (expected ...; the flow sequence began on line 3)")."""
    where, problem = yaml_problem(exc, first_line)
    return where, f"not valid YAML ({problem})" if problem else "not valid YAML"
