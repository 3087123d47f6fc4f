"""Whole calls that choose 'receive this by text message', against the fake Twilio API on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from ivr.content import Catalog, load_catalog
from ivr.phone import Heard, Phone
from ivr.sms_text import sms_message
from scripts.fake_twilio import FakeTwilio

from .conftest import LANGUAGES, TOKEN, free_port, serving

CATALOG: Catalog = load_catalog()
SID = "AC" + "2" * 32
CALLER, OTHER, LINE = "+33612345678", "+33798765432", "+33100000000"
TOPICS = len([option for option in CATALOG.tree.nodes["main"].options if option.go])  # 5: SMS is the 6th


def texts(heard: list[Heard]) -> list[str]:
    """The words said, in order."""
    return [item.text for item in heard if item.verb == "say"]


def prompt(lang: str, key: str) -> str:
    """A prompt's words, as the content says them."""
    return CATALOG.languages[lang].words(key)


@pytest.fixture
def fake_twilio() -> Iterator[FakeTwilio]:
    """scripts/fake_twilio.py serving on 127.0.0.1 for one test."""
    server = FakeTwilio(0, SID, TOKEN)
    with serving(server):
        yield server


@pytest.fixture
def sms_app(make_app: Callable[..., Flask], fake_twilio: FakeTwilio) -> Callable[..., Flask]:
    """Apps with text messages on, sending to the fake Twilio."""

    def build(**overrides: Any) -> Flask:
        settings = {"SMS_ENABLED": True, "TWILIO_ACCOUNT_SID": SID, "TWILIO_API_BASE_URL": fake_twilio.url,
                    "CALLER_HASH_KEY": "test-salt", "REDIS_URL": None, "SMS_TIMEOUT": 5.0,
                    "REMEMBER_CALLERS": False}  # each call here starts at the language menu
        return make_app(**{**settings, **overrides})

    return build


@pytest.fixture
def call(make_phone: Callable[..., Phone]) -> Callable[..., Phone]:
    """A call to an app that has chosen a language and stands at the main menu."""

    def start(app: Flask, lang: str = "fr", **phone: Any) -> Phone:
        codes = [language.code for language in app.extensions["ivr"].languages]
        caller = make_phone(app, **phone)
        caller.dial()
        assert texts(caller.press(str(codes.index(lang) + 1)))[0] == prompt(lang, "main.intro")
        return caller

    return start


def offers_text(heard: list[Heard], lang: str, number: int) -> bool:
    """Whether the menu just heard offers the text message on this key."""
    said = texts(heard)
    label = prompt(lang, "option.sms")
    return label in said and said[said.index(label) + 1] == prompt(lang, f"press.{number}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_caller_gets_the_text_in_their_language(
    sms_app: Callable[..., Flask], call: Callable[..., Phone], fake_twilio: FakeTwilio, lang: str
) -> None:
    phone = call(sms_app(), lang)
    assert offers_text(phone.press("9"), lang, TOPICS + 1)
    heard = texts(phone.press(str(TOPICS + 1)))
    assert heard[0] == prompt(lang, "sms.sent")
    assert heard[1] == prompt(lang, "main.option.about")  # the same menu's keys, without its intro
    assert prompt(lang, "option.sms") not in heard  # one text per call
    assert [(m["to"], m["from"], m["body"]) for m in fake_twilio.messages] == [
        (CALLER, LINE, sms_message(CATALOG.languages[lang]))
    ]
    assert phone.pending is not None and phone.pending.action == f"http://localhost/voice/{lang}/main?told=1"


def test_from_the_help_menu_and_back(sms_app: Callable[..., Flask], call: Callable[..., Phone],
                                     fake_twilio: FakeTwilio) -> None:
    phone = call(sms_app())
    assert offers_text(phone.press("0"), "fr", 2)  # after the transfer
    heard = texts(phone.press("2"))
    assert heard[0] == prompt("fr", "sms.sent")
    assert heard[1:3] == [prompt("fr", "help.option.transfer"), prompt("fr", "press.1")]
    assert prompt("fr", "option.sms") not in heard
    assert phone.pending is not None and phone.pending.action == "http://localhost/voice/fr/help?from=main:0&told=1"
    back = texts(phone.press("*"))
    assert back[0] == prompt("fr", "main.intro") and prompt("fr", "option.sms") not in back
    assert len(fake_twilio.messages) == 1


def test_without_transfers_the_text_is_the_first_help_option(
    sms_app: Callable[..., Flask], call: Callable[..., Phone], fake_twilio: FakeTwilio
) -> None:
    phone = call(sms_app(TRANSFERS_ENABLED=False))
    assert offers_text(phone.press("0"), "fr", 1)
    assert texts(phone.press("1"))[0] == prompt("fr", "sms.sent")
    assert len(fake_twilio.messages) == 1


@pytest.mark.parametrize("caller", ["anonymous", "", "+266696687", "+447700900123", "0612345678"])
def test_no_offer_to_a_withheld_malformed_or_foreign_number(
    sms_app: Callable[..., Flask], call: Callable[..., Phone], fake_twilio: FakeTwilio, caller: str
) -> None:
    phone = call(sms_app(), caller=caller)
    heard = phone.press("9")
    assert prompt("fr", "option.sms") not in texts(heard)
    assert texts(phone.press(str(TOPICS + 1)))[0] == prompt("fr", "notice.wrong")
    assert fake_twilio.messages == []


def test_the_allowed_prefixes_are_configurable(sms_app: Callable[..., Flask], call: Callable[..., Phone],
                                               fake_twilio: FakeTwilio) -> None:
    phone = call(sms_app(SMS_ALLOWED_PREFIXES=["+33", "+44"]), caller="+447700900123")
    assert texts(phone.press(str(TOPICS + 1)))[0] == prompt("fr", "sms.sent")
    assert fake_twilio.messages[0]["to"] == "+447700900123"


def test_the_daily_cap_per_number(sms_app: Callable[..., Flask], call: Callable[..., Phone],
                                  fake_twilio: FakeTwilio) -> None:
    app = sms_app(SMS_DAILY_LIMIT=1)
    assert texts(call(app).press(str(TOPICS + 1)))[0] == prompt("fr", "sms.sent")
    again = call(app)  # a new call from the same number, the same day
    assert not offers_text(again.press("9"), "fr", TOPICS + 1)
    other = call(app, caller=OTHER)
    assert texts(other.press(str(TOPICS + 1)))[0] == prompt("fr", "sms.sent")
    assert [message["to"] for message in fake_twilio.messages] == [CALLER, OTHER]


def test_a_configured_sender(sms_app: Callable[..., Flask], call: Callable[..., Phone],
                             fake_twilio: FakeTwilio) -> None:
    call(sms_app(SMS_FROM="+33199999999")).press(str(TOPICS + 1))
    assert fake_twilio.messages[0]["from"] == "+33199999999"


def test_no_sender_no_offer(sms_app: Callable[..., Flask], call: Callable[..., Phone]) -> None:
    phone = call(sms_app(), line_number="client:web")
    assert prompt("fr", "option.sms") not in texts(phone.press("9"))


@pytest.mark.parametrize("failure", ["500", "400", "429", "wrong token", "no server"])
def test_twilio_refusing_gives_the_apology_and_the_call_goes_on(
    sms_app: Callable[..., Flask], call: Callable[..., Phone], fake_twilio: FakeTwilio, failure: str
) -> None:
    overrides: dict[str, Any] = {}
    if failure == "wrong token":
        fake_twilio.auth_token = "another-token"
    elif failure == "no server":
        overrides["TWILIO_API_BASE_URL"] = f"http://127.0.0.1:{free_port()}"
    else:
        fake_twilio.fail_with = int(failure)
    phone = call(sms_app(**overrides))
    heard = texts(phone.press(str(TOPICS + 1)))
    assert heard[0] == prompt("fr", "sms.failed")
    assert "0, 8, 0, 6, 0, 0, 1, 6, 2, 0" in heard[0]  # the CCC number, read again
    assert heard[1] == prompt("fr", "main.option.about")
    assert prompt("fr", "option.sms") not in heard  # the attempt counted
    assert not phone.ended and phone.pending is not None
    assert texts(phone.press("1"))[0] == prompt("fr", "about.1")  # and the call goes on
    assert fake_twilio.messages == []


def test_the_number_never_reaches_the_logs(sms_app: Callable[..., Flask], call: Callable[..., Phone],
                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    phone = call(sms_app())
    phone.press(str(TOPICS + 1))
    sms_logs = [record.getMessage() for record in caplog.records if record.name == "ivr.sms"]
    assert any("+336******78 accepted" in line for line in sms_logs)
    assert all(phone.call_sid not in line for line in sms_logs)
    assert "612345678" not in caplog.text


def test_switched_off_the_menu_is_unchanged(make_app: Callable[..., Flask],
                                            call: Callable[..., Phone]) -> None:
    phone = call(make_app())
    assert prompt("fr", "option.sms") not in texts(phone.press("9"))
    assert prompt("fr", "option.sms") not in texts(phone.press("0"))
