"""Reading the stats page's numbers back out of its HTML, as a person reads them off the page."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser


@dataclass
class ViewNumbers:
    """One view of the page: its headline figures, its tables and its bars, by what they name."""

    figures: dict[str, int] = field(default_factory=dict)
    tables: dict[str, dict[str, dict[str, int]]] = field(default_factory=dict)  # table -> place -> stat
    charts: dict[str, dict[str, int]] = field(default_factory=dict)  # chart label -> bar key -> count
    days: dict[str, dict[str, int]] = field(default_factory=dict)  # day -> series -> count
    unreported: int = 0


class PageReader(HTMLParser):
    """Collects every view's numbers from the data attributes the page puts beside them."""

    def __init__(self) -> None:
        super().__init__()
        self.views: dict[str, ViewNumbers] = {}
        self.view = ViewNumbers()
        self.table = self.row = self.stat = self.chart = self.figure = ""
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "section" and "data-view" in found:
            self.view = self.views.setdefault(found["data-view"], ViewNumbers())
        elif tag == "table" and "data-table" in found:
            self.table = found["data-table"]
            self.view.tables.setdefault(self.table, {})
        elif tag == "tr" and ("data-place" in found or "data-day" in found):
            self.row = found.get("data-place") or found["data-day"]
        elif tag == "td" and "data-stat" in found:
            self.stat, self.text = found["data-stat"], []
        elif tag == "div" and "data-figure" in found:
            self.figure = found["data-figure"]
        elif tag == "span" and found.get("class") == "figure":
            self.text = []
        elif tag == "svg" and "stats-bars" in found.get("class", ""):
            self.chart = found.get("aria-label", "")
            self.view.charts[self.chart] = {}
        elif tag == "g" and "data-key" in found:
            self.view.charts[self.chart][found["data-key"]] = int(found["data-value"])
        elif tag == "p" and "data-unreported" in found:
            self.view.unreported = int(found["data-unreported"])

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self.stat:
            value = int("".join(self.text).strip())
            if self.table == "days":
                self.view.days.setdefault(self.row, {})[self.stat] = value
            else:
                self.view.tables[self.table].setdefault(self.row, {})[self.stat] = value
            self.stat = ""
        elif tag == "span" and self.figure and self.text:
            self.view.figures[self.figure] = int("".join(self.text).strip())
            self.figure, self.text = "", []
        elif tag == "table":
            self.table = ""


def read_page(html: str) -> dict[str, ViewNumbers]:
    """Every view of a stats page ('all', 'fr', ...) with its numbers."""
    reader = PageReader()
    reader.feed(html)
    return reader.views
