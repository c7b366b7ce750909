"""Rendering a tiny executed notebook + a tiny report to html/docx/pdf, with each renderer.

Every test taking `renderer` (or `rendered`) runs under the pandoc fallback and under
Quarto; the Quarto cases skip without Quarto on PATH and fail so under CI=true.
`make_fixture(tmp_path)` is reused by tests/test_browser.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import polars as pl
import pytest
from conftest import RENDERERS, require_quarto, use_renderer
from shared_data import need_tool

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


def _run_metadata(nb, stamp: str, where: Path) -> None:
    """What papermill and ipykernel leave in an executed notebook: run times, paths."""
    nb.metadata["papermill"] = {
        "start_time": f"{stamp}T10:00:00.000001+00:00",
        "end_time": f"{stamp}T10:00:09.000001+00:00",
        "duration": 9.0,
        "input_path": str(where / "demo.ipynb"),
        "output_path": str(where / "build" / "demo.ipynb"),
        "parameters": {"config_path": str(where / "config.yml")},
    }
    for n, cell in enumerate(nb.cells):
        cell.execution_count = n + 1
        cell.metadata["papermill"] = {
            "start_time": f"{stamp}T10:00:0{n}.5+00:00",
            "end_time": f"{stamp}T10:00:0{n}.9+00:00",
            "duration": 0.4,
            "exception": False,
            "status": "completed",
        }
        cell.metadata["execution"] = {"iopub.execute_input": f"{stamp}T10:00:0{n}.6Z"}
        cell.metadata["tags"] = []
        cell.outputs.append(nbformat.v4.new_output("stream", name="stdout", text=f"ran {stamp}\n"))


def make_fixture(tmp_path: Path, *, stamp: str = "2024-05-01") -> RunParams:
    """A project root with _quarto.yml, a tiny report and an executed notebook.

    The notebook carries run metadata as papermill writes it (times from `stamp`, absolute
    paths under `tmp_path`), which must not reach the published file.
    """
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
    _run_metadata(nb, stamp, tmp_path)
    out = executed_dir(params)
    out.mkdir(parents=True)
    nbformat.write(nb, out / "demo.ipynb")
    return params


def render_fixture(params: RunParams, renderer: str, to: str = "html", **kw):
    return render(
        params, "iro-annual-report", sources=params.root / "report", to=to, renderer=renderer, **kw
    )


@pytest.fixture(scope="module", params=RENDERERS)
def rendered(request, tmp_path_factory):
    """(params, result) of the fixture report rendered to HTML by each renderer."""
    renderer = use_renderer(request.param)
    params = make_fixture(tmp_path_factory.mktemp(f"render-{renderer}"))
    return params, render_fixture(params, renderer)


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


def _text(fragment: str) -> str:
    """Visible text of an HTML fragment, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", fragment).split())


def _without_scripts(html: str) -> str:
    return re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)


# What each renderer's HTML says about itself: Quarto's generator tag and our colophon.
MADE_BY = {
    "quarto": (r'<meta name="generator" content="quarto-1\.7', r"rendered with Quarto 1\.7"),
    "pandoc": (r'<meta name="generator" content="cic-reports \(pandoc', r"rendered with pandoc 3"),
}


def test_html_is_one_self_contained_file(rendered):
    params, result = rendered
    assert result.path == (
        params.output_dir / "wessex-vale-council-e06999999" / "iro-annual-report-2023-24.html"
    )
    html = result.path.read_text()
    for tag, attrs in _tags(html):
        for key in ("src", "href"):
            value = attrs.get(key) or ""
            assert not re.match(r"(https?:)?//", value), f"<{tag} {key}={value}> is fetched"
        if tag == "link" and attrs.get("rel") == "stylesheet":
            assert (attrs.get("href") or "").startswith("data:"), "stylesheet not inlined"
    # Quarto 1.7 adds these from a CDN for any text/html notebook output (issue 11, 2)
    for injected in ("require.min.js", "jquery.min.js", "define('jquery'", "cdnjs"):
        assert injected not in html, injected
    assert html.count('id="cic-vega-bundle"') == 1
    if result.renderer == "pandoc":
        assert html.count("<script") == 1


def test_each_renderer_publishes_the_file_it_just_wrote(rendered):
    params, result = rendered
    generator, colophon = MADE_BY[result.renderer]
    expected = {
        "quarto": "_output/report/iro-annual-report.html",
        "pandoc": "_output/iro-annual-report.html",
    }
    assert result.built.as_posix().endswith("/stage/" + expected[result.renderer])
    assert result.path.read_bytes() == result.built.read_bytes()
    html = result.path.read_text()
    assert re.search(generator, html) and re.search(colophon, html)
    assert result.seconds > 0
    assert result.summary().startswith(
        f"rendered iro-annual-report-2023-24.html with {result.renderer} (asked for) in "
    )


def test_quarto_after_the_fallback_publishes_quartos_file(tmp_path):
    """Issue 11, 1: an earlier fallback file in the stage must never be published as Quarto's."""
    require_quarto()
    params = make_fixture(tmp_path)
    first = render_fixture(params, "pandoc")
    assert re.search(MADE_BY["pandoc"][0], first.path.read_text())
    second = render_fixture(params, "quarto")
    html = second.path.read_text()
    assert second.renderer == "quarto"
    assert re.search(MADE_BY["quarto"][0], html) and re.search(MADE_BY["quarto"][1], html)
    assert not re.search(MADE_BY["pandoc"][1], html)
    assert second.path.read_bytes() == second.built.read_bytes()
    assert not first.built.exists(), "the fallback's file was left in _output"
    back = render_fixture(params, "pandoc")
    assert re.search(MADE_BY["pandoc"][1], back.path.read_text())


def test_html_structure(rendered):
    html = rendered[1].path.read_text()
    tags = _tags(html)
    ids = {a["id"] for _, a in tags if a.get("id")}
    assert '<html lang="en-GB"' in html or re.search(r'<html[^>]* lang="en-GB"', html)
    assert [t for t, _ in tags].count("h1") == 1
    assert re.search(r"<h1[^>]*>Independent Reviewing Officer annual report</h1>", html)
    assert "Wessex Vale Council, 2023-24" in html  # var substituted at stage time
    assert "Prose written by the service for Wessex Vale Council, 2023-24." in html  # meta
    assert "A narrative paragraph." in html  # nested include with project-absolute path
    for landmark in ("header", "nav", "main", "footer"):
        assert any(t == landmark for t, _ in tags), landmark
    nav = html[html.index("<nav") : html.index("</nav>")]
    assert 'href="#children-in-care"' in nav and 'href="#charts"' in nav
    assert re.search(r'<td style="text-align: right;">c</td>', html)
    assert 'class="vega-chart" id="chart-fig-trend"' in html
    assert "{{<" not in html
    # The skip link is the first link and goes past the contents to the body text
    links = [a["href"] for t, a in tags if t == "a" and a.get("href")]
    assert _text(html[html.index('class="skip-link"') :].split("</a>")[0] + "</a>")
    skip = links[0]
    assert skip.startswith("#") and skip[1:] in ids
    assert html.index(f'id="{skip[1:]}"') > html.index("</nav>")
    # Every link leads somewhere in this file: no "Other Formats" to files not published
    assert "quarto-alternate-formats" not in html and "Other Formats" not in html
    for href in links:
        assert href.startswith("#") and href[1:] in ids, f"link to {href} goes nowhere"


def test_captions_and_table_regions_come_from_the_data(rendered):
    """Issue 11, 3 and 5: numbered captions; each scroll region named from its table's caption."""
    html = _without_scripts(rendered[1].path.read_text())
    captions = [
        _text(c) for c in re.findall(r"<(?:fig)?caption\b.*?</(?:fig)?caption>", html, re.S)
    ]
    assert "Table 1: Escalations by area" in captions
    assert "Table 2: Reviews by month" in captions
    assert "Figure 1: Children in care at each month end" in captions
    assert not [c for c in captions if re.fullmatch(r"(Figure|Table) \d+:?", c)], captions
    regions = re.findall(
        r'<div class="table-scroll" role="region" tabindex="0" aria-label="([^"]*)"', html
    )
    assert regions == ["Escalations by area", "Reviews by month"]
    # the chart's title is its caption, so it is not drawn a second time inside the chart
    spec = re.search(r"data-spec='([^']*)'|data-spec=\"([^\"]*)\"", html)
    import html as htmlmod

    drawn = json.loads(htmlmod.unescape(spec.group(1) or spec.group(2)))
    assert "title" not in drawn
    alt = "Line chart: children in care rose from 433 in April 2023 to 449 in June 2023"
    assert re.search(rf'role="img" aria-label="{alt}', html)


def test_renderer_is_named_only_in_the_colophon(rendered):
    params, result = rendered
    html = _without_scripts(result.path.read_text())
    html = re.sub(r"<meta [^>]*>", " ", html)
    footer = re.search(r'<footer class="report-footer colophon">(.*?)</footer>', html, re.S)
    assert footer, "no colophon"
    line = _text(footer.group(1))
    assert line.startswith("About this document. Produced by cic-reports from Wessex Vale Council")
    assert "records extracted 30 April 2024" in line
    name = {"quarto": "Quarto", "pandoc": "pandoc"}[result.renderer]
    assert f"rendered with {name}" in line
    rest = _text(html.replace(footer.group(0), " "))
    assert not re.search(r"\b(quarto|pandoc|fallback)\b", rest, re.I), rest


def test_html_is_reproducible(tmp_path, rendered):
    """Issue 11, 8: another run, other times and another folder give the same bytes."""
    params, result = rendered
    again = render_fixture(make_fixture(tmp_path, stamp="2025-01-02"), result.renderer)
    html = again.path.read_text()
    assert "2025-01-02" not in html and str(tmp_path) not in html and "papermill" not in html
    assert again.path.read_bytes() == result.path.read_bytes()


def test_missing_embed_label_is_one_line_error(tmp_path, renderer):
    params = make_fixture(tmp_path)
    section = params.root / "report" / "sections" / "one.qmd"
    section.write_text(section.read_text().replace("#tbl-demo", "#tbl-nope"))
    with pytest.raises(RenderError) as exc:
        render_fixture(params, renderer)
    msg = str(exc.value)
    assert "\n" not in msg
    assert "report/sections/one.qmd" in msg and "demo.ipynb" in msg and "tbl-nope" in msg


def test_unresolved_cross_reference_is_a_warning(tmp_path, renderer):
    """Issue 11, 9: the renderer's warnings reach the caller (and the CLI prints them)."""
    params = make_fixture(tmp_path)
    section = params.root / "report" / "sections" / "one.qmd"
    section.write_text(section.read_text() + "\nAs @tbl-demo shows, and @tbl-gone does not.\n")
    result = render_fixture(params, renderer)
    assert result.warnings == ("Unable to resolve crossref @tbl-gone",)


def test_quarto_warnings_are_filtered_only_of_named_harmless_ones(monkeypatch):
    from pipeline.publish.render import quarto

    assert all(reason.strip() for _, reason in quarto.HARMLESS)
    harmless = (re.compile(r"^Harmless thing"), "a reason")
    monkeypatch.setattr(quarto, "HARMLESS", (*quarto.HARMLESS, harmless))
    log = (
        "\x1b[33mWARNING (/q/filters/x.lua:188) Unable to parse table from raw html block\x1b[39m\n"
        "[WARNING] Could not fetch resource https://example.org/x.js: HttpExceptionRequest\n"
        '    host = "example.org"\n'
        "WARNING: Unable to resolve crossref @fig-x\n"
        "WARNING: Harmless thing happened\n"
        "Output created: ../_output/report/x.html\n"
    )
    shown, hidden = quarto.warnings_in(log)
    assert shown == [
        "Unable to parse table from raw html block",
        "Could not fetch resource https://example.org/x.js: HttpExceptionRequest",
        "Unable to resolve crossref @fig-x",
    ]
    assert hidden == ["Harmless thing happened"]


def test_cli_prints_the_render_time_and_warnings(tmp_path, capsys, renderer):
    from pipeline.run.cli import say_rendered

    params = make_fixture(tmp_path)
    section = params.root / "report" / "sections" / "one.qmd"
    section.write_text(section.read_text() + "\nSee @fig-gone.\n")
    say_rendered(render_fixture(params, renderer))
    err = capsys.readouterr().err
    assert re.search(
        rf"rendered iro-annual-report-2023-24\.html with {renderer} \(asked for\) in \d+\.\d s", err
    )
    assert f"warning ({renderer}): Unable to resolve crossref @fig-gone" in err


def test_missing_include_is_one_line_error(tmp_path):
    params = make_fixture(tmp_path)
    (params.root / "report" / "sections" / "one.qmd").unlink()
    with pytest.raises(RenderError, match=r"include sections/one.qmd: file not found"):
        render_fixture(params, "pandoc")


def _break_section(params, old: str, new: str) -> None:
    section = params.root / "report" / "sections" / "one.qmd"
    assert old in section.read_text()
    section.write_text(section.read_text().replace(old, new))


def _break_main(params, old: str, new: str) -> None:
    main = params.root / "report" / "iro-annual-report.qmd"
    assert old in main.read_text()
    main.write_text(main.read_text().replace(old, new))


@pytest.mark.parametrize(
    ("breakage", "expected"),
    [
        (
            lambda p: _break_section(
                p, "{{< include /report/narrative/bit.md >}}", "{{< include sections/one.qmd >}}"
            ),
            "report/sections/one.qmd: include sections/one.qmd: includes itself",
        ),
        (
            lambda p: _break_section(p, "demo.ipynb#tbl-demo", "demo.ipynb"),
            "report/sections/one.qmd: embed ../notebooks/demo.ipynb: name a cell "
            "(notebook.ipynb#label)",
        ),
        (
            lambda p: _break_section(p, "demo.ipynb#tbl-demo", "other.ipynb#tbl-demo"),
            "report/sections/one.qmd: embed ../notebooks/other.ipynb#tbl-demo: notebook "
            "notebooks/other.ipynb not found (run the notebooks first)",
        ),
        (
            lambda p: _break_main(p, REPORT.split("---")[1], "\n- a list\n- not a mapping\n"),
            "report/iro-annual-report.qmd: front matter is not a mapping",
        ),
        (
            lambda p: _break_main(p, 'date: "{{< var extract_date >}}"', "date: [unclosed"),
            # line 4 of the file opens a `[` the front matter never closes (line 5 is `---`)
            "report/iro-annual-report.qmd: front matter line 5: not valid YAML (expected ',' "
            "or ']', but got '<stream end>'; the flow sequence began on line 4)",
        ),
    ],
    ids=[
        "include-loop",
        "embed-without-label",
        "embed-missing-notebook",
        "front-matter-list",
        "front-matter-yaml",
    ],
)
def test_a_broken_report_source_is_one_line_naming_the_file(tmp_path, breakage, expected):
    """What a newcomer adding a report meets first (the fallback's own checks; Quarto's
    messages are its own)."""
    params = make_fixture(tmp_path)
    breakage(params)
    with pytest.raises(RenderError) as exc:
        render_fixture(params, "pandoc")
    assert "\n" not in str(exc.value)
    assert expected in str(exc.value)


def test_final_refuses_placeholder_narrative(tmp_path):
    params = make_fixture(tmp_path)
    (params.root / "report" / "narrative" / "bit.md").write_text("**Service to edit:** x\n")
    with pytest.raises(RenderError, match="placeholder"):
        render_fixture(params, "pandoc", final=True)


def docx_parts(path: Path) -> dict:
    """What a reader of the DOCX gets: images' alt text, paragraphs with their styles, tables."""
    import zipfile

    with zipfile.ZipFile(path) as z:
        names = z.namelist()
        body = z.read("word/document.xml").decode()
    paras = []
    for p in re.findall(r"<w:p>.*?</w:p>|<w:p .*?</w:p>", body, flags=re.S):
        style = re.search(r'<w:pStyle w:val="([^"]+)"', p)
        text = "".join(re.findall(r"<w:t[^>]*>([^<]*)</w:t>", p))
        paras.append((style.group(1) if style else "", text))
    depth, deepest = 0, 0
    for tag in re.findall(r"<w:tbl>|</w:tbl>", body):
        depth += 1 if tag == "<w:tbl>" else -1
        deepest = max(deepest, depth)
    return {
        "media": [n for n in names if n.startswith("word/media/")],
        "alt": re.findall(r'<wp:docPr [^>]*descr="([^"]*)"', body),
        "images": body.count("<wp:docPr "),
        "paras": paras,
        "tables": body.count("<w:tbl>"),
        "nesting": deepest,
        "body": body,
    }


def test_docx(tmp_path, renderer):
    """Issue 11, 4: every chart has its alt text; floats are not wrapped in layout tables."""
    params = make_fixture(tmp_path)
    result = render_fixture(params, renderer, to="docx")
    assert result.path.suffix == ".docx" and result.renderer == renderer
    assert result.path.read_bytes() == result.built.read_bytes()
    docx = docx_parts(result.path)
    assert any(n.endswith(".png") for n in docx["media"])
    alt = "Line chart: children in care rose from 433 in April 2023 to 449 in June 2023; highest 460 in May 2023"
    assert docx["images"] == 1 and docx["alt"] == [alt]
    assert docx["tables"] == 2 and docx["nesting"] == 1  # the two data tables, neither nested
    assert ("TableCaption", "Table 1: Escalations by area") in docx["paras"]
    assert ("ImageCaption", "Figure 1: Children in care at each month end") in docx["paras"]
    colophon = [t for _, t in docx["paras"] if t.startswith("About this document.")]
    name = {"quarto": "Quarto", "pandoc": "pandoc"}[renderer]
    assert len(colophon) == 1 and f"rendered with {name}" in colophon[0]


def test_pdf_pages_are_not_blank(tmp_path, renderer):
    need_tool("pdftoppm", "poppler-utils")
    from pypdf import PdfReader

    params = make_fixture(tmp_path)
    result = render_fixture(params, renderer, to="pdf")
    assert result.path.read_bytes() == result.built.read_bytes()
    reader = PdfReader(result.path)
    # Issue 11, 9: the typst PDF carries the document's title
    assert reader.metadata.title == (
        "Independent Reviewing Officer annual report \u2013 Wessex Vale Council, 2023-24"
    )
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    assert "Escalations by area" in text and "Children in care at each month end" in text
    assert "About this document." in text
    subprocess.run(
        ["pdftoppm", "-r", "30", "-gray", str(result.path), str(tmp_path / "page")], check=True
    )
    pages = sorted(tmp_path.glob("page*.pgm"))
    assert len(pages) == len(reader.pages) >= 1
    for page in pages:
        pixels = page.read_bytes().split(b"\n", 3)[3]  # P5 header: magic, size, maxval
        assert min(pixels) < 128, f"{page.name} is blank"


def test_embeddable_notebook_keeps_outputs_and_drops_run_metadata(tmp_path):
    from pipeline.publish.render.embed import clean_notebook, prepare_notebooks

    params = make_fixture(tmp_path)
    written = prepare_notebooks(executed_dir(params), tmp_path / "staged")
    assert [w.name for w in written] == ["demo.ipynb"]
    nb = nbformat.read(written[0], as_version=4)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    text = written[0].read_text()
    assert "papermill" not in text and "2024-05-01" not in text and str(tmp_path) not in text
    assert [c.id for c in nb.cells] == ["tbl-demo", "tbl-monthly", "fig-trend"]
    assert all(c.metadata == {} and c.execution_count is None for c in nb.cells)
    assert all(o.output_type == "display_data" for c in nb.cells for o in c.outputs)  # no prints
    fig = find_cell(nb, "fig-trend")
    assert fig.source.splitlines()[:2] == [
        "#| label: fig-trend",
        '#| fig-cap: "Children in care at each month end"',
    ]
    md = fig.outputs[0].data["text/markdown"]
    png = re.search(r"\]\(\.\./notebooks/(figures/[0-9a-f]{20}\.png)\)", md)
    assert png and "data:image" not in md, "the chart's PNG is linked, not inlined"
    assert (tmp_path / "staged" / png.group(1)).read_bytes()[:4] == b"\x89PNG"
    broken = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("#| label: tbl-x\n1/0")
    cell.outputs = [
        nbformat.v4.new_output("error", ename="ZeroDivisionError", evalue="", traceback=[])
    ]
    broken.cells.append(cell)
    with pytest.raises(
        RenderError, match=r"notebook demo: cell tbl-x failed \(ZeroDivisionError\)"
    ):
        clean_notebook(broken, "demo")


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
