"""Charts as plain SVG geometry: bars across in percent of the width, so they fit a phone or a wide screen.

Text keeps its size in pixels whatever the width (an SVG without a viewBox is not scaled), and only the
bars stretch: on a phone, labels stay as readable as the page's own text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

LONGEST_BAR = 82.0  # percent of the width: the count is written after the bar
ROW_HEIGHT = 42
PLOT_HEIGHT = 150  # pixels of the tallest column
COLUMN_TOP = 20  # room for the value above the tallest column
LABEL_ROOM = 22


@dataclass(frozen=True)
class Row:
    """One bar to draw: what it is, its count, and optional words shown beside."""

    label: str
    value: int
    note: str = ""  # said after the count: "12 % of those who reached it"
    kind: str = ""  # a class that colours the bar (how a call ended)
    key: str = ""  # what tests and scripts find it by: "fr/create:3"


@dataclass(frozen=True)
class Bar:
    """A row placed: its label's baseline, its bar's top and length."""

    row: Row
    y: int
    length: float  # percent of the width

    @property
    def value_inside(self) -> bool:
        """Whether the count is written inside the end of the bar (a long bar leaves no room after it)."""
        return self.length > 55


@dataclass(frozen=True)
class BarChart:
    """Horizontal bars, one row each, longest for the biggest count."""

    bars: list[Bar]
    height: int

    @property
    def empty(self) -> bool:
        """Whether there is nothing but zeros to draw."""
        return not any(bar.row.value for bar in self.bars)


def bar_chart(rows: Sequence[Row], scale: int | None = None) -> BarChart:
    """Bars for the rows, the largest count (or `scale`) spanning LONGEST_BAR percent."""
    top = max([scale or 0, *(row.value for row in rows), 1])
    bars = [Bar(row, index * ROW_HEIGHT, LONGEST_BAR * row.value / top) for index, row in enumerate(rows)]
    return BarChart(bars, max(len(rows) * ROW_HEIGHT, ROW_HEIGHT))


@dataclass(frozen=True)
class Series:
    """One thing counted over time, one value per day."""

    name: str
    kind: str
    values: list[int]


@dataclass(frozen=True)
class Column:
    """A column placed: across in percent, up in pixels."""

    x: float
    width: float
    y: int
    height: int
    value: int
    series: Series
    day: str


@dataclass(frozen=True)
class ColumnChart:
    """Columns per day, one per series side by side, with the days under them."""

    columns: list[Column]
    days: list[tuple[float, str]]  # the centre of each labelled day, and its label
    series: list[Series]
    height: int
    values_shown: bool  # few enough columns to write each value above its own

    @property
    def baseline(self) -> int:
        """Where the columns stand."""
        return COLUMN_TOP + PLOT_HEIGHT

    @property
    def empty(self) -> bool:
        """Whether every value is zero."""
        return not any(column.value for column in self.columns)


def column_chart(days: Sequence[str], series: Sequence[Series]) -> ColumnChart:
    """Each day's values side by side; day labels thinned out so they never overlap."""
    top = max([1, *(value for one in series for value in one.values)])
    span = 100.0 / max(len(days), 1)
    inner = span * 0.8 / max(len(series), 1)
    columns = []
    for index, day in enumerate(days):
        for place, one in enumerate(series):
            value = one.values[index]
            height = round(PLOT_HEIGHT * value / top)
            x = index * span + span * 0.1 + place * inner
            columns.append(Column(x, inner, COLUMN_TOP + PLOT_HEIGHT - height, height, value, one, day))
    every = max(1, -(-len(days) // 8))  # at most 8 labels: a phone's width
    labels = [(index * span + span / 2, short_day(day))
              for index, day in enumerate(days) if index % every == 0]
    return ColumnChart(columns, labels, list(series), COLUMN_TOP + PLOT_HEIGHT + LABEL_ROOM,
                       len(columns) <= 24)


MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def short_day(day: str) -> str:
    """'2026-11-30' as '30 Nov'."""
    return f"{int(day[8:10])} {MONTHS[int(day[5:7]) - 1]}"
