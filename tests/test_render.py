"""Rendering without Quarto: a tiny executed notebook + a tiny report, to html/docx/pdf.

`make_fixture(tmp_path)` is reused by tests/test_browser.py.
"""

from __future__ import annotations

import base64
import datetime as dt
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import polars as pl
import pytest

from pipeline.params import Authority, Paths, Population, RunParams
from pipeline.publish import charts, present
from pipeline.publish.render import RenderError, render
from pipeline.publish.render.shortcodes import EMBED, INCLUDE, find_cell
from pipeline.run.notebooks import executed_dir

ROOT = Path(__file__).resolve().parents[1]

REPORT = """---
title: "Independent Reviewing Officer annual report"
subtitle: "{{< var authority >}}, {{< var year_label >}}"
date: "{{< var extract_date >}}"
---

{{< include sections/one.qmd >}}

## Charts

{{< embed ../notebooks/demo.ipynb#fig-trend >}}
"""

SECTION = """## Children in care

Prose written by the service for {{< meta subtitle >}}.

{{< embed ../notebooks/demo.ipynb#tbl-demo >}}

{{< include /report/narrative/bit.md >}}

{{< embed ../notebooks/demo.ipynb#tbl-monthly >}}
"""


def _trend() -> pl.DataFrame:
    months = [dt.date(2023, 4, 30), dt.date(2023, 5, 31), dt.date(2023, 6, 30)]
    return pl.DataFrame(
        {
            "month_end_date": months,
            "children": [433, 460, 449],
            "is_children_suppressed": [False] * 3,
        }
    )


def _outputs_table() -> list:
    df = pl.DataFrame(
        {"area": ["Health", "Education", "Contact"], "n": [12, None, 7]}
    ).with_columns(is_n_suppressed=pl.col("n").is_null())
    md = present.table_markdown(
        df, caption="Escalations by area", columns={"area": "Area", "n": "Escalations"}
    )
    return [nbformat.v4.new_output("display_data", data={"text/markdown": md})]


def _outputs_monthly() -> list:
    """Twelve months across: wider than a phone, so it must scroll inside its region."""
    months = [dt.date(2023 + (m > 12), (m - 1) % 12 + 1, 28) for m in range(4, 16)]
    rows = [
        (area, m, 100 + i)
        for area in ("Reviews on time", "Reviews late")
        for i, m in enumerate(months)
    ]
    df = pl.DataFrame(rows, schema=["measure", "month_end_date", "n"], orient="row")
    md = present.monthly_table_markdown(df, row="measure", value="n", caption="Reviews by month")
    return [nbformat.v4.new_output("display_data", data={"text/markdown": md})]


def _outputs_chart() -> list:
    df = _trend()
    chart = charts.line_chart(
        df,
        x="month_end_date",
        y="children",
        title="Children in care at each month end",
        x_title="Month end",
        y_title="Children (number)",
    )
    alt = charts.alt_text_trend(df, x="month_end_date", y="children", what="children in care")
    data, metadata = present.chart_bundle(chart, alt_text=alt, label="fig-trend")
    return [nbformat.v4.new_output("display_data", data=data, metadata=metadata)]


def make_fixture(tmp_path: Path) -> RunParams:
    """A project root with _quarto.yml, a tiny report and an executed notebook."""
    root = tmp_path / "project"
    (root / "report" / "sections").mkdir(parents=True)
    (root / "report" / "narrative").mkdir()
    shutil.copyfile(ROOT / "_quarto.yml", root / "_quarto.yml")
    (root / "report" / "iro-annual-report.qmd").write_text(REPORT)
    (root / "report" / "sections" / "one.qmd").write_text(SECTION)
    (root / "report" / "narrative" / "bit.md").write_text("A narrative paragraph.\n")
    params = RunParams(
        authority=Authority(name="Wessex Vale Council", old_la_code="999", new_la_code="E06999999"),
        year_end=2024,
        extract_date=dt.date(2024, 4, 30),
        population=Population(children_0_17=66000),
        paths=Paths(),
        root=root,
    )
    nb = nbformat.v4.new_notebook()
    cells = (
        ("tbl-demo", _outputs_table()),
        ("tbl-monthly", _outputs_monthly()),
        ("fig-trend", _outputs_chart()),
    )
    for label, outputs in cells:
        cell = nbformat.v4.new_code_cell(f"#| label: {label}\npass")
        cell.outputs = outputs
        nb.cells.append(cell)
    out = executed_dir(params)
    out.mkdir(parents=True)
    nbformat.write(nb, out / "demo.ipynb")
    return params


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    params = make_fixture(tmp_path_factory.mktemp("render"))
    return params, render(
        params, "iro-annual-report", sources=params.root / "report", to="html", renderer="pandoc"
    )


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict]]:
    p = _Tags()
    p.feed(html)
    return p.tags


def test_html_is_one_self_contained_file(rendered):
    params, result = rendered
    assert result.renderer == "pandoc"
    assert (
        result.path == params.output_dir / "wessex-vale-council" / "iro-annual-report-2023-24.html"
    )
    html = result.path.read_text()
    for tag, attrs in _tags(html):
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"(https?:)?//", value), f"<{tag} {key}={value}> is fetched"
        assert not (tag == "link" and attrs.get("rel") == "stylesheet"), "stylesheet not inlined"
    assert html.count('id="cic-vega-bundle"') == 1
    assert html.count("<script") == 1
    assert "Rendered with pandoc fallback" in html


def test_html_structure(rendered):
    html = rendered[1].path.read_text()
    tags = _tags(html)
    assert '<html lang="en-GB"' in html
    assert [t for t, _ in tags].count("h1") == 1
    assert re.search(r"<h1[^>]*>Independent Reviewing Officer annual report</h1>", html)
    assert "Wessex Vale Council, 2023-24" in html  # var substituted at stage time
    assert "Prose written by the service for Wessex Vale Council, 2023-24." in html  # meta
    assert "A narrative paragraph." in html  # nested include with project-absolute path
    for landmark in ("header", "nav", "main", "footer"):
        assert any(t == landmark for t, _ in tags), landmark
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert 'href="#children-in-care"' in nav and 'href="#charts"' in nav
    assert "<caption>Escalations by area</caption>" in html
    assert re.search(r'<td style="text-align: right;">c</td>', html)
    assert 'role="region"' in html and 'class="table-scroll"' in html
    assert 'class="vega-chart" id="chart-fig-trend"' in html
    assert "{{<" not in html


def test_html_is_reproducible(tmp_path, rendered):
    params = make_fixture(tmp_path)
    again = render(
        params, "iro-annual-report", sources=params.root / "report", to="html", renderer="pandoc"
    )
    assert again.path.read_bytes() == rendered[1].path.read_bytes()


def test_missing_embed_label_is_one_line_error(tmp_path):
    params = make_fixture(tmp_path)
    section = params.root / "report" / "sections" / "one.qmd"
    section.write_text(section.read_text().replace("#tbl-demo", "#tbl-nope"))
    with pytest.raises(RenderError) as exc:
        render(
            params,
            "iro-annual-report",
            sources=params.root / "report",
            to="html",
            renderer="pandoc",
        )
    msg = str(exc.value)
    assert "\n" not in msg
    assert "report/sections/one.qmd" in msg and "demo.ipynb" in msg and "tbl-nope" in msg


def test_missing_include_is_one_line_error(tmp_path):
    params = make_fixture(tmp_path)
    (params.root / "report" / "sections" / "one.qmd").unlink()
    with pytest.raises(RenderError, match=r"include sections/one.qmd: file not found"):
        render(
            params,
            "iro-annual-report",
            sources=params.root / "report",
            to="html",
            renderer="pandoc",
        )


def test_final_refuses_placeholder_narrative(tmp_path):
    params = make_fixture(tmp_path)
    (params.root / "report" / "narrative" / "bit.md").write_text("**Service to edit:** x\n")
    with pytest.raises(RenderError, match="placeholder"):
        render(
            params,
            "iro-annual-report",
            sources=params.root / "report",
            to="html",
            renderer="pandoc",
            final=True,
        )


def test_docx(tmp_path):
    import zipfile

    params = make_fixture(tmp_path)
    result = render(
        params, "iro-annual-report", sources=params.root / "report", to="docx", renderer="pandoc"
    )
    assert result.path.suffix == ".docx"
    with zipfile.ZipFile(result.path) as z:
        names = z.namelist()
        body = z.read("word/document.xml").decode()
    assert any(n.startswith("word/media/") and n.endswith(".png") for n in names)
    assert "Escalations by area" in body
    assert "children in care rose from 433 in April 2023" in body  # chart alt text


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils not installed")
def test_pdf_pages_are_not_blank(tmp_path):
    from pypdf import PdfReader

    params = make_fixture(tmp_path)
    result = render(
        params, "iro-annual-report", sources=params.root / "report", to="pdf", renderer="pandoc"
    )
    reader = PdfReader(result.path)
    text = "".join(page.extract_text() or "" for page in reader.pages)
    assert "Escalations by area" in text
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", str(result.path), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.pgm"))
    assert len(pages) == len(reader.pages) >= 1
    for page in pages:
        pixels = page.read_bytes().split(b"\n", 3)[3]  # P5 header: magic, size, maxval
        assert min(pixels) < 128, f"{page.name} is blank"


# ---------------------------------------------------------------- the real report sources
def _embeds(text: str) -> list[str]:
    return [m.group(1) for m in EMBED.finditer(text)]


REPORTS = ROOT / "pipeline" / "reports"


def test_every_embed_in_the_report_names_a_labelled_cell():
    sources = sorted(REPORTS.glob("*/report/*.qmd")) + sorted(
        REPORTS.glob("*/report/sections/*.qmd")
    )
    assert sources
    problems = []
    for src in sources:
        for ref in _embeds(src.read_text()):
            nb_ref, _, label = ref.partition("#")
            found = sorted(REPORTS.glob(f"*/notebooks/{Path(nb_ref).name}"))
            nb = found[0] if found else REPORTS / "notebooks" / Path(nb_ref).name
            if not label:
                problems.append(f"{src.name}: {ref} names no cell")
            elif not nb.is_file():
                problems.append(f"{src.name}: {ref}: notebooks/{nb.name} does not exist")
            elif find_cell(nbformat.read(nb, as_version=4), label) is None:
                problems.append(f"{src.name}: {ref}: no cell labelled {label}")
    assert not problems, "; ".join(problems)


def test_every_include_in_the_report_exists():
    main = REPORTS / "iro" / "report" / "iro-annual-report.qmd"
    missing = []
    for src in [main, *sorted((main.parent / "sections").glob("*.qmd"))]:
        for m in INCLUDE.finditer(src.read_text()):
            ref = m.group(1)
            target = ROOT / ref.lstrip("/") if ref.startswith("/") else main.parent / ref
            if not target.is_file():
                missing.append(f"{src.name}: {ref}")
    assert not missing, (
        "includes resolve from report/ (Quarto pastes them into the main file); "
        f"use /report/narrative/<file>.md: {missing}"
    )


@pytest.mark.skipif(shutil.which("quarto") is None, reason="Quarto CLI not installed")
def test_quarto_renders_the_fixture(tmp_path):
    params = make_fixture(tmp_path)
    result = render(
        params, "iro-annual-report", sources=params.root / "report", to="html", renderer="quarto"
    )
    html = result.path.read_text()
    assert result.renderer == "quarto"
    assert "Rendered with Quarto" in html
    assert html.count('id="cic-vega-bundle"') == 1
    for tag, attrs in _tags(html):
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not (tag in ("script", "link", "img") and re.match(r"(https?:)?//", value))
