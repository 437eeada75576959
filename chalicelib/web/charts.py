"""Charts drawn on the server as SVG: this module lays them out (scales, ticks, bars, lines, date labels in
the reader's locale); `web/charts.html` draws them, with a legend and the figures as a table beside.

The drawing is 360 units wide, about what a phone shows at 390 px: the SVG scales with its box, so text
stays readable on a phone and grows moderately on a wide screen (the box is capped by the page's CSS).
Colours keep at least 3:1 against white (WCAG 1.4.11); every series also has a legend and the table.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH = 360
PALETTE = ("#1d4ed8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#4b5563")


@dataclass(frozen=True)
class Series:
    name: str  # shown in the legend (already translated)
    values: Sequence[float | None]  # one per day (None: no figure that day, a gap in a line)
    color: str
    kind: str = "bar"  # bar | line


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    color: str
    title: str  # the figure, for a pointer's tooltip


@dataclass(frozen=True)
class Line:
    points: str  # SVG polyline points
    color: str
    dots: tuple[tuple[float, float, str], ...] = ()


@dataclass(frozen=True)
class Tick:
    at: float
    label: str


@dataclass
class Chart:
    title: str
    width: int
    height: int
    left: float
    top: float
    right: float
    bottom: float
    legend: list[tuple[str, str]] = field(default_factory=list)  # (name, color)
    bars: list[Bar] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    labels: list[Tick] = field(default_factory=list)  # category labels (horizontal bar charts), at their row
    values: list[tuple[float, float, str]] = field(default_factory=list)  # value labels (x, y, text)
    horizontal: bool = False


def nice_step(largest: float, intervals: int = 4) -> float:
    """A step of 1, 2 or 5 times a power of ten, so `intervals` steps reach at least `largest`."""
    if largest <= 0:
        return 1.0
    raw = largest / intervals
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 5, 10):
        if raw <= factor * power:
            return float(factor * power)
    return float(10 * power)


def scale(largest: float, whole: bool = True) -> tuple[float, float]:
    """The axis's top and step for values up to `largest` (whole steps for counts)."""
    step = nice_step(largest)
    if whole:
        step = max(1.0, math.ceil(step))
    top = step * max(1, math.ceil(largest / step)) if largest > 0 else step * 4
    return top, step


def day_label(day: date, locale: str) -> str:
    """`30 Nov` / `30 нояб.`: day and month in the reader's locale."""
    from babel.dates import format_skeleton

    from chalicelib.i18n import formatting_locale, locale_of

    return str(format_skeleton("MMMd", day, locale=formatting_locale(locale_of(locale))))


def _every(count: int, room: int) -> int:
    """Label every n-th day so that at most `room` labels fit."""
    return max(1, math.ceil(count / room))


def days_chart(
    title: str,
    days: Sequence[date],
    series: Sequence[Series],
    locale: str,
    number: Callable[[float], str],
    *,
    stacked: bool = False,
    height: int = 200,
    whole: bool = True,
    top: float | None = None,
) -> Chart:
    """Bars (grouped, or stacked) and lines over days, on one value axis from zero."""
    chart = Chart(title, WIDTH, height, left=34, top=10, right=WIDTH - 8, bottom=height - 24)
    chart.legend = [(s.name, s.color) for s in series]
    bar_series = [s for s in series if s.kind == "bar"]
    count = max(1, len(days))
    if stacked:
        largest = max([sum(float(s.values[i] or 0) for s in bar_series) for i in range(len(days))] + [0.0])
    else:
        largest = max([float(v or 0) for s in bar_series for v in s.values] + [0.0])
    largest = max([largest] + [float(v) for s in series if s.kind == "line" for v in s.values if v is not None])
    axis_top, step = scale(top if top is not None else largest, whole)
    plot_height = chart.bottom - chart.top
    slot = (chart.right - chart.left) / count

    def y_of(value: float) -> float:
        return chart.bottom - plot_height * (value / axis_top)

    ticks = round(axis_top / step)
    chart.y_ticks = [Tick(y_of(step * n), number(step * n)) for n in range(ticks + 1)]
    every = _every(count, 6)
    chart.x_ticks = [
        Tick(chart.left + slot * (i + 0.5), day_label(day, locale)) for i, day in enumerate(days) if i % every == 0
    ]
    gap = slot * 0.2
    width = (slot - gap) / (1 if stacked or not bar_series else len(bar_series))
    for i, day in enumerate(days):
        base = 0.0
        for n, s in enumerate(bar_series):
            value = float(s.values[i] or 0)
            if stacked:
                y_top, y_bottom = y_of(base + value), y_of(base)
                x = chart.left + slot * i + gap / 2
                base += value
            else:
                y_top, y_bottom = y_of(value), y_of(0)
                x = chart.left + slot * i + gap / 2 + width * n
            if value:
                label = f"{day_label(day, locale)}: {s.name} {number(value)}"
                chart.bars.append(Bar(x, y_top, max(width, 0.5), y_bottom - y_top, s.color, label))
    for s in series:
        if s.kind != "line":
            continue
        points = [(chart.left + slot * (i + 0.5), y_of(float(v))) for i, v in enumerate(s.values) if v is not None]
        dots = tuple(
            (
                chart.left + slot * (i + 0.5),
                y_of(float(v)),
                f"{day_label(days[i], locale)}: {s.name} {number(float(v))}",
            )
            for i, v in enumerate(s.values)
            if v is not None
        )
        chart.lines.append(Line(" ".join(f"{x:.1f},{y:.1f}" for x, y in points), s.color, dots))
    return chart


def bars_chart(
    title: str,
    rows: Sequence[tuple[str, float, str]],
    color: str,
    number: Callable[[float], str],
    *,
    top: float | None = None,
    whole: bool = True,
) -> Chart:
    """Horizontal bars, one per row (label, value, value as shown), on a value axis from zero. Each row's
    label sits above its bar, so long names need no room beside the bars on a phone."""
    row_height = 34
    height = 10 + row_height * max(1, len(rows)) + 22
    chart = Chart(title, WIDTH, height, left=8, top=8, right=WIDTH - 56, bottom=height - 20)
    chart.horizontal = True
    axis_top, step = scale(top if top is not None else max([r[1] for r in rows] + [0.0]), whole)
    plot_width = chart.right - chart.left

    def x_of(value: float) -> float:
        return chart.left + plot_width * (value / axis_top)

    ticks = round(axis_top / step)
    chart.x_ticks = [Tick(x_of(step * n), number(step * n)) for n in range(ticks + 1)]
    for i, (label, value, shown) in enumerate(rows):
        y = chart.top + row_height * i
        chart.labels.append(Tick(y + 11, label if len(label) <= 48 else label[:47] + "…"))
        if value:
            chart.bars.append(Bar(chart.left, y + 16, x_of(value) - chart.left, 13, color, f"{label}: {shown}"))
        chart.values.append((x_of(value) + 4, y + 23, shown))
    return chart
