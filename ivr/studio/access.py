"""Who may use the studio: anyone on this machine; from anywhere else, only with the studio's token."""

from __future__ import annotations

import hmac
import ipaddress
import urllib.parse

from flask import Flask, abort, current_app, redirect, request
from werkzeug.wrappers import Response

COOKIE = "studio_token"
# Hosts a browser on this machine names; any other Host header may be a DNS-rebinding page.
LOCAL_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
FORWARDED = ("Forwarded", "X-Forwarded-For", "X-Real-Ip")


def init_app(app: Flask) -> None:
    """Check every request before its view."""
    app.before_request(guard)


def is_loopback(address: str | None) -> bool:
    """Whether an IP address is this machine's."""
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def from_this_machine() -> bool:
    """A request from a loopback address, to a local name, that no proxy passed on from elsewhere."""
    host = urllib.parse.urlsplit("//" + request.host).hostname or ""
    forwarded = any(name in request.headers for name in FORWARDED)
    return is_loopback(request.remote_addr) and host in LOCAL_NAMES and not forwarded


def presented_token() -> str:
    """The token the request carries: a bearer header, the cookie, or ?token= in a link."""
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        return header[len("Bearer "):]
    return request.cookies.get(COOKIE) or request.args.get("token", "")


def guard() -> Response | None:
    """Refuse a request from beyond this machine without the token, and any cross-site write."""
    if request.method not in ("GET", "HEAD") and not same_origin():
        abort(403, "The studio takes changes only from its own pages.")
    if from_this_machine():
        return None
    token = current_app.config["STUDIO_TOKEN"]
    if not token:
        abort(403, "The studio answers only on this machine. To open it to others, set IVR_STUDIO_TOKEN.")
    if not hmac.compare_digest(presented_token().encode(), str(token).encode()):
        abort(401, "This studio needs its token: open the link with ?token=... that its owner gave you.")
    if "token" in request.args and request.method == "GET":
        # Keep the token in a cookie rather than in the address bar, the history and shared links.
        query = urllib.parse.urlencode([(k, v) for k, v in request.args.items(multi=True) if k != "token"])
        response = redirect(request.path + (f"?{query}" if query else ""))
        response.set_cookie(COOKIE, str(token), httponly=True, samesite="Strict")
        return response
    return None


def same_origin() -> bool:
    """Whether a write comes from the studio's own pages (browsers say where a request comes from)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")
