"""Charts for the report's tables, drawn on the server as SVG (templates/reports/_chart.html).

A chart is drawn from its table's cells as shown, already suppressed, so a chart can never
show a figure the table hides: a suppressed or hidden cell gets no bar or point, only its
words. Black on white with outlines and words on every mark, so it prints in black and white
and reads without colour; each chart has a title and a description, and its data table is
beside it.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from itertools import pairwise

from navigator.reports.tables import MINUS, ChartSpec, Kind, ReportTable

WIDTH = 640
LABEL_ROOM = 150  # for the value written after a bar
BAR_ROW = 48
BAR_HEIGHT = 18
LINE_HEIGHT = 240
LINE_LEFT, LINE_RIGHT, LINE_TOP, LINE_BOTTOM = 30, 30, 30, 40

NUMBER = re.compile(r"^[+\u2212-]?[\d,]+(\.\d+)?%?$")


@dataclass(frozen=True)
class Bar:
    label: str
    text: str  # the figure as the table shows it
    y: float
    x: float = 0  # where the bar starts
    width: float = 0  # 0: no bar (suppressed, hidden, not shown or zero)


@dataclass(frozen=True)
class Point:
    label: str
    text: str
    x: float
    y: float | None  # None: not drawn (suppressed or hidden)
    anchor: str = "middle"  # where its words sit: the first and last kept inside the chart


@dataclass(frozen=True)
class Dumbbell:
    label: str
    before_text: str
    after_text: str
    y: float
    before_x: float | None
    after_x: float | None


@dataclass
class Chart:
    key: str
    kind: Kind
    title: str
    description: str
    height: float
    bars: list[Bar] = field(default_factory=list)
    zero_x: float = 0
    points: list[Point] = field(default_factory=list)
    segments: list[tuple[Point, Point]] = field(default_factory=list)
    axis_y: float = 0
    dumbbells: list[Dumbbell] = field(default_factory=list)
    scale: list[tuple[float, str]] = field(default_factory=list)


def value_of(cell: str) -> float | None:
    """The number a cell shows ("1,234", "75%", "−0.8"), or None for words."""
    text = cell.strip()
    if not NUMBER.match(text):
        return None
    return float(text.replace(",", "").replace("%", "").replace(MINUS, "-"))


def chart_for(table: ReportTable) -> Chart | None:
    spec = table.chart
    if spec is None or not table.rows:
        return None
    if spec.kind == "line":
        return _line(table, spec)
    if spec.kind == "before_after":
        return _before_after(table)
    if spec.kind == "cells":
        labelled = [
            (f"{row[0]}, {heading.lower()}", cell)
            for row in table.rows
            for heading, cell in zip(table.header[1:], row[1:], strict=False)
            if heading != "Total"
        ]
        return _bars(table, spec, labelled, f"one bar for each cell of the table, {spec.measure}")
    column = table.header.index(spec.column)
    labelled = [(", ".join(row[: table.label_columns]), row[column]) for row in table.rows]
    named = " and ".join(heading.lower() for heading in table.header[: table.label_columns])
    return _bars(table, spec, labelled, f"{spec.column.lower()} for each {named}")


def _bars(table: ReportTable, spec: ChartSpec, labelled: list[tuple[str, str]], what: str) -> Chart:
    values = [value_of(text) for _, text in labelled]
    known = [abs(value) for value in values if value is not None]
    percent = any(text.endswith("%") for _, text in labelled)
    top = 100.0 if percent else max(known, default=0) or 1
    negative = any(value is not None and value < 0 for value in values)
    span = WIDTH - LABEL_ROOM
    zero_x = span / 2 if negative else 0
    scale = (span / 2 if negative else span) / top
    bars = []
    for n, ((label, text), value) in enumerate(zip(labelled, values, strict=True)):
        y = n * BAR_ROW + 20
        if value is None or value == 0:
            bars.append(Bar(label, text, y, zero_x))
            continue
        width = abs(value) * scale
        bars.append(Bar(label, text, y, zero_x - width if value < 0 else zero_x, width))
    unshown = [label for (label, text), value in zip(labelled, values, strict=True) if value is None]
    description = f"Bar chart: {what}. {_unshown(unshown)}The figures are in the table below."
    if negative:
        description = "Bars left of the middle line are falls, right of it rises. " + description
    return Chart(table.key, "bars", table.title, description, len(bars) * BAR_ROW + 10, bars=bars, zero_x=zero_x)


def _unshown(labels: list[str]) -> str:
    if not labels:
        return ""
    return f"No bar is drawn for {len(labels)} with a small, hidden or not shown figure. "


def _line(table: ReportTable, spec: ChartSpec) -> Chart:
    source = table.total_row or table.rows[0]
    months = [heading for heading in table.header[1:] if heading != "Total"]
    cells = source[1 : 1 + len(months)]
    values = [value_of(cell) for cell in cells]
    top = _nice(max((value for value in values if value is not None), default=0))
    inner_width = WIDTH - LINE_LEFT - LINE_RIGHT
    inner_height = LINE_HEIGHT - LINE_TOP - LINE_BOTTOM
    step = inner_width / max(len(months) - 1, 1)
    points = []
    for n, (month, cell, value) in enumerate(zip(months, cells, values, strict=True)):
        x = LINE_LEFT + (n * step if len(months) > 1 else inner_width / 2)
        y = None if value is None else LINE_TOP + inner_height * (1 - value / top)
        anchor = "start" if n == 0 and len(months) > 1 else "end" if n == len(months) - 1 > 0 else "middle"
        points.append(Point(month.split(" ")[0], cell, x, y, anchor))
    segments = [(a, b) for a, b in pairwise(points) if a.y is not None and b.y is not None]
    unshown = [point.label for point in points if point.y is None]
    description = (
        f"Line chart: {spec.measure} each month, {months[0]} to {months[-1]}, each point labelled with its "
        f"number. {_unshown(unshown).replace('bar', 'point')}The figures are in the table below."
    )
    return Chart(
        table.key,
        "line",
        table.title,
        description,
        LINE_HEIGHT,
        points=points,
        segments=segments,
        axis_y=LINE_TOP + inner_height,
    )


def _nice(value: float) -> float:
    """A round number at or above the largest value, for the line chart's top."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    return next(step * magnitude for step in (1, 2, 2.5, 5, 10) if step * magnitude >= value)


UCLA_LOW, UCLA_HIGH = 3, 9
BEFORE_AFTER_LEFT = 240  # the time points' words sit left of the scale
BEFORE_ROW, AFTER_ROW = "Baseline mean (people with a follow-up)", "Follow-up mean"


def _before_after(table: ReportTable) -> Chart:
    """The paired UCLA-3 means before and after, one line a time point, on the 3 to 9 scale."""
    by_label = {row[0]: row[1:] for row in table.rows}
    before, after = by_label[BEFORE_ROW], by_label[AFTER_ROW]
    left, span = BEFORE_AFTER_LEFT, WIDTH - BEFORE_AFTER_LEFT - 20

    def x_of(cell: str) -> float | None:
        value = value_of(cell)
        return None if value is None else left + span * (value - UCLA_LOW) / (UCLA_HIGH - UCLA_LOW)

    dumbbells = [
        Dumbbell(point, b, a, n * 70 + 40, x_of(b), x_of(a))
        for n, (point, b, a) in enumerate(zip(table.header[1:], before, after, strict=True))
    ]
    scale = [(left + span * (score - UCLA_LOW) / (UCLA_HIGH - UCLA_LOW), str(score)) for score in range(3, 10)]
    description = (
        "Before and after chart of the same people's mean UCLA-3 score (3 to 9, lower is less lonely): an "
        "open circle at the baseline mean and a filled circle at the follow-up mean, for each follow-up. "
        "Means over a small number of people are not drawn. The figures are in the table below."
    )
    return Chart(
        table.key,
        "before_after",
        table.title,
        description,
        len(dumbbells) * 70 + 50,
        dumbbells=dumbbells,
        scale=scale,
    )
