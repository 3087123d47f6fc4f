"""make report LOGS=<file>: the stats page as one static HTML file, from the line's JSON log lines.

For operators without Prometheus or Redis: the log lines of every instance, in any order, give the same
counts as the store (each webhook's line names its events, and never a number). Prints what it read.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

from markupsafe import Markup

from .. import config
from ..content import load_catalog
from .page import Choice, body, document
from .summary import ALL, Summariser
from .tally import Tally

TITLE = "ANEF line: where callers get stuck"


@contextmanager
def opened(name: str) -> Iterator[TextIO]:
    """The log file, or standard input for '-'."""
    if name == "-":
        yield sys.stdin
        return
    with open(name, encoding="utf-8", errors="replace") as file:
        yield file


def build(logs: str, settings_overrides: dict[str, str] | None = None) -> tuple[str, Tally, int]:
    """The report's HTML, the counts it shows and the number of lines read."""
    settings = config.load(settings_overrides)
    catalog = load_catalog(Path(settings["CONTENT_DIR"]))
    read = 0

    def lines(file: TextIO) -> Iterator[str]:
        nonlocal read
        for line in file:
            read += 1
            yield line

    with opened(logs) as file:
        tally = Tally.from_log(lines(file))
    total = tally.total()
    # A language nobody used would only add empty charts.
    used = [language.code for language in catalog.ordered()
            if any(len(event) > 1 and event[1] == language.code for event in total)]
    views = Summariser(catalog, catalog.tree, str(settings["STATS_FUNNEL"])).views(tally, used)
    choices = [Choice(f"#view-{view.code}", "All languages" if view.code == ALL else view.title, False)
               for view in views]
    name = "standard input" if logs == "-" else Path(logs).name
    source = f"From {read} log lines ({name})."
    period: str | Markup = "No day had a count."
    if tally.days:
        first, last = min(tally.days), max(tally.days)
        period = Markup("Days (UTC): <time>{}</time> to <time>{}</time>.").format(first, last)
    return document(TITLE, body(views, choices, source, period)), tally, read


def main(argv: list[str] | None = None) -> int:
    """Write the report and say what went into it."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("logs", help="a file of the line's JSON log lines (gunicorn's stderr); - for stdin")
    parser.add_argument("-o", "--output", default="stats-report.html", help="the HTML file to write")
    args = parser.parse_args(argv)
    try:
        html, tally, read = build(args.logs)
    except OSError as error:
        print(f"error: cannot read {args.logs}: {error.strerror}", file=sys.stderr)
        return 1
    Path(args.output).write_text(html, encoding="utf-8")
    total = tally.total()
    ended = sum(count for event, count in total.items() if event[0] == "ended")
    days = f", {min(tally.days)} to {max(tally.days)}" if tally.days else ""
    print(f"{args.output}: {read} log lines read, {total[('answered',)]} calls answered, {ended} ended{days}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
