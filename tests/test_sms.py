"""Who may get a text, the settings that make it safe, and the twilio client with only HTTP intercepted."""

from __future__ import annotations

import base64
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
from flask import Flask

from ivr.content import load_catalog
from ivr.sms import Call, Policy, Sender, SmsConfigError, TextMessages, from_config
from ivr.sms_text import FICHE_URL
from ivr.store import MemoryStore, StoreConfigError, from_settings

SID = "AC" + "1" * 32
TOKEN = "test-auth-token"
MESSAGES = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages.json"
CALLER, LINE = "+33612345678", "+33100000000"
CATALOG = load_catalog()


@pytest.mark.parametrize(
    ("number", "allowed"),
    [
        ("+33612345678", True),
        ("+33 6 12 34 56 78", False),  # not E.164
        ("0612345678", False),
        ("+336123456789012345", False),  # too long for E.164
        ("+4477009001234", False),  # not an allowed prefix
        ("anonymous", False),
        ("", False),
        ("+266696687", False),  # Twilio's ANONYMOUS, although +266 is allowed here
        ("+7378742833", False),  # RESTRICTED, although +7 is allowed here
        ("+2662123456", True),
    ],
)
def test_who_may_receive_a_text(number: str, allowed: bool) -> None:
    assert Policy(("+33", "+7", "+266")).recipient_ok(number) is allowed


@pytest.mark.parametrize(
    ("sender", "line_number", "expected"),
    [(None, LINE, LINE), ("ANEF", LINE, "ANEF"), (None, "sip:line@example.org", None), (None, "", None)],
)
def test_the_sender(sender: str | None, line_number: str, expected: str | None) -> None:
    assert Policy(("+33",), sender).sender_for(Call("CA1", CALLER, line_number)) == expected


def settings(**changes: Any) -> dict[str, Any]:
    """SMS settings that work, with some changed."""
    base = {"SMS_ENABLED": True, "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "SMS_FROM": None,
            "SMS_ALLOWED_PREFIXES": ["+33"], "SMS_DAILY_LIMIT": 3, "CALLER_HASH_KEY": "salt",
            "SMS_TIMEOUT": 5.0, "FICHE_URL": FICHE_URL, "TWILIO_API_BASE_URL": None, "REDIS_URL": None}
    return {**base, **changes}


def texts_from(config: dict[str, Any]) -> TextMessages | None:
    """The option as the app builds it, over the store those settings give."""
    return from_config(config, CATALOG, *from_settings(config))


def test_switched_off_by_default(make_app: Callable[..., Flask]) -> None:
    assert make_app().extensions["ivr"].sms is None


def test_a_working_configuration() -> None:
    texts = texts_from(settings(SMS_ALLOWED_PREFIXES="+33, +32", SMS_FROM="+33199999999"))
    assert texts is not None
    assert texts.policy == Policy(("+33", "+32"), "+33199999999")
    assert isinstance(texts.limiter.store, MemoryStore) and texts.limiter.daily_limit == 3
    assert texts.sender.client.http_client.timeout == 5.0


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"TWILIO_ACCOUNT_SID": None}, "TWILIO_ACCOUNT_SID"),
        ({"TWILIO_AUTH_TOKEN": ""}, "TWILIO_AUTH_TOKEN"),
        ({"SMS_ALLOWED_PREFIXES": []}, "SMS_ALLOWED_PREFIXES"),
        ({"SMS_ALLOWED_PREFIXES": ["33"]}, "SMS_ALLOWED_PREFIXES"),
        ({"SMS_DAILY_LIMIT": 0}, "SMS_DAILY_LIMIT"),
        ({"SMS_TIMEOUT": 0}, "SMS_TIMEOUT"),
        ({"FICHE_URL": "https://refugies.info/fr/demarche/x"}, "FICHE_URL"),
    ],
)
def test_unsafe_settings_stop_the_start(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(SmsConfigError, match=problem):
        texts_from(settings(**changes))


def test_shared_limits_need_a_secret_key(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(StoreConfigError, match="CALLER_HASH_KEY"):
        make_app(REDIS_URL="redis://127.0.0.1:1/0", CALLER_HASH_KEY=None)


def test_the_app_refuses_to_start_without_an_account(make_app: Callable[..., Flask]) -> None:
    with pytest.raises(SmsConfigError, match="TWILIO_ACCOUNT_SID"):
        make_app(SMS_ENABLED=True, TWILIO_ACCOUNT_SID=None, REDIS_URL=None)


@pytest.fixture
def api() -> Iterator[responses.RequestsMock]:
    """Twilio's API as the twilio client sees it: only the HTTP exchange is replaced."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def form_of(call: Any) -> dict[str, str]:
    """The form fields a recorded request carried."""
    return {key: values[0] for key, values in urllib.parse.parse_qs(call.request.body).items()}


def test_a_message_twilio_accepts(api: responses.RequestsMock) -> None:
    api.add(responses.POST, MESSAGES, status=201, json={"sid": "SM" + "a" * 32, "status": "queued"})
    assert Sender(SID, TOKEN, 4.0).send(CALLER, LINE, "Bonjour") is True
    request = api.calls[0].request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    assert form_of(api.calls[0]) == {"To": CALLER, "From": LINE, "Body": "Bonjour"}
    assert request.req_kwargs["timeout"] == 4.0  # the bound reaches the HTTP layer


def test_a_local_api_base() -> None:
    with responses.RequestsMock() as api:
        api.add(responses.POST, f"http://127.0.0.1:8099/2010-04-01/Accounts/{SID}/Messages.json", status=201,
                json={"sid": "SM" + "b" * 32, "status": "queued"})
        assert Sender(SID, TOKEN, 4.0, "http://127.0.0.1:8099/").send(CALLER, LINE, "Bonjour") is True


@pytest.mark.parametrize(
    "answer",
    [
        {"status": 400, "json": {"code": 21211, "message": f"Invalid 'To' Phone Number: {CALLER}"}},
        {"status": 401, "json": {"code": 20003, "message": "Authenticate"}},
        {"status": 429, "json": {"code": 20429, "message": "Too Many Requests"}},
        {"status": 500, "body": "Internal Server Error"},
        {"status": 503, "body": ""},
        {"status": 201, "json": {"sid": "SM" + "c" * 32, "status": "failed"}},
        {"body": requests.exceptions.ReadTimeout("read timed out")},
        {"body": requests.exceptions.ConnectTimeout("connect timed out")},
        {"body": requests.exceptions.ConnectionError("connection refused")},
    ],
)
def test_twilio_refusing_or_silent_is_no_text_and_no_exception(
    api: responses.RequestsMock, answer: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    api.add(responses.POST, MESSAGES, **answer)
    assert Sender(SID, TOKEN, 4.0).send(CALLER, LINE, "Bonjour") is False
    assert "+336******78" in caplog.text
    assert "612345678" not in caplog.text  # not even when Twilio's error quotes the number


def test_the_text_goes_in_the_callers_language_once(api: responses.RequestsMock) -> None:
    api.add(responses.POST, MESSAGES, status=201, json={"sid": "SM" + "d" * 32, "status": "queued"})
    texts = texts_from(settings())
    assert texts is not None
    call = Call("CA1", CALLER, LINE)
    lang = sorted(CATALOG.languages)[0]
    assert texts.offered(call) and texts.send(call, lang)
    assert not texts.offered(call) and not texts.send(call, lang)
    assert len(api.calls) == 1
    assert form_of(api.calls[0])["Body"] == CATALOG.languages[lang].words("sms.body").replace(
        "{link}", f"https://refugies.info/{lang}/demarche/63401d8783f485a025e88388"
    )


def test_a_failed_attempt_still_counts(api: responses.RequestsMock) -> None:
    api.add(responses.POST, MESSAGES, body=requests.exceptions.ReadTimeout("read timed out"))
    texts = texts_from(settings())
    assert isinstance(texts, TextMessages)
    call = Call("CA1", CALLER, LINE)
    assert texts.send(call, "fr") is False
    assert not texts.offered(call)  # after a timeout the text may have gone: never a second one
    assert len(api.calls) == 1
