"""No caller hears Twilio's 'application error': an unexpected fault gets a spoken apology."""

from __future__ import annotations

import logging

from flask import Response, g, request
from werkzeug.exceptions import HTTPException

from . import answers, metrics
from .line import current_line
from .navigation import State
from .voice import Speaker

log = logging.getLogger("ivr.errors")


def apologise(error: Exception) -> Response | HTTPException:
    """Log the fault, then apologise in the caller's language and hang up."""
    if isinstance(error, HTTPException):
        return error  # a clean 4xx for requests we refuse on purpose
    log.exception("voice view failed on %s", request.path)
    metrics.fault(error)
    line = current_line()
    state: State | None = g.get("ivr_state")
    known = state is not None and state.node != line.tree.entry
    langs = (state.lang,) if state is not None and known else line.fallback
    # Built afresh, not from the cache: whatever failed may have been the cache.
    speaker = Speaker(line.voice, line.audio.current(), line.audio_base_url or f"{request.root_url}audio/")
    return Response(answers.farewell(speaker, langs, "error.apology"), mimetype="text/xml")
