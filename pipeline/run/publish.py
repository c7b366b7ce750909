"""Publishing a run's folders all at once, so a crash never leaves a mixed set.

A build writes everything into staging folders beside their targets (same file system):
`data/.processed.txn-<run>-<pid>/`, `build/<authority>/<year>/.notebooks.txn-.../`,
`output/.<authority>.txn-.../`. When all of them are complete it writes a journal
(`build/<authority>/publishing.json`) naming each (staging, target) pair, then swaps each
staging folder with its target in one system call (Linux `renameat2(RENAME_EXCHANGE)`;
elsewhere two renames, the second of which the journal lets a later command finish), then
removes the journal and the old folders. `recover` (run first by every command that reads
or writes them) finishes a publish that was interrupted: each staged folder is complete
before the journal exists, so finishing is always safe, and a target is never left half
written. Staging folders of runs that died before publishing are removed.

`kill -9` at any moment therefore leaves either the previous run's folders or the new
run's, never a mixture — and the notebooks and processed data carry the run id, so
`render` can tell (pipeline/run/build.py).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

TXN = ".txn-"
JOURNAL = "publishing.json"
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


_EXCHANGE = _renameat2()


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing folders atomically; False where the system cannot."""
    if _EXCHANGE is None:
        return False
    rc = _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EXDEV):
        return False
    raise OSError(err, f"swapping {a} and {b}: {os.strerror(err)}")


def staging_for(target: Path, run_id: str) -> Path:
    """A fresh staging folder beside `target` (same file system, so rename works)."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    path = target.parent / f".{target.name}{TXN}{run_id[:12]}-{os.getpid()}"
    if path.exists():
        shutil.rmtree(path)
    path.mkdir()
    return path


def _old(target: Path) -> Path:
    return target.parent / f".{target.name}.old-{os.getpid()}"


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _swap_in(staged: Path, target: Path) -> None:
    """Make `staged` the target; the previous target is deleted."""
    if not staged.exists():
        return  # already swapped in (a finished step of an interrupted publish)
    if not target.exists():
        os.rename(staged, target)
    elif exchange(staged, target):
        shutil.rmtree(staged, ignore_errors=True)  # now holds the previous target
    else:
        old = _old(target)
        os.rename(target, old)
        os.rename(staged, target)
        shutil.rmtree(old, ignore_errors=True)
    _fsync_dir(target.parent)


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """An exclusive lock (flock) on `path`, waited for; released on exit or process death."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def _pause(point: str) -> None:
    from pipeline.run.faults import pause

    pause(point)


def publish(journal_dir: Path, run_id: str, pairs: list[tuple[Path, Path]]) -> None:
    """Swap every complete staging folder into its target, journalled (see module doc)."""
    journal = Path(journal_dir) / JOURNAL
    journal.parent.mkdir(parents=True, exist_ok=True)
    tmp = journal.with_name(f".{JOURNAL}.{os.getpid()}")
    # paths relative to the journal's folder, between real paths (a symlinked folder's `..`
    # is not its link's): a project moved or mounted elsewhere still finishes its publish
    base = journal.parent.resolve()
    named = [[os.path.relpath(Path(p).resolve(), base) for p in pair] for pair in pairs]
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump({"run": run_id, "pairs": named}, f, indent=1)
        f.flush()
        os.fsync(f.fileno())  # on disk before it names anything: a power cut leaves it whole
    os.replace(tmp, journal)
    _fsync_dir(journal.parent)
    for n, (staged, target) in enumerate(pairs):
        if n:
            _pause(f"publish-{n}")
        _swap_in(Path(staged), Path(target))
    journal.unlink()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftover_pid(name: str) -> int | None:
    try:
        return int(name.rsplit("-", 1)[1])
    except (IndexError, ValueError):
        return None


def _is_pair(staged: Path, target: Path) -> bool:
    """A staging folder beside its own target, as `staging_for` names it: recovery swaps
    nothing else, whatever a damaged or edited journal says."""
    return staged.parent == target.parent and staged.name.startswith(f".{target.name}{TXN}")


def _read_journal(journal: Path) -> tuple[str, list[tuple[Path, Path]]] | None:
    """The run and (staged, target) pairs a journal names; None if it is damaged (an edit,
    a disk error) or names anything but staging folders beside their targets, so recovery
    never fails on it or swaps a folder that is not one of a run's."""
    try:
        data = json.loads(journal.read_text(encoding="utf-8"))
        base, pairs = journal.parent.resolve(), []
        for staged, target in data["pairs"]:
            if not (isinstance(staged, str) and isinstance(target, str)):
                return None
            pairs.append(
                (Path(os.path.normpath(base / staged)), Path(os.path.normpath(base / target)))
            )
        run = str(data.get("run", "?"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    return (run, pairs) if all(_is_pair(s, t) for s, t in pairs) else None


def recover(journal_dir: Path, targets: list[Path]) -> list[str]:
    """Finish an interrupted publish; remove dead runs' staging and old folders. Returns
    what it did (for the log)."""
    done = []
    journal = Path(journal_dir) / JOURNAL
    if journal.is_file():
        read = _read_journal(journal)
        for staged, target in read[1] if read else []:
            if staged.exists() or not target.exists():
                _swap_in(staged, target)
        journal.unlink(missing_ok=True)
        if read:
            done.append(f"finished publishing run {read[0][:12]}")
        else:
            done.append(
                f"removed a damaged {JOURNAL} (it could not be read): if a build was stopped "
                "while publishing, build again"
            )
    for target in targets:
        target = Path(target)
        if not target.parent.is_dir():
            continue
        for p in target.parent.glob(f".{target.name}*"):
            if not (TXN in p.name or ".old-" in p.name):
                continue
            pid = _leftover_pid(p.name)
            if pid is not None and pid != os.getpid() and _alive(pid):
                continue
            shutil.rmtree(p, ignore_errors=True)
            done.append(f"removed {p.name}")
    return done


def link_or_copy(src: Path, dest: Path) -> None:
    """Hard-link a file (a reused output costs nothing), else copy it."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copy2(src, dest)


def keep_files(source: Path, staged: Path, *, skip) -> None:
    """Carry files of `source` that this run does not replace into `staged` (by hard link)."""
    if not Path(source).is_dir():
        return
    for p in sorted(Path(source).iterdir()):
        if p.is_file() and not skip(p.name) and not (staged / p.name).exists():
            link_or_copy(p, staged / p.name)
