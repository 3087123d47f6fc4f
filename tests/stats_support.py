"""Scripted calls for the stats tests, and reading the stats page's numbers back out of its HTML."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask

from ivr.phone import Phone

from .conftest import signed_post

KEYS = {code: str(index) for index, code in enumerate(["fr", "en", "ar", "fa", "ps", "ti", "ru", "uk"], 1)}


@dataclass(frozen=True)
class Script:
    """One scripted call: the keys pressed in turn ('' is silence), and how long Twilio says it lasted."""

    name: str
    keys: list[str]
    seconds: int


# Main menu: 1 about, 2 create, 3 after, 4 password, 5 help. In steps: 1 next, 9 again, * back, 0 help.
SCRIPTS = [
    Script("fr, hangs up in step 3 of create", [KEYS["fr"], "2", "1", "1"], 95),
    Script("fr, hangs up in step 1 of create", [KEYS["fr"], "2"], 60),
    Script("fr, help from step 1, put through", [KEYS["fr"], "2", "0", "1"], 700),
    Script("en, the whole way to the last step of the card", [KEYS["en"], "2", *["1"] * 13], 400),
    Script("ar, step 2 twice again, back, on again", [KEYS["ar"], "2", "1", "9", "9", "*", "1"], 150),
    Script("uk, silent until the line hangs up", [KEYS["uk"], "", "", ""], 45),
    Script("no language chosen", [], 10),
    Script("ru, password back and on to the end, then the main menu",
           [KEYS["ru"], "4", "1", "*", "1", "1", "1", "1"], 200),
]


def run_scripts(app: Flask, make_phone: Callable[..., Phone]) -> list[Phone]:
    """Every script as a call from a number of its own, each closed by a signed status callback."""
    phones = []
    for number, script in enumerate(SCRIPTS):
        phone = make_phone(app, caller=f"+3361000{number:04d}")
        phone.dial()
        for key in script.keys:
            phone.press(key)
        response = signed_post(app.test_client(), "/twilio/status", {
            "CallSid": phone.call_sid, "From": phone.caller, "CallStatus": "completed",
            "CallDuration": str(script.seconds)})
        assert response.status_code == 204
        phones.append(phone)
    assert phones[3].ended is False and phones[5].ended is True  # the line hung up on the silent caller
    return phones


# The "create" funnel over all languages: step -> times reached.
FUNNEL = {"create:0": 5, "create:1": 4, "create:2": 2, **{f"create:{step}": 1 for step in range(3, 9)},
          "create_path:0": 1, **{f"create_card:{step}": 1 for step in range(4)},
          **{f"create_visa:{step}": 0 for step in range(3)}}


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
