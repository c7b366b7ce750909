"""End to end on the generated sample, as a performance officer runs it.

One module-scoped build (sample -> validate -> transform -> measures -> notebooks ->
render with the pandoc fallback) for two consecutive reporting years, plus Quarto's
renders of the same executed notebooks into a second output folder; then checks on what
each renderer publishes (tests taking `published` run once per renderer): the figures
(computed independently here from the raw CSV files), structure, offline
self-containment, a real browser with axe, committee papers, and that no child-level value
appears in any published file (HTML including chart specs, DOCX, XLSX, CSV, PDF).
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import subprocess
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import polars as pl
import pytest
from conftest import RENDERERS, require_quarto
from helpers import ROOT, cli, cmd, sample_config, work_paths

SHARED_DFE = (ROOT / ".." / "shared" / "data" / "dfe").resolve()
CHILDREN = 160
SLUG = "wessex-vale-council-e06999999"

pytestmark = pytest.mark.slow


def write_config(folder: Path, raw: Path, *, output: str = "output", **extra) -> Path:
    paths = {
        **work_paths(folder, raw),
        "output": folder / output,
        "dfe": SHARED_DFE,
        "catalogue": ROOT / "pipeline" / "reports" / "pack" / "indicators.yml",
    }
    return sample_config(folder / f"config-{output}.yml", paths, **extra)


def build_sample(work: Path) -> dict:
    """The sample built for 2023-24 (HTML, DOCX, PDF) and 2022-23 (HTML) with the fallback,
    in `work` (the session's `sample_build`, tests/conftest.py)."""
    raw = work / "raw"
    cli("synth", "--out", str(raw), "--children", str(CHILDREN), "--seed", "5", "--no-errors")
    cfg = write_config(work, raw, validation_engine="beside")  # as `make report` builds
    formats = ["--to", "html", "--to", "docx", "--to", "pdf"]
    # 2022-23 first: each build's process writes the run's pub_ tables (the pack's too), and
    # the tests read 2023-24's (a --year-end 2023 build also re-renders the configured
    # pack month from that year's data: see the closing note of issue 12)
    cli("build", "--config", str(cfg), "--year-end", "2023", "--renderer", "pandoc")
    out_2024 = cli("build", "--config", str(cfg), *formats, "--renderer", "pandoc")
    return {
        "work": work,
        "raw": raw,
        "cfg": cfg,
        "paths_2024": out_2024.stdout.split(),
        "log_2024": out_2024.stderr,
        "out": work / "output" / SLUG,
        "renderer": "pandoc",
    }


@pytest.fixture(scope="module")
def built(sample_build) -> dict:
    """The session's sample build: read only (a test that changes files copies them)."""
    return sample_build


@pytest.fixture(scope="module")
def quarto_built(built) -> dict:
    """Quarto's files from the same executed notebooks, in their own output folder."""
    require_quarto()
    cfg = write_config(built["work"], built["raw"], output="output-quarto")
    render = ["render", "--config", str(cfg), "--renderer", "quarto"]
    # 2022-23 has its own stage folder, so it renders alongside 2023-24's three formats
    # (the IRO report only: the pack's file is named from the configured month, not the year)
    other_year = subprocess.Popen(
        cmd(*render, "--year-end", "2023", "--doc", "iro"),
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    logs = [cli(*render, "--to", fmt).stderr for fmt in ("html", "docx", "pdf")]
    _, err = other_year.communicate()
    assert other_year.returncode == 0, err[-3000:]
    logs.append(err)
    return {
        **built,
        "cfg": cfg,
        "out": built["work"] / "output-quarto" / SLUG,
        "renderer": "quarto",
        "log": "\n".join(logs),
    }


@pytest.fixture(params=RENDERERS)
def published(request, built) -> dict:
    """The build as published by each renderer (the Quarto case needs the Quarto CLI)."""
    if request.param == "pandoc":
        return built
    require_quarto()
    return request.getfixturevalue("quarto_built")


def output(built: dict, name: str) -> Path:
    return built["out"] / name


# ---------------------------------------------------------------- independent figures


def in_care_on(raw: Path, day: dt.date) -> int:
    """Children in care on `day` from episodes.csv, computed without the pipeline."""
    children = set()
    with (raw / "ssda903" / "episodes.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            start = dt.datetime.strptime(row["DECOM"], "%d/%m/%Y").date()
            end = dt.datetime.strptime(row["DEC"], "%d/%m/%Y").date() if row["DEC"] else None
            if row["LS"] in ("V3", "V4"):
                continue
            if start <= day and (end is None or end > day):
                children.add(row["CHILD"])
    return len(children)


def html_unescape(text: str) -> str:
    import html

    return html.unescape(text)


def visible_text(html: str) -> str:
    class Text(HTMLParser):
        def __init__(self):
            super().__init__()
            self.parts: list[str] = []
            self.skip = 0

        def handle_starttag(self, tag, attrs):
            if tag in ("script", "style"):
                self.skip += 1

        def handle_endtag(self, tag):
            if tag in ("script", "style"):
                self.skip -= 1

        def handle_data(self, data):
            if not self.skip:
                self.parts.append(data)

    parser = Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


@pytest.mark.parametrize(("year_end", "label"), [(2024, "2023-24"), (2023, "2022-23")])
def test_headline_shows_the_children_in_care_counted_from_the_raw_files(published, year_end, label):
    html = output(published, f"iro-annual-report-{label}.html").read_text(encoding="utf-8")
    text = visible_text(html)
    expected = in_care_on(published["raw"], dt.date(year_end, 3, 31))
    assert expected > 5
    m = re.search(rf"On 31 March {year_end} there were ([\d,]+) children in care", text)
    assert m, "headline sentence missing"
    assert int(m.group(1).replace(",", "")) == expected


def test_iro_report_headline_counts_are_the_published_tables(published):
    """The report's sentences state the figures of its pub_ tables: reviews held,
    escalations concluded (and last year's), pre-escalation notes and their children, and
    notes recognising good practice — "a small number of" exactly where the count is hidden."""
    processed = published["work"] / "processed"  # the 2023-24 build's tables

    def row(table: str, key: str, value: str) -> dict:
        (r,) = (
            pl.read_parquet(processed / f"{table}.parquet")
            .filter(pl.col(key) == value)
            .rows(named=True)
        )
        return r

    def said(r: dict, col: str) -> str:
        return "a small number of" if r[f"is_{col}_suppressed"] else f"{r[col]:,}"

    text = visible_text(
        output(published, "iro-annual-report-2023-24.html").read_text(encoding="utf-8")
    )
    held = row("pub_reviews_annual", "measure_code", "reviews_held")
    total = row("pub_escalations_by_stage", "stage_code", "Total")
    pre = row("pub_pre_escalations_by_type", "area_code", "Total")
    good = row("pub_good_practice_notes", "period", "Year")
    sentences = [
        f"{said(held, 'count')} reviews were held in 2023-24",
        f"{said(total, 'escalations_count')} escalations were concluded in 2023-24",
        f"IROs recorded {said(pre, 'notes_count')} pre-escalation notes for "
        f"{said(pre, 'children_count')} children in 2023-24.",
        f"{said(good, 'notes_count')} notes recognising good practice were recorded in 2023-24.",
    ]
    if not total["is_escalations_count_suppressed"]:  # last year's too
        now, before = total["escalations_count"], total["last_year_escalations_count"]
        word = "up from" if now > before else "down from" if now < before else "the same as"
        sentences[1] += f", {word} {before:,} in 2022-23"
    for sentence in sentences:
        assert re.search(re.escape(sentence), text, flags=re.IGNORECASE), sentence
    # the sample publishes these three: the comparison is of numbers, not only of words
    assert not (
        held["is_count_suppressed"]
        or total["is_escalations_count_suppressed"]
        or pre["is_notes_count_suppressed"]
    )


@pytest.mark.parametrize("label", ["2023-24", "2022-23"])
def test_every_section_is_present_with_charts_and_captioned_tables(published, label):
    html = output(published, f"iro-annual-report-{label}.html").read_text(encoding="utf-8")
    for heading in (
        "The IRO service",
        "Profile of children in care",
        "Performance of the service",
        "Voice and participation of children",
        "Dispute resolution",
        "Priorities for the year ahead",
        "About the data",
    ):
        assert re.search(rf"<h2[^>]*>\s*{re.escape(heading)}", html), heading
    charts = html.count('class="vega-chart"')
    assert charts >= 8
    content = re.sub(r"<script[^>]*>.*?</script>", " ", html, flags=re.S)
    tables = re.findall(r"<table.*?</table>", content, flags=re.S)
    assert len(tables) >= 15
    assert all("<th" in t for t in tables)
    # Every table is captioned: on the table (fallback) or on the float around it (Quarto),
    # and its scroll region is named from that caption, never a generic "Table".
    captions = [
        " ".join(re.sub(r"<[^>]+>", " ", c).split())
        for c in re.findall(r"<(?:fig)?caption\b.*?</(?:fig)?caption>", content, flags=re.S)
    ]
    regions = re.findall(
        r'class="table-scroll" role="region" tabindex="0" aria-label="([^"]*)"', content
    )
    assert len(regions) == len(tables)
    table_captions = [c for c in captions if c.startswith("Table ")]
    assert len(table_captions) == len(tables)
    for n, (name, caption) in enumerate(zip(regions, table_captions, strict=True), start=1):
        assert caption == f"Table {n}: {html_unescape(name)}"
    figures = [c for c in captions if c.startswith("Figure ")]
    assert len(figures) == charts
    assert all(re.fullmatch(r"Figure \d+: \S.*", c) for c in figures), figures


def test_an_earlier_year_builds_that_years_pack_beside_the_later_one(built):
    """`build --year-end 2023` with `pack_month: 2024-03` configured makes the March 2023
    pack (the month moves with the year), and leaves the 2024-03 pack of the other build."""
    import json

    out = built["out"]
    files = json.loads((out / ".manifest.json").read_text(encoding="utf-8"))["files"]
    for name in ("performance-pack-2023-03.html", "iro-annual-report-2022-23.html"):
        assert name in files, sorted(files)
    assert not [n for n in files if n.startswith("performance-pack-2022")]
    run_2023 = files["iro-annual-report-2022-23.html"]["run"]
    assert files["performance-pack-2023-03.html"]["run"] == run_2023
    assert files["performance-pack-2023-03.csv"]["run"] == run_2023
    assert files["performance-pack-2024-03.html"]["run"] not in (None, run_2023)
    html = (out / "performance-pack-2023-03.html").read_text(encoding="utf-8")
    assert "March 2023" in html and "March 2024" not in html.split("</header>")[0]
    # and its figures are that year's: children in care at each month end from October
    # 2022, counted from the raw episodes, in its CSV and workbook (not the later run's
    # month ends, nor 0 for months the later run's table does not cover)
    rows, sheet = pack_csv(built, "2023-03"), pack_table_1(built, "2023-03")
    for month in ("2022-10", "2022-11", "2022-12", "2023-01", "2023-02", "2023-03"):
        y, m = (int(p) for p in month.split("-"))
        day = dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)
        expected = in_care_on(built["raw"], day)
        assert expected > 5
        assert float(rows["cic_count"][month]) == expected == sheet["cic_count"][sheet_month(month)]


def test_reports_are_single_self_contained_files(published):
    for name in (
        "iro-annual-report-2023-24.html",
        "iro-annual-report-2022-23.html",
        "performance-pack-2024-03.html",
        "csc-performance-report-2023-24-Q4.html",
    ):
        html = output(published, name).read_text(encoding="utf-8")
        assert not re.search(r"<(script|img|link|iframe|source)[^>]+(src|href)=[\"']?https?:", html)
        assert not re.search(r"url\(\s*[\"']?https?:", html)
        assert html.count("vegaEmbed") >= 1


def test_rendering_is_reproducible(published):
    first = output(published, "iro-annual-report-2023-24.html").read_bytes()
    again = cli(
        "render",
        "--config",
        str(published["cfg"]),
        "--doc",
        "iro",
        "--renderer",
        published["renderer"],
    )
    assert f"with {published['renderer']}" in again.stderr
    assert output(published, "iro-annual-report-2023-24.html").read_bytes() == first
    assert str(published["work"]).encode() not in first  # no build paths in the page


def test_quarto_says_how_long_each_render_took_and_has_nothing_to_warn_about(quarto_built):
    log = quarto_built["log"]
    for name in (
        *(f"iro-annual-report-2023-24.{ext}" for ext in ("html", "docx", "pdf")),
        *(f"performance-pack-2024-03.{ext}" for ext in ("html", "docx", "pdf")),
        "iro-annual-report-2022-23.html",
    ):
        assert re.search(
            rf"rendered {re.escape(name)} with quarto \(asked for\) in \d+\.\d s", log
        ), name
    # e.g. no "Unable to parse table from raw html block" (issue 11, 7): any warning is a bug
    assert "warning" not in log.lower(), log


def test_every_published_count_is_zero_above_threshold_or_suppressed(built):
    from pipeline.measures import load_all

    threshold = 5
    processed = built["work"] / "processed"
    checked = 0
    for m in load_all().values():
        df = pl.read_parquet(processed / f"pub_{m.name}.parquet")
        for col in m.disclosure.counts:
            bad = df.filter(pl.col(col).is_between(1, threshold))
            assert bad.is_empty(), f"pub_{m.name}.{col} publishes a small count"
            checked += df.height
    assert checked > 100


def test_secondary_suppression_leaves_no_hidden_cell_alone_or_small_when_worked_out(built):
    """Secondary suppression, end to end: in every published grouping no suppressed count
    stands alone beside published non-zero cells (it would be the group's total minus
    them); and where a group's total can be worked out from a published count and its
    percentage (total = count / pct * 100), what its hidden cells add up to (the total
    minus the published cells) is never a small number."""
    from pipeline.measures import load_all

    processed = built["work"] / "processed"
    groups = recovered = hidden_groups = 0
    for m in load_all().values():
        df = pl.read_parquet(processed / f"pub_{m.name}.parquet")
        for grouping in m.disclosure.groupings:
            if not grouping:
                continue
            for num in m.disclosure.counts:
                f = f"is_{num}_suppressed"
                per = df.group_by(list(grouping)).agg(
                    hidden=pl.col(f).sum(),
                    shown_nonzero=(pl.col(num).fill_null(0) > 0).sum(),
                )
                lone = per.filter((pl.col("hidden") == 1) & (pl.col("shown_nonzero") > 0))
                assert lone.is_empty(), f"pub_{m.name}.{num}: a hidden cell alone {lone}"
                groups += per.height
                hidden_groups += per.filter(pl.col("hidden") >= 2).height
            for col, sources in m.disclosure.derived.items():
                num = sources[0]
                if num not in m.disclosure.counts:
                    continue
                per = (
                    df.group_by(list(grouping))
                    .agg(
                        hidden=pl.col(f"is_{num}_suppressed").sum(),
                        shown=pl.col(num).fill_null(0).sum(),
                        total=(pl.col(num) / pl.col(col) * 100).drop_nans().drop_nulls().first(),
                    )
                    .filter((pl.col("hidden") >= 1) & pl.col("total").is_not_null())
                    .with_columns(worked_out=(pl.col("total") - pl.col("shown")).round(0))
                )
                small = per.filter(pl.col("worked_out").is_between(1, 5))
                assert small.is_empty(), (
                    f"pub_{m.name}.{num}: small hidden cells worked out {small}"
                )
                recovered += per.height
    # the sample has groups of every kind: many checked, some with secondary suppression
    # (two or more hidden), and some whose hidden cells' sum could be worked out
    assert groups > 100 and hidden_groups > 0 and recovered > 0


def pack_counts(built) -> list[str]:
    """The pack's indicators that are counts of children (suppressed when small)."""
    from pipeline.params import load_params
    from pipeline.reports.pack import catalogue_path
    from pipeline.reports.pack.catalogue import load_catalogue

    cat = load_catalogue(catalogue_path(load_params(built["cfg"])))
    return [i.id for i in cat.indicators if i.unit == "No." and i.suppress_small]


def pack_csv(built, month: str = "2024-03") -> dict[str, dict[str, str]]:
    with output(built, f"performance-pack-{month}.csv").open(encoding="utf-8") as f:
        return {r["indicator_id"]: r for r in csv.DictReader(f)}


def pack_table_1(built, month: str = "2024-03") -> dict[str, dict[str, object]]:
    """The workbook's Table_1 as {indicator ID: {header: cell value}} (found by its header
    row, not by a fixed position)."""
    from openpyxl import load_workbook

    ws = load_workbook(output(built, f"performance-pack-{month}.xlsx"))["Table_1"]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] == "Indicator ID")
    heads = rows[top]
    return {r[0]: dict(zip(heads, r, strict=True)) for r in rows[top + 1 :] if r[0]}


def sheet_month(month: str) -> str:
    return dt.date.fromisoformat(month + "-01").strftime("%B %Y")


def test_pack_counts_in_its_values_csv_and_workbook_leave_no_small_count(built):
    """The pack's published values: no count of children of 1..5 in pub_pack_values, nor
    among the numerators and denominators shown beside percentages (nor their difference);
    and the pack's CSV and workbook publish exactly those values, `c` / `[c]` where hidden."""
    processed = built["work"] / "processed"
    values = pl.read_parquet(processed / "pub_pack_values.parquet")
    counts = pack_counts(built)
    assert len(counts) >= 10
    published = values.filter(pl.col("indicator_id").is_in(counts) & pl.col("value").is_not_null())
    assert published.height > 50  # counts of children over the pack's trend months
    assert published.filter(pl.col("value").is_between(1, 5)).is_empty()
    nd = values.filter(pl.col("numerator_count").is_not_null())
    assert nd.height > 20  # "321 / 337" beside percentages
    for expr in (
        pl.col("numerator_count"),
        pl.col("denominator_count"),
        pl.col("denominator_count") - pl.col("numerator_count"),
    ):
        assert nd.filter(expr.is_between(1, 5)).is_empty(), nd.filter(expr.is_between(1, 5))
    cell = {
        (i, m): (v, s)
        for i, m, v, s in values.select(
            "indicator_id", "month", "value", "is_value_suppressed"
        ).rows()
    }
    rows, sheet = pack_csv(built), pack_table_1(built)
    months = ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    checked = hidden = 0
    for ind in counts:
        if ind not in rows:
            continue  # a catalogue indicator not in this month's pack
        for m in months:
            value, suppressed = cell.get((ind, m), (None, False))
            text, number = rows[ind][m], sheet[ind][sheet_month(m)]
            if suppressed:
                assert (text, number) == ("c", "[c]"), (ind, m, text, number)
                hidden += 1
            elif value is None:
                assert (text, number) == ("", "[x]"), (ind, m, text, number)
            else:
                assert float(text) == value == number and not 1 <= value <= 5, (ind, m)
                checked += 1
    assert checked > 40 and hidden > 0, (checked, hidden)  # 160 children: many hidden


def test_notebooks_read_only_published_tables():
    """Notebooks display pub_ (and validation_ count) tables only: never child-level ones."""
    import json

    notebooks = sorted((ROOT / "pipeline" / "reports").glob("*/notebooks/*.ipynb"))
    assert notebooks
    for nb in notebooks:
        cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
        code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
        names = re.findall(r"read_table\([^,()]+,\s*f?[\"']([^\"']+)[\"']", code)
        assert names, f"{nb.name} reads no table through pipeline.io.read_table"
        assert all(n.startswith(("pub_", "validation_")) for n in names), (nb.name, names)
        assert not re.search(r"read_parquet|read_csv|scan_parquet|core_|raw_", code), nb.name


# ---------------------------------------------------------------- privacy of every artefact


def child_level_values(raw: Path) -> dict[str, set[str]]:
    """Child IDs, dates of birth and postcodes from the raw files."""
    ids, dobs, posts = set(), set(), set()
    for path in raw.rglob("*.csv"):
        with path.open(encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                if row.get("CHILD"):
                    ids.add(row["CHILD"])
                for col in ("DOB", "MC_DOB"):
                    if row.get(col):
                        dobs.add(row[col])
                for col in ("HOME_POST", "PL_POST"):
                    if row.get(col):
                        posts.add(row[col].upper())
    # the CIN census and Annex A: children in need who were never in care too
    for path in raw.rglob("*.xml"):
        text = path.read_text(encoding="utf-8")
        ids |= set(re.findall(r"<LAchildID>([^<]+)</LAchildID>", text))
        dobs |= {
            dt.date.fromisoformat(d).strftime("%d/%m/%Y")
            for d in re.findall(r"<PersonBirthDate>([^<]+)</PersonBirthDate>", text)
        }
    for path in raw.rglob("*.xlsx"):
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        for ws in wb.worksheets:
            for row in ws.iter_rows(min_row=2, max_col=1, values_only=True):
                if row and row[0]:
                    ids.add(str(row[0]))
        wb.close()
    return {"id": ids, "dob": dobs, "postcode": posts}


def published_dates() -> set[dt.date]:
    """Month ends, quarter and year boundaries: published report dates, not birthdays."""
    out = set()
    for year in range(2015, 2026):
        for month in range(1, 13):
            nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
            out |= {nxt - dt.timedelta(days=1), dt.date(year, month, 1)}
    return out | {dt.date(2024, 4, 30)}


def artefact_text(path: Path) -> str:
    if path.suffix in (".html", ".csv", ".json"):  # .json: the output folder's manifest
        text = path.read_text(encoding="utf-8")
        # the inlined Vega library and data: URIs are code and images, not report content
        text = re.sub(r"<script[^>]*>.*?</script>", " ", text, flags=re.S)
        return re.sub(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+", " ", text)
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as z:
            return " ".join(
                z.read(n).decode("utf-8", "ignore") for n in z.namelist() if n.endswith(".xml")
            )
    if path.suffix == ".pdf":
        from pypdf import PdfReader

        return " ".join(page.extract_text() or "" for page in PdfReader(path).pages)
    raise AssertionError(f"no reader for {path}")


def occurrences(words: set[str]) -> re.Pattern:
    """A pattern whose findall() gives the words that occur in a text: one pass over the
    text (a regular expression of the words' trie, tried at every position), instead of
    one substring search per word (thousands of dates of birth and postcodes, megabytes
    of published text). Where one word is a prefix of another found at the same place,
    the longer is reported (either way, something was found)."""
    if not words:
        return re.compile("(?!)")  # never matches
    trie: dict = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def pattern(node: dict) -> str:
        alts = [re.escape(ch) + pattern(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return re.compile("(?=(" + pattern(trie) + "))")


def chart_specs(path: Path) -> str:
    """The Vega-Lite specs (with their embedded data) of every chart in a report."""
    import html as htmlmod

    # single-quoted from the fallback; Quarto's HTML writer re-quotes attributes with "
    text = path.read_text(encoding="utf-8")
    specs = re.findall(r"data-spec='([^']*)'", text) + re.findall(r'data-spec="([^"]*)"', text)
    return " ".join(htmlmod.unescape(s) for s in specs)


def test_no_child_level_value_appears_in_any_published_file(published):
    built = published
    values = child_level_values(built["raw"])
    skip = published_dates()
    dob_patterns = set()
    for dob in values["dob"]:
        day = dt.datetime.strptime(dob, "%d/%m/%Y").date()
        if day not in skip:
            dob_patterns |= {dob, day.isoformat()}
    dobs_in, postcodes_in = occurrences(dob_patterns), occurrences(values["postcode"])
    assert dob_patterns and values["postcode"]
    files = sorted(built["out"].glob("*"))
    kinds = {f.suffix for f in files}
    # the pack's CSV and workbook come from the build, not from a renderer
    assert {".html", ".docx", ".pdf"} | (
        {".csv", ".xlsx"} if built["renderer"] == "pandoc" else set()
    ) <= kinds
    executed = sorted((built["work"] / "build").rglob("*.ipynb"))
    assert executed, "executed notebooks (whose outputs are embedded) not found"
    for f in [*files, *executed]:
        text = artefact_text(f) if f.suffix != ".ipynb" else f.read_text(encoding="utf-8")
        if f.suffix == ".html":
            specs = chart_specs(f)
            assert specs, f"{f.name}: no chart specs found"
            text += " " + specs
        if f.suffix == ".ipynb":
            text = re.sub(r'"image/png": "[^"]*"', " ", text)
        tokens = set(re.findall(r"(?<![\w/.-])[\w/.-]+(?![\w/.-])", text))
        leaked_ids = values["id"] & tokens
        assert not leaked_ids, f"{f.name}: child IDs {sorted(leaked_ids)[:3]}"
        leaked_dobs = set(dobs_in.findall(text))
        assert not leaked_dobs, f"{f.name}: dates of birth {sorted(leaked_dobs)[:3]}"
        upper = text.upper()
        leaked_posts = set(postcodes_in.findall(upper))
        assert not leaked_posts, f"{f.name}: postcodes {sorted(leaked_posts)[:3]}"


# ---------------------------------------------------------------- committee formats


@pytest.mark.parametrize(
    ("doc", "heading"),
    [
        ("iro-annual-report-2023-24", "Profile of children in care"),
        ("performance-pack-2024-03", "Summary"),
        ("csc-performance-report-2023-24-Q4", "Child protection plans"),
    ],
)
def test_docx_and_pdf_committee_papers(published, doc, heading):
    import shutil

    from pypdf import PdfReader
    from test_render import docx_parts

    built = published
    docx = docx_parts(output(built, f"{doc}.docx"))
    assert heading in docx["body"] and docx["tables"] >= 5
    assert docx["media"], "charts as images"
    # every chart has alt text (from the data), and no table sits inside a layout table
    assert docx["images"] >= 5 and len(docx["alt"]) == docx["images"]
    assert all(a.strip() for a in docx["alt"]), docx["alt"]
    assert docx["nesting"] == 1
    captions = [t for style, t in docx["paras"] if style == "ImageCaption"]
    assert len(captions) == docx["images"] and all(re.match(r"Figure \d+: \S", c) for c in captions)
    pdf = output(built, f"{doc}.pdf")
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 5
    assert shutil.which("pdftoppm"), "poppler-utils missing: .ci/run installs it"
    pages_dir = built["work"] / f"pdfpages-{doc}-{built['renderer']}"
    pages_dir.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-r", "20", "-gray", "-l", "5", str(pdf), str(pages_dir / "p")], check=True
    )
    for page in sorted(pages_dir.glob("p*.pgm")):
        pixels = page.read_bytes().split(b"\n", 3)[3]
        assert min(pixels) < 128, f"{page.name} is blank"


# ---------------------------------------------------------------- browser and accessibility


@pytest.mark.browser
@pytest.mark.parametrize(
    "name",
    [
        "iro-annual-report-2023-24",
        "performance-pack-2024-03",
        "iro-annual-report-2022-23",
        "csc-performance-report-2023-24-Q4",
    ],
)
def test_published_report_in_a_real_browser(published, name):
    from test_browser import assert_page_ok, check_page

    report = check_page(output(published, f"{name}.html"), f"{name}-{published['renderer']}")
    assert report.charts >= 3
    assert_page_ok(report)


# ---------------------------------------------------------------- the pack


def test_pack_appendix_csv_and_workbook(built):
    from openpyxl import load_workbook

    csv_path = output(built, "performance-pack-2024-03.csv")
    header = csv_path.read_text(encoding="utf-8").splitlines()[0].split(",")
    months = ["2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"]
    assert header == [
        "indicator_id",
        "title",
        "section",
        "unit",
        "good_is",
        "england",
        "stat_neighbours",
        "target",
        *months,
        "dot",
        "rag",
    ]
    wb = load_workbook(output(built, "performance-pack-2024-03.xlsx"))
    assert wb.sheetnames[:3] == ["Cover", "Contents", "Notes"]
    ws = wb["Table_1"]
    assert ws.freeze_panes is not None
    assert ws.max_row >= 80
    # the figures themselves: children in care at 31 March 2024, counted from the raw
    # episodes without the pipeline, in the CSV, in the workbook and on the page (the
    # Profile section's table and the appendix)
    expected = in_care_on(built["raw"], dt.date(2024, 3, 31))
    assert expected > 5
    assert float(pack_csv(built)["cic_count"]["2024-03"]) == expected
    assert pack_table_1(built)["cic_count"]["March 2024"] == expected
    title = pack_table_1(built)["cic_count"]["Indicator"]
    page = output(built, "performance-pack-2024-03.html").read_text(encoding="utf-8")
    shown = [
        row[heads.index("Mar 2024")]
        for heads, rows in html_tables(page)
        if heads[:2] == ["Indicator", "Mar 2024"]
        for row in rows
        if row[0] == title
    ]
    assert shown == [f"{expected:,}"] * 2, shown


def html_tables(page: str) -> list[tuple[list[str], list[list[str]]]]:
    """Every table of a page as (header cells, body rows of cell texts)."""

    class Tables(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables: list[tuple[list[str], list[list[str]]]] = []
            self.row: list[str] | None = None
            self.cell: list[str] | None = None
            self.head = False

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append(([], []))
            elif tag == "thead":
                self.head = True
            elif tag == "tr":
                self.row = []
            elif tag in ("td", "th"):
                self.cell = []

        def handle_endtag(self, tag):
            if tag == "thead":
                self.head = False
            elif tag in ("td", "th") and self.cell is not None and self.row is not None:
                self.row.append(" ".join("".join(self.cell).split()))
                self.cell = None
            elif tag == "tr" and self.row is not None and self.tables:
                heads, rows = self.tables[-1]
                if self.head:
                    heads.extend(self.row)
                else:
                    rows.append(self.row)
                self.row = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell.append(data)

    parser = Tables()
    parser.feed(page)
    return parser.tables


def test_pack_from_supplied_values_alone(built, tmp_path):
    raw = tmp_path / "raw"
    (raw / "supplied").mkdir(parents=True)
    src = built["raw"] / "supplied" / "indicators.csv"
    (raw / "supplied" / "indicators.csv").write_bytes(src.read_bytes())
    cfg = write_config(tmp_path, raw)
    proc = cli("pack", "--config", str(cfg), "--month", "2024-03")
    assert "supplied values only" in proc.stderr
    html = (tmp_path / "output" / SLUG / "performance-pack-2024-03.html").read_text("utf-8")
    assert "Corporate parenting performance pack" in html
    # every figure in the CSV and the workbook is the supplied one at the indicator's
    # decimals; `c` exactly where it is a count of 1..5 children; blank ([x]) where
    # nothing was supplied (a computed indicator has no records to be computed from)
    from pipeline.params import load_params
    from pipeline.reports.pack import catalogue_path
    from pipeline.reports.pack.catalogue import load_catalogue

    cat = {i.id: i for i in load_catalogue(catalogue_path(load_params(cfg))).indicators}
    with src.open(encoding="utf-8") as f:
        supplied = {(r["indicator_id"], r["month"]): float(r["value"]) for r in csv.DictReader(f)}
    alone = {"out": tmp_path / "output" / SLUG}
    rows, sheet = pack_csv(alone), pack_table_1(alone)
    assert sorted(rows) == sorted(sheet) and len(rows) >= 80
    shown = hidden = blank = 0
    for ind, row in rows.items():
        i = cat[ind]
        for m in ("2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"):
            text, number = row[m], sheet[ind][sheet_month(m)]
            value = supplied.get((ind, m))
            if value is None:
                assert (text, number) == ("", "[x]"), (ind, m)
                blank += 1
            elif i.unit == "No." and i.suppress_small and 1 <= value <= 5:
                assert (text, number) == ("c", "[c]"), (ind, m)
                hidden += 1
            else:
                assert float(text) == number == round(value, i.decimals), (ind, m, text, value)
                shown += 1
    assert shown > 200 and hidden > 0 and blank > 0


# ---------------------------------------------------------------- many authorities


def test_one_failing_authority_does_not_stop_the_others(built, tmp_path):
    good = tmp_path / "good"
    good.mkdir()
    # what is tested is the isolation: the good authority builds unsuppressed, as
    # `disclosure: none` says (suppression is most of a build's time; tested above)
    good_cfg = write_config(good, built["raw"], disclosure="none")
    bad = tmp_path / "bad"
    (bad / "raw").mkdir(parents=True)
    (bad / "raw" / "header.csv").write_text("CHILD,SEX,DOB,ETHNIC\n1,1,01/01/2010,WBRI\n")
    bad_cfg = write_config(bad, bad / "raw")
    proc = cli(
        "build",
        *("--config", str(good_cfg), "--config", str(bad_cfg), "--jobs", "2"),
        *("--renderer", "pandoc"),  # what is tested is the isolation, not the renderer
        check=False,
    )
    assert proc.returncode == 5, proc.stderr
    assert "1 of 2 authorities failed" in proc.stderr
    assert "episodes" in proc.stderr  # the bad authority's one-line reason names the table
    # the good authority's report is complete: its headline is the count from the raw files
    page = (good / "output" / SLUG / "iro-annual-report-2023-24.html").read_text("utf-8")
    expected = in_care_on(built["raw"], dt.date(2024, 3, 31))
    assert f"On 31 March 2024 there were {expected:,} children in care" in visible_text(page)


# ---------------------------------------------------------------- the CSC report


def on_plan_on(raw: Path, day: dt.date) -> int:
    """Children on a CP plan on `day`, from the latest CIN census XML, without the pipeline."""
    from lxml import etree

    path = raw / "cin" / f"cin_census_{day.year}.xml"
    children = set()
    for child in etree.parse(str(path)).iter("Child"):
        cid = child.findtext("ChildIdentifiers/LAchildID")
        for plan in child.iter("ChildProtectionPlans"):
            start = dt.date.fromisoformat(plan.findtext("CPPstartDate"))
            end = plan.findtext("CPPendDate")
            if start <= day and (end is None or dt.date.fromisoformat(end) > day):
                children.add(cid)
    return len(children)


@pytest.mark.parametrize(("year_end", "label"), [(2024, "2023-24 Q4"), (2023, "2022-23 Q4")])
def test_csc_report_for_the_latest_quarter_with_figures_from_the_raw_files(built, year_end, label):
    html = output(built, f"csc-performance-report-{label.replace(' ', '-')}.html").read_text(
        "utf-8"
    )
    text = visible_text(html)
    expected = on_plan_on(built["raw"], dt.date(year_end, 3, 31))
    assert expected > 5
    m = re.search(
        rf"([\d,]+) children were subject to a child protection plan at the end of March {year_end}",
        text,
    )
    assert m, "CP plans summary sentence missing"
    assert int(m.group(1).replace(",", "")) == expected
    for heading in (
        "Referrals: re-referrals",
        "Assessments: timeliness",
        "Children in care: placements",
        "About the data",
    ):
        assert re.search(rf"<h2[^>]*>\s*{re.escape(heading)}", html), heading
    assert html.count('class="vega-chart"') >= 20  # a chart per group
    assert "Indicators supplied by the service, and why" in text


def test_every_published_csc_count_is_zero_above_threshold_or_suppressed(built):
    df = pl.read_parquet(built["work"] / "processed" / "pub_csc_values.parquet")
    for col in ("numerator_count", "denominator_count"):
        assert df.filter(pl.col(col).is_between(1, 5)).is_empty(), col
    assert df.filter(pl.col("is_value_suppressed")).height > 0 and df.height > 1000


def test_csc_command_for_a_chosen_quarter_with_both_renderers(built, tmp_path):
    from pipeline.params import load_params
    from pipeline.publish.render import render

    cfg = write_config(tmp_path, built["raw"])  # its own processed, build and output folders
    proc = cli("csc", "--config", str(cfg), "--quarter", "2023-24 Q2")
    path = tmp_path / "output" / SLUG / "csc-performance-report-2023-24-Q2.html"
    assert str(path) in proc.stdout
    text = visible_text(path.read_text(encoding="utf-8"))
    assert "2023-24 Q2 performance summary" in text
    # the months of the year so far have figures; months after the quarter are blank rows
    m = re.search(
        r"Sep 2023 ([\d,.c–/ ]+?) Oct 2023 Nov 2023 Dec 2023 Jan 2024 Feb 2024 Mar 2024", text
    )
    assert m and re.search(r"\d", m.group(1)), "September has figures and October onwards is blank"
    params = load_params(cfg, year_end=2024, quarter="2023-24 Q2")
    fallback = render(params, "csc-performance-report", renderer="pandoc")
    assert fallback.renderer == "pandoc"
    assert "2023-24 Q2 performance summary" in visible_text(
        fallback.path.read_text(encoding="utf-8")
    )


# ---------------------------------------------------------------- publishable (issue 12)
VALUE = re.compile(r"^(c|–|-|[\d,]+(\.\d+)?%?)$")
MONTHS_ACROSS = [
    "Apr",
    "23",
    "May",
    "23",
    "Jun",
    "23",
    "Jul",
    "23",
    "Aug",
    "23",
    "Sep",
    "23",
    "Oct",
    "23",
    "Nov",
    "23",
    "Dec",
    "23",
    "Jan",
    "24",
    "Feb",
    "24",
    "Mar",
    "24",
]


def pdf_lines(pdf: Path) -> list[str]:
    out = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    )
    return out.stdout.replace("\u00a0", " ").replace("\u2019", "'").splitlines()


def _contains_run(tokens: list[str], run: list[str]) -> bool:
    n = len(run)
    return any(tokens[i : i + n] == run for i in range(len(tokens) - n + 1))


def test_pdf_pack_appendix_every_title_and_six_values_as_separate_tokens(published):
    """Every appendix row prints its title and its six monthly values as separate tokens on
    A4 (no overprinting, no fused numbers), under both PDF paths."""
    from pipeline.reports.pack import view

    appendix = pl.read_parquet(published["work"] / "processed" / "pub_pack_appendix.parquet")
    months = view.month_columns(appendix)
    table = view.appendix_display(appendix)
    lines = pdf_lines(output(published, "performance-pack-2024-03.pdf"))
    text = "\n".join(lines)
    assert "Eng-" not in text and "Tar-" not in text and "neigh-" not in text  # no hyphenation
    start = next(i for i, ln in enumerate(lines) if "Appendix A: all indicators, the latest" in ln)
    body = lines[start:]
    missing = []
    for row in table.rows(named=True):
        latest = row[view.month_title(months[-1])]
        earlier = [row[view.month_title(m)] for m in months[:-1]]
        words = row["Indicator"].split()
        found = False
        for k, ln in enumerate(body):
            tokens = ln.split()
            if (
                tokens[:2] != words[:2]
                or latest not in tokens
                or not _contains_run(tokens, earlier)
            ):
                continue
            # the whole title, wrapped over the lines below, in order
            wrapped = " ".join(" ".join(x.split()) for x in body[k : k + 6])
            if all(w in wrapped for w in words):
                found = True
                break
        if not found:
            missing.append(row["Indicator"])
    assert not missing, f"{len(missing)} appendix rows not readable in the PDF: {missing[:5]}"


def test_pdf_iro_monthly_tables_have_a_token_per_month(published):
    """Each twelve-month table's header has the twelve months apart, and every row its
    twelve values apart (no 'AprMayJun', no '433433')."""
    lines = pdf_lines(output(published, "iro-annual-report-2023-24.pdf"))
    headers = [i for i, ln in enumerate(lines) if _contains_run(ln.split(), MONTHS_ACROSS)]
    assert len(headers) >= 10, "twelve-month tables not found with their months apart"
    checked = 0
    for i in headers:
        for ln in lines[i + 1 :]:
            if not ln.strip():
                break
            tokens = ln.split()
            values = [t for t in tokens if VALUE.match(t)]
            if not values:
                continue  # a wrapped row label
            assert len(tokens) >= 13 and all(VALUE.match(t) for t in tokens[-12:]), ln
            checked += 1
    assert checked >= 30


def test_figures_shown_by_both_products_agree(built):
    """Every figure the IRO report and the pack both show is the same number for the same
    month: children in care, UASC, the rates, and escalations concluded in the year."""
    processed = built["work"] / "processed"
    pack = pl.read_parquet(processed / "pub_pack_values.parquet")
    iro = pl.read_parquet(processed / "pub_cic_monthly.parquet").filter(
        pl.col("year_label") == "2023-24"
    )

    def pack_month(ind: str) -> dict:
        rows = pack.filter(pl.col("indicator_id") == ind)
        return {
            m: (v, s) for m, v, s in rows.select("month", "value", "is_value_suppressed").rows()
        }

    pairs = [
        ("cic_count", "children_count", 0),
        ("uasc_count", "uasc_count", 0),
        ("cic_rate", "rate_per_10k", 0),
        ("cic_rate_excl_uasc", "non_uasc_rate_per_10k", 0),
        ("uasc_pct", "uasc_pct", 0),
    ]
    compared = 0
    for ind, col, dec in pairs:
        values = pack_month(ind)
        for r in iro.rows(named=True):
            month = r["month_end_date"].strftime("%Y-%m")
            if month not in values or r[f"is_{col}_suppressed"] or values[month][1]:
                continue
            # the same figure, at the precision both publish (the IRO report's rates are whole)
            assert round(values[month][0], dec) == round(r[col], dec), (ind, month)
            compared += 1
    assert compared >= 50
    stages = pl.read_parquet(processed / "pub_escalations_by_stage.parquet")
    total = stages.filter(pl.col("stage_code") == "Total").row(0, named=True)
    closed = pack.filter(
        (pl.col("indicator_id") == "iro_escalations_closed_count")
        & pl.col("month").is_between(pl.lit("2023-04"), pl.lit("2024-03"))
    )
    if not closed["is_value_suppressed"].any() and not total["is_escalations_count_suppressed"]:
        assert closed["value"].sum() == total["escalations_count"]  # pre-escalations in neither


def test_pack_sentences_never_contradict_the_table_in_any_month(built):
    """Headlines for six months, built from the sample's records: each sentence's
    up / down / unchanged is the table's movement, and its better / worse the DOT's."""
    from pipeline.io import read_table
    from pipeline.params import load_params
    from pipeline.reports.pack import build_pack
    from pipeline.reports.pack.rag import dot, movement

    params = load_params(built["cfg"])
    processed = built["work"] / "processed"
    core = {p.stem: read_table(processed, p.stem) for p in processed.glob("core_*.parquet")}
    checked = 0
    for month in ("2023-10", "2023-11", "2023-12", "2024-01", "2024-02", "2024-03"):
        pack = build_pack(
            params,
            month=month,
            catalogue_path=ROOT / "pipeline" / "reports" / "pack" / "indicators.yml",
            supplied_path=built["raw"] / "supplied" / "indicators.csv",
            core=core,
        )
        rows = {r["indicator_id"]: r for r in pack.appendix.rows(named=True)}
        latest, previous = pack.months[-1], pack.months[-2]
        for ind, text in pack.headlines.select("indicator_id", "text").rows():
            r = rows[ind]
            if ind == "cic_count":
                change = "risen" if "risen" in text else "fallen" if "fallen" in text else "same"
                move = movement(r[latest], r[previous], 0)
                assert {"risen": "up", "fallen": "down", "same": "same"}[change] == move, text
                continue
            m = re.search(r"This is (up|down) from|This is (unchanged)", text)
            if m is None:
                continue  # no figure for one of the months: nothing compared
            said = m.group(1) or "same"
            assert said == movement(r[latest], r[previous], r["decimals"]), (month, text)
            status = dot(r[latest], r[previous], r["good_is"], r["decimals"])
            if "which is better" in text:
                assert status == "Improving", text
            elif "which is worse" in text:
                assert status == "Worsening", text
            else:
                assert status in ("Same", "", "n/a"), text
            checked += 1
    assert checked >= 40


@pytest.mark.browser
@pytest.mark.parametrize("name", ["iro-annual-report-2023-24", "performance-pack-2024-03"])
def test_latest_month_in_view_and_readable_charts(published, name):
    """At 1280 px the latest month of every monthly table shows without scrolling sideways;
    at 360 px the pack's tables lead with indicator, latest value, DOT and RAG, all in view;
    chart text is at least 11 px at both widths."""
    from layout import check_layout

    layout = check_layout(output(published, f"{name}.html"))
    assert layout.monthly_tables >= (10 if name.startswith("iro") else 10)
    assert layout.latest_hidden == [], layout.latest_hidden
    assert min(layout.chart_text_px.values()) >= 11, layout.chart_text_px
    if name.startswith("performance-pack"):
        sections = [t for t in layout.first_columns if t["heads"][:1] == ["Indicator"]]
        assert len(sections) >= 10  # nine sections and the appendix
        for t in sections:
            assert t["heads"][0] == "Indicator" and t["heads"][2:4] == ["DOT", "RAG"], t
            assert re.match(r"^[A-Z][a-z]{2} \d{4}$", t["heads"][1]), t
            assert t["right"] <= 360, t


def test_pack_explains_itself(published):
    """Per indicator its definition and source, numerator / denominator beside computed
    percentages, the extract date, named neighbours, a glossary of every abbreviation the
    page uses, last year and year to date, RAG as a coloured tag with its word, and the
    target and England lines on the charts."""
    from pipeline.params import load_params
    from pipeline.publish.glossary import ABBREVIATIONS, unknown_in, used_in
    from pipeline.publish.narrative import neighbours_sentence
    from pipeline.reports.pack.view import nd_text, source_text

    page = html_unescape(output(published, "performance-pack-2024-03.html").read_text("utf-8"))
    text = visible_text(page)
    appendix = pl.read_parquet(published["work"] / "processed" / "pub_pack_appendix.parquet")
    params = load_params(published["cfg"])
    extract = "30 April 2024"
    assert f"extracted {extract}" in text
    rows = appendix.to_dicts()
    defined = [r for r in rows if r["definition"]]
    assert len(defined) >= 80
    flat = " ".join(text.replace("\u2019", "'").split())  # typographic apostrophes
    missing = [r["indicator_id"] for r in defined if " ".join(r["definition"].split()) not in flat]
    assert not missing, missing[:5]
    # written for readers: no table or indicator identifiers ("As foster_pct, ...")
    named = [
        r["indicator_id"] for r in defined if re.search(r"\b[a-z]+_[a-z0-9_]+", r["definition"])
    ]
    assert not named, named
    for r in rows:
        assert source_text(r, extract) in flat, r["indicator_id"]
    shown = [r for r in rows if r["numerator_count"] is not None and r["unit"] == "%"]
    assert len(shown) >= 10  # "321 / 337" beside percentages
    for r in shown:
        assert nd_text(r).replace("\u00a0", " ") in text.replace("\u00a0", " ")
    assert neighbours_sentence(params) in flat and "Cornwall" in flat
    glossary = flat[flat.rindex("Glossary") :]
    assert unknown_in([text]) == []
    for abbr, meaning in used_in([text]):
        assert abbr in glossary and meaning in glossary, abbr
    assert {"UASC", "IHA", "RAG", "DOT"} <= {a for a, _ in used_in([text])}
    assert set(ABBREVIATIONS) >= {"PEP", "SDQ", "EHCP", "NEET", "OC3", "FTA", "ADM"}
    assert "last year" in text and "Year to date" in text
    for word, tag in (("Red", "rag-red"), ("Amber", "rag-amber"), ("Green", "rag-green")):
        n = sum(1 for r in rows if r["rag"].endswith(word))
        assert n and page.count(f'class="rag {tag}"') >= n, word  # every status tagged
    targets = sum(1 for r in rows if r["target"] is not None)
    assert targets and page.count('"reference":"Target"') >= 5
    assert page.count('"reference":"England"') >= 3
