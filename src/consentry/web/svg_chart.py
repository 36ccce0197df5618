"""A horizontal grouped bar chart as server-rendered SVG: no script, no external assets.

Built for shares (0..1): one group per category (a region), one bar per series (a purpose),
each bar labelled with its value in text so colour is never the only carrier of meaning.
The SVG has `role="img"`, a `<title>` and a `<desc>` for assistive technology, and each bar
a `<title>` tooltip; pages show a data table with the same figures beside it. Colours are
dark enough for 3:1 contrast against white (WCAG 1.4.11) and distinguishable with the
common colour-vision deficiencies. Presentation is in attributes, not `style`, so the
page's strict Content-Security-Policy applies unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

PALETTE = ("#0a5bb5", "#b35900", "#00735c", "#8e3b8e", "#4d4d4d", "#a4161a")

WIDTH = 760
LABEL_W = 196
VALUE_W = 52
BAR_H = 11
BAR_GAP = 2
GROUP_GAP = 14
LEGEND_ROW_H = 18
LEGEND_PER_ROW = 2
AXIS_H = 22
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif"


@dataclass(frozen=True)
class Bar:
    """One bar: `value` in 0..1, the `text` written after it, a `tooltip` sentence."""

    value: float
    text: str
    tooltip: str


@dataclass(frozen=True)
class BarGroup:
    """A category: its `label`, a smaller `note` under it, one bar per series."""

    label: str
    note: str
    bars: tuple[Bar, ...]


def _x(value: float, area: float) -> float:
    return LABEL_W + max(0.0, min(1.0, value)) * area


def grouped_bar_chart(
    groups: Sequence[BarGroup],
    series: Sequence[str],
    *,
    title: str,
    description: str,
    chart_id: str = "chart",
) -> Markup:
    """The chart as an inline `<svg>` element (also a valid standalone SVG document)."""
    if len(series) > len(PALETTE):
        raise ValueError(f"at most {len(PALETTE)} series can be told apart")
    area = WIDTH - LABEL_W - VALUE_W
    group_h = len(series) * (BAR_H + BAR_GAP) - BAR_GAP + GROUP_GAP
    legend_rows = -(-len(series) // LEGEND_PER_ROW)
    top = 8 + legend_rows * LEGEND_ROW_H + AXIS_H
    height = top + len(groups) * group_h + 8
    parts: list[Markup] = [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" class="bar-chart" id="{id}" role="img" '
            'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
            'aria-labelledby="{id}-title {id}-desc" font-family="{font}" font-size="12">'
        ).format(id=chart_id, w=WIDTH, h=height, font=FONT),
        Markup('<title id="{}-title">{}</title>').format(chart_id, title),
        Markup('<desc id="{}-desc">{}</desc>').format(chart_id, description),
        Markup('<rect width="{}" height="{}" fill="#ffffff"/>').format(WIDTH, height),
    ]
    # Legend: one swatch and name per series, in bar order, two to a row (long purpose
    # titles would overlap on one row).
    step = (WIDTH - LABEL_W) / LEGEND_PER_ROW
    for i, name in enumerate(series):
        x = LABEL_W + (i % LEGEND_PER_ROW) * step
        y = 8 + (i // LEGEND_PER_ROW) * LEGEND_ROW_H
        parts.append(
            Markup(
                '<g class="legend-item"><rect x="{x:.1f}" y="{y}" width="12" height="12" '
                'fill="{c}"/><text x="{tx:.1f}" y="{ty}" fill="#1b1f24">{name}</text></g>'
            ).format(x=x, y=y, tx=x + 17, ty=y + 10, c=PALETTE[i], name=name)
        )
    # Axis: gridlines and labels at every quarter.
    for tick in (0.0, 0.25, 0.5, 0.75, 1.0):
        x = _x(tick, area)
        parts.append(
            Markup(
                '<line x1="{x:.1f}" x2="{x:.1f}" y1="{y1}" y2="{y2}" stroke="#d0d7de"/>'
                '<text x="{x:.1f}" y="{ty}" text-anchor="middle" fill="#57606a">{label}</text>'
            ).format(x=x, y1=top - 4, y2=height - 8, ty=top - 8, label=f"{tick:.0%}")
        )
    for g, group in enumerate(groups):
        y0 = top + g * group_h
        bars_h = group_h - GROUP_GAP
        parts.append(
            Markup(
                '<g class="bar-group"><text x="{lx}" y="{ly:.1f}" text-anchor="end" '
                'font-weight="600" fill="#1b1f24">{label}</text><text x="{lx}" y="{ny:.1f}" '
                'text-anchor="end" font-size="11" fill="#57606a">{note}</text>'
            ).format(
                lx=LABEL_W - 10,
                ly=y0 + bars_h / 2 - 1,
                ny=y0 + bars_h / 2 + 12,
                label=group.label,
                note=group.note,
            )
        )
        for i, bar in enumerate(group.bars):
            y = y0 + i * (BAR_H + BAR_GAP)
            end = _x(bar.value, area)
            parts.append(
                Markup(
                    '<g class="bar"><title>{tip}</title><rect x="{x}" y="{y}" width="{w:.1f}" '
                    'height="{h}" fill="{c}"/><text x="{tx:.1f}" y="{ty}" font-size="11" '
                    'fill="#1b1f24">{text}</text></g>'
                ).format(
                    tip=bar.tooltip,
                    x=LABEL_W,
                    y=y,
                    w=max(end - LABEL_W, 0.0),
                    h=BAR_H,
                    c=PALETTE[i],
                    tx=end + 4,
                    ty=y + BAR_H - 1,
                    text=bar.text,
                )
            )
        parts.append(Markup("</g>"))
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def as_document(svg: Markup) -> str:
    """A standalone .svg file's text for the chart."""
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + str(svg) + "\n"
