"""Charts drawn on the server as SVG: this module lays them out (scales, ticks, bars, lines, date labels in
the reader's locale); `web/charts.html` draws them, with a legend and the figures as a table beside.

The drawing is 360 units wide, about what a phone shows at 390 px: the SVG scales with its box, so text
stays readable on a phone and grows moderately on a wide screen (the box is capped by the page's CSS).
Colours keep at least 3:1 against white (WCAG 1.4.11); every series also has a legend and the table.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar, NamedTuple

WIDTH = 360
PALETTE = ("#1d4ed8", "#c2410c", "#15803d", "#7e22ce", "#b91c1c", "#4b5563")


@dataclass(frozen=True)
class Series:
    name: str  # shown in the legend (already translated)
    values: Sequence[float | None]  # one per day (None: no figure that day, a gap in a line)
    color: str
    kind: str = "bar"  # bar | line


class Bar(NamedTuple):
    """A bar's rectangle in SVG units, written with one decimal (a year of days is hundreds of bars: the
    template unpacks them as they are)."""

    x: str
    y: str
    width: str
    height: str
    color: str
    title: str  # the figure, for a pointer's tooltip


def bar(x: float, y: float, width: float, height: float, color: str, title: str) -> Bar:
    return Bar(f"{x:.1f}", f"{y:.1f}", f"{width:.1f}", f"{height:.1f}", color, title)


@dataclass(frozen=True)
class Line:
    points: str  # SVG polyline points
    color: str
    dots: tuple[tuple[str, str, str], ...] = ()  # (x, y, the figure for a pointer's tooltip), one decimal

    @property
    def circles(self) -> str:
        """The dots as SVG, their titles escaped: a year is hundreds of them, cheaper written here than
        one by one by the template."""
        from markupsafe import escape

        color = escape(self.color)
        return "".join(
            f'<circle cx="{x}" cy="{y}" r="2.5" fill="{color}"><title>{escape(title)}</title></circle>'
            for x, y, title in self.dots
        )


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

    @property
    def rects(self) -> str:
        """The bars as SVG, a line each, colours and titles escaped (see `Line.circles`)."""
        from markupsafe import escape

        return "".join(
            f'      <rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{escape(color)}">'
            f"<title>{escape(title)}</title></rect>\n"
            for x, y, width, height, color, title in self.bars
        )


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


class DateLabels:
    """Dates in one of a locale's patterns, exactly as Babel writes them, at a fraction of the cost: a report
    of a year labels hundreds of days, and Babel resolves the locale and every field again for each one. Here
    the pattern is parsed once, and each field (day of month, month, year) is written once per distinct value
    (Babel writes it); a pattern with any other field leaves the whole date to Babel. Labels are locale data
    only (no figures, nobody's data), so a container keeps the recent days' labels."""

    KEPT = 1500  # days remembered per locale and pattern: a few years of reports

    _BY: ClassVar[dict[str, Callable[[date], int]]] = {
        "d": lambda day: day.day,
        "M": lambda day: day.month,
        "L": lambda day: day.month,
        "y": lambda day: day.year,
    }

    def __init__(self, pattern: str, babel_locale: str) -> None:
        from babel.dates import parse_pattern

        self.parsed = parse_pattern(pattern)
        self.babel_locale = babel_locale
        self.format: str = str(self.parsed.format)  # "%(d)s %(MMM)s" (Babel types it loosely)
        self.fields = tuple(dict.fromkeys(re.findall(r"%\((\w+)\)s", self.format)))
        self.simple = all(name[0] in self._BY for name in self.fields)
        self.written: dict[tuple[str, int], str] = {}  # (field, value) -> text; a few dozen at most
        self.labels: dict[date, str] = {}  # the days labelled lately (a date's label never changes)

    def __call__(self, day: date) -> str:
        label = self.labels.get(day)
        if label is None:
            if len(self.labels) >= self.KEPT:
                self.labels.clear()
            label = self.labels[day] = self._write(day)
        return label

    def _write(self, day: date) -> str:
        if not self.simple:
            return str(self.parsed.apply(day, self.babel_locale))
        from babel.dates import DateTimeFormat

        values = {}
        for name in self.fields:
            key = (name, self._BY[name[0]](day))
            text = self.written.get(key)
            if text is None:
                text = self.written[key] = DateTimeFormat(day, self.babel_locale)[name]
            values[name] = text
        return str(self.format % values)


def date_labels(locale: str, kind: str) -> DateLabels:
    """The formatter of a locale's `short_day` (`30 Nov` / `30 нояб.`: skeleton MMMd) or `medium` date
    (`30 Nov 2026`, as the `date` filter writes it): one per supported locale, built on first use."""
    from chalicelib.i18n import formatting_locale, locale_of

    return _date_labels(formatting_locale(locale_of(locale)), kind)


@functools.cache
def _date_labels(babel_locale: str, kind: str) -> DateLabels:
    from babel import Locale
    from babel.dates import get_date_format, match_skeleton

    if kind == "medium":
        return DateLabels(str(get_date_format("medium", locale=babel_locale).pattern), babel_locale)
    skeletons = Locale.parse(babel_locale).datetime_skeletons
    skeleton = "MMMd" if "MMMd" in skeletons else match_skeleton("MMMd", skeletons)
    return DateLabels(str(skeletons[skeleton]), babel_locale)


def day_label(day: date, locale: str) -> str:
    """`30 Nov` / `30 нояб.`: day and month in the reader's locale."""
    return date_labels(locale, "short_day")(day)


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
    titles: Sequence[str] | None = None,
) -> Chart:
    """Bars (grouped, or stacked) and lines over days, on one value axis from zero. `titles`: what each slot
    is called in its bars' and dots' tooltips (`Week of 3 Nov`), when not its axis label (the day's)."""
    chart = Chart(title, WIDTH, height, left=34, top=10, right=WIDTH - 8, bottom=height - 24)
    chart.legend = [(s.name, s.color) for s in series]
    bar_series = [s for s in series if s.kind == "bar"]
    count = max(1, len(days))
    if stacked:
        figures = [[v or 0 for v in s.values] for s in bar_series]
        largest = float(max([0, *map(sum, zip(*figures, strict=True))]))
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
    label_of = date_labels(locale, "short_day")
    labels = [label_of(day) for day in days]  # each day's label once, for its tick and its bars' and dots' titles
    named = labels if titles is None else titles
    every = _every(count, 6)
    chart.x_ticks = [Tick(chart.left + slot * (i + 0.5), labels[i]) for i in range(0, len(days), every)]
    gap = slot * 0.2
    width = (slot - gap) / (1 if stacked or not bar_series else len(bar_series))
    bar_width = max(width, 0.5)
    zero = y_of(0)
    busy = sorted({i for s in bar_series for i, v in enumerate(s.values) if v})  # most days of a year have no bar
    for i in busy:
        base = 0.0
        for n, s in enumerate(bar_series):
            if not s.values[i]:
                continue  # no bar (and nothing stacked) for a figure of zero
            value = float(s.values[i] or 0)
            if stacked:
                y_top, y_bottom = y_of(base + value), y_of(base)
                x = chart.left + slot * i + gap / 2
                base += value
            else:
                y_top, y_bottom = y_of(value), zero
                x = chart.left + slot * i + gap / 2 + width * n
            chart.bars.append(
                bar(x, y_top, bar_width, y_bottom - y_top, s.color, f"{named[i]}: {s.name} {number(value)}")
            )
    for s in series:
        if s.kind != "line":
            continue
        dots = tuple(
            (
                f"{chart.left + slot * (i + 0.5):.1f}",
                f"{y_of(float(v)):.1f}",
                f"{named[i]}: {s.name} {number(float(v))}",
            )
            for i, v in enumerate(s.values)
            if v is not None
        )
        chart.lines.append(Line(" ".join(f"{x},{y}" for x, y, _ in dots), s.color, dots))
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
            chart.bars.append(bar(chart.left, y + 16, x_of(value) - chart.left, 13, color, f"{label}: {shown}"))
        chart.values.append((x_of(value) + 4, y + 23, shown))
    return chart
