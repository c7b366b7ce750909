"""The rendered HTML in a real browser, offline: no requests, no errors, charts drawn, axe clean.

`check_page(path, name)` takes any HTML file, so the real reports are checked the same
way (tests/test_end_to_end.py, under both renderers). The fixture runs under each renderer.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from shared_data import need_tool

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Every violation in full, but passes and inapplicable rules without their nodes: on a
# report's hundreds of table cells that halves axe's time (violations are unchanged).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
SCREENSHOTS = ROOT / "build" / "screenshots"
CHARTS_DRAWN = """() => Array.from(document.querySelectorAll('div.vega-chart'))
  .every(d => d.querySelector('svg') !== null)"""


@dataclass
class PageReport:
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    charts: int = 0
    charts_drawn: int = 0
    violations: list[str] = field(default_factory=list)
    narrow_overflow_px: int = 0
    first_focus: str = ""  # text of what the first Tab reaches (the skip link)
    screenshots: list[Path] = field(default_factory=list)


def check_page(html_path: Path, name: str, *, screenshots: Path = SCREENSHOTS) -> PageReport:
    """Open `html_path` from disk with every non-file request blocked and recorded."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    report = PageReport()
    screenshots.mkdir(parents=True, exist_ok=True)

    def route(r):
        url = r.request.url
        if url.startswith(("file://", "data:", "blob:", "about:")):
            r.continue_()
        else:
            report.external_requests.append(url)
            r.abort()

    def console(msg):
        if msg.type == "error":
            report.console_errors.append(msg.text)

    need_tool(CHROMIUM, "chromium")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            for width, suffix in ((1280, "desktop"), (360, "360px")):
                context = browser.new_context(viewport={"width": width, "height": 900})
                context.route("**/*", route)
                page = context.new_page()
                page.on("console", console)
                page.on("pageerror", lambda exc: report.console_errors.append(str(exc)))
                page.goto(Path(html_path).resolve().as_uri(), wait_until="load")
                page.wait_for_function(CHARTS_DRAWN, timeout=30_000)
                if suffix == "desktop":
                    page.keyboard.press("Tab")
                    report.first_focus = page.evaluate(
                        "() => (document.activeElement && document.activeElement.textContent || '')"
                        ".trim()"
                    )
                    report.charts = page.locator("div.vega-chart").count()
                    report.charts_drawn = page.locator("div.vega-chart svg").count()
                    results = Axe().run(page, options=AXE_OPTIONS)
                    for v in results.response.get("violations", []):
                        targets = [n.get("target") for n in v.get("nodes", [])][:3]
                        report.violations.append(f"{v['id']}: {v['help']} {targets}")
                else:
                    report.narrow_overflow_px = page.evaluate(
                        "() => document.documentElement.scrollWidth"
                        " - document.documentElement.clientWidth"
                    )
                # PNG, not JPEG: a long report at 360 px is taller than JPEG's 65,535 px
                # limit, and Chromium then writes an empty file.
                shot = screenshots / f"{name}-{suffix}.png"
                page.screenshot(path=str(shot), full_page=True)
                report.screenshots.append(shot)
                context.close()
        finally:
            browser.close()
    return report


def assert_page_ok(report: PageReport) -> None:
    assert report.external_requests == [], report.external_requests
    assert report.console_errors == [], report.console_errors
    assert report.charts_drawn >= report.charts
    assert report.first_focus == "Skip to main content", report.first_focus
    assert report.violations == [], "\n".join(report.violations)
    assert report.narrow_overflow_px <= 0, "page scrolls sideways at 360 px"
    assert all(s.stat().st_size > 0 for s in report.screenshots)


def test_fixture_report_in_browser(tmp_path, renderer):
    from test_render import make_fixture, render_fixture

    params = make_fixture(tmp_path)
    result = render_fixture(params, renderer)
    assert result.renderer == renderer
    report = check_page(result.path, f"fixture-iro-annual-report-{renderer}")
    assert report.charts == 1
    assert_page_ok(report)


def test_check_page_catches_problems(tmp_path):
    """The checks can fail: a fetched image, a console error, a missing lang and alt."""
    bad = tmp_path / "bad.html"
    bad.write_text(
        '<html><body><img src="https://example.org/x.png">'
        '<script>console.error("boom")</script>'
        '<div style="width:900px">wide</div></body></html>'
    )
    report = check_page(bad, "bad", screenshots=tmp_path)
    assert report.external_requests and report.console_errors
    assert report.first_focus != "Skip to main content"
    assert any(v.startswith("html-has-lang") for v in report.violations)
    assert any(v.startswith("image-alt") for v in report.violations)
    assert report.narrow_overflow_px > 0


def test_chromium_is_debian_package():
    """The tests use the system browser; `playwright install` is never needed."""
    need_tool(CHROMIUM, "chromium")
    assert shutil.which("chromium") or Path(CHROMIUM).exists(), "apt-get install -y chromium"
