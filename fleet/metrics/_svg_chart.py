"""Line charts as inline SVG, drawn in Python: the report needs no plotting library, no CDN and
no JavaScript to show them."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape

WIDTH = 760
HEIGHT = 250
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 16, 30, 36
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf")

Series = Mapping[str, Sequence[float | None]]


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round tick values covering ``low..high`` (1, 2 or 5 times a power of ten apart)."""
    if not (math.isfinite(low) and math.isfinite(high)) or high <= low:
        return [low] if math.isfinite(low) else [0.0]
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.floor(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(value, 10))
    return ticks


def _label(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 10_000:
        return f"{value / 1000:g}k"
    return f"{value:g}"


@dataclass(frozen=True, slots=True)
class _Plane:
    """The plot area and its scales: data values to pixels."""

    x_low: float
    x_high: float
    y_high: float
    width: int = WIDTH - _LEFT - _RIGHT
    height: int = HEIGHT - _TOP - _BOTTOM

    def px(self, value: float) -> float:
        return _LEFT + (value - self.x_low) / ((self.x_high - self.x_low) or 1.0) * self.width

    def py(self, value: float) -> float:
        return _TOP + self.height - value / (self.y_high or 1.0) * self.height


def line_chart(
    title: str,
    x: Sequence[float],
    series: Series,
    *,
    y_label: str,
    x_label: str = "s",
    bands: Sequence[tuple[float, float, str]] = (),
) -> str:
    """One chart: a path per series (gaps where a value is None), axes with round ticks, a
    legend; ``bands`` (start, end, label) shade windows behind it (faults injected on purpose).
    Returns the ``<svg>`` element; ``data-*`` attributes feed the optional hover JS."""
    values = [v for column in series.values() for v in column if v is not None and math.isfinite(v)]
    x_ticks = nice_ticks(min(x, default=0.0), max(x, default=1.0))
    y_ticks = nice_ticks(0.0, max(values, default=1.0) or 1.0)
    plane = _Plane(x_ticks[0], x_ticks[-1], y_ticks[-1])
    parts = [
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{escape(title)}" '
        f"data-x='{escape(json.dumps(list(x)))}' "
        f"data-series='{escape(json.dumps({name: list(col) for name, col in series.items()}))}' "
        f'data-unit="{escape(y_label)}">',
        f'<text class="title" x="{_LEFT}" y="18">{escape(title)}</text>',
        *_axes(plane, x_ticks, y_ticks, x_label, y_label),
        *_bands(plane, bands),
        *_series(plane, x, series),
    ]
    if not values:
        parts.append(
            f'<text class="empty" x="{_LEFT + plane.width / 2:.0f}" y="{_TOP + plane.height / 2:.0f}" '
            'text-anchor="middle">no data</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _axes(plane: _Plane, x_ticks: list[float], y_ticks: list[float], x_label: str, y_label: str) -> list[str]:
    """Grid lines with the y ticks, the x ticks, both axis labels and the frame."""
    parts = []
    for tick in y_ticks:
        y = plane.py(tick)
        parts.append(f'<line class="grid" x1="{_LEFT}" x2="{WIDTH - _RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>')
        parts.append(
            f'<text class="tick" x="{_LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{_label(tick)}</text>'
        )
    for tick in x_ticks:
        parts.append(
            f'<text class="tick" x="{plane.px(tick):.1f}" y="{HEIGHT - _BOTTOM + 16}" text-anchor="middle">'
            f"{_label(tick)}</text>"
        )
    middle = f"{_TOP + plane.height / 2:.0f}"
    parts += [
        f'<text class="tick" x="{WIDTH - _RIGHT}" y="{HEIGHT - 4}" text-anchor="end">'
        f"{escape(x_label)}</text>",
        f'<text class="tick" x="12" y="{middle}" text-anchor="middle" '
        f'transform="rotate(-90 12 {middle})">{escape(y_label)}</text>',
        f'<rect class="frame" x="{_LEFT}" y="{_TOP}" width="{plane.width}" height="{plane.height}" '
        'fill="none"/>',
    ]
    return parts


def _series(plane: _Plane, x: Sequence[float], series: Series) -> list[str]:
    """A path per series and its legend entry, laid out from the right, the first series on top."""
    parts = []
    legend_x = WIDTH - _RIGHT
    for position, (name, column) in reversed(list(enumerate(series.items()))):
        colour = COLOURS[position % len(COLOURS)]
        parts.append(_path(column, x, plane.px, plane.py, colour, name))
        legend_x -= 12 + 7 * len(name) + 16
        parts.append(
            f'<rect x="{legend_x}" y="9" width="12" height="3" fill="{colour}"/>'
            f'<text class="legend" x="{legend_x + 16}" y="14">{escape(name)}</text>'
        )
    return parts


def _path(
    column: Sequence[float | None],
    x: Sequence[float],
    px: Callable[[float], float],
    py: Callable[[float], float],
    colour: str,
    name: str,
) -> str:
    commands: list[str] = []
    dots: list[str] = []
    pen_down = False
    run: list[tuple[float, float]] = []

    def end_run() -> None:
        if len(run) == 1:  # a lone value between gaps: a dot, or it would not show
            dots.append(f'<circle cx="{run[0][0]:.1f}" cy="{run[0][1]:.1f}" r="2" fill="{colour}"/>')

    for x_value, value in zip(x, column, strict=True):
        if value is None or not math.isfinite(value):
            if pen_down:
                end_run()
            pen_down, run = False, []
            continue
        point = (px(x_value), py(value))
        commands.append(f"{'L' if pen_down else 'M'}{point[0]:.1f},{point[1]:.1f}")
        run.append(point)
        pen_down = True
    end_run()
    if not commands:
        return ""
    return (
        f'<path class="series" d="{" ".join(commands)}" fill="none" stroke="{colour}" stroke-width="1.6">'
        f"<title>{escape(name)}</title></path>" + "".join(dots)
    )


def _bands(plane: _Plane, bands: Sequence[tuple[float, float, str]]) -> list[str]:
    """A shaded rectangle per window, clipped to the plot, its label as a tooltip."""
    parts = []
    for start, end, label in bands:
        left = plane.px(max(start, plane.x_low))
        right = plane.px(min(end, plane.x_high))
        if right > left:
            parts.append(
                f'<rect class="band" x="{left:.1f}" y="{_TOP}" width="{right - left:.1f}" '
                f'height="{plane.height}"><title>{escape(label)}</title></rect>'
            )
    return parts
