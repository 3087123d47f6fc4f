"""Only Twilio may drive the line: every Twilio webhook must carry a valid X-Twilio-Signature."""

from __future__ import annotations

import functools
import hmac
import urllib.parse
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Flask, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.middleware.proxy_fix import ProxyFix

P = ParamSpec("P")
R = TypeVar("R")


class MissingAuthToken(RuntimeError):
    """Signature checks are on but no auth token was given."""


def init_app(app: Flask) -> None:
    """Trust the configured proxies and refuse to start without a way to check signatures."""
    hops = int(app.config["PROXY_HOPS"])
    if hops:
        # Behind a TLS-terminating proxy Twilio signs https://public-host/..., which we must rebuild.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops)  # type: ignore[method-assign]
    if not app.config["VALIDATE_SIGNATURES"]:
        app.logger.warning("Twilio signature validation is OFF: use this only on a development machine.")
        return
    token = app.config["TWILIO_AUTH_TOKEN"]
    if not token:
        raise MissingAuthToken(
            "TWILIO_AUTH_TOKEN is not set, so Twilio's signatures cannot be checked. Set it to the "
            "account's auth token, or set IVR_VALIDATE_SIGNATURES=false on a development machine."
        )
    app.extensions["ivr.validator"] = RequestValidator(token)


def twilio_only(view: Callable[P, R]) -> Callable[P, R]:
    """Answer 403 to any request Twilio did not sign for this exact URL, before the view runs."""

    @functools.wraps(view)
    def checked(*args: P.args, **kwargs: P.kwargs) -> R:
        validator: RequestValidator | None = current_app.extensions.get("ivr.validator")
        if validator is not None and not signed_by_twilio(validator):
            abort(403)
        return view(*args, **kwargs)

    return checked


def signed_by_twilio(validator: RequestValidator) -> bool:
    """Whether X-Twilio-Signature matches this request's URL and form."""
    signature = request.headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    params = request.form if request.method == "POST" else {}
    # Twilio usually signs the URL exactly as we rebuild it: one HMAC settles it. Only a mismatch pays
    # for validate(), which also tries the URL with and without a port.
    url = called_url()
    if hmac.compare_digest(str(validator.compute_signature(url, params)).encode(), signature.encode()):
        return True
    return bool(validator.validate(url, params, signature))


def called_url() -> str:
    """The URL as Twilio called it: scheme and host as the proxy saw them, path and query as sent."""
    # Twilio signs the URL byte for byte, escapes included; werkzeug's request.url would decode some of
    # them (and costs more to rebuild). gunicorn and werkzeug keep the request line's target in RAW_URI.
    target = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    if not target.startswith("/"):  # absent, or an absolute-form target: rebuild it from the parts
        # WSGI hands the path over as bytes decoded as latin-1; quote those bytes, not their UTF-8 form.
        path = request.environ.get("SCRIPT_NAME", "") + request.environ.get("PATH_INFO", "")
        target = urllib.parse.quote(path.encode("latin-1", "replace"), safe="/:@!$&'()*+,;=-._~")
        query = request.environ.get("QUERY_STRING", "")
        target += f"?{query}" if query else ""
    return f"{request.scheme}://{request.host}{target}"
