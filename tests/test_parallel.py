"""`make test`'s xdist scheduling (tests/conftest.py): every test module that uses a session
build is in that build's unit, so the build is made once, on one worker."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import SESSION_BUILD_MODULES
from helpers import ROOT

USES = re.compile(r"\b(sample_build|sample_processed)\b")


def session_builds_used(path: Path) -> set[str]:
    return set(USES.findall(path.read_text(encoding="utf-8")))


def misplaced(root: Path, units: dict[str, str]) -> list[str]:
    out = []
    for f in sorted([*root.glob("tests/test_*.py"), *root.glob("pipeline/**/test_*.py")]):
        rel = f.relative_to(root).as_posix()
        if rel == "tests/test_parallel.py":  # names them in its own strings
            continue
        used = session_builds_used(f)
        if used and (len(used) > 1 or units.get(rel) not in used):
            out.append(f"{rel}: uses {', '.join(sorted(used))}, unit {units.get(rel, 'its own')}")
    return out


def test_every_module_using_a_session_build_is_in_its_unit():
    assert misplaced(ROOT, SESSION_BUILD_MODULES) == [], (
        "add the module to SESSION_BUILD_MODULES in tests/conftest.py"
    )


def test_the_scan_finds_a_module_outside_its_builds_unit(tmp_path):
    (tmp_path / "tests").mkdir()
    (tmp_path / "tests" / "test_new.py").write_text("def test_x(sample_processed):\n    pass\n")
    (tmp_path / "tests" / "test_old.py").write_text("def test_y(sample_build):\n    pass\n")
    units = {"tests/test_old.py": "sample_build"}
    assert misplaced(tmp_path, units) == ["tests/test_new.py: uses sample_processed, unit its own"]
    assert misplaced(tmp_path, {**units, "tests/test_new.py": "sample_build"}) == [
        "tests/test_new.py: uses sample_processed, unit sample_build"
    ]
