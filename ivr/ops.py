"""What operators and Twilio reach beside the voice webhooks: health, metrics, call status, fallback."""

from __future__ import annotations

import hmac
import logging
import time
from dataclasses import replace
from typing import Any

from flask import Blueprint, Flask, Response, abort, current_app, jsonify, request
from prometheus_client import CONTENT_TYPE_LATEST

from . import answers
from .line import Line, current_line
from .metrics import OUTCOMES, current_metrics
from .security import require_twilio_signature
from .voice import NoAudio, Voice

bp = Blueprint("ops", __name__)
log = logging.getLogger("ivr.ops")
# Checking every audio file takes ~15 ms: a report is reused for this many seconds, so that probes
# from anyone on the internet cannot load the line.
HEALTH_TTL = 10.0


@bp.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Say whether the line can answer: content loaded, languages callable, how many prompts have audio."""
    kept = current_app.extensions.get("ivr.health")
    now = time.monotonic()
    if kept is None or kept[0] <= now:
        kept = (now + HEALTH_TTL, health(current_line()))
        current_app.extensions["ivr.health"] = kept
    body = kept[1]
    return jsonify(body), 200 if body["languages"] else 503


def health(line: Line) -> dict[str, Any]:
    """What /healthz reports."""
    spoken = [(language.code, key) for language in line.languages for key in language.spoken_keys()]
    return {
        "status": "ok" if line.languages else "no language can be served",
        "languages": [language.code for language in line.languages],
        "nodes": len(line.catalog.tree.nodes),
        "prompts": len(spoken),
        "prompts_with_audio": sum(1 for code, key in spoken if line.voice.audio.url(code, key)),
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
def status() -> Response:
    """Twilio's status callback: record how the call ended and how long it lasted."""
    require_twilio_signature()
    counters = current_metrics()
    outcome = request.form.get("CallStatus", "")
    counters.ended.labels(outcome if outcome in OUTCOMES else "other").inc()
    duration = request.form.get("CallDuration", "")
    if outcome == "completed" and duration.isdigit() and len(duration) < 7:
        counters.duration.observe(int(duration))
    return Response(status=204)


@bp.route("/twilio/fallback", methods=["GET", "POST"])
def fallback() -> Response:
    """Twilio's fallback URL: the apology with the CCC number, built at start, so it cannot fail now."""
    try:
        current_metrics().fallbacks.inc()
    except Exception:  # counting must never cost the caller the apology
        log.exception("could not count a fallback answer")
    return Response(current_app.extensions["ivr.fallback"], mimetype="text/xml")


def fallback_twiml(line: Line) -> str:
    """The apology in the languages spoken before a choice, with <Say> only: no audio file to go missing."""
    spoken_only = replace(line, voice=Voice(line.catalog, NoAudio()))
    return str(answers.farewell(spoken_only, line.fallback, "error.apology"))


def init_app(app: Flask) -> None:
    """Build the fallback answer once and serve the operators' endpoints."""
    app.extensions["ivr.fallback"] = fallback_twiml(app.extensions["ivr"])
    app.register_blueprint(bp)
