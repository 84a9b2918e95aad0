"""The dashboard's charts, drawn on the server as inline SVG (no scripts, no inline styles: the CSP holds).

Two kinds: columns over weeks (grouped side by side, or stacked: on time under late), and horizontal bars
by category (open clocks overdue by kind; caseloads against each worker's limit, with the limit marked).
Colour is never the only cue: each series has its own fill pattern (solid, hatched, dotted) shown in the key,
every column and bar carries its number, and the chart prints in black and white. Each chart has a `<title>`
and a `<desc>` that says in words what it shows; the page puts the same figures in a table beside it and
offers them as CSV.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 960
INK = "#0b0c0c"
GREY = "#505a5f"
GRID = "#b1b4b6"
STYLES = {  # name: (fill colour, pattern line colour or "", pattern kind, words for the key)
    "solid": ("#1d70b8", "", "", "solid blue"),
    "hatched": ("#f6d7d2", "#d4351c", "hatch", "red hatching"),
    "dotted": ("#ffffff", "#0b0c0c", "dots", "black dots"),
    "dark": ("#0b0c0c", "", "", "solid black"),
}


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[int | float]
    style: str = "solid"


def _f(v: float) -> str:
    s = f"{v:.1f}"
    return s[:-2] if s.endswith(".0") else s


def _n(v: float) -> str:
    return f"{v:,.1f}".rstrip("0").rstrip(".") if isinstance(v, float) and v != int(v) else f"{int(v):,}"


def _nice_max(top: float) -> tuple[float, float]:
    """An axis maximum at or above `top` and a tick step (1, 2 or 5 times a power of ten; 4 to 6 ticks)."""
    if top <= 0:
        return 1.0, 1.0
    raw = top / 5
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 5, 10) if m * power >= raw)
    step = max(step, 1.0) if top >= 1 else step
    return step * math.ceil(top / step), step


def _defs(chart_id: str) -> str:
    out = ["<defs>"]
    for name, (bg, line, kind, _words) in STYLES.items():
        if kind == "hatch":
            out.append(f'<pattern id="{chart_id}-{name}" width="6" height="6" patternUnits="userSpaceOnUse" '
                       f'patternTransform="rotate(45)"><rect width="6" height="6" fill="{bg}"/>'
                       f'<path d="M0 0v6" stroke="{line}" stroke-width="2.5"/></pattern>')
        elif kind == "dots":
            out.append(f'<pattern id="{chart_id}-{name}" width="5" height="5" patternUnits="userSpaceOnUse">'
                       f'<rect width="5" height="5" fill="{bg}"/><circle cx="2.5" cy="2.5" r="1.1" fill="{line}"/>'
                       f'</pattern>')
    out.append("</defs>")
    return "".join(out)


def _fill(chart_id: str, style: str) -> str:
    bg, _line, kind, _words = STYLES[style]
    return f"url(#{chart_id}-{style})" if kind else bg


def _open(chart_id: str, title: str, description: str, height: int) -> list[str]:
    return [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" width="100%" role="img" '
            f'aria-labelledby="{chart_id}-title" aria-describedby="{chart_id}-desc" font-family="arial, sans-serif" '
            f'focusable="false"><title id="{chart_id}-title">{escape(title)}</title>'
            f'<desc id="{chart_id}-desc">{escape(description)}</desc>{_defs(chart_id)}']


def _key(chart_id: str, series: Sequence[Series], extra: Sequence[str] = ()) -> str:
    """The key, in HTML so it wraps: a swatch drawn with the series' own pattern, and its name in words."""
    items = []
    for s in series:
        items.append(f'<span class="app-chart__key"><svg width="22" height="14" aria-hidden="true" focusable="false">'
                     f'<rect x="1" y="1" width="20" height="12" fill="{_fill(chart_id, s.style)}" stroke="{INK}"/></svg> {escape(s.name)} '
                     f'<span class="govuk-visually-hidden">({STYLES[s.style][3]})</span></span>')
    items.extend(f'<span class="app-chart__key">{escape(text)}</span>' for text in extra)
    return f'<figcaption class="govuk-body-s">{"".join(items)}</figcaption>'


def columns(*, chart_id: str, title: str, description: str, categories: Sequence[str], series: Sequence[Series],
            stacked: bool = False, height: int = 260) -> str:
    """Columns over `categories` (weeks): grouped side by side, or stacked in the order given (first at the
    bottom). Every column is labelled with its number (stacked: each part inside it when it fits, and the
    total above)."""
    left, right, top, bottom = 48, 10, 24, 40
    plot_w, plot_h = WIDTH - left - right, height - top - bottom
    n = max(1, len(categories))
    if stacked:
        totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    else:
        totals = [max((s.values[i] for s in series), default=0) for i in range(len(categories))]
    axis_max, step = _nice_max(max(totals, default=0))
    slot = plot_w / n
    group_w = slot * 0.72
    bar_w = group_w if stacked else group_w / max(1, len(series))

    def y_of(v: float) -> float:
        return top + plot_h - plot_h * v / axis_max

    out = _open(chart_id, title, description, height)
    w = out.append
    w('<g aria-hidden="true">')
    tick = 0.0
    grid, labels = [], []
    while tick <= axis_max + 1e-9:
        y = y_of(tick)
        grid.append(f"M{left} {_f(y)}H{WIDTH - right}")
        labels.append(f'<text x="{left - 6}" y="{_f(y + 4)}" text-anchor="end">{_n(tick)}</text>')
        tick += step
    w(f'<path d="{"".join(grid)}" stroke="{GRID}" stroke-width="1"/>')
    w(f'<g font-size="13" fill="{INK}">{"".join(labels)}</g>')
    w(f'<g font-size="13" fill="{INK}" stroke="{INK}" stroke-width="1">')
    for i, cat in enumerate(categories):
        x0 = left + i * slot + (slot - group_w) / 2
        base = 0.0
        for j, s in enumerate(series):
            v = s.values[i]
            if stacked:
                x, y, hgt = x0, y_of(base + v), plot_h * v / axis_max
                base += v
            else:
                x, y, hgt = x0 + j * bar_w, y_of(v), plot_h * v / axis_max
            if v:
                w(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(bar_w - (0 if stacked else 2))}" height="{_f(hgt)}" '
                  f'fill="{_fill(chart_id, s.style)}"/>')
            if not stacked:
                w(f'<text x="{_f(x + (bar_w - 2) / 2)}" y="{_f(y - 4)}" text-anchor="middle" stroke="none">'
                  f'{_n(v)}</text>')
            elif v and hgt >= 18 and bar_w >= 9 * len(_n(v)) + 6:
                # the part's number on a white label, readable on any fill
                label_w = 9 * len(_n(v)) + 6
                cx, cy = x + bar_w / 2, y + hgt / 2
                w(f'<rect x="{_f(cx - label_w / 2)}" y="{_f(cy - 9)}" width="{label_w}" height="17" rx="2" '
                  f'fill="#ffffff" stroke="none"/><text x="{_f(cx)}" y="{_f(cy + 4.5)}" text-anchor="middle" '
                  f'stroke="none">{_n(v)}</text>')
        if stacked:
            w(f'<text x="{_f(x0 + group_w / 2)}" y="{_f(y_of(base) - 4)}" text-anchor="middle" stroke="none" '
              f'font-weight="bold">{_n(base)}</text>')
        w(f'<text x="{_f(left + i * slot + slot / 2)}" y="{height - bottom + 16}" text-anchor="middle" '
          f'stroke="none">{escape(cat)}</text>')
    w("</g>")
    w(f'<path d="M{left} {top + plot_h}H{WIDTH - right}" stroke="{INK}" stroke-width="1"/>')
    w("</g></svg>")
    extra = ["Numbers above the columns are totals."] if stacked else []
    return f'<figure class="app-chart">{"".join(out)}{_key(chart_id, series, extra)}</figure>'


@dataclass(frozen=True)
class BarRow:
    label: str
    value: float
    flagged: bool = False  # drawn hatched and named in words after the number
    marker: float | None = None  # a limit, drawn as a line across the bar
    note: str = ""  # words after the number (e.g. "of 18: over the limit")


def bars(*, chart_id: str, title: str, description: str, rows: Sequence[BarRow], normal: str = "",
         flagged: str = "", marker: str = "", row_height: int = 28, label_width: int = 330) -> str:
    """Horizontal bars, one per row, each labelled with its number; flagged rows hatched; an optional marker
    (a limit) drawn as a thick black line."""
    if not rows:
        return ""
    right, top = 150, 8
    plot_w = WIDTH - label_width - right
    height = top + len(rows) * row_height + 8
    axis_max, _step = _nice_max(max(max(r.value, r.marker or 0) for r in rows))

    def x_of(v: float) -> float:
        return label_width + plot_w * v / axis_max

    out = _open(chart_id, title, description, height)
    w = out.append
    w(f'<g aria-hidden="true" font-size="14" fill="{INK}">')
    for i, r in enumerate(rows):
        y = top + i * row_height
        style = "hatched" if r.flagged else "solid"
        label = r.label if len(r.label) <= 42 else r.label[:41] + "…"
        w(f'<text x="{label_width - 8}" y="{y + row_height / 2 + 5}" text-anchor="end">{escape(label)}</text>')
        if r.value:
            w(f'<rect x="{label_width}" y="{y + 4}" width="{_f(x_of(r.value) - label_width)}" '
              f'height="{row_height - 8}" fill="{_fill(chart_id, style)}" stroke="{INK}" stroke-width="0.5"/>')
        if r.marker is not None:
            w(f'<path d="M{_f(x_of(r.marker))} {y + 1}v{row_height - 2}" stroke="{INK}" stroke-width="3"/>')
        text = _n(r.value) + (f" {r.note}" if r.note else "")
        bold = ' font-weight="bold"' if r.flagged else ""
        end = max(x_of(r.value), x_of(r.marker) if r.marker is not None else 0)
        w(f'<text x="{_f(end + 6)}" y="{y + row_height / 2 + 5}"{bold}>{escape(text)}</text>')
    w(f'<path d="M{label_width} {top}V{height - 8}" stroke="{INK}" stroke-width="1"/>')
    w("</g></svg>")
    series = ([Series(normal, [], "solid")] if normal else []) + ([Series(flagged, [], "hatched")] if flagged else [])
    extra = [marker] if marker else []
    return f'<figure class="app-chart">{"".join(out)}{_key(chart_id, series, extra)}</figure>'
