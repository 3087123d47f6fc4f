"""Golden TwiML documents for the answers that end a call."""

from __future__ import annotations

from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator

from ivr.content import load_catalog

from .conftest import TOKEN

FR = load_catalog().languages["fr"]


def post(client: FlaskClient, path: str, form: dict[str, str]) -> str:
    """A signed POST, returning the body."""
    signature = RequestValidator(TOKEN).compute_signature(f"http://localhost{path}", form)
    response = client.post(path, data=form, headers={"X-Twilio-Signature": signature})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"
    return response.get_data(as_text=True)


def say(key: str) -> str:
    """A French <Say> element as VoiceResponse writes it."""
    return f'<Say language="fr-FR" voice="Polly.Lea">{FR.text(key)}</Say>'


def test_transfer_document(client: FlaskClient) -> None:
    body = post(client, "/voice/fr/help", {"CallSid": "CA1", "Digits": "1"})
    assert body == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        + say("transfer.connecting")
        + "<Dial>+33806001620</Dial>"
        + say("transfer.ended")
        + "<Hangup /></Response>"
    )


def test_goodbye_document_after_three_silences(client: FlaskClient) -> None:
    body = post(client, "/voice/fr/main?silent=2", {"CallSid": "CA1"})
    assert body == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>' + say("goodbye.noinput") + "<Hangup /></Response>"
    )


def test_step_document(client: FlaskClient) -> None:
    body = post(client, "/voice/fr/password?step=2", {"CallSid": "CA1", "Digits": "1"})
    action = "/voice/fr/password?step=3"
    assert body == (
        '<?xml version="1.0" encoding="UTF-8"?><Response>'
        f'<Gather action="{action}" finishOnKey="" input="dtmf" method="POST" numDigits="1" timeout="6">'
        + say("password.4")
        + say("step.done")
        + say("hint.previous")
        + say("hint.repeat")
        + say("hint.help")
        + f"</Gather><Redirect>{action}</Redirect></Response>"
    )
