"""The stats page in the studio: the line's counts, as /ops/stats shows them on the line."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, request, url_for

from ..line import Line
from ..stats.summary import ALL
from ..stats.web import chosen_days, render
from ..store import MemoryStore, StoreUnavailable
from ..tracking import Tracker
from .workspace import current_workspace

bp = Blueprint("stats", __name__, url_prefix="/stats")


@bp.get("")
def page() -> str:
    """Where callers go, get stuck and end: the calls of the studio's line, or of the shared store."""
    app = current_workspace().line()
    line: Line = app.extensions["ivr"]
    tracker: Tracker = app.extensions["ivr.tracking"]
    lang = request.args.get("lang", ALL)
    if lang != ALL and lang not in line.catalog.languages:
        abort(404, f"There is no content file for the language '{lang}'.")
    days = chosen_days(request.args.get("days", ""), int(app.config["STATS_DAYS"]))
    if isinstance(tracker.store, MemoryStore):
        source = ("Counted from the calls made on the Phone page since the content files last changed "
                  "(without REDIS_URL the studio's line keeps its counts in memory).")
    else:
        source = "Counted in the shared store (REDIS_URL): the line's own counts, from every instance."
    try:
        content = render(line, tracker, lang, days, app.config["STATS_FUNNEL"],
                         lambda code: url_for("stats.page", lang=code, days=days), source)
    except StoreUnavailable:
        abort(503, "Redis (REDIS_URL) did not answer in time: try again in a minute.")
    return render_template("stats.html", content=content)
