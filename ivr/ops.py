"""What operators and Twilio reach beside the voice webhooks: health, metrics, call status, fallback."""

from __future__ import annotations

import hmac
import logging
import os
from typing import Any

from flask import Blueprint, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from . import answers, tracking
from .caller import Call
from .line import Line, current_line
from .metrics import OUTCOMES, current_metrics
from .security import twilio_only
from .voice import NoAudio, Speaker
from .webhook import current_webhook

bp = Blueprint("ops", __name__)
log = logging.getLogger("ivr.ops")


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Say whether the line can answer: content loaded, languages callable, how many prompts have audio."""
    body = health(current_line())
    drain = current_app.config["DRAIN_FILE"]
    if drain and os.path.exists(drain):  # stopping soon (gunicorn.conf.py): balancers, look elsewhere
        body["status"] = "draining"
        return jsonify(body), 503
    return jsonify(body), 200 if body["languages"] else 503


def health(line: Line) -> dict[str, Any]:
    """What /healthz reports."""
    spoken = [(language.code, key) for language in line.languages for key in language.spoken_keys()]
    files = line.audio.current()
    return {
        "status": "ok" if line.languages else "no language can be served",
        "languages": [language.code for language in line.languages],
        "nodes": len(line.tree.nodes),
        "prompts": len(spoken),
        "prompts_with_audio": sum(1 for code, key in spoken if files.file(code, key)),
        "audio_version": files.version,  # the manifest's hash: equal on instances that play the same files
    }


@bp.get("/metrics")
def metrics() -> Response:
    """Prometheus metrics, summed over workers; behind a bearer token when METRICS_TOKEN is set."""
    token = current_app.config["METRICS_TOKEN"]
    given = request.headers.get("Authorization", "").encode()
    if token and not hmac.compare_digest(given, f"Bearer {token}".encode()):
        abort(401)
    return Response(current_metrics().exposition(), mimetype=CONTENT_TYPE_LATEST)


@bp.post("/twilio/status")
@twilio_only
def status() -> Response:
    """Twilio's status callback: record how the call ended and how long it lasted."""
    counters = current_metrics()
    line = current_line()
    form = current_webhook().form
    if line.callbacks is not None:
        line.callbacks.ended(Call.from_form(form))  # a callback over: its number may have another
    outcome = form.get("CallStatus", "")
    counters.ended.labels(outcome if outcome in OUTCOMES else "other").inc()
    duration = form.get("CallDuration", "")
    if outcome == "completed" and duration.isdigit() and len(duration) < 7:
        counters.duration.observe(int(duration))
    tracking.call_ended()
    return Response(status=204)


# Not signed on purpose: Twilio comes here when the line failed, maybe over its token; a constant apology
# tells nothing and does nothing, so anyone may have it.
@bp.route("/twilio/fallback", methods=["GET", "POST"])
def fallback() -> Response:
    """Twilio's fallback URL: the apology, built at start, so it cannot fail now."""
    try:
        current_metrics().fallbacks.inc()
    except Exception:  # counting must never cost the caller the apology
        log.exception("could not count a fallback answer")
    return Response(current_app.extensions["ivr.fallback"], mimetype="text/xml")


def fallback_twiml(line: Line) -> str:
    """The apology in the languages spoken before a choice, with <Say> only: no audio file to go missing."""
    return answers.farewell(Speaker(line.voice, NoAudio(), ""), line.fallback, "error.apology")
