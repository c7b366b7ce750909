"""Display helpers for report notebooks: pub_ tables as pandoc Markdown, charts without scripts.

Notebook cells call these so that Quarto (`{{< embed >}}`) and our pandoc fallback
get the same outputs: `text/markdown` tables (captioned, right-aligned numbers, `c` for
suppressed cells) and charts as a `<figure>` whose Vega-Lite spec sits in a
`data-spec` attribute. No `<script>` is ever emitted: Quarto would pull require.js from
a CDN. The page-level Vega bundle (pipeline/render/vega.py) draws the charts offline.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import html
import json
import re
from typing import Any

import polars as pl

from pipeline.disclosure import SUPPRESSED_SYMBOL, display_value, flag

EN_DASH = "–"


# ---------------------------------------------------------------- display plumbing
def _display(bundle: dict[str, Any]) -> None:
    from IPython.display import display

    display(bundle, raw=True)


def markdown(text: str) -> None:
    """Show Markdown prose (rendered by Quarto/pandoc, not by the notebook front end)."""
    _display({"text/markdown": text})


# ---------------------------------------------------------------- tables
def _cell_text(text: str) -> str:
    """Make a value safe inside a pipe-table cell."""
    return text.replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ").strip()


def _pipe_table(
    headers: list[str],
    right: list[bool],
    rows: list[list[str]],
    *,
    caption: str,
    label: str | None,
    note: str | None,
) -> str:
    head = "| " + " | ".join(_cell_text(h) or " " for h in headers) + " |"
    rule = "|" + "|".join("---:" if r else ":---" for r in right) + "|"
    body = ["| " + " | ".join(_cell_text(c) for c in row) + " |" for row in rows]
    cap = f": {caption.strip()}"
    if label:
        cap += f" {{#{label}}}"
    parts = ["\n".join([head, rule, *body]), cap]
    if note:
        parts.append(note.strip())
    return "\n\n".join(parts) + "\n"


def _decimals_for(decimals: dict[str, int] | int, col: str) -> int:
    return decimals.get(col, 0) if isinstance(decimals, dict) else decimals


def _format_other(value: Any) -> str:
    if value is None:
        return EN_DASH
    if isinstance(value, dt.datetime):
        return value.strftime("%-d %B %Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%-d %B %Y")
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
) -> str:
    """A pub_ table as a pandoc pipe table with caption; suppressed cells show `c`."""
    if columns is None:
        columns = {
            c: c for c in df.columns if not (c.startswith("is_") and c.endswith("_suppressed"))
        }
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise KeyError(f"table {caption!r}: no column(s) {', '.join(missing)}")
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
            else:
                row.append(_format_other(record[c]))
        rows.append(row)
    return _pipe_table(
        list(columns.values()),
        [numeric[c] for c in columns],
        rows,
        caption=caption,
        label=label,
        note=note,
    )


def table(
    df: pl.DataFrame,
    *,
    caption: str,
    label: str | None = None,
    columns: dict[str, str] | None = None,
    decimals: dict[str, int] | int = 0,
    note: str | None = None,
) -> None:
    """Display `table_markdown(...)` as a text/markdown output."""
    _display(
        {
            "text/markdown": table_markdown(
                df, caption=caption, label=label, columns=columns, decimals=decimals, note=note
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
        keys = seen
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


def chart_html(chart: Any, *, alt_text: str, label: str | None = None) -> str:
    """A `<figure>` holding the spec in `data-spec`; drawn by the page's Vega bundle."""
    spec = chart_spec(chart, alt_text=alt_text)
    alt = html.escape(alt_text, quote=True)
    return (
        '<figure class="vega-figure">'
        f'<div class="vega-chart" id="{chart_id(spec, label)}" role="img" aria-label="{alt}" '
        f"data-spec='{html.escape(_spec_json(spec), quote=True)}'></div>"
        f'<figcaption class="visually-hidden">{alt}</figcaption>'
        "</figure>"
    )


def chart_png(chart: Any) -> bytes:
    """A 2x PNG of the chart for DOCX/PDF (rendered locally by vl-convert)."""
    import vl_convert as vlc

    return vlc.vegalite_to_png(chart_spec(chart), scale=2)


def chart(chart: Any, *, alt_text: str, label: str | None = None) -> None:
    """Display a chart: HTML figure (no script), PNG fallback, and the alt text as plain text."""
    if not alt_text or not alt_text.strip():
        raise ValueError("chart(): alt_text is required")
    _display(
        {
            "text/html": chart_html(chart, alt_text=alt_text, label=label),
            "image/png": base64.b64encode(chart_png(chart)).decode("ascii"),
            "text/plain": alt_text,
        }
    )
