"""Offline Vega: the vega + vega-lite + vega-embed bundle from vl-convert, inlined once per page.

Notebook outputs carry each chart's spec in a `data-spec` attribute and no script
(pipeline/publish/present.py). This one `<script>` draws them all with the SVG renderer, each
chart in its own scope, so a broken chart cannot stop the others. Nothing is fetched.
"""

from __future__ import annotations

import functools
from pathlib import Path

INITIALISER = """
(function () {
  "use strict";
  function draw(el) {
    var spec;
    try {
      spec = JSON.parse(el.getAttribute("data-spec"));
    } catch (err) {
      console.error("chart " + el.id + ": spec is not valid JSON");
      return;
    }
    window.vegaEmbed(el, spec, {renderer: "svg", actions: false, mode: "vega-lite"})
      .catch(function (err) { console.error("chart " + el.id + ": " + err); });
  }
  function run() {
    var charts = document.querySelectorAll("div.vega-chart[data-spec]");
    for (var i = 0; i < charts.length; i++) { draw(charts[i]); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", run);
  } else {
    run();
  }
})();
"""

MARKER = "cic-vega-bundle"


def _cache_file() -> Path:
    """Where the bundle is kept between runs: vl-convert takes ~2 s to build it, and it
    depends on nothing but vl-convert's version."""
    import os
    from importlib.metadata import version

    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return base / "cic-reports" / f"vega-bundle-vl-convert-{version('vl-convert-python')}.js"


@functools.lru_cache(maxsize=1)
def _bundle_js() -> str:
    import os

    cache = _cache_file()
    try:
        return cache.read_text(encoding="utf-8")
    except OSError:
        pass
    import vl_convert as vlc

    js = vlc.javascript_bundle()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f".{cache.name}.{os.getpid()}")
        tmp.write_text(js, encoding="utf-8")
        os.replace(tmp, cache)
    except OSError:
        pass  # no writable cache: built again next time
    return js


def bundle_script() -> str:
    """One `<script>` element: the whole Vega bundle plus the chart initialiser."""
    js = (_bundle_js() + "\n" + INITIALISER).replace("</script", "<\\/script")
    return f'<script id="{MARKER}">\n{js}\n</script>\n'


def write_include(path: Path) -> Path:
    """Write the bundle as an HTML fragment for Quarto's `include-after-body`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = bundle_script()
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")
    return path
