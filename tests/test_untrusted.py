"""Untrusted text is text: markup typed into the narrative, the commentary, a config string
or an input's text field never runs, never fetches, and is visible as typed.

The fixture report (test_render.make_fixture) gets every payload in each of those places,
is rendered by each renderer and opened in Chromium with every non-file request blocked
and recorded (issue 13, item 5).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import polars as pl
import pytest
from shared_data import need_tool

from pipeline.publish import present

CHROMIUM = "/usr/bin/chromium"
PAYLOADS = [
    '<script>window.__pwned = "script"; fetch("http://evil.example/s")</script>',
    '<iframe src="https://evil.example/frame"></iframe>',
    '<img src="http://evil.example/i.png">',
    "[click me](javascript:window.__pwned='link')",
    "<img src=x onerror=\"window.__pwned='onerror'\">",
    "![pic](http://evil.example/p.png)",
    "[hover]{onmouseover=\"window.__pwned='attr'\"}",
    '```{=html}\n<script>window.__pwned = "raw"</script>\n```',
]
ONE_LINE = " ".join(p for p in PAYLOADS if "\n" not in p)


def _inject(tmp_path: Path, renderer: str):
    from test_render import SECTION, make_fixture

    params = make_fixture(tmp_path)
    root = params.root
    # narrative and commentary (the service's files)
    (root / "report" / "narrative" / "bit.md").write_text("\n\n".join(PAYLOADS) + "\n")
    commentary = root / "report" / "commentary" / "2024-03"
    commentary.mkdir(parents=True)
    (commentary / "profile.md").write_text("Commentary: " + "\n\n".join(PAYLOADS) + "\n")
    (root / "report" / "sections" / "one.qmd").write_text(
        SECTION
        + "\nService: {{< var service_name >}}. Authority: {{< var authority >}}.\n\n"
        + "{{< include /report/commentary/2024-03/profile.md >}}\n"
    )
    report = root / "report" / "iro-annual-report.qmd"
    report.write_text(
        report.read_text().replace('date: "', 'author: "{{< var service_name >}}"\ndate: "', 1)
    )
    from pipeline.run.notebooks import executed_dir

    executed = executed_dir(params) / "demo.ipynb"
    # config strings
    params = params.with_overrides(
        authority={
            **params.authority.model_dump(),
            "name": "Wessex <img src=x onerror=\"window.__pwned='name'\"> Council",
            "service_name": "IRO <img src=x onerror=alert(1)> [svc](javascript:alert(2)) service",
        }
    )
    # a text field from an input (an escalation area, say) in a published table
    nb_path = executed_dir(params) / "demo.ipynb"
    nb_path.parent.mkdir(parents=True, exist_ok=True)
    nb = nbformat.read(str(executed), 4)
    df = pl.DataFrame({"area": PAYLOADS[:3] + PAYLOADS[3:7], "n": [10, 11, 12, 13, 14, 15, 16]})
    md = present.table_markdown(df, caption="Areas", columns={"area": "Area", "n": "Escalations"})
    for cell in nb.cells:
        if "tbl-demo" in cell.source:
            cell.outputs = [nbformat.v4.new_output("display_data", data={"text/markdown": md})]
    nbformat.write(nb, str(nb_path))
    from test_render import render_fixture

    return render_fixture(params, renderer)


@pytest.mark.browser
def test_injected_markup_is_inert_and_visible(tmp_path, renderer):
    from playwright.sync_api import sync_playwright

    need_tool(CHROMIUM, "chromium")
    result = _inject(tmp_path, renderer)
    html = result.path.read_text(encoding="utf-8")
    requests, dialogs, errors = [], [], []

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:", "blob:", "about:")):
            r.continue_()
        else:
            requests.append(url)
            r.abort()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            page = browser.new_context().new_page()
            page.route("**/*", route)
            page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(result.path.resolve().as_uri(), wait_until="load")
            page.wait_for_timeout(500)
            for el in page.locator("main a, main span, main img, main p").all():
                el.dispatch_event("mouseover")  # an injected handler would run now
            for a in page.locator("a").all():
                href = a.get_attribute("href") or ""
                assert not href.lower().startswith("javascript:"), href
            pwned = page.evaluate("() => window.__pwned === undefined ? null : window.__pwned")
            text = page.inner_text("body")
            counts = page.evaluate(
                """() => ({iframes: document.querySelectorAll('iframe').length,
                remote: Array.from(document.querySelectorAll('img')).filter(
                    i => /^https?:/i.test(i.getAttribute('src') || '')).length,
                handlers: Array.from(document.querySelectorAll('*')).filter(
                    e => Array.from(e.attributes).some(a => /^on/i.test(a.name))).length,
                scripts: Array.from(document.scripts).filter(
                    s => s.textContent.includes('__pwned')).length})"""
            )
        finally:
            browser.close()
    assert pwned is None, f"injected code ran: {pwned}"
    assert requests == [] and dialogs == [] and errors == [], (requests, dialogs, errors)
    assert counts == {"iframes": 0, "remote": 0, "handlers": 0, "scripts": 0}, counts
    # the markup is shown as the text it is, in each place it was typed
    # (quotes may be typeset as curly quotes: the check is on the rest)
    assert text.count("<script>window.__pwned = ") >= 3  # narrative, commentary, table
    assert text.count("evil.example/frame") >= 3 and "</iframe>" in text
    assert "Wessex <img src=x onerror=" in text  # the authority's name, as typed
    assert "IRO <img src=x onerror=alert(1)>" in text  # the service name
    assert "javascript:" not in "".join(
        a for a in html.split('href="')[1:] if a.lower().startswith("javascript:")
    )


def test_untrusted_files_are_rewritten_without_raw_markup(tmp_path):
    """What the stage does to the service's files, whichever renderer runs next."""
    from pipeline.publish.render.stage import ASSETS, plain_markdown

    f = tmp_path / "n.md"
    f.write_text(
        '<!-- a note to the editor -->\n::: {.service-edit onclick="x()"}\nBox\n:::\n\n'
        + "\n\n".join(PAYLOADS)
        + "\n"
    )
    plain_markdown([f], ASSETS / "untrusted.lua")
    out = f.read_text()
    assert "a note to the editor" not in out
    assert "service-edit" in out and "onclick" not in out
    assert "click me" in out and "javascript:" not in out  # the link's text, not its target
    assert "evil.example/p.png" not in out  # an image from an edited file is its description
    assert "```{=html}" not in out  # a raw block from an edited file is shown as code
    assert "\\<script\\>" in out or "\\<script>" in out


def test_config_values_are_escaped_in_body_and_front_matter():
    from pipeline.publish.render.stage import substitute_vars

    values = {"authority": 'A <b>"B"</b> [x](javascript:y)'}
    text = '---\ntitle: "{{< var authority >}}"\n---\n\n{{< var authority >}}\n'
    out = substitute_vars(text, values, "t.qmd")
    import yaml

    front = yaml.safe_load(out.split("---")[1])
    assert front["title"].startswith("A \\<b\\>")  # Markdown-escaped, valid YAML
    assert "A \\<b\\>" in out.split("---", 2)[2]
    assert "](javascript" not in out


def test_chromium_available_for_the_injection_test():
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), "apt-get install -y chromium"
