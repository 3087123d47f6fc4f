"""Watching the line: JSON logs, one line and one latency sample per webhook request."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from typing import Any, TextIO, cast

from flask import Flask, Response, g, request
from flask.logging import default_handler, wsgi_errors_stream
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import HTTPException

from . import metrics, ops, rendering
from .privacy import mask_number

WEBHOOKS = frozenset(metrics.WEBHOOK_ENDPOINTS)
STATES = {"voice.incoming": "new", "voice.language": "language", "ops.fallback": "fallback"}
log = logging.getLogger("ivr.requests")


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the record's `fields` merged in."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as a single line of JSON."""
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            **getattr(record, "fields", {}),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


def configure_logging() -> None:
    """Send the package's logs to stderr as JSON, once, in place of Flask's plain-text handler."""
    logger = logging.getLogger("ivr")
    logger.removeHandler(default_handler)
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        # Resolved at each write, so the stream is gunicorn's (or a test's) stderr of the moment.
        handler = logging.StreamHandler(cast(TextIO, wsgi_errors_stream))
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def init_app(app: Flask) -> None:
    """Log and time every request, and serve health, metrics, status callbacks and the fallback."""
    configure_logging()
    # A webhook gets TwiML or a 4xx: no redirect to a merged-slashes URL that Twilio would not follow.
    app.url_map.merge_slashes = False
    metrics.init_app(app)
    rendering.init_app(app)
    ops.init_app(app)
    app.before_request(_start_clock)
    app.after_request(_observe)


def _start_clock() -> None:
    g.ivr_started = time.perf_counter()


def _observe(response: Response) -> Response:
    """Count the answer, time it, and write its log line; a failure here never replaces the answer."""
    try:
        _record(response)
    except Exception:
        log.exception("could not record the request")
    return response


def _record(response: Response) -> None:
    elapsed = time.perf_counter() - g.get("ivr_started", time.perf_counter())
    status = response.status_code
    endpoint = request.endpoint or "-"
    counters = metrics.current_metrics()
    if status >= 500:
        counters.errors.labels("http_5xx").inc()
    elif status >= 400:
        counters.rejected.labels(str(status)).inc()
    if endpoint in WEBHOOKS:
        counters.latency.labels(endpoint).observe(elapsed)
    if endpoint in WEBHOOKS or status >= 400:
        fault = g.get("ivr_fault")
        level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
        fields = _fields(endpoint, status, elapsed, fault)
        log.log(logging.ERROR if fault else level, "webhook", extra={"fields": fields})


def _fields(endpoint: str, status: int, elapsed: float, fault: str | None) -> dict[str, Any]:
    form = _form()
    fields = {
        "call_sid": form.get("CallSid", "-")[:40],
        "endpoint": endpoint,
        "state": _state(endpoint, form),
        "key": form.get("Digits", "")[:9],
        "status": status,
        "latency_ms": round(elapsed * 1000, 2),
        "caller": mask_number(form.get("From")),
    }
    if endpoint not in WEBHOOKS:
        fields["path"] = request.path[:100]
    if fault:
        fields["fault"] = fault
    return fields


def _form() -> MultiDict[str, str]:
    """The request's form, or nothing if it cannot be read (a body over the size limit)."""
    try:
        return request.form
    except HTTPException:
        return MultiDict()


def _state(endpoint: str, form: MultiDict[str, str]) -> str:
    """Where the caller was when this request came: new call, language menu, or language/node:step."""
    args = request.view_args or {}
    if endpoint == "voice.step":
        return f"{args['lang']}/{args['node']}:{request.args.get('step', '0')[:3]}"[:80]
    if endpoint == "ops.status":
        return f"ended:{form.get('CallStatus', '-')[:20]}"
    return STATES.get(endpoint, "-")
