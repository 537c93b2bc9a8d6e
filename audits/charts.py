"""Bar charts drawn on the server as inline SVG (pure: no Flask, no database, no script).

Why SVG rather than a charting library: the page needs no script to show the figures, nothing is fetched from a
CDN and no third-party JavaScript has to be kept patched, and a test reads the chart like any other markup. Each
chart stands beside a table of the same numbers (screen readers, copying), so the SVG is marked as an image whose
text says where the table is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

# Colour-blind-safe (Okabe–Ito), each series also told apart by its legend and the table beside.
PALETTE = ("#0072B2", "#E69F00", "#D55E00", "#009E73", "#CC79A7", "#56B4E9", "#999999")


@dataclass(frozen=True)
class Series:
    """One stacked part of every bar: its name (legend) and a value per category."""

    name: str
    values: Sequence[int]
    colour: str = ""


def stacked_bars(categories: Sequence[str], series: Sequence[Series], *, title: str, table_id: str,
                 width: int = 640, height: int = 260) -> Markup:
    """An SVG of one stacked bar per category (values ≥ 0), with axis ticks, labels and a legend."""
    left, right, top, bottom = 40, 10, 10, 58
    plot_w, plot_h = width - left - right, height - top - bottom
    totals = [sum(s.values[i] for s in series) for i in range(len(categories))]
    peak = _nice(max(totals, default=0))
    step = plot_w / max(1, len(categories))
    bar_w = max(4.0, step * 0.6)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
             f'role="img" aria-labelledby="{escape(table_id)}-title" class="chart">',
             f'<title id="{escape(table_id)}-title">{escape(title)}</title>']
    for tick in range(5):
        value = peak * tick / 4
        y = top + plot_h - plot_h * tick / 4
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y:.1f}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="10">{value:g}</text>')
    for i, category in enumerate(categories):
        x = left + step * i + (step - bar_w) / 2
        y = top + plot_h
        for n, s in enumerate(series):
            value = s.values[i]
            if value <= 0:
                continue
            h = plot_h * value / peak
            y -= h
            colour = s.colour or PALETTE[n % len(PALETTE)]
            parts.append(f'<rect x="{x:.1f}" y="{y:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{colour}">'
                         f'<title>{escape(category)} {escape(s.name)}: {value}</title></rect>')
        parts.append(f'<text x="{x + bar_w / 2:.1f}" y="{top + plot_h + 13}" text-anchor="middle" '
                     f'font-size="10">{escape(category)}</text>')
    x = left
    for n, s in enumerate(series):
        colour = s.colour or PALETTE[n % len(PALETTE)]
        parts.append(f'<rect x="{x}" y="{height - 22}" width="10" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{x + 14}" y="{height - 13}" font-size="11">{escape(s.name)}</text>')
        x += 24 + 11 * len(s.name)
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 - every text in it is escaped above


def _nice(value: int) -> int:
    """The axis maximum: the value rounded up to 1, 2 or 5 × a power of ten (at least 4, so ticks are whole)."""
    if value <= 4:
        return 4
    magnitude = 10 ** (len(str(int(value))) - 1)
    for multiple in (1, 2, 4, 5, 10):
        if value <= multiple * magnitude:
            return multiple * magnitude
    return 10 * magnitude
