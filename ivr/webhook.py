"""A Twilio webhook request, read once: its form and query as plain dicts, and the URL Twilio signed."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from flask import Request, g, request
from werkzeug.exceptions import RequestEntityTooLarge


class Fields(dict[str, list[str]]):
    """Every value of every field, in the shape twilio's RequestValidator reads (`getall`)."""

    def getall(self, name: str) -> list[str]:
        """All the values of one field."""
        # The validator tries getall, then getlist, catching AttributeError: werkzeug's MultiDict has no
        # getall, so it paid for one exception per field on every request.
        return self[name]


@dataclass(frozen=True, slots=True)
class Webhook:
    """What Twilio sent: the form (every value, and the first of each), the query, and the URL."""

    fields: Fields  # for the signature
    form: dict[str, str]  # the first value of each field, for everything else
    query: dict[str, str]
    origin: str  # scheme://host, as the caller (or the proxy before us) saw them
    script_root: str  # where the app is mounted: "" at the root
    target: str  # the request line's path and query, escapes as sent

    @property
    def url(self) -> str:
        """The URL as Twilio called it, byte for byte: what it signed."""
        return self.origin + self.target


def current_webhook() -> Webhook:
    """This request's webhook, read on first use and kept on `g`."""
    context = g._get_current_object()  # once: every access through the `g` proxy costs microseconds
    webhook: Webhook | None = getattr(context, "ivr_webhook", None)
    if webhook is None:
        webhook = context.ivr_webhook = read(request._get_current_object())  # type: ignore[attr-defined]
    return webhook


def read(req: Request) -> Webhook:
    """Read a request once; a body over MAX_CONTENT_LENGTH raises werkzeug's 413."""
    environ = req.environ
    # Twilio posts application/x-www-form-urlencoded; anything else parses to garbage that fails the
    # signature check. werkzeug's form parser costs several times this for the same fields.
    fields = parse_form(body(req)) if req.method == "POST" else Fields()
    query = parse_form(environ.get("QUERY_STRING", "").encode("latin-1", "replace"))
    return Webhook(fields, {name: values[0] for name, values in fields.items()},
                   {name: values[0] for name, values in query.items()}, f"{req.scheme}://{req.host}",
                   req.script_root, raw_target(environ))


def body(req: Request) -> bytes:
    """The request's body, refused with werkzeug's 413 over MAX_CONTENT_LENGTH."""
    length = req.content_length
    if length is None or req.environ.get("wsgi.input_terminated"):
        return req.get_data(cache=True)  # chunked, or of unknown length: werkzeug's guarded read
    limit = req.max_content_length
    if limit is not None and length > limit:
        raise RequestEntityTooLarge()
    # Read as werkzeug would, without its stream wrappers, which cost as much as parsing the form.
    data: bytes = req.environ["wsgi.input"].read(length)
    return data


def parse_form(body: bytes) -> Fields:
    """Fields of a urlencoded body, blank values kept, as parse_qsl (and werkzeug) decode them."""
    fields = Fields()
    for pair in body.decode("utf-8", "replace").split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        # Most names and values need no decoding: skip unquote_plus unless there is something to decode.
        if "%" in name or "+" in name:
            name = _unquote(name)
        if "%" in value or "+" in value:
            value = _unquote(value)
        fields.setdefault(name, []).append(value)
    return fields


def _unquote(text: str) -> str:
    """unquote_plus, as bytes: the same text for a same body, at a fraction of the cost."""
    return urllib.parse.unquote_to_bytes(text.replace("+", " ")).decode("utf-8", "replace")


def raw_target(environ: dict[str, str]) -> str:
    """The request line's path and query as sent; rebuilt from the parts when the server kept none."""
    # Twilio signs the URL byte for byte, escapes included; werkzeug's request.url would decode some of
    # them (and costs more to rebuild). gunicorn and werkzeug keep the request line's target in RAW_URI.
    target = environ.get("RAW_URI") or environ.get("REQUEST_URI") or ""
    if target.startswith("/"):
        return target
    # Absent, or an absolute-form target: WSGI hands the path over as bytes decoded as latin-1; quote those
    # bytes, not their UTF-8 form.
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    target = urllib.parse.quote(path.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~")
    query = environ.get("QUERY_STRING", "")
    return target + (f"?{query}" if query else "")
