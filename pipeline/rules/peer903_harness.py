"""Run the DfE's open-source SSDA903 validator on a folder of CSV files; list what it flags.

This file runs under the *validator's* Python (it pins pandas 1.5 and numpy 1.24, so it
lives in its own virtual environment), not the project's: it imports only the standard
library and `lac_validator` (PyPI `csc-validator-be-903`), through its public entry
points. `pipeline.rules.peer` starts it and compares its rows with ours.

    <peer python> peer903_harness.py --csv-dir DIR --year-end 2018 --out rows.csv
        [--rules 142,388] [--isolated]

The output has one line per flagged (table, row, rule): `table` (the validator's table
name), `line` (the 1-based line of the row in its file, the header being line 1), `CHILD`
and `rule`. `--isolated` runs each rule in a validator of its own, so that no rule sees
columns another rule changed.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import importlib
import io
import logging
import sys
from pathlib import Path


def ruleset_for(year_end: int) -> str:
    """The validator's rule set for a collection year (named by its start and end year);
    years before its oldest use the oldest, years after its newest the newest."""
    import lac_validator.rules as rules

    shipped = sorted(
        p.name for p in Path(list(rules.__path__)[0]).iterdir() if p.name.startswith("lac20")
    )
    wanted = f"lac{year_end - 1}_{year_end % 100:02d}"
    if wanted in shipped:
        return wanted
    return shipped[0] if wanted < shipped[0] else shipped[-1]


def record_lines(path: Path) -> list[int]:
    """The file line of each data record, skipping blank lines as pandas does."""
    lines = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        reader = csv.reader(f)
        next(reader, None)
        for record in reader:
            if any(cell.strip() for cell in record):
                lines.append(reader.line_num)
    return lines


def run(year_end: int, rules: list[str] | None, files: list[Path]):
    from lac_validator import lac_validator as lv
    from lac_validator.utils import process_uploaded_files

    registry = importlib.import_module(f"lac_validator.rules.{ruleset_for(year_end)}").registry
    metadata = {"collectionYear": str(year_end), "localAuthority": "E09000027"}
    uploaded = process_uploaded_files({"This year": [str(p) for p in files]})
    with contextlib.redirect_stdout(io.StringIO()):  # some rules print
        return lv.LacValidator(
            metadata=metadata, files=uploaded, registry=registry, selected_rules=rules
        ), registry


def flagged(validator, sources: dict[str, Path]):
    """(table, line, CHILD, rule) for every row an `ERR_<rule>` column marks."""
    out = []
    lines_of: dict[str, list[int]] = {}
    for table, df in validator.ds_results.items():
        if table == "metadata":
            continue
        for col in [c for c in df.columns if isinstance(c, str) and c.startswith("ERR_")]:
            for idx in df.index[df[col] == True]:  # noqa: E712  (NaN where not flagged)
                src = next((p for t, p in sources.items() if t == table), None)
                if src is not None and table not in lines_of:
                    lines_of[table] = record_lines(src)
                lines = lines_of.get(table, [])
                line = lines[idx] if isinstance(idx, int) and idx < len(lines) else idx + 2
                child = df.at[idx, "CHILD"] if "CHILD" in df.columns else ""
                out.append((table, line, "" if child != child else str(child), col[4:]))
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--csv-dir", type=Path, required=True)
    ap.add_argument("--year-end", type=int, required=True, help="2018 for 2017-18")
    ap.add_argument("--rules", help="comma-separated rule codes (default: every rule)")
    ap.add_argument("--isolated", action="store_true", help="one validator per rule")
    ap.add_argument("--out", type=Path, required=True)
    a = ap.parse_args(argv)
    logging.basicConfig(level=logging.ERROR, force=True)

    from lac_validator.config import column_names

    files, sources = [], {}
    for path in sorted(a.csv_dir.glob("*.csv")):
        with path.open(encoding="utf-8-sig", newline="") as f:
            header = set(next(csv.reader(f), []))
        table = next((t for t, cols in column_names.items() if set(cols) == header), None)
        if table is not None:  # a file the validator does not know would stop it
            files.append(path)
            sources[table] = path
    rules = [r.strip() for r in a.rules.split(",")] if a.rules else None
    rows = []
    if a.isolated and rules:
        for code in rules:
            validator, _ = run(a.year_end, [code], files)
            rows += flagged(validator, sources)
    else:
        validator, _ = run(a.year_end, rules, files)
        rows = flagged(validator, sources)
    with a.out.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["table", "line", "CHILD", "rule"])
        w.writerows(sorted(set(rows)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
