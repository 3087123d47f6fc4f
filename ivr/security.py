"""Only Twilio may drive the line: every webhook must carry a valid X-Twilio-Signature."""

from __future__ import annotations

import hmac

from flask import Flask, abort, current_app, request
from twilio.request_validator import RequestValidator
from werkzeug.middleware.proxy_fix import ProxyFix


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
    if not app.config["TWILIO_AUTH_TOKEN"]:
        raise MissingAuthToken(
            "TWILIO_AUTH_TOKEN is not set, so Twilio's signatures cannot be checked. Set it to the "
            "account's auth token, or set IVR_VALIDATE_SIGNATURES=false on a development machine."
        )


def require_twilio_signature() -> None:
    """Answer 403 to any request Twilio did not sign for this exact URL."""
    if not current_app.config["VALIDATE_SIGNATURES"]:
        return
    validator = RequestValidator(current_app.config["TWILIO_AUTH_TOKEN"])
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict() if request.method == "POST" else {}
    if not signature:
        abort(403)
    # Twilio usually signs the URL exactly as we rebuild it: one HMAC settles it. Only a mismatch pays for
    # validate(), which also tries the URL with and without an explicit port.
    expected = str(validator.compute_signature(request.url, params))
    if hmac.compare_digest(expected.encode(), signature.encode()):
        return
    if not validator.validate(request.url, params, signature):
        abort(403)
