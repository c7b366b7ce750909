"""Reading and writing the processed layer (parquet), with each table's sensitivity label.

Layers: raw_ and core_ tables are CHILD-LEVEL and never leave data/; out_ tables are
aggregates before disclosure control; pub_ tables are the only publishable data.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import polars as pl

SENSITIVITY = {
    "raw_": "child-level: never published",
    "core_": "child-level: never published",
    "quarantine": "child-level: never published",
    "returns_": "child-level: never published (values two returns disagree on)",
    "warnings": "child-level: never published",
    "validation_": "aggregate counts of rows and rules: published only as pub_validation_*",
    "out_": "aggregate before disclosure control: not for publication",
    "pub_": "aggregate after disclosure control: publishable",
}


def sensitivity(name: str) -> str:
    for prefix, label in SENSITIVITY.items():
        if name.startswith(prefix):
            return label
    raise ValueError(f"table {name!r} has no layer prefix (raw_, core_, out_, pub_, ...)")


def write_tables(folder: Path, tables: dict[str, pl.DataFrame]) -> None:
    """Write each table as `<name>.parquet`; keep a manifest of names, rows and sensitivity."""
    folder.mkdir(parents=True, exist_ok=True)
    manifest_path = folder / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    for name, df in tables.items():
        df.write_parquet(folder / f"{name}.parquet", statistics=False)
        manifest[name] = {"rows": df.height, "sensitivity": sensitivity(name)}
    manifest_path.write_text(json.dumps(dict(sorted(manifest.items())), indent=2) + "\n")


def read_table(folder: Path, name: str) -> pl.DataFrame:
    path = Path(folder) / f"{name}.parquet"
    if not path.exists():
        raise FileNotFoundError(f"{path}: not built yet (run `cic-reports run` first)")
    return pl.read_parquet(path)


#: Called with (folder, prefix) when a layer is listed: the notebook runner records which
#: names a notebook could see (pipeline/run/notebooks.py).
LISTING_HOOKS: list[Callable[[Path, str], None]] = []


class Layer(Mapping):
    """The tables of one layer, each read from its parquet file on first use: a notebook
    that looks up three tables reads three files (and depends on those alone)."""

    def __init__(self, folder: Path, prefix: str) -> None:
        self._paths = {p.stem: p for p in sorted(Path(folder).glob(f"{prefix}*.parquet"))}
        self._loaded: dict[str, pl.DataFrame] = {}
        for hook in LISTING_HOOKS:
            hook(Path(folder), prefix)

    def __getitem__(self, name: str) -> pl.DataFrame:
        if name not in self._loaded:
            self._loaded[name] = pl.read_parquet(self._paths[name])
        return self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._paths)

    def __len__(self) -> int:
        return len(self._paths)


def read_layer(folder: Path, prefix: str) -> Mapping[str, pl.DataFrame]:
    """Every `<prefix>*` table of the folder, as a mapping read lazily (`Layer`)."""
    return Layer(folder, prefix)
