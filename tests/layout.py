"""Layout checks in Chromium: the latest month in view at 1280 px, the pack's scanning
columns first at 360 px, and chart text no smaller than 11 px at either width."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "/usr/bin/chromium"
MONTH_HEADERS = r"^(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s(\d{2}|\d{4})$"

JS_LATEST = """(pattern) => {
  const re = new RegExp(pattern); const months = {Jan:1,Feb:2,Mar:3,Apr:4,May:5,Jun:6,Jul:7,
    Aug:8,Sep:9,Oct:10,Nov:11,Dec:12};
  const key = t => { const [m, y] = t.split(/\\s/); const yy = y.length == 2 ? 2000 + +y : +y;
    return yy * 12 + months[m]; };
  const out = [];
  for (const region of document.querySelectorAll('.table-scroll')) {
    const heads = Array.from(region.querySelectorAll('thead th'))
      .filter(th => re.test(th.textContent.trim().replace(/\\s+/g, ' ')));
    if (heads.length < 2) continue;
    heads.sort((a, b) => key(a.textContent.trim().replace(/\\s+/g, ' '))
                         - key(b.textContent.trim().replace(/\\s+/g, ' ')));
    const latest = heads[heads.length - 1];
    const r = region.getBoundingClientRect(), c = latest.getBoundingClientRect();
    out.push({table: region.getAttribute('aria-label'), month: latest.textContent.trim(),
              visible: c.right <= r.right + 1 && c.left >= r.left - 1 && region.scrollLeft == 0});
  }
  return out;
}"""

JS_FIRST = """() => Array.from(document.querySelectorAll('.table-scroll')).map(region => {
  const heads = Array.from(region.querySelectorAll('thead th')).slice(0, 4);
  return {table: region.getAttribute('aria-label'),
          heads: heads.map(h => h.textContent.trim().replace(/\\s+/g, ' ')),
          right: Math.max(...heads.map(h => h.getBoundingClientRect().right))};
})"""

JS_CHART_TEXT = """() => {
  let smallest = 1e9; let n = 0;
  for (const svg of document.querySelectorAll('div.vega-chart svg')) {
    const w = svg.width.baseVal.value || svg.getBoundingClientRect().width;
    const scale = svg.getBoundingClientRect().width / w;
    for (const t of svg.querySelectorAll('text')) {
      if (!t.textContent.trim()) continue;
      const px = parseFloat(getComputedStyle(t).fontSize) * scale;
      smallest = Math.min(smallest, px); n++;
    }
  }
  return {smallest, n};
}"""


@dataclass
class Layout:
    latest_hidden: list[str] = field(default_factory=list)  # tables whose latest month is off
    monthly_tables: int = 0
    first_columns: list[dict] = field(default_factory=list)  # at 360 px
    chart_text_px: dict[int, float] = field(default_factory=dict)  # width -> smallest text


def check_layout(html: Path) -> Layout:
    from playwright.sync_api import sync_playwright

    out = Layout()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--headless", "--no-sandbox"])
        try:
            for width in (1280, 360):
                page = browser.new_context(viewport={"width": width, "height": 900}).new_page()
                page.route(
                    "**/*",
                    lambda r: (
                        r.continue_()
                        if r.request.url.startswith(("file:", "data:", "blob:", "about:"))
                        else r.abort()
                    ),
                )
                page.goto(Path(html).resolve().as_uri(), wait_until="load")
                page.wait_for_function(
                    "() => Array.from(document.querySelectorAll('div.vega-chart'))"
                    ".every(d => d.querySelector('svg'))",
                    timeout=30_000,
                )
                text = page.evaluate(JS_CHART_TEXT)
                out.chart_text_px[width] = text["smallest"] if text["n"] else 99.0
                if width == 1280:
                    rows = page.evaluate(JS_LATEST, MONTH_HEADERS)
                    out.monthly_tables = len(rows)
                    out.latest_hidden = [
                        f"{r['table']} ({r['month']})" for r in rows if not r["visible"]
                    ]
                else:
                    out.first_columns = page.evaluate(JS_FIRST)
                page.context.close()
        finally:
            browser.close()
    return out
