"""House style and chart builders for published charts, plus alt text written from the data.

One Altair theme (`cic`) is registered and enabled on import: Okabe-Ito colours that reach
3:1 contrast on white (lines and bars are graphical objects, WCAG 1.4.11), a system font
stack (nothing fetched), readable sizes and the SVG renderer. Builders never rely on
colour alone: series also differ by dash and point shape, bars carry value labels.
Every builder embeds only the columns it uses from the aggregated frame it was given,
and never the `is_*_suppressed` flags (suppressed values are already null).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import altair as alt
import polars as pl

# Okabe-Ito, keeping only colours with >= 3:1 contrast against white (black last).
PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#000000", "#6C6C6C"]
DASHES = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3], [1, 0], [4, 4]]
SHAPES = ["circle", "square", "triangle-up", "diamond", "cross", "triangle-down"]
FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
TEXT = "#1a1a1a"
WIDTH = 560
HEIGHT = 300


def _theme() -> dict:
    return {
        "usermeta": {"embedOptions": {"renderer": "svg", "actions": False}},
        "config": {
            "font": FONT,
            "background": "#ffffff",
            "view": {"stroke": None, "continuousWidth": WIDTH, "continuousHeight": HEIGHT},
            "title": {
                "font": FONT,
                "fontSize": 16,
                "fontWeight": 600,
                "anchor": "start",
                "color": TEXT,
                "limit": 0,
            },
            "axis": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 13,
                "titleFontSize": 13,
                "labelColor": TEXT,
                "titleColor": TEXT,
                "titleFontWeight": 600,
                "domainColor": "#595959",
                "tickColor": "#595959",
                "gridColor": "#e0e0e0",
            },
            "legend": {
                "labelFont": FONT,
                "titleFont": FONT,
                "labelFontSize": 13,
                "titleFontSize": 13,
                "labelColor": TEXT,
                "titleColor": TEXT,
                "orient": "bottom",
                "direction": "horizontal",
                "labelLimit": 0,
            },
            "range": {"category": PALETTE},
            "line": {"strokeWidth": 2.5, "color": PALETTE[0]},
            "point": {"size": 60, "filled": True, "color": PALETTE[0]},
            "bar": {"color": PALETTE[0]},
            "text": {"font": FONT, "fontSize": 12, "color": TEXT},
        },
    }


@alt.theme.register("cic", enable=True)
def cic_theme() -> alt.theme.ThemeConfig:
    """The house style (registered and enabled when this module is imported)."""
    return _theme()  # type: ignore[return-value]


def _is_flag(name: str) -> bool:
    return name.startswith("is_") and name.endswith("_suppressed")


def publishable(df: pl.DataFrame, used: list[str]) -> pl.DataFrame:
    """Only the columns a chart uses, never a disclosure flag."""
    cols = [c for c in dict.fromkeys(used) if c and not _is_flag(c)]
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise KeyError(f"chart data has no column(s) {', '.join(missing)}")
    return df.select(cols)


def _temporal(df: pl.DataFrame, col: str) -> bool:
    return df.schema[col] in (pl.Date, pl.Datetime) or isinstance(df.schema[col], pl.Datetime)


def _tooltips(df: pl.DataFrame, fields: list[str], y: str, y_format: str | None) -> list:
    out = []
    for f in fields:
        if _temporal(df, f):
            out.append(alt.Tooltip(f, type="temporal", timeUnit="yearmonth", format="%B %Y"))
        elif f == y:
            out.append(alt.Tooltip(f, type="quantitative", format=y_format or ",.0f"))
        elif df.schema[f].is_numeric():
            out.append(alt.Tooltip(f, type="quantitative"))
        else:
            out.append(alt.Tooltip(f, type="nominal"))
    return out


def _series_scales(df: pl.DataFrame, color: str) -> tuple[list, int]:
    domain = list(dict.fromkeys(df[color].drop_nulls().to_list()))
    return domain, len(domain)


def line_chart(
    df: pl.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    title: str,
    x_title: str,
    y_title: str,
    tooltip: list[str] | None = None,
    y_format: str | None = None,
    references: dict[str, float] | None = None,
) -> alt.Chart:
    """A trend line (points marked); several series differ by colour, dash and shape.

    `references` ({"Target": 90, "England": 88}) draws each as a labelled horizontal line
    across the chart (grey, dashed differently, named at its right end, not by colour).
    """
    tips = tooltip or [c for c in (x, color, y) if c]
    data = publishable(df, [x, y, color or "", *tips])
    x_enc = (
        alt.X(
            x,
            type="temporal",
            timeUnit="yearmonth",
            title=x_title,
            axis=alt.Axis(
                format="%b %Y", labelAngle=-45, tickCount={"interval": "month", "step": 1}
            ),
        )
        if _temporal(data, x)
        else alt.X(x, type="ordinal", title=x_title, sort=None, axis=alt.Axis(labelAngle=-45))
    )
    enc: dict[str, Any] = {
        "x": x_enc,
        "y": alt.Y(
            y,
            type="quantitative",
            title=y_title,
            axis=alt.Axis(format=y_format) if y_format else alt.Axis(),
        ),
        "tooltip": _tooltips(data, tips, y, y_format),
    }
    if color:
        domain, n = _series_scales(data, color)
        enc["color"] = alt.Color(color, type="nominal", title=None, scale=alt.Scale(domain=domain))
        enc["strokeDash"] = alt.StrokeDash(
            color, type="nominal", title=None, scale=alt.Scale(domain=domain, range=DASHES[:n])
        )
        enc["shape"] = alt.Shape(
            color, type="nominal", title=None, scale=alt.Scale(domain=domain, range=SHAPES[:n])
        )
    line = (
        alt.Chart(data, title=title)
        .mark_line(point=_has_values(data, y))
        .encode(**enc)
        .properties(width=WIDTH, height=HEIGHT)
    )
    if not references:
        return line
    return alt.layer(line, *reference_layers(references, y)).properties(width=WIDTH, height=HEIGHT)


REFERENCE_DASHES = {"Target": [6, 4], "England": [2, 3]}
REFERENCE_COLOUR = "#505a5f"  # 7:1 on white


def reference_layers(references: dict[str, float], y: str) -> list[alt.Chart]:
    """Horizontal rules with their names, one per reference value."""
    ref = pl.DataFrame(
        {"reference": list(references), y: [float(v) for v in references.values()]}
    ).with_columns(
        (pl.col("reference") + ": " + pl.col(y).map_elements(_num, return_dtype=pl.String)).alias(
            "reference_label"
        )
    )
    layers = []
    for name in references:
        one = ref.filter(pl.col("reference") == name)
        base = alt.Chart(one)
        layers.append(
            base.mark_rule(
                color=REFERENCE_COLOUR, strokeDash=REFERENCE_DASHES.get(name, [4, 2]), strokeWidth=2
            ).encode(y=alt.Y(y, type="quantitative"))
        )
        layers.append(
            base.mark_text(
                align="right",
                baseline="bottom",
                dy=-3,
                color=REFERENCE_COLOUR,
                fontSize=12,
                x="width",
            ).encode(
                y=alt.Y(y, type="quantitative"), text=alt.Text("reference_label", type="nominal")
            )
        )
    return layers


def _num(v: float) -> str:
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.1f}"


def _has_values(data: pl.DataFrame, y: str) -> bool:
    """Points only when some value is published: an empty point layer is an unlabelled image
    to a screen reader (axe svg-img-alt), e.g. when disclosure control hides every month."""
    return y in data.columns and data[y].drop_nulls().len() > 0


#: Reporting-year month order (April first), for year-on-year charts.
YEAR_MONTHS = ["Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar"]


def year_on_year_chart(
    df: pl.DataFrame,
    *,
    date: str,
    y: str,
    year: str,
    title: str,
    y_title: str,
    x_title: str = "Month (reporting year April to March)",
    y_format: str | None = None,
    tooltip: list[str] | None = None,
) -> alt.Chart:
    """This year against last year: months April..March across, one line per reporting year.

    `date` is each row's month-end date and `year` its reporting-year label. Years differ
    by colour, dash and point shape; the tooltip gives the month in full, the year and
    the value (plus any `tooltip` columns).
    """
    extra = [t for t in (tooltip or []) if t not in (date, y, year)]
    data = publishable(df, [date, y, year, *extra]).with_columns(
        pl.col(date).dt.strftime("%b").alias("Month"),
        pl.col(date).dt.strftime("%B %Y").alias("Month end"),
    )
    domain = sorted(data[year].drop_nulls().unique().to_list(), reverse=True)  # latest first
    n = len(domain)
    tips = [
        alt.Tooltip("Month end", type="nominal"),
        alt.Tooltip(year, type="nominal", title="Year"),
        alt.Tooltip(y, type="quantitative", title=y_title, format=y_format or ",.0f"),
        *(alt.Tooltip(t, type="quantitative", format=",.0f") for t in extra),
    ]
    data = data.drop(date)
    enc: dict[str, Any] = {
        "x": alt.X(
            "Month", type="ordinal", sort=YEAR_MONTHS, title=x_title, axis=alt.Axis(labelAngle=0)
        ),
        "y": alt.Y(
            y,
            type="quantitative",
            title=y_title,
            axis=alt.Axis(format=y_format) if y_format else alt.Axis(),
        ),
        "color": alt.Color(year, type="nominal", title=None, scale=alt.Scale(domain=domain)),
        "strokeDash": alt.StrokeDash(
            year, type="nominal", title=None, scale=alt.Scale(domain=domain, range=DASHES[:n])
        ),
        "shape": alt.Shape(
            year, type="nominal", title=None, scale=alt.Scale(domain=domain, range=SHAPES[:n])
        ),
        "tooltip": tips,
    }
    return (
        alt.Chart(data, title=title)
        .mark_line(point=_has_values(data, y))
        .encode(**enc)
        .properties(width=WIDTH, height=HEIGHT)
    )


def bar_chart(
    df: pl.DataFrame,
    *,
    x: str,
    y: str,
    color: str | None = None,
    title: str,
    x_title: str,
    y_title: str,
    horizontal: bool = False,
    stack: bool = False,
    tooltip: list[str] | None = None,
) -> alt.Chart:
    """Bars: `x` is the category field, `y` the value field, whatever the orientation.

    Categories keep the frame's row order. Unstacked bars carry value labels so the
    values never depend on colour; grouped series sit side by side.
    """
    tips = tooltip or [c for c in (x, color, y) if c]
    data = publishable(df, [x, y, color or "", *tips])
    cat = alt.X if not horizontal else alt.Y
    val = alt.Y if not horizontal else alt.X
    offset = alt.XOffset if not horizontal else alt.YOffset
    # A horizontal chart's category title reads across, above the labels and ending at the
    # axis line: rotated beside long labels it overlaps them in the PNGs of PDF and DOCX
    # (vl-convert underestimates the labels' width when it lays the title out).
    across = dict(titleAngle=0, titleAlign="right", titleBaseline="bottom", titleX=-8, titleY=-8)
    cat_axis = alt.Axis(
        labelAngle=0 if horizontal else -45, labelLimit=240, **(across if horizontal else {})
    )
    enc: dict[str, Any] = {
        ("y" if horizontal else "x"): cat(
            x, type="nominal", title=x_title, sort=None, axis=cat_axis
        ),
        ("x" if horizontal else "y"): val(
            y, type="quantitative", title=y_title, stack="zero" if stack else None
        ),
        "tooltip": _tooltips(data, tips, y, None),
    }
    if color:
        domain, _ = _series_scales(data, color)
        enc["color"] = alt.Color(color, type="nominal", title=None, scale=alt.Scale(domain=domain))
        if not stack:
            enc["xOffset" if not horizontal else "yOffset"] = offset(
                color, type="nominal", scale=alt.Scale(domain=domain)
            )
    base = alt.Chart(data, title=title).properties(width=WIDTH, height=HEIGHT)
    bars = base.mark_bar().encode(**enc)
    if stack and color:
        return bars
    # Labels show every category, with `c` (at zero) where the value is suppressed.
    label_enc = {k: v for k, v in enc.items() if k not in ("color", "tooltip")}
    pos = "x" if horizontal else "y"
    label_enc[pos] = val("_label_pos", type="quantitative", title=y_title)
    label_enc["text"] = alt.Text("_label", type="nominal")
    labels = (
        base.transform_calculate(
            _label_pos=f"isValid(datum[{y!r}]) ? datum[{y!r}] : 0",
            _label=f"isValid(datum[{y!r}]) ? format(datum[{y!r}], ',.0f') : 'c'",
        )
        .mark_text(
            align="left" if horizontal else "center",
            baseline="middle" if horizontal else "bottom",
            dx=4 if horizontal else 0,
            dy=0 if horizontal else -3,
        )
        .encode(**label_enc)
    )
    return alt.layer(bars, labels)


# ---------------------------------------------------------------- alt text
def _fmt_x(value: Any, x_format: str) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.strftime(x_format)
    return str(value)


def alt_text_trend(
    df: pl.DataFrame,
    *,
    x: str,
    y: str,
    what: str,
    x_format: str = "%B %Y",
    value_format: str = "{:,.0f}",
    references: dict[str, float] | None = None,
) -> str:
    """'Line chart: <what> rose from A in <x0> to B in <x1>; lowest L in <xl>, highest H in
    <xh>; it fell from <xa> to <xb> before rising again; target T, England E'.

    The lowest and highest points are always named (a dip between two similar ends is not
    hidden), and so is each reversal of direction: the turning points, at the published
    precision (`value_format`), so a flat stretch is not a turn.
    """
    flag = f"is_{y}_suppressed"
    rows = df.sort(x)
    if flag in rows.columns:
        rows = rows.with_columns(pl.when(pl.col(flag)).then(None).otherwise(pl.col(y)).alias(y))
    points = [(r[x], r[y]) for r in rows.iter_rows(named=True) if r[y] is not None]
    n_hidden = rows.height - len(points)
    if not points:
        return f"Line chart: {what}; all values are suppressed or missing"

    def fx(v) -> str:
        return _fmt_x(v, x_format)

    def fv(v) -> str:
        return value_format.format(v)

    (x0, v0), (x1, v1) = points[0], points[-1]
    if len(points) == 1:
        text = f"Line chart: {what} was {fv(v0)} in {fx(x0)}"
    elif len({fv(v) for _, v in points}) == 1:
        text = f"Line chart: {what} stayed at {fv(v0)} from {fx(x0)} to {fx(x1)}"
    elif fv(v0) == fv(v1):
        text = f"Line chart: {what} was {fv(v0)} in {fx(x0)} and again in {fx(x1)}"
    else:
        verb = "rose" if v1 > v0 else "fell"
        text = f"Line chart: {what} {verb} from {fv(v0)} in {fx(x0)} to {fv(v1)} in {fx(x1)}"
    if len(points) > 2:
        lo_i = min(range(len(points)), key=lambda i: (points[i][1], i))
        hi_i = max(range(len(points)), key=lambda i: (points[i][1], -i))
        named = []
        extremes = []
        if 0 < lo_i < len(points) - 1 and fv(points[lo_i][1]) != fv(min(v0, v1)):
            extremes.append(f"lowest {fv(points[lo_i][1])} in {fx(points[lo_i][0])}")
            named.append(points[lo_i][0])
        if 0 < hi_i < len(points) - 1 and fv(points[hi_i][1]) != fv(max(v0, v1)):
            extremes.append(f"highest {fv(points[hi_i][1])} in {fx(points[hi_i][0])}")
            named.append(points[hi_i][0])
        if extremes:
            text += "; " + ", ".join(extremes)
        turns = [t for t in _turning_points(points, fv) if t[1] not in named]
        if turns:
            phrases = [
                f"{'a low' if kind == 'low' else 'a peak'} of {fv(v)} in {fx(at)}"
                for kind, at, v in turns[:4]
            ]
            more = len(turns) - 4
            text += "; it also changed direction at " if extremes else "; it changed direction at "
            text += ", ".join(phrases)
            if more > 0:
                text += f" and {more} more time{'s' if more != 1 else ''}"
    if references:
        text += "; " + ", ".join(f"{k.lower()} {fv(v)}" for k, v in references.items())
    if n_hidden:
        text += f" ({n_hidden} value{'s' if n_hidden != 1 else ''} suppressed or missing)"
    return text


def _turning_points(points: list[tuple[Any, float]], fv) -> list[tuple[str, Any, float]]:
    """('low'|'peak', x, value) where the direction changes, comparing shown values."""
    shown = [(xv, v, fv(v)) for xv, v in points]
    # collapse runs of the same shown value, keeping the first point of each run
    runs = [shown[0]]
    for p in shown[1:]:
        if p[2] != runs[-1][2]:
            runs.append(p)
    out = []
    for a, b, c in zip(runs, runs[1:], runs[2:], strict=False):
        if b[1] < a[1] and b[1] < c[1]:
            out.append(("low", b[0], b[1]))
        elif b[1] > a[1] and b[1] > c[1]:
            out.append(("peak", b[0], b[1]))
    return out


def alt_text_year_on_year(
    df: pl.DataFrame,
    *,
    date: str,
    y: str,
    year: str,
    what: str,
    value_format: str = "{:,.0f}",
) -> str:
    """'Line chart comparing 2023-24 with 2022-23: in 2023-24 <what> rose ...; in 2022-23 ...'."""
    years = sorted(df[year].drop_nulls().unique().to_list(), reverse=True)
    parts = []
    for label in years:
        text = alt_text_trend(
            df.filter(pl.col(year) == label), x=date, y=y, what=what, value_format=value_format
        )
        parts.append(f"in {label} " + text.removeprefix("Line chart: "))
    if not parts:
        return f"Line chart: {what}; no data"
    head = "Line chart" + (
        f" comparing {years[0]} with {', '.join(str(v) for v in years[1:])} month by month"
        if len(years) > 1
        else ""
    )
    return f"{head}: " + "; ".join(parts)


def alt_text_bars(
    df: pl.DataFrame, *, category: str, value: str, what: str, value_format: str = "{:,.0f}"
) -> str:
    """'Bar chart of <what>: largest A (n), then B (n), ...; suppressed: C'."""
    flag = f"is_{value}_suppressed"
    shown: list[tuple[str, float]] = []
    hidden: list[str] = []
    for r in df.iter_rows(named=True):
        if r[value] is None or bool(r.get(flag)):
            hidden.append(str(r[category]))
        else:
            shown.append((str(r[category]), r[value]))
    shown.sort(key=lambda p: -p[1])
    parts = [f"{c} ({value_format.format(v)})" for c, v in shown]
    text = f"Bar chart of {what}"
    if parts:
        text += ": largest " + parts[0]
        if len(parts) > 1:
            text += ", then " + ", ".join(parts[1:])
    if hidden:
        text += ("; " if parts else ": ") + "suppressed: " + ", ".join(hidden)
    return text
