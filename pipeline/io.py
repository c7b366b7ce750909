"""Reading and writing the processed layer (parquet), with each table's sensitivity label.

Layers: raw_ and core_ tables are CHILD-LEVEL and never leave data/; out_ tables are
aggregates before disclosure control; pub_ tables are the only publishable data.
"""

from __future__ import annotations

import json
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


def read_layer(folder: Path, prefix: str) -> dict[str, pl.DataFrame]:
    return {p.stem: pl.read_parquet(p) for p in sorted(Path(folder).glob(f"{prefix}*.parquet"))}
