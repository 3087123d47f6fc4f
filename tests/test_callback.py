"""Free to call: a ring is rejected, unbilled, once Twilio has accepted to call the number back; any doubt
and the ring is answered as usual. Through the real twilio client, against the local stand-in for its API."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask

from ivr.content import load_catalog
from ivr.phone import Phone
from scripts.callback_burst import burst
from scripts.fake_twilio import FakeTwilio

from .conftest import TOKEN, free_port, serving, signed_post

SID = "AC" + "5" * 32
CALLER, LINE = "+33612345678", "+33100000000"
FRENCH = load_catalog().reference
REJECTED = '<?xml version="1.0" encoding="UTF-8"?><Response><Reject reason="busy" /></Response>'


@pytest.fixture
def api() -> Iterator[FakeTwilio]:
    """The stand-in for Twilio's Calls API, on 127.0.0.1."""
    server = FakeTwilio(0, SID, TOKEN)
    with serving(server):
        yield server


@pytest.fixture
def callback_app(make_app: Callable[..., Flask], api: FakeTwilio) -> Callable[..., Flask]:
    """Apps with the missed-call callback on, placing calls through the stand-in."""

    def build(**overrides: Any) -> Flask:
        settings = {"CALLBACK_ENABLED": True, "TWILIO_ACCOUNT_SID": SID, "TWILIO_API_BASE_URL": api.url,
                    "CALLBACK_TIMEOUT": 2.0, "CALLER_HASH_KEY": "test-key"}
        return make_app(**{**settings, **overrides})

    return build


def ring(app: Flask, caller: str = CALLER, **form: str) -> str:
    """A ring at the line's number, as Twilio posts it; the line's answer."""
    fields = {"CallSid": "CA" + "a" * 32, "From": caller, "To": LINE, "Direction": "inbound", **form}
    response = signed_post(app.test_client(), "/voice", fields)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def ended(app: Flask, call: dict[str, str]) -> int:
    """Twilio's status callback for a callback call that has ended."""
    form = {"CallSid": call["sid"], "From": call["from"], "To": call["to"], "Direction": "outbound-api",
            "CallStatus": "completed", "CallDuration": "42"}
    return signed_post(app.test_client(), "/twilio/status", form).status_code


def test_accepted_means_rejected_and_exactly_one_callback(callback_app: Callable[..., Flask],
                                                          api: FakeTwilio) -> None:
    assert ring(callback_app()) == REJECTED
    [call] = api.calls
    assert (call["to"], call["from"]) == (CALLER, LINE)
    assert call["url"] == "http://localhost/voice/callback"
    assert call["status_callback"] == "http://localhost/twilio/status"


def callback_call(app: Flask, make_phone: Callable[..., Phone], person: str = CALLER) -> Phone:
    """The call the line placed, as Twilio runs it: From is the line, To the person called back."""
    phone = make_phone(app, caller=LINE, line_number=person, direction="outbound-api")
    phone.url = "http://localhost/voice/callback"
    return phone


def test_the_callback_says_who_calls_then_the_usual_way_in(callback_app: Callable[..., Flask],
                                                            make_phone: Callable[..., Phone]) -> None:
    texts = [item.text for item in callback_call(callback_app(), make_phone).dial() if item.verb == "say"]
    assert texts[:2] == [FRENCH.words("callback.intro"), FRENCH.words("welcome")]
    assert FRENCH.words("language.option") in texts


def test_a_returning_caller_is_called_back_in_their_language(callback_app: Callable[..., Flask],
                                                               make_phone: Callable[..., Phone]) -> None:
    app = callback_app()
    first = callback_call(app, make_phone)
    first.dial()
    first.press("2")  # English; the person hangs up at the main menu
    texts = [item.text for item in callback_call(app, make_phone).dial() if item.verb == "say"]
    english = load_catalog().languages["en"]
    assert texts[:2] == [english.words("callback.intro"), english.words("main.intro")]


def test_voicemail_is_not_talked_to(callback_app: Callable[..., Flask]) -> None:
    body = signed_post(callback_app().test_client(), "/voice/callback",
                       {"CallSid": "CA1", "From": LINE, "To": CALLER, "Direction": "outbound-api",
                        "AnsweredBy": "machine_end_beep"}).get_data(as_text=True)
    assert body.endswith("<Response><Hangup /></Response>")


@pytest.mark.parametrize("caller", ["+266696687", "anonymous", "", "+4915112345678", "+33 6 12",
                                    "+33" + "9" * 20])
def test_withheld_foreign_or_malformed_numbers_get_the_usual_answer(
        callback_app: Callable[..., Flask], api: FakeTwilio, caller: str) -> None:
    answer = ring(callback_app(), caller)
    assert "<Reject" not in answer and FRENCH.words("welcome") in answer
    assert api.calls == []


@pytest.mark.parametrize("failure", [500, 400, 429])
def test_a_refusal_gets_the_usual_answer(callback_app: Callable[..., Flask], api: FakeTwilio,
                                         caplog: pytest.LogCaptureFixture, failure: int) -> None:
    api.fail_with = failure
    assert FRENCH.words("welcome") in ring(callback_app())
    assert "612345678" not in caplog.text and "+336******78" in caplog.text


def test_a_slow_api_gets_the_usual_answer_within_the_deadline(callback_app: Callable[..., Flask],
                                                              api: FakeTwilio) -> None:
    api.hold = threading.Event()
    try:
        assert FRENCH.words("welcome") in ring(callback_app(CALLBACK_TIMEOUT=0.2))
    finally:
        api.hold.set()


def test_no_api_at_all_gets_the_usual_answer(callback_app: Callable[..., Flask]) -> None:
    app = callback_app(TWILIO_API_BASE_URL=f"http://127.0.0.1:{free_port()}")
    assert FRENCH.words("welcome") in ring(app)


def test_one_callback_at_a_time_per_number_then_a_few_a_day(callback_app: Callable[..., Flask],
                                                            api: FakeTwilio) -> None:
    app = callback_app(CALLBACK_DAILY_LIMIT=2)
    assert ring(app) == REJECTED
    assert "<Reject" not in ring(app)  # the first callback is still under way: this ring is answered
    assert ended(app, api.calls[0]) == 204
    assert ring(app) == REJECTED  # the second of the day
    ended(app, api.calls[1])
    assert "<Reject" not in ring(app)  # over the day's limit
    assert ring(app, "+33798765432") == REJECTED  # another number has its own count
    assert len(api.calls) == 3


def test_a_cap_on_callbacks_under_way_for_the_whole_line(callback_app: Callable[..., Flask],
                                                         api: FakeTwilio) -> None:
    app = callback_app(CALLBACK_IN_FLIGHT=2)
    answers = [ring(app, f"+3361000000{n}") for n in range(4)]
    assert answers[:2] == [REJECTED, REJECTED] and all("<Reject" not in answer for answer in answers[2:])
    ended(app, api.calls[0])
    assert ring(app, "+33610000009") == REJECTED  # one has ended: room for another


def test_a_status_for_an_unknown_call_is_harmless(callback_app: Callable[..., Flask]) -> None:
    app = callback_app(CALLBACK_IN_FLIGHT=1)
    stray = {"sid": "CA" + "0" * 32, "from": LINE, "to": "+33700000000"}
    assert ended(app, stray) == 204  # never placed: nothing to release
    assert ring(app) == REJECTED


def test_a_forged_callback_request_is_refused(callback_app: Callable[..., Flask]) -> None:
    client = callback_app().test_client()
    assert client.post("/voice/callback", data={"To": CALLER, "Direction": "outbound-api"}).status_code == 403
    assert client.post("/voice", data={"From": CALLER}).status_code == 403


def test_limits_are_shared_through_redis(callback_app: Callable[..., Flask], api: FakeTwilio,
                                         redis_url: str, redis_client: Any) -> None:
    one, two = callback_app(REDIS_URL=redis_url), callback_app(REDIS_URL=redis_url)
    assert ring(one) == REJECTED
    assert "<Reject" not in ring(two)  # the same number, under way on the other instance
    keys = [key.decode() for key in redis_client.keys("ivr:callback:*")]
    assert all("612345678" not in key for key in keys) and len(keys) == 3  # busy, day, in flight


def test_a_burst_creates_no_more_callbacks_than_the_limits_allow(callback_app: Callable[..., Flask],
                                                                 api: FakeTwilio) -> None:
    """200 rings from 50 numbers at once, then again with each callback ending as soon as it is placed."""
    at_once = burst(callback_app(CALLBACK_DAILY_LIMIT=3, CALLBACK_IN_FLIGHT=10), api, rings=200, numbers=50,
                    end_each=False)
    assert at_once.rings == 200 and at_once.callbacks == len(api.calls) == 10  # the cap on calls under way
    assert at_once.callbacks + at_once.answered == 200
    api.calls.clear()
    ending = burst(callback_app(CALLBACK_DAILY_LIMIT=3, CALLBACK_IN_FLIGHT=10), api, rings=200, numbers=50,
                   end_each=True)
    assert ending.callbacks == len(api.calls) <= 50 * 3 and max(ending.per_number.values()) <= 3
    assert ending.callbacks + ending.answered == 200
