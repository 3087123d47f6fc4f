"""Only Twilio may drive the line: every Twilio webhook must carry a valid X-Twilio-Signature."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Flask, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import Headers
from werkzeug.middleware.proxy_fix import ProxyFix

from .webhook import Webhook, current_webhook

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
        if validator is not None and not signed_by_twilio(validator, current_webhook(), request.headers):
            abort(403)
        return view(*args, **kwargs)

    return checked


def signed_by_twilio(validator: RequestValidator, webhook: Webhook, headers: Headers) -> bool:
    """Whether X-Twilio-Signature matches the webhook's URL and form."""
    signature = headers.get("X-Twilio-Signature", "")
    if not signature:
        return False
    # Twilio usually signs the URL exactly as we rebuild it: one HMAC settles it. Only a mismatch pays
    # for validate(), which also tries the URL with and without a port.
    url, fields = webhook.url, webhook.fields
    if hmac.compare_digest(str(validator.compute_signature(url, fields)).encode(), signature.encode()):
        return True
    return bool(validator.validate(url, fields, signature))
