"""Only Twilio may drive the line: every webhook must carry a valid X-Twilio-Signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import urllib.parse
from collections.abc import Mapping

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
    token = current_app.config["TWILIO_AUTH_TOKEN"]
    signature = request.headers.get("X-Twilio-Signature", "")
    params = request.form.to_dict() if request.method == "POST" else {}
    if not signature:
        abort(403)
    # Twilio usually signs the URL exactly as we rebuild it: one HMAC settles it, on every webhook. Only a
    # mismatch pays for the library's validate(), which also tries the URL with and without a port.
    url = called_url()
    if hmac.compare_digest(twilio_signature(token, url, params).encode(), signature.encode()):
        return
    if not RequestValidator(token).validate(url, params, signature):
        abort(403)


def twilio_signature(token: str, url: str, params: Mapping[str, str]) -> str:
    """What Twilio sends in X-Twilio-Signature: HMAC-SHA1 of the URL, then each field's name and value."""
    # Twilio's RequestValidator.compute_signature does the same for any params (tests hold the two equal);
    # this one only takes a plain form, and is several times cheaper on the path every webhook takes.
    signed = url + "".join(name + params[name] for name in sorted(params))
    return base64.b64encode(hmac.new(token.encode(), signed.encode(), hashlib.sha1).digest()).decode()


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
