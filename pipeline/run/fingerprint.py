"""What a stage's result depends on, as digests: file contents, code, parameters.

A build reuses a stage's outputs when the digest of its inputs is the one recorded when
they were made (pipeline/run/build.py). Digests are of *content*, never of locations or
clocks: the same extracts in another folder, or a clone of the project elsewhere, give the
same digests. File digests are remembered by (size, mtime, inode) in the build folder
(`StatCache`), as git's index does, so an unchanged national extract is not re-read; a file
changed within two seconds of being hashed is hashed again next time (a later edit in the
same clock tick could keep its mtime).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from functools import cache
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]  # pipeline/
RACY_NS = 2_000_000_000


def digest(*parts) -> str:
    """sha256 of a canonical JSON rendering of `parts` (dicts sorted, paths as text)."""
    text = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: Path) -> str:
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


class StatCache:
    """File digests remembered by (size, mtime_ns, inode); saved as JSON in the build folder."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path
        self.entries: dict[str, list] = {}
        self.changed = False
        if path is not None and path.is_file():
            try:
                self.entries = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                self.entries = {}

    def sha256(self, path: Path) -> str:
        path = Path(path)
        st = path.stat()
        key = str(path.resolve())
        stamp = [st.st_size, st.st_mtime_ns, st.st_ino]
        hit = self.entries.get(key)
        if hit is not None and hit[:3] == stamp:
            return hit[3]
        value = file_sha256(path)
        if time.time_ns() - st.st_mtime_ns > RACY_NS:
            self.entries[key] = [*stamp, value]
            self.changed = True
        else:
            self.entries.pop(key, None)
        return value

    def remember(self, path: Path, sha: str, *, as_path: Path | None = None) -> None:
        """Record the digest of a file this process just wrote (nobody else writes it),
        under the name it will be published as (a rename keeps size, mtime and inode)."""
        st = Path(path).stat()
        key = str((Path(as_path) if as_path else Path(path)).resolve())
        self.entries[key] = [st.st_size, st.st_mtime_ns, st.st_ino, sha]
        self.changed = True

    def save(self) -> None:
        if self.path is None or not self.changed:
            return
        self.entries = {k: v for k, v in self.entries.items() if os.path.exists(k)}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        tmp.write_text(json.dumps(self.entries, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
        self.changed = False


def tree(
    folder: Path | None,
    stat: StatCache,
    *,
    suffixes: tuple[str, ...] | None = None,
    skip: tuple[str, ...] = ("README.md",),
) -> dict[str, str]:
    """relative path -> sha256 of every file under `folder` (hidden files and `skip` names
    left out; only `suffixes` if given). A missing folder is an empty tree."""
    if folder is None or not Path(folder).is_dir():
        return {}
    folder = Path(folder)
    out = {}
    for p in sorted(folder.rglob("*")):
        rel = p.relative_to(folder)
        if any(part.startswith(".") or part == "__pycache__" for part in rel.parts):
            continue
        if not p.is_file() or p.name in skip:
            continue
        if suffixes is not None and p.suffix.lower() not in suffixes:
            continue
        out[rel.as_posix()] = stat.sha256(p)
    return out


def path_digest(path: Path | None, stat: StatCache) -> str | None:
    """A file's sha256, a folder's tree digest, or None when absent/unset."""
    if path is None:
        return None
    path = Path(path)
    if path.is_file():
        return stat.sha256(path)
    if path.is_dir():
        return digest(tree(path, stat, skip=()))
    return "missing"


# ---------------------------------------------------------------- code
#: Package files that are inputs of one report's stages rather than code of every stage:
#: its catalogues (`reports/<r>/*.yml`), notebooks and Quarto sources. Render code is the
#: render stage's alone.
def _kind(rel: Path) -> str | None:
    parts = rel.parts
    if "__pycache__" in parts or rel.name.startswith(".") or rel.suffix in (".pyc", ".pyo"):
        return None
    if rel.name.startswith("test_") or rel.name == "testing.py":
        return None  # tests beside the rules
    if parts[0] == "reports" and len(parts) >= 3:
        if parts[2] in ("notebooks", "report"):
            return None
        if len(parts) == 3 and rel.suffix in (".yml", ".yaml"):
            return None
    if parts[:2] == ("publish", "render"):
        return "render"
    return "data"


@cache
def _code_files() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {"data": {}, "render": {}}
    for p in sorted(PACKAGE.rglob("*")):
        if not p.is_file():
            continue
        rel = p.relative_to(PACKAGE)
        kind = _kind(rel)
        if kind is not None:
            out[kind][rel.as_posix()] = file_sha256(p)
    return out


def _versions(names: tuple[str, ...]) -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": ".".join(map(str, sys.version_info[:3]))}
    for n in names:
        try:
            out[n] = version(n)
        except PackageNotFoundError:
            out[n] = "absent"
    return out


# scipy and highspy solve the disclosure stage's programmes (what is suppressed follows them)
DATA_LIBS = (
    "polars",
    "pyarrow",
    "great-expectations",
    "holidays",
    "fastexcel",
    "lxml",
    "scipy",
    "highspy",
)
NOTEBOOK_LIBS = ("altair", "vl-convert-python", "ipython")
RENDER_LIBS = ("pypandoc-binary", "typst", "nbformat")


@cache
def code_digest(kind: str) -> str:
    """Digest of the package's code of one kind ("data": everything a data stage or a
    notebook runs; "render": pipeline/publish/render) and the libraries' versions."""
    libs = {"data": DATA_LIBS + NOTEBOOK_LIBS, "render": RENDER_LIBS}[kind]
    return digest(kind, _code_files()[kind], _versions(libs))


def clear_code_cache() -> None:
    """Forget the code digests (tests that edit code in place)."""
    _code_files.cache_clear()
    code_digest.cache_clear()


# ---------------------------------------------------------------- parameters
#: RunParams fields that are locations, not content (their contents are digested apart).
# neither changes a figure: where files are, and which engine checked the contract (the
# engines give the same rows, and a build whose engines disagree validates again with GX)
LOCATION_FIELDS = ("root", "paths", "validation_engine")


def params_content(params, *, without: tuple[str, ...] = ()) -> dict:
    """The run's parameters without locations (and without the fields in `without`)."""
    data = params.model_dump(mode="json")
    for key in (*LOCATION_FIELDS, *without):
        data.pop(key, None)
    return data


def referenced_files(params, stat: StatCache) -> dict[str, str | None]:
    """Digests of the files the parameters point at besides the extracts: published
    statistics (`paths.dfe`), the ONS population file and the neighbour groupings file."""
    return {
        "dfe": path_digest(params.dfe_dir, stat),
        "ons_file": path_digest(params.path(params.population.ons_file), stat),
        "groupings_file": path_digest(
            params.path(params.statistical_neighbours.groupings_file), stat
        ),
    }
