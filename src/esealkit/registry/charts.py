"""Inline SVG bar charts for the registry report (图表), no scripts or external resources.

Example::

    from esealkit.registry.charts import Bar, horizontal_bars

    svg = horizontal_bars([Bar("电子证照签发率", [(0.87, "#2f855a")], "87 %", marker=0.85)],
                          scale=1.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from html import escape

__all__ = ["COLOURS", "Bar", "horizontal_bars", "legend"]

COLOURS = {
    "met": "#2f855a",  # green: target met / certificate-free
    "short": "#dd6b20",  # orange: below target
    "blocked": "#c53030",  # red: blocked matters
    "unlock": "#2b6cb0",  # blue: matters a type unlocks alone
    "neutral": "#a0aec0",  # grey: context
    "track": "#edf2f7",  # the bar's background
    "marker": "#1a202c",  # the target line
}

_LABEL_WIDTH = 300
_BAR_WIDTH = 420
_VALUE_WIDTH = 150
_ROW_HEIGHT = 26
_BAR_HEIGHT = 16


@dataclass(frozen=True)
class Bar:
    """One row: a label, stacked segments (length in the chart's units, colour), a caption.

    ``marker`` draws the target as a vertical line at that length.
    """

    label: str
    segments: Sequence[tuple[float, str]]
    caption: str
    marker: float | None = None
    tooltip: str = field(default="")


def _clip(text: str, limit: int = 34) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def horizontal_bars(bars: Sequence[Bar], scale: float, title: str = "") -> str:
    """An SVG of one horizontal stacked bar per row; ``scale`` is the full bar's length."""
    scale = scale if scale > 0 else 1.0
    width = _LABEL_WIDTH + _BAR_WIDTH + _VALUE_WIDTH
    height = max(1, len(bars)) * _ROW_HEIGHT + 8
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}">'
    ]
    if not bars:
        parts.append(f'<text x="4" y="20" class="empty">{escape("no data")}</text>')
    for index, bar in enumerate(bars):
        y = 4 + index * _ROW_HEIGHT
        middle = y + _ROW_HEIGHT / 2 + 4
        tip = escape(bar.tooltip or f"{bar.label}: {bar.caption}")
        parts.append(f"<g><title>{tip}</title>")
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{middle:.1f}" text-anchor="end">'
            f"{escape(_clip(bar.label))}</text>"
        )
        top = y + (_ROW_HEIGHT - _BAR_HEIGHT) / 2
        parts.append(
            f'<rect x="{_LABEL_WIDTH}" y="{top:.1f}" width="{_BAR_WIDTH}" '
            f'height="{_BAR_HEIGHT}" fill="{COLOURS["track"]}"/>'
        )
        x = float(_LABEL_WIDTH)
        for length, colour in bar.segments:
            w = max(0.0, min(length / scale, 1.0) * _BAR_WIDTH)
            w = min(w, _LABEL_WIDTH + _BAR_WIDTH - x)
            if w > 0:
                parts.append(
                    f'<rect x="{x:.1f}" y="{top:.1f}" width="{w:.1f}" '
                    f'height="{_BAR_HEIGHT}" fill="{escape(colour)}"/>'
                )
            x += w
        if bar.marker is not None:
            mx = _LABEL_WIDTH + min(bar.marker / scale, 1.0) * _BAR_WIDTH
            parts.append(
                f'<line x1="{mx:.1f}" x2="{mx:.1f}" y1="{top - 3:.1f}" '
                f'y2="{top + _BAR_HEIGHT + 3:.1f}" stroke="{COLOURS["marker"]}" '
                'stroke-width="2"/>'
            )
        parts.append(
            f'<text x="{_LABEL_WIDTH + _BAR_WIDTH + 8}" y="{middle:.1f}">'
            f"{escape(bar.caption)}</text></g>"
        )
    parts.append("</svg>")
    return "".join(parts)


def legend(items: Sequence[tuple[str, str]]) -> str:
    """A one-line SVG legend of (colour, label) pairs."""
    width = 20 + sum(40 + 8 * len(label) for _, label in items)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="legend" width="{width}" height="22" '
        f'viewBox="0 0 {width} 22">'
    ]
    x = 4
    for colour, label in items:
        parts.append(
            f'<rect x="{x}" y="5" width="12" height="12" fill="{escape(colour)}"/>'
            f'<text x="{x + 18}" y="16">{escape(label)}</text>'
        )
        x += 40 + 8 * len(label)
    parts.append("</svg>")
    return "".join(parts)
