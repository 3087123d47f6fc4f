"""The benchmark's floor: a Flask app that answers every webhook with one constant TwiML document."""

from __future__ import annotations

from flask import Flask, Response

TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response>'
    '<Gather action="/voice/language" finishOnKey="" input="dtmf" method="POST" numDigits="1" timeout="6">'
    '<Say language="fr-FR">Bonjour.</Say></Gather><Redirect>/voice/language</Redirect></Response>'
)


def create_app() -> Flask:
    """Every POST under /voice gets the same answer, with no signature check, content or audio."""
    app = Flask(__name__)

    @app.post("/voice")
    @app.post("/voice/<path:rest>")
    def answer(rest: str = "") -> Response:
        """The constant TwiML."""
        return Response(TWIML, mimetype="text/xml")

    return app
