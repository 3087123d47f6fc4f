"""The stats page on the line, /ops/stats: behind the metrics token when one is set, like /metrics."""

from __future__ import annotations

import hmac
import urllib.parse
from collections.abc import Callable

from flask import Blueprint, Response, abort, current_app, redirect, request
from markupsafe import Markup
from werkzeug.wrappers import Response as BaseResponse

from ..line import Line, current_line
from ..store import MemoryStore, StoreUnavailable
from ..tracking import Tracker, current_tracker
from .page import Choice, body, document
from .summary import ALL, Summariser
from .tally import Tally

bp = Blueprint("stats", __name__)
COOKIE = "ivr_stats_token"


def presented_token() -> str:
    """The token a request carries: a bearer header (scripts), the cookie, or ?token= (a link on a phone)."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer "):]
    return request.cookies.get(COOKIE) or request.args.get("token", "")


@bp.get("/ops/stats")
def page() -> BaseResponse:
    """Where callers go, get stuck and end, per language, over the last days."""
    token = current_app.config["METRICS_TOKEN"]
    if token:
        if not hmac.compare_digest(presented_token().encode(), str(token).encode()):
            abort(401)
        if "token" in request.args:
            # Kept in a cookie rather than in the address bar, the history and links passed on.
            query = urllib.parse.urlencode([(k, v) for k, v in request.args.items() if k != "token"])
            response = redirect(request.path + (f"?{query}" if query else ""))
            response.set_cookie(COOKIE, str(token), path=request.path, httponly=True, samesite="Strict",
                                secure=request.is_secure)
            return response
    line = current_line()
    days = chosen_days(request.args.get("days", ""), int(current_app.config["STATS_DAYS"]))
    lang = request.args.get("lang", ALL)
    if lang != ALL and lang not in line.catalog.languages:
        abort(404)
    try:
        content = render(line, current_tracker(), lang, days, current_app.config["STATS_FUNNEL"],
                         lambda code: "?" + urllib.parse.urlencode({"lang": code, "days": days}),
                         source_of(current_tracker()))
    except StoreUnavailable:
        return Response("The store does not answer now: try again in a minute.", status=503,
                        mimetype="text/plain")
    answer = Response(document("ANEF line: where callers get stuck", content), mimetype="text/html")
    answer.headers["Cache-Control"] = "no-store"
    return answer


def chosen_days(raw: str, kept: int) -> int:
    """Days asked for in the URL, within those the store keeps."""
    return min(int(raw), kept) if raw.isdigit() and 0 < len(raw) < 4 and int(raw) > 0 else kept


def source_of(tracker: Tracker) -> str:
    """Where the counts come from, in words."""
    if isinstance(tracker.store, MemoryStore):
        return ("Counted in this process's memory (no REDIS_URL): only the calls it answered, "
                "since it started.")
    return "Counted in the shared store (Redis), by every instance of the line."


def render(line: Line, tracker: Tracker, lang: str, days: int, funnel: str,
           link: Callable[[str], str], source: str) -> Markup:
    """The page's body for one language (or all), with links to the others; StoreUnavailable if unread."""
    counts = tracker.day_counts(days)
    tally = Tally.from_fields(counts)
    view = Summariser(line.catalog, line.tree, funnel).view(tally, lang)
    choices = [Choice(link(ALL), "All languages", lang == ALL)] + [
        Choice(link(language.code), f"{language.name} ({language.code})", language.code == lang)
        for language in line.catalog.ordered()]
    first, last = min(counts), max(counts)
    period = Markup("Last {} day{} (UTC), today included: <time>{}</time> to <time>{}</time>.").format(
        days, "s" if days > 1 else "", first, last)
    return body([view], choices, source, period)
