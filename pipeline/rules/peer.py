"""Compare the rows our DfE rules flag with the rows the DfE's own validator flags.

The validator (`csc-validator-be-903`, import name `lac_validator`) pins old pandas and
numpy, so it lives in a virtual environment of its own; point `CIC_PEER903_PYTHON` at
that environment's `python`. Nothing here is needed to build the reports: it is a check
for whoever changes the rules.

    CIC_PEER903_PYTHON=/path/to/peer/venv/bin/python \\
        python -m pipeline.rules.peer --raw ../shared/data/ssda903-fake --year-end 2018

For every DfE rule number we implement that the validator also has, it prints the rows
flagged by both, by us only and by the validator only. The validator runs every rule on
the same frames, and some of its rules change them (rule 361 fills blank end dates in
place), so a rule that differs in the full run is run again on its own; only a rule that
still differs is a disagreement.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import polars as pl

ENV = "CIC_PEER903_PYTHON"
HARNESS = Path(__file__).with_name("peer903_harness.py")
# the validator's table names -> ours
TABLES = {
    "Header": "header",
    "Episodes": "episodes",
    "Reviews": "reviews",
    "UASC": "uasc",
    "Missing": "missing",
    "OC2": "oc2",
    "OC3": "oc3",
    "AD1": "ad1",
    "PlacedAdoption": "placed_for_adoption",
    "PrevPerm": "previous_permanence",
}
ROWS = {"table": pl.String, "source_row": pl.Int64, "dfe_rule": pl.String}


def peer_python() -> Path | None:
    """The validator's Python from `CIC_PEER903_PYTHON`, or None when it is not set up."""
    value = os.environ.get(ENV)
    if not value:
        return None
    path = Path(value)
    return path if path.is_file() and os.access(path, os.X_OK) else None


def why_unavailable() -> str:
    value = os.environ.get(ENV)
    if not value:
        return f"{ENV} is not set (the DfE validator needs its own virtual environment)"
    return f"{ENV}={value} is not an executable file"


def peer_rows(
    raw: Path, year_end: int, rules: list[str] | None = None, *, isolated: bool = False
) -> pl.DataFrame:
    """Rows the validator flags in the CSV files of `raw`: table, source_row, dfe_rule."""
    python = peer_python()
    if python is None:
        raise RuntimeError(why_unavailable())
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "peer.csv"
        cmd = [str(python), str(HARNESS), "--csv-dir", str(raw), "--year-end", str(year_end)]
        cmd += ["--out", str(out)]
        if rules:
            cmd += ["--rules", ",".join(rules)]
        if isolated:
            cmd.append("--isolated")
        proc = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            tail = proc.stderr.strip().splitlines()[-1:] or ["no message"]
            raise RuntimeError(f"the DfE validator failed: {tail[0]}")
        df = pl.read_csv(out, schema_overrides={"CHILD": pl.String, "rule": pl.String})
    return (
        df.select(
            table=pl.col("table").replace_strict(TABLES, default=None),
            source_row=pl.col("line").cast(pl.Int64),
            dfe_rule=pl.col("rule"),
        )
        .drop_nulls("table")
        .unique()
    )


def our_rows(raw: Path, year_end: int, *, as_return: bool = True) -> pl.DataFrame:
    """Rows our DfE rules flag (either severity): table, source_row, dfe_rule; and, with
    `dfe_rule` null, the rows no rule looks at because they are set aside (superseded by a
    later return, or dated before the data's coverage: history the returns do not hold).

    `as_return` says the folder is one return of `year_end` (rows without a collection
    year are given it), as the validator assumes of what it is given.
    """
    from pipeline.inputs.ingest import ingest
    from pipeline.params import load_params
    from pipeline.validate import operator_rows, prepare, validate

    root = Path(__file__).resolve().parents[2]
    with tempfile.TemporaryDirectory() as tmp:
        # the validator is given the folder's CSV files only: so are we
        for path in sorted(raw.glob("*.csv")):
            (Path(tmp) / path.name).symlink_to(path.resolve())
        params = load_params(root / "config" / "sample.yml", raw=Path(tmp), year_end=year_end)
        tables = ingest(params.raw_dir).tables
        if as_return:
            tables = {name: _as_return(df, year_end) for name, df in tables.items()}
        result = validate(tables, params, engine="polars")
        prepared = prepare(tables)
    rows = operator_rows(result).filter(pl.col("dfe_rule") != "").select(list(ROWS)).unique()
    aside = result.row_status.filter(pl.col("row_status").is_in(["superseded", "out of scope"]))
    where = pl.concat(
        [
            df.select(table=pl.lit(t), row_id="row_id", source_row="source_row")
            for t, df in prepared.items()
        ]
    )
    aside = aside.join(where, on=["table", "row_id"]).select(
        "table", "source_row", dfe_rule=pl.lit(None, pl.String)
    )
    return pl.concat([rows, aside.cast(ROWS)])


def _as_return(df: pl.DataFrame, year_end: int) -> pl.DataFrame:
    """Rows whose return is unknown taken as rows of the `year_end` return."""
    year = pl.lit(year_end, pl.Int64)
    if "collection_year" in df.columns:
        year = pl.coalesce(pl.col("collection_year").cast(pl.Int64), year)
    return df.with_columns(collection_year=year)


def implemented() -> set[str]:
    from pipeline.rules import registry

    return {r.dfe_code for r in registry().values() if r.dfe_code}


def compare(ours: pl.DataFrame, peer: pl.DataFrame, rules: set[str]) -> pl.DataFrame:
    """Per DfE rule: rows flagged by both, by us only, by the validator only. Rows we set
    aside (`dfe_rule` null in `ours`: superseded or before the data's coverage) are not
    compared: no rule of ours looks at them, and they are in no figure."""
    out = []
    keys = ["table", "source_row"]
    aside = ours.filter(pl.col("dfe_rule").is_null()).select(keys)
    ours = ours.filter(pl.col("dfe_rule").is_not_null())
    peer = peer.join(aside, on=keys, how="anti")
    for code in sorted(rules):
        o = ours.filter(pl.col("dfe_rule") == code).select(keys)
        p = peer.filter(pl.col("dfe_rule") == code).select(keys)
        out.append(
            {
                "dfe_rule": code,
                "ours": o.height,
                "peer": p.height,
                "both": o.join(p, on=keys, how="semi").height,
                "ours_only": o.join(p, on=keys, how="anti").height,
                "peer_only": p.join(o, on=keys, how="anti").height,
            }
        )
    return pl.DataFrame(out, orient="row")


def reconcile(raw: Path, year_end: int, *, as_return: bool = True) -> pl.DataFrame:
    """`compare` for every rule both implement, with `isolated` True where the validator's
    full run differed and the rule was run again alone (its `agree` is then the re-run's)."""
    ours = our_rows(raw, year_end, as_return=as_return)
    full = peer_rows(raw, year_end)
    registry_codes = _peer_codes(year_end)
    rules = implemented() & registry_codes
    table = compare(ours, full, rules).with_columns(isolated=pl.lit(False))
    differ = table.filter((pl.col("ours_only") > 0) | (pl.col("peer_only") > 0))["dfe_rule"]
    if differ.len():
        alone = peer_rows(raw, year_end, differ.to_list(), isolated=True)
        again = compare(ours, alone, set(differ)).with_columns(isolated=pl.lit(True))
        table = pl.concat([table.filter(~pl.col("dfe_rule").is_in(differ.implode())), again])
    return table.with_columns(agree=(pl.col("ours_only") == 0) & (pl.col("peer_only") == 0)).sort(
        "dfe_rule"
    )


def _peer_codes(year_end: int) -> set[str]:
    """The rule codes in the validator's rule set for the year (asked of the validator)."""
    python = peer_python()
    code = (
        "import sys, importlib; sys.path.insert(0, sys.argv[1]);"
        "import peer903_harness as h;"
        "r = importlib.import_module('lac_validator.rules.' + h.ruleset_for(int(sys.argv[2])));"
        "print(','.join(r.registry))"
    )
    proc = subprocess.run(
        [str(python), "-c", code, str(HARNESS.parent), str(year_end)],
        capture_output=True,
        text=True,
        check=True,
    )
    return set(proc.stdout.strip().split(","))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, required=True, help="a folder of SSDA903 CSV files")
    ap.add_argument("--year-end", type=int, required=True, help="2018 for 2017-18")
    a = ap.parse_args(argv)
    if peer_python() is None:
        print(f"skipped: {why_unavailable()}", file=sys.stderr)
        return 0
    table = reconcile(a.raw, a.year_end)
    with pl.Config(tbl_rows=-1, tbl_hide_dataframe_shape=True):
        print(table)
    bad = table.filter(~pl.col("agree"))
    print(
        f"{table.height - bad.height} of {table.height} rules flag the same rows", file=sys.stderr
    )
    return 1 if bad.height else 0


if __name__ == "__main__":
    sys.exit(main())
