"""Watching the line: JSON logs, one line and one latency sample per webhook request."""

from __future__ import annotations

import json
import logging
import sys
import time
from dataclasses import dataclass
from typing import Any, TextIO

from flask import Flask, Response, g, request
from flask.logging import default_handler
from werkzeug.exceptions import HTTPException

from . import metrics, tracking
from .navigation import State
from .privacy import mask_number
from .webhook import current_webhook

WEBHOOKS = frozenset(metrics.WEBHOOK_ENDPOINTS)
STATES = {"voice.incoming": "new", "voice.callback": "callback", "ops.fallback": "fallback"}
log = logging.getLogger("ivr.requests")
# One encoder for every line: json.dumps with options builds a new one each time.
ENCODER = json.JSONEncoder(ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the record's `fields` merged in."""

    def __init__(self) -> None:
        super().__init__()
        self._second: tuple[int, str] = (-1, "")

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as a single line of JSON."""
        entry: dict[str, Any] = {
            "time": f"{self._stamp(int(record.created))}.{int(record.msecs):03d}+00:00",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", ()))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return ENCODER.encode(entry)

    def _stamp(self, second: int) -> str:
        """The UTC date and time of a second, worked out once per second: every webhook logs a line."""
        if second != self._second[0]:
            self._second = (second, time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)))
        return self._second[1]


class StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to the process's stderr of the moment (gunicorn's, or a test's), looked up at each write."""

    def __init__(self) -> None:
        super().__init__(sys.stderr)

    @property
    def stream(self) -> TextIO:
        """sys.stderr now; Flask's wsgi_errors_stream would resolve to it after the request anyway."""
        return sys.stderr

    @stream.setter
    def stream(self, value: TextIO) -> None:
        """The stream is always stderr's of the moment; what StreamHandler sets is not kept."""


def configure_logging() -> None:
    """Send the package's logs to stderr as JSON, once, in place of Flask's plain-text handler."""
    logger = logging.getLogger("ivr")
    logger.removeHandler(default_handler)
    if not any(isinstance(handler.formatter, JsonFormatter) for handler in logger.handlers):
        handler = StderrHandler()
        handler.setFormatter(JsonFormatter())
        logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    # The JSON line names no source line, thread or process: Python's logging HOWTO ("Optimization") says
    # how not to collect them for every record.
    logging._srcfile = None
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False


def watch(app: Flask) -> None:
    """Time every request, and log and count it once its answer has gone out."""
    app.before_request(_start_clock)
    app.after_request(_observe)


def _start_clock() -> None:
    g.ivr_started = time.perf_counter()


def _observe(response: Response) -> Response:
    """Note what the answer was; count it and log it once it has gone out, so the caller never waits on it."""
    try:
        observation = _observation(response)
    except Exception:
        log.exception("could not record the request")
        return response
    if observation is not None:
        # The server closes the response after sending it: the metrics and the log line are written then.
        response.call_on_close(observation.record)
    return response


@dataclass(slots=True)  # not frozen: a frozen dataclass is slower to make, on every request
class Observation:
    """What one request's metrics and log line need, taken while the request is still at hand."""

    metrics: metrics.Metrics
    endpoint: str
    status: int
    elapsed: float
    form: dict[str, str]
    state: State | None  # where the caller was, as the view read it
    path: str
    fault: str | None
    stats: tracking.Pending | None  # what the call did here, for the stats report (make report)

    def record(self) -> None:
        """Count and log; a failure here is logged, never raised into the server."""
        try:
            self._record()
        except Exception:
            log.exception("could not record the request")

    def _record(self) -> None:
        counters, status = self.metrics, self.status
        if status >= 500:
            counters.errors.labels("http_5xx").inc()
        elif status >= 400:
            counters.rejected.labels(str(status)).inc()
        if self.endpoint in WEBHOOKS:
            counters.latency_of(self.endpoint).observe(self.elapsed)
        if self.endpoint in WEBHOOKS or status >= 400:
            level = logging.INFO if status < 400 else logging.WARNING if status < 500 else logging.ERROR
            log.log(logging.ERROR if self.fault else level, "webhook", extra={"fields": self.fields()})

    def fields(self) -> dict[str, Any]:
        """The log line's fields, the caller's number masked."""
        form = self.form
        fields = {
            "call_sid": form.get("CallSid", "-")[:40],
            "endpoint": self.endpoint,
            "state": self.where(),
            "key": form.get("Digits", "")[:9],
            "status": self.status,
            "latency_ms": round(self.elapsed * 1000, 2),
            "caller": mask_number(form.get("From")),
        }
        if self.endpoint not in WEBHOOKS:
            fields["path"] = self.path[:100]
        if self.fault:
            fields["fault"] = self.fault
        if self.stats is not None and self.stats.events:
            fields["stats"] = [tracking.field(event) for event in self.stats.events]
        return fields

    def where(self) -> str:
        """Where the caller was when this request came: new call, language menu, or language/node:step."""
        if self.endpoint in ("voice.step", "voice.dialled") and self.state is not None:
            return f"{self.state.lang}/{self.state.node}:{self.state.step}"
        if self.endpoint == "ops.status":
            return f"ended:{self.form.get('CallStatus', '-')[:20]}"
        return STATES.get(self.endpoint, "-")


def _observation(response: Response) -> Observation | None:
    context = g._get_current_object()  # once: every access through the `g` proxy costs microseconds
    elapsed = time.perf_counter() - getattr(context, "ivr_started", time.perf_counter())
    status = response.status_code
    req = request._get_current_object()  # type: ignore[attr-defined]
    endpoint = req.endpoint or "-"
    if endpoint not in WEBHOOKS and 200 <= status < 400:
        return None  # health checks, scrapes and audio fetches: neither timed nor logged
    return Observation(metrics.current_metrics(), endpoint, status, elapsed, _form(),
                       getattr(context, "ivr_state", None), req.path, getattr(context, "ivr_fault", None),
                       getattr(context, "ivr_stats", None))


def _form() -> dict[str, str]:
    """The webhook's form, or nothing if it cannot be read (a body over the size limit)."""
    try:
        return current_webhook().form
    except HTTPException:
        return {}
