"""No caller hears Twilio's 'application error': an unexpected fault gets a spoken apology."""

from __future__ import annotations

import logging

from flask import Response, request
from werkzeug.exceptions import HTTPException

from . import answers, metrics
from .line import current_line

log = logging.getLogger("ivr.errors")


def apologise(error: Exception) -> Response | HTTPException:
    """Log the fault, then apologise in the caller's language with the CCC number and hang up."""
    if isinstance(error, HTTPException):
        return error  # a clean 4xx for requests we refuse on purpose
    log.exception("voice view failed on %s", request.path)
    metrics.fault(error)
    line = current_line()
    lang = (request.view_args or {}).get("lang")
    langs = [lang] if lang in line.catalog.languages else list(line.fallback)
    return answers.twiml(answers.farewell(line, langs, "error.apology"))

