"""Only requests Twilio signed for this exact URL reach the line."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from ivr.security import MissingAuthToken

from .conftest import TOKEN, sign

FORM = {"CallSid": "CA" + "1" * 32, "From": "+33612345678", "To": "+33100000000", "Digits": "1"}


signature = sign


def test_a_valid_signature_is_answered(client: FlaskClient) -> None:
    url = "http://localhost/voice/fr/language"
    response = client.post("/voice/fr/language", data=FORM,
                           headers={"X-Twilio-Signature": signature(url, FORM)})
    assert response.status_code == 200
    assert response.mimetype == "text/xml"


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Twilio-Signature": "bm90IGEgc2lnbmF0dXJl"},
        {"X-Twilio-Signature": signature("http://localhost/voice/fr/language", FORM, token="another-token")},
        {"X-Twilio-Signature": signature("http://localhost/voice/fr/main", FORM)},  # signed for another URL
        {"X-Twilio-Signature": signature("http://localhost/voice/fr/language", {**FORM, "Digits": "2"})},
    ],
    ids=["missing", "garbage", "other-token", "other-url", "tampered-form"],
)
def test_anything_else_is_refused(client: FlaskClient, headers: dict[str, str]) -> None:
    response = client.post("/voice/fr/language", data=FORM, headers=headers)
    assert response.status_code == 403


def test_behind_a_tls_terminating_proxy(client: FlaskClient) -> None:
    public = "https://line.example.org/voice/fr/language"
    response = client.post(
        "/voice/fr/language",
        data=FORM,
        base_url="http://10.0.0.5:8080",
        headers={
            "X-Twilio-Signature": signature(public, FORM),
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "line.example.org",
            "X-Forwarded-Port": "443",
        },
    )
    assert response.status_code == 200


def test_query_strings_are_part_of_what_is_signed(client: FlaskClient) -> None:
    url = "http://localhost/voice/fr/about?step=2"
    good = client.post(
        "/voice/fr/about?step=2", data=FORM, headers={"X-Twilio-Signature": signature(url, FORM)}
    )
    bad = client.post(
        "/voice/fr/about?step=3", data=FORM, headers={"X-Twilio-Signature": signature(url, FORM)}
    )
    assert (good.status_code, bad.status_code) == (200, 403)


@pytest.mark.parametrize("target", ["/voice/fr/about?step=%32", "/voice/fr/%61bout?step=2"])
def test_the_url_is_checked_as_twilio_sent_it_escapes_included(client: FlaskClient, target: str) -> None:
    signed_as_sent = signature(f"http://localhost{target}", FORM)
    signed_decoded = signature("http://localhost/voice/fr/about?step=2", FORM)
    good = client.post(target, data=FORM, headers={"X-Twilio-Signature": signed_as_sent})
    bad = client.post(target, data=FORM, headers={"X-Twilio-Signature": signed_decoded})
    assert (good.status_code, bad.status_code) == (200, 403)


def test_an_absolute_form_target_is_checked_against_the_rebuilt_url(client: FlaskClient) -> None:
    url = "http://localhost/voice/fr/about?step=2"
    headers = {"X-Twilio-Signature": signature(url, FORM)}
    response = client.post("/voice/fr/about?step=2", data=FORM, headers=headers,
                           environ_overrides={"RAW_URI": url, "REQUEST_URI": url})
    assert response.status_code == 200


def test_repeated_form_fields_are_all_signed(client: FlaskClient) -> None:
    # A form may carry a field twice; Twilio's signature covers every value, and so must the check.
    form = [("CallSid", "CA1"), ("Digits", "1"), ("Extra", "a"), ("Extra", "b")]
    url = "http://localhost/voice/fr/main"
    good = RequestValidator(TOKEN).compute_signature(url, MultiDict(form))
    first_only = RequestValidator(TOKEN).compute_signature(url, dict(form))
    assert client.post("/voice/fr/main", data=MultiDict(form),
                       headers={"X-Twilio-Signature": good}).status_code == 200
    assert client.post("/voice/fr/main", data=MultiDict(form),
                       headers={"X-Twilio-Signature": first_only}).status_code == 403


def test_no_token_refuses_to_start(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(MissingAuthToken, match="TWILIO_AUTH_TOKEN"):
        make_app(TWILIO_AUTH_TOKEN=None)


def test_development_mode_warns_and_accepts_unsigned(
    make_app: Callable[..., Flask], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(TWILIO_AUTH_TOKEN=None, VALIDATE_SIGNATURES=False)
    assert "signature validation is OFF" in caplog.text
    assert app.test_client().post("/voice", data=FORM).status_code == 200


def test_environment_configures_the_app(monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr import create_app

    monkeypatch.setenv("TWILIO_AUTH_TOKEN", "from-env")
    monkeypatch.setenv("IVR_CCC_NUMBER", '"+33100000002"')
    monkeypatch.setenv("IVR_TRANSFERS_ENABLED", "false")
    app = create_app({"TESTING": True})
    assert (app.config["TWILIO_AUTH_TOKEN"], app.config["CCC_NUMBER"]) == ("from-env", "+33100000002")
    assert app.config["TRANSFERS_ENABLED"] is False
