"""Recovery of an interrupted publish (pipeline/run/publish.py) from the journal's side.

test_atomic kills real builds at each point; these pin what `recover` does with each
state a journal and its folders can be left in, including a journal nobody can read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.run import publish
from pipeline.run.publish import JOURNAL, recover, staging_for
from pipeline.run.publish import publish as publish_pairs


def _folder(path, text):
    path.mkdir(parents=True, exist_ok=True)
    (path / "report.html").write_text(text, encoding="utf-8")
    return path


def _text(path):
    return (path / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "content",
    ["{not json", "[1, 2]", '{"run": "abc"}', '{"pairs": [["only-one"]]}', ""],
    ids=["invalid-json", "a-list", "no-pairs", "short-pair", "empty"],
)
def test_a_damaged_journal_is_removed_not_a_crash(tmp_path, content):
    target = _folder(tmp_path / "output" / "la", "previous")
    (tmp_path / JOURNAL).write_text(content, encoding="utf-8")

    done = recover(tmp_path, [target])

    assert done == [
        f"removed a damaged {JOURNAL} (it could not be read): if a build was stopped while "
        "publishing, build again"
    ]
    assert not (tmp_path / JOURNAL).exists()
    assert _text(target) == "previous"  # nothing it could not name is touched


def test_a_journal_naming_folders_that_are_not_a_runs_staging_swaps_nothing(tmp_path):
    # valid JSON, but an edit (or another tool) names two ordinary folders: recovery must
    # not swap them and delete one
    a = _folder(tmp_path / "output" / "la", "the published set")
    b = _folder(tmp_path / "output" / "other", "something else")
    for pairs in ([[str(b), str(a)]], ["ab"], [[str(b), 7]]):
        (tmp_path / JOURNAL).write_text(json.dumps({"run": "x", "pairs": pairs}), encoding="utf-8")
        assert recover(tmp_path, [a])[0].startswith(f"removed a damaged {JOURNAL}")
        assert (_text(a), _text(b)) == ("the published set", "something else")


def _crash_between_swaps(project: Path, journal_dir: Path) -> tuple[Path, Path]:
    """Two folders published by a real `publish` in another process, killed between its two
    swaps (`CIC_REPORTS_PAUSE_AT=publish-1`, as tests/test_atomic.py does with whole builds).
    Returns the two targets: the first holds the new run, the second still the old one."""
    first = _folder(project / "data" / "processed", "old data")
    second = _folder(project / "output" / "la", "old report")
    code = (
        "import sys; from pathlib import Path; from pipeline.run.publish import publish, "
        "staging_for\n"
        "p = Path(sys.argv[1]); pairs = []\n"
        "for t, text in ((p / 'data' / 'processed', 'new data'), (p / 'output' / 'la', "
        "'new report')):\n"
        "    s = staging_for(t, 'run9876543210ab'); (s / 'report.html').write_text(text)\n"
        "    pairs.append((s, t))\n"
        "publish(Path(sys.argv[2]), 'run9876543210ab', pairs)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, str(project), str(journal_dir)],
        env={**os.environ, "CIC_REPORTS_PAUSE_AT": "publish-1"},
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr.readline().strip() == "paused at publish-1"
    proc.kill()
    proc.wait()
    proc.stderr.close()
    assert (_text(first), _text(second)) == ("new data", "old report")  # a mixed set, for now
    return first, second


def test_a_project_moved_after_a_crash_while_publishing_finishes_its_own_publish(tmp_path):
    _crash_between_swaps(tmp_path / "here", tmp_path / "here" / "build" / "la")
    (tmp_path / "here").rename(tmp_path / "there")  # another mount point, a renamed folder
    there = tmp_path / "there"

    done = recover(there / "build" / "la", [there / "data" / "processed", there / "output" / "la"])

    assert done[0] == "finished publishing run run987654321"
    assert _text(there / "data" / "processed") == "new data"
    assert _text(there / "output" / "la") == "new report"
    assert sorted(p.name for p in (there / "output").iterdir()) == ["la"]


def test_a_crash_while_publishing_through_a_symlinked_build_folder_is_finished(tmp_path):
    # build/ is a link to a folder elsewhere (a faster disk): the journal's `..` must be the
    # project's, not the link target's parent
    (tmp_path / "elsewhere" / "build").mkdir(parents=True)
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "build").symlink_to(tmp_path / "elsewhere" / "build")
    project = tmp_path / "project"
    first, second = _crash_between_swaps(project, project / "build" / "la")

    recover(project / "build" / "la", [first, second])

    assert (_text(first), _text(second)) == ("new data", "new report")


def test_an_interrupted_publish_is_finished_from_its_journal(tmp_path):
    # Two pairs; the first was swapped in before the crash (its staging folder is gone),
    # the second was not: recovery swaps in the second and leaves the first alone.
    first = _folder(tmp_path / "data" / "processed", "new data")
    second = _folder(tmp_path / "output" / "la", "previous report")
    staged = _folder(staging_for(second, "run1234567890abc"), "new report")
    gone = tmp_path / "data" / f".processed{publish.TXN}run123456789-1"
    journal = {
        "run": "run1234567890abc",
        "pairs": [[str(gone), str(first)], [str(staged), str(second)]],
    }
    (tmp_path / JOURNAL).write_text(json.dumps(journal), encoding="utf-8")

    done = recover(tmp_path, [first, second])

    assert done[0] == "finished publishing run run123456789"  # the run id's first 12
    assert _text(first) == "new data"
    assert _text(second) == "new report"
    assert not staged.exists()
    assert not (tmp_path / JOURNAL).exists()
    assert sorted(p.name for p in second.parent.iterdir()) == ["la"]


def test_a_dead_runs_staging_is_removed_and_a_live_runs_kept(tmp_path):
    target = _folder(tmp_path / "output" / "la", "current")
    # above the kernel's largest pid: no process can have it, now or later
    dead_pid = int(Path("/proc/sys/kernel/pid_max").read_text()) + 1
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead = _folder(target.parent / f".la{publish.TXN}deadrun-{dead_pid}", "half")
        old = _folder(target.parent / f".la.old-{dead_pid}", "older")
        running = _folder(target.parent / f".la{publish.TXN}liverun-{live.pid}", "writing")
        unrelated = _folder(target.parent / ".la-notes", "not ours")

        done = recover(tmp_path, [target])

        assert sorted(done) == sorted([f"removed {dead.name}", f"removed {old.name}"])
        assert not dead.exists() and not old.exists()
        assert running.exists() and unrelated.exists()
        assert _text(target) == "current"
    finally:
        live.kill()
        live.wait()


def test_without_an_atomic_exchange_two_renames_publish_the_same(tmp_path, monkeypatch):
    # A system without renameat2 (macOS, an old kernel or a file system that refuses it):
    # the previous target is renamed aside, the staged one renamed in, the aside removed.
    monkeypatch.setattr(publish, "_EXCHANGE", None)
    target = _folder(tmp_path / "output" / "la", "previous")
    staged = _folder(staging_for(target, "run2"), "new")

    publish_pairs(tmp_path, "run2", [(staged, target)])

    assert _text(target) == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["la"]
    assert not (tmp_path / JOURNAL).exists()


def test_a_target_that_does_not_exist_yet_is_published_by_a_rename(tmp_path):
    target = tmp_path / "output" / "first-authority"
    staged = _folder(staging_for(target, "run3"), "first ever")

    publish_pairs(tmp_path, "run3", [(staged, target)])

    assert _text(target) == "first ever"
    assert recover(tmp_path, [target]) == []  # nothing left to finish or remove
