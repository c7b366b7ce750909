"""Display helpers for report notebooks: pub_ tables as pandoc Markdown, charts without scripts.

Notebook cells call these so that Quarto (`{{< embed >}}`) and our pandoc fallback
get the same outputs: `text/markdown` tables (captioned, right-aligned numbers, `c` for
suppressed cells) and charts as `text/markdown` too: a raw HTML block whose Vega-Lite spec
sits in a `data-spec` attribute, plus a PNG with alt text for DOCX/PDF. No `text/html`
output and no `<script>` is ever emitted: Quarto 1.7 would pull require.js and jQuery from
a CDN. The page-level Vega bundle (pipeline/publish/render/vega.py) draws the charts offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

import polars as pl

from pipeline.disclosure import SUPPRESSED_SYMBOL, display_value, flag

EN_DASH = "–"


# ---------------------------------------------------------------- display plumbing
def _display(bundle: dict[str, Any], metadata: dict | None = None) -> None:
    from IPython.display import display

    display(bundle, raw=True, metadata=metadata or {})


def markdown(text: str) -> None:
    """Show Markdown prose (rendered by Quarto/pandoc, not by the notebook front end).
    Text built from inputs goes through `paragraphs` (or `markdown_text`) first."""
    _display({"text/markdown": text})


def paragraphs(texts: list[str]) -> None:
    """Show plain-text sentences as paragraphs, every Markdown character escaped."""
    _display({"text/markdown": "\n\n".join(markdown_text(t) for t in texts if t)})


# ---------------------------------------------------------------- absent inputs
#: output metadata marking a figure not computed for want of an input (render/stage.py)
NOT_AVAILABLE_KEY = "cic-reports-not-available"


def not_available(availability: pl.DataFrame, figure: str, *, partial: bool = False) -> str | None:
    """Why `figure` (a measure's name) was not computed (`partial`: why some of its rows
    were left out), from `pub_availability`; None when it was."""
    rows = availability.filter((pl.col("figure") == figure) & (pl.col("is_partial") == partial))
    return rows["reason"][0] if rows.height else None


def figure(availability: pl.DataFrame, name: str, show, *, say: bool = True) -> None:
    """`show()` (a table, chart or sentence), or, when the figure's inputs are absent, the
    one sentence saying what is missing (`say=False`: nothing, for a second figure under
    the same heading). Absent is never shown as 0."""
    why = not_available(availability, name)
    if why is None:
        show()
        return
    rows = availability.filter((pl.col("figure") == name) & ~pl.col("is_partial"))
    # marked: the render stage puts the sentence in place of the embed (no empty float),
    # and a final render refuses the section unless it is left out (render/draft.py)
    mark = {"figure": name, "section": rows["section"][0], "reason": why}
    _display({"text/markdown": code_spans(why) if say else ""}, {NOT_AVAILABLE_KEY: mark})


def no_figure(sentence: str) -> None:
    """One sentence in place of a table or chart that has nothing to show (no published
    figure: all suppressed, or none this year). Marked like an absent input, so the render
    puts the sentence where the embed was (no empty numbered float), but not as missing
    input: a final render does not refuse it."""
    mark = {"figure": None, "section": None, "reason": sentence, "is_input_absent": False}
    _display({"text/markdown": code_spans(sentence)}, {NOT_AVAILABLE_KEY: mark})


def code_spans(text: str) -> str:
    """Plain text whose `backticked` parts (file names) become code spans, the rest escaped."""
    parts = text.split("`")
    if len(parts) % 2 == 0:  # an unpaired backtick: all plain
        return markdown_text(text)

    def plain(p: str) -> str:  # escaped, keeping the spaces around the code spans
        lead, trail = " " if p[:1].isspace() else "", " " if p[-1:].isspace() else ""
        return lead + markdown_text(p) + trail if p.strip() else p

    return "".join(f"`{p}`" if i % 2 else plain(p) for i, p in enumerate(parts))


# ---------------------------------------------------------------- tables
_MD_CELL = re.compile(r"([\\`*_{}\[\]<>#!|~^$@&])")


def _cell_text(text: str, markup: bool = False) -> str:
    """Make a value literal inside a pipe-table cell: a title or code from an input file
    holding `<script>`, `[x](javascript:...)` or `*` is shown as typed. `markup=True` is
    for cells this project writes as Markdown (a RAG tag, `rag_span`)."""
    text = text.replace("\n", " ").strip()
    if markup:
        return text.replace("|", "\\|")
    return _MD_CELL.sub(r"\\\1", text)


#: GOV.UK-style tag classes for a RAG status (report.css colours them; print.lua in PDF).
RAG_CLASSES = {"Green": "rag-green", "Amber": "rag-amber", "Red": "rag-red"}


def rag_span(text: str | None) -> str:
    """'● Green' as Markdown for a coloured tag that keeps its word and shape (use in a
    `markup=` column); anything else is returned escaped."""
    if not text:
        return ""
    words = text.split()
    cls = RAG_CLASSES.get(words[-1]) if words else None
    escaped = _MD_CELL.sub(r"\\\1", text)
    return f"[{escaped}]{{.rag .{cls}}}" if cls else escaped


def _pipe_table(
    headers: list[str],
    right: list[bool],
    rows: list[list[str]],
    *,
    caption: str,
    label: str | None,
    note: str | None,
    markup: list[bool] | None = None,
) -> str:
    head = "| " + " | ".join(_cell_text(h) or " " for h in headers) + " |"
    # Pandoc sizes wrapped columns by the dashes under each header: give each column
    # dashes in proportion to its widest cell (capped), so long labels get room and
    # short figures do not.
    widths = []
    for i, h in enumerate(headers):
        cells = [len(_cell_text(row[i])) for row in rows if i < len(row)]
        word = max((len(w) for w in h.split()), default=1)
        widths.append(max(3, word, min(max(cells, default=1), 48)))
    rule = (
        "|"
        + "|".join(
            ("-" * w + ":") if r else (":" + "-" * w) for r, w in zip(right, widths, strict=True)
        )
        + "|"
    )
    flags = list(markup) if markup else [False] * len(headers)
    body = [
        "| " + " | ".join(_cell_text(c, m) for c, m in zip(row, flags, strict=False)) + " |"
        for row in rows
    ]
    cap = f": {caption.strip()}"
    if label:
        cap += f" {{#{label}}}"
    parts = ["\n".join([head, rule, *body]), cap]
    if note:
        parts.append(note.strip())
    return "\n\n".join(parts) + "\n"


def _decimals_for(decimals: dict[str, int] | int, col: str) -> int:
    return decimals.get(col, 0) if isinstance(decimals, dict) else decimals


def _format_other(value: Any, date_format: str = "%-d %B %Y") -> str:
    if value is None:
        return EN_DASH
    if isinstance(value, dt.datetime):
        return value.strftime(date_format + (" %H:%M" if date_format == "%-d %B %Y" else ""))
    if isinstance(value, dt.date):
        return value.strftime(date_format)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def table_markdown(
    df: pl.DataFrame,
    *,
    caption: str,
    label: str | None = None,
    columns: dict[str, str] | None = None,
    decimals: dict[str, int] | int = 0,
    note: str | None = None,
    right: list[str] | tuple[str, ...] = (),
    date_format: str = "%-d %B %Y",
    relabel: dict[str, dict[Any, str]] | None = None,
    markup: list[str] | tuple[str, ...] = (),
) -> str:
    """A pub_ table as a pandoc pipe table with caption; suppressed cells show `c`.

    Numeric columns are right-aligned; `right` names text columns to right-align too (a
    column of numbers already formatted as text). `date_format` formats date cells
    (`"%b %Y"` for month columns). `relabel` maps a column's stored values to what
    readers see, e.g. `{"direction": DIRECTION_LABELS}`; unmapped values show as stored.
    Cell text is literal (Markdown characters escaped) except in the `markup` columns,
    which hold Markdown this project wrote (e.g. `rag_span`).
    """
    if columns is None:
        columns = {
            c: c for c in df.columns if not (c.startswith("is_") and c.endswith("_suppressed"))
        }
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"table {caption!r}: no column(s) {', '.join(missing)}")
    unknown = [c for c in right if c not in columns]
    if unknown:
        raise KeyError(f"table {caption!r}: right= names no shown column(s) {', '.join(unknown)}")
    relabel = relabel or {}
    numeric = {c: df.schema[c].is_numeric() for c in columns}
    rows: list[list[str]] = []
    for record in df.iter_rows(named=True):
        row = []
        for c in columns:
            if numeric[c]:
                supp = bool(record.get(flag(c)) or False)
                row.append(display_value(record[c], supp, _decimals_for(decimals, c)))
            elif record.get(flag(c)):
                row.append(SUPPRESSED_SYMBOL)
            elif c in relabel and record[c] in relabel[c]:
                row.append(relabel[c][record[c]])
            else:
                row.append(_format_other(record[c], date_format))
        rows.append(row)
    return _pipe_table(
        list(columns.values()),
        [numeric[c] or c in right for c in columns],
        rows,
        caption=caption,
        label=label,
        note=note,
        markup=[c in markup for c in columns],
    )


def table(
    df: pl.DataFrame,
    *,
    caption: str,
    label: str | None = None,
    columns: dict[str, str] | None = None,
    decimals: dict[str, int] | int = 0,
    note: str | None = None,
    right: list[str] | tuple[str, ...] = (),
    date_format: str = "%-d %B %Y",
    relabel: dict[str, dict[Any, str]] | None = None,
    markup: list[str] | tuple[str, ...] = (),
) -> None:
    """Display `table_markdown(...)` as a text/markdown output."""
    _display(
        {
            "text/markdown": table_markdown(
                df,
                caption=caption,
                label=label,
                columns=columns,
                decimals=decimals,
                note=note,
                right=right,
                date_format=date_format,
                relabel=relabel,
                markup=markup,
            )
        }
    )


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value)
    if re.fullmatch(r"\d{4}-\d{2}", text):
        text += "-01"
    return dt.date.fromisoformat(text[:10])


def monthly_table_markdown(
    df_long: pl.DataFrame,
    *,
    row: str,
    value: str,
    caption: str,
    month_col: str = "month_end_date",
    label: str | None = None,
    row_header: str = "",
    decimals: int = 0,
    row_order: list[str] | None = None,
    note: str | None = None,
) -> str:
    """Pivot a long pub_ table (category x month) to categories down, months across."""
    supp_col = flag(value)
    has_flag = supp_col in df_long.columns
    cells: dict[tuple[str, dt.date], str] = {}
    months: set[dt.date] = set()
    seen: list[str] = []
    for rec in df_long.iter_rows(named=True):
        key = _format_other(rec[row])
        month = _as_date(rec[month_col])
        months.add(month)
        if key not in seen:
            seen.append(key)
        supp = bool(rec[supp_col]) if has_flag else False
        cells[(key, month)] = display_value(rec[value], supp, decimals)
    ordered_months = sorted(months)
    if row_order is not None:
        extra = [r for r in seen if r not in row_order]
        if extra:
            raise KeyError(f"table {caption!r}: rows not in row_order: {', '.join(extra)}")
        keys = list(row_order)
    else:
        keys = category_order(seen)
    rows = [[k, *(cells.get((k, m), EN_DASH) for m in ordered_months)] for k in keys]
    headers = [row_header, *(m.strftime("%b %y") for m in ordered_months)]
    right = [False, *([True] * len(ordered_months))]
    return _pipe_table(headers, right, rows, caption=caption, label=label, note=note)


def monthly_table(
    df_long: pl.DataFrame,
    *,
    row: str,
    value: str,
    caption: str,
    month_col: str = "month_end_date",
    label: str | None = None,
    row_header: str = "",
    decimals: int = 0,
    row_order: list[str] | None = None,
    note: str | None = None,
) -> None:
    """Display `monthly_table_markdown(...)` as a text/markdown output."""
    _display(
        {
            "text/markdown": monthly_table_markdown(
                df_long,
                row=row,
                value=value,
                caption=caption,
                month_col=month_col,
                label=label,
                row_header=row_header,
                decimals=decimals,
                row_order=row_order,
                note=note,
            )
        }
    )


# ---------------------------------------------------------------- category order
#: How a change is shown: words plus an arrow, so it never depends on colour.
DIRECTION_LABELS = {"up": "▲ Up", "down": "▼ Down", "same": "▬ Same"}

_TOTALS = ("total", "all", "year", "all children", "all reviews")
_BAND = re.compile(r"^(?:under\s+(?P<under>\d+)|(?P<lo>\d+)(?:\s*(?:-|–|to)\s*\d+|\+)?)$", re.I)
_QUARTER = re.compile(r"^Q(?P<q>[1-4])\b")
_STAGE = re.compile(r"^(?:stage\s+(?P<n>\d+)|informal)", re.I)
# Legal status: care orders, placement order, section 20, then emergency/justice statuses.
_LEGAL = ("C1", "C2", "D1", "E1", "V2", "V3", "V4", "L1", "L2", "L3", "J1", "J2", "J3")


def is_total(label: Any) -> bool:
    """A 'Total'-like row or column label ('Total', 'All ...', 'Year' for a year total)."""
    text = str(label).strip().lower()
    return text in _TOTALS or text.startswith(("total", "all "))


def _category_key(label: str) -> tuple | None:
    """A sort key when the label belongs to an ordered vocabulary, else None."""
    if m := _BAND.match(label):
        if m["under"]:
            return (0, -1.0 / int(m["under"]))  # 'Under 1' before '1-4'
        return (0, float(m["lo"]))
    if m := _QUARTER.match(label):
        return (1, int(m["q"]))
    if m := _STAGE.match(label):
        return (2, int(m["n"]) if m["n"] else 0)  # informal before stage 1
    code = label.split(" ", 1)[0]
    if code in _LEGAL:
        return (3, _LEGAL.index(code))
    return None


def category_order(labels: list[Any]) -> list[Any]:
    """Readers' order for category labels, 'Total' rows last.

    Age and duration bands ('Under 1', '1-4', '5-9', '10-15', '16+'; '0-3', '37+'),
    quarters (Q1-Q4), escalation stages (informal, then stage 1-5) and legal status codes
    (C1, C2, E1, V2, then others) are put in their natural order when every label belongs
    to the same vocabulary; otherwise the given order is kept. Totals always go last.
    """
    body = [x for x in labels if not is_total(x)]
    totals = [x for x in labels if is_total(x)]
    keys = [_category_key(str(x)) for x in body]
    if body and all(k is not None for k in keys) and len({k[0] for k in keys}) == 1:  # type: ignore[index]
        body = [x for _, x in sorted(zip(keys, body, strict=True), key=lambda p: p[0])]
    return [*body, *totals]


# ---------------------------------------------------------------- cross-tables
def crosstab_markdown(
    df_long: pl.DataFrame,
    *,
    rows: str,
    columns: str,
    values: str | dict[str, str],
    caption: str,
    label: str | None = None,
    row_header: str = "",
    row_order: list[str] | None = None,
    column_order: list[str] | None = None,
    decimals: dict[str, int] | int = 0,
    note: str | None = None,
) -> str:
    """Pivot a long pub_ table to a cross-table: `rows` down, `columns` across.

    `values` is one value column, or {value column: header suffix} for several values per
    column group (e.g. {"children_count": "number", "children_pct": "%"} gives 'UASC
    number', 'UASC %'). Each cell keeps its own suppression flag (`c`); a combination
    missing from the long table shows a dash. Rows and columns follow `category_order`
    (bands in age order, totals last) unless an explicit order is given.
    """
    value_cols = {values: ""} if isinstance(values, str) else dict(values)
    missing = [c for c in (rows, columns, *value_cols) if c not in df_long.columns]
    if missing:
        raise KeyError(f"table {caption!r}: no column(s) {', '.join(missing)}")
    cells: dict[tuple[str, str, str], str] = {}
    seen_rows: list[str] = []
    seen_cols: list[str] = []
    for rec in df_long.iter_rows(named=True):
        r, c = _format_other(rec[rows]), _format_other(rec[columns])
        if r not in seen_rows:
            seen_rows.append(r)
        if c not in seen_cols:
            seen_cols.append(c)
        for v in value_cols:
            supp = bool(rec.get(flag(v)) or False)
            cells[(r, c, v)] = display_value(rec[v], supp, _decimals_for(decimals, v))

    def _ordered(seen: list[str], order: list[str] | None, what: str) -> list[str]:
        if order is None:
            return category_order(seen)
        extra = [x for x in seen if x not in order]
        if extra:
            raise KeyError(f"table {caption!r}: {what} not in order: {', '.join(extra)}")
        return list(order)

    row_keys = _ordered(seen_rows, row_order, "rows")
    col_keys = _ordered(seen_cols, column_order, "columns")
    headers = [row_header]
    for c in col_keys:
        for suffix in value_cols.values():
            headers.append(f"{c} {suffix}".strip())
    body = [
        [r, *(cells.get((r, c, v), EN_DASH) for c in col_keys for v in value_cols)]
        for r in row_keys
    ]
    right = [False, *([True] * (len(headers) - 1))]
    return _pipe_table(headers, right, body, caption=caption, label=label, note=note)


def crosstab(
    df_long: pl.DataFrame,
    *,
    rows: str,
    columns: str,
    values: str | dict[str, str],
    caption: str,
    label: str | None = None,
    row_header: str = "",
    row_order: list[str] | None = None,
    column_order: list[str] | None = None,
    decimals: dict[str, int] | int = 0,
    note: str | None = None,
) -> None:
    """Display `crosstab_markdown(...)` as a text/markdown output."""
    _display(
        {
            "text/markdown": crosstab_markdown(
                df_long,
                rows=rows,
                columns=columns,
                values=values,
                caption=caption,
                label=label,
                row_header=row_header,
                row_order=row_order,
                column_order=column_order,
                decimals=decimals,
                note=note,
            )
        }
    )


# ---------------------------------------------------------------- charts
def _is_flag(name: str) -> bool:
    return name.startswith("is_") and name.endswith("_suppressed")


def chart_spec(chart: Any, *, alt_text: str | None = None) -> dict:
    """The Vega-Lite dict to publish: disclosure flags dropped, alt text as description."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    spec = json.loads(json.dumps(spec))  # deep copy, JSON-safe
    spec.pop("$schema", None)  # a URL we never fetch; the bundle embeds in vega-lite mode
    for name, rows in (spec.get("datasets") or {}).items():
        spec["datasets"][name] = [
            {k: v for k, v in r.items() if not _is_flag(k)} if isinstance(r, dict) else r
            for r in rows
        ]
    data = spec.get("data")
    if isinstance(data, dict) and isinstance(data.get("values"), list):
        data["values"] = [
            {k: v for k, v in r.items() if not _is_flag(k)} if isinstance(r, dict) else r
            for r in data["values"]
        ]
    if alt_text:
        spec["description"] = alt_text
    return spec


def _spec_json(spec: dict) -> str:
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def chart_id(spec: dict, label: str | None = None) -> str:
    """Deterministic element id: from the label, else from a hash of the spec."""
    if label:
        return "chart-" + re.sub(r"[^A-Za-z0-9_-]+", "-", label).strip("-")
    return "chart-" + hashlib.sha256(_spec_json(spec).encode()).hexdigest()[:12]


def responsive(spec: dict) -> dict:
    """The spec drawn at its container's width: a chart scaled down to fit a phone would
    shrink its text below a readable size, so it is laid out again at the width it has
    (text stays at the theme's 12-13 px). The height is kept; PNGs keep the fixed width."""
    out = json.loads(json.dumps(spec))
    if any(k in out for k in ("hconcat", "vconcat", "concat", "facet", "repeat")):
        return out  # compound charts keep their fixed layout
    out["width"] = "container"
    for layer in out.get("layer") or []:
        if isinstance(layer, dict):
            layer.pop("width", None)
    out["autosize"] = {"type": "fit-x", "contains": "padding"}
    return out


def chart_html(chart: Any, *, alt_text: str, label: str | None = None) -> str:
    """The chart as HTML: a `div.vega-chart` holding the spec in `data-spec`, no script.

    The page's Vega bundle draws it at its container's width (`responsive`); the caption
    comes from the figure around it (Quarto's float, or the fallback's figure), so there is
    no `<figcaption>` here.
    """
    spec = responsive(chart_spec(chart, alt_text=alt_text))
    alt = html.escape(alt_text, quote=True)
    return (
        '<div class="vega-figure">'
        f'<div class="vega-chart" id="{chart_id(spec, label)}" role="img" aria-label="{alt}" '
        f"data-spec='{html.escape(_spec_json(spec), quote=True)}'></div>"
        "</div>"
    )


def chart_png(chart: Any) -> bytes:
    """A 2x PNG of the chart for DOCX/PDF (rendered locally by vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart_spec(chart), scale=2)


def chart_title(chart: Any) -> str | None:
    """The chart's own title text (top level, or of its first titled layer), if any."""
    spec = chart if isinstance(chart, dict) else chart.to_dict()
    for part in (spec, *(spec.get("layer") or [])):
        title = part.get("title") if isinstance(part, dict) else None
        if isinstance(title, dict):
            title = title.get("text")
        if isinstance(title, list):
            title = " ".join(str(t) for t in title)
        if title:
            return str(title)
    return None


def without_title(chart: Any) -> dict:
    """The spec with its title removed: the figure caption shows it instead (no duplicate)."""
    spec = json.loads(json.dumps(chart if isinstance(chart, dict) else chart.to_dict()))
    spec.pop("title", None)
    for layer in spec.get("layer") or []:
        if isinstance(layer, dict):
            layer.pop("title", None)
    return spec


_MD_ESCAPE = re.compile(r"([\\`*_{}\[\]()<>#+!|~^$\"'@&])")


def markdown_text(text: str) -> str:
    """Plain text made literal in pandoc Markdown (every markup character escaped)."""
    return _MD_ESCAPE.sub(r"\\\1", " ".join(text.split()))


#: A chart's PNG is needed only for DOCX and PDF. While `deferred_pngs()` is active (the
#: build's notebook runner) the image carries these bytes and the chart's spec instead, and
#: the render stage draws the PNG only for a format that shows it (render/embed.py).
PNG_PLACEHOLDER = b"cic-reports:deferred-png:"
_DEFER_PNG: ContextVar[bool] = ContextVar("cic_defer_png", default=False)


@contextmanager
def deferred_pngs() -> Iterator[None]:
    token = _DEFER_PNG.set(True)
    try:
        yield
    finally:
        _DEFER_PNG.reset(token)


def _png_or_placeholder(chart: Any) -> bytes:
    if _DEFER_PNG.get():
        return PNG_PLACEHOLDER + _spec_json(chart_spec(chart)).encode("utf-8")
    return chart_png(chart)


#: Metadata key on a chart's display output: {"caption": ..., "alt": ...}. The render stage
#: turns it into the cell's `fig-cap`/`fig-alt` (pipeline/publish/render/embed.py).
FIGURE_KEY = "cic-reports/figure"


def chart_markdown(chart: Any, *, alt_text: str, label: str | None = None) -> str:
    """The chart for every format: a raw HTML block, and a PNG for the other formats.

    HTML gets `chart_html` in a ```{=html} block (dropped by pandoc elsewhere); DOCX and
    PDF get the PNG with the alt text, inside `content-hidden when-format="html"` (Quarto
    handles the div; the fallback's filter does the same). Markdown rather than `text/html`
    because Quarto 1.7 adds require.js and jQuery from a CDN for any `text/html` output.
    The trailing backslash (a line break) keeps the image inline, not a captioned figure.
    """
    png = base64.b64encode(_png_or_placeholder(chart)).decode("ascii")
    return (
        "```{=html}\n"
        + chart_html(chart, alt_text=alt_text, label=label)
        + "\n```\n\n"
        + '::: {.content-hidden when-format="html"}\n'
        + f'![{markdown_text(alt_text)}](data:image/png;base64,{png}){{width="100%"}}\\\n'
        + ":::\n"
    )


def chart_bundle(
    chart: Any, *, alt_text: str, label: str | None = None, caption: str | None = None
) -> tuple[dict[str, str], dict[str, Any]]:
    """(data, metadata) of a chart's display output; see `chart`."""
    if not alt_text or not alt_text.strip():
        raise ValueError("chart(): alt_text is required")
    if not isinstance(chart, dict):
        chart = chart.to_dict()  # once: altair validates the whole spec on every to_dict
    caption = caption or chart_title(chart)
    if not caption or not caption.strip():
        raise ValueError("chart(): give the chart a title or pass caption=")
    spec = without_title(chart)
    data = {
        "text/markdown": chart_markdown(spec, alt_text=alt_text, label=label),
        "text/plain": alt_text,
    }
    return data, {FIGURE_KEY: {"caption": " ".join(caption.split()), "alt": alt_text}}


def chart(
    chart: Any, *, alt_text: str, label: str | None = None, caption: str | None = None
) -> None:
    """Display a chart (no script): Markdown for every format, alt text as plain text.

    The caption defaults to the chart's title, which is then not drawn in the chart
    itself; both renderers show it as the figure caption ("Figure N: ..."), given the
    cell's label starts with `fig-`.
    """
    data, metadata = chart_bundle(chart, alt_text=alt_text, label=label, caption=caption)
    _display(data, metadata=metadata)
