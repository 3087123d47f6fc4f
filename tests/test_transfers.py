"""Transfers that report back, and the CCC's opening hours: never a dead end after asking for a person."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest
from flask import Flask

from ivr import hours
from ivr.content import Catalog, load_catalog
from ivr.hours import PARIS, HoursError, Schedule
from ivr.phone import Heard, Phone

from .conftest import LANGUAGES, signed_post

CATALOG: Catalog = load_catalog()
CCC_DIGITS = "0806001620"


def said(heard: list[Heard]) -> list[str]:
    return [item.text for item in heard if item.verb == "say"]


def words(lang: str, key: str) -> str:
    return CATALOG.languages[lang].words(key)


def to_help(app: Flask, make_phone: Callable[..., Phone], lang: str = "fr") -> Phone:
    """A call at the help menu, in a language."""
    phone = make_phone(app)
    phone.dial()
    phone.press(str([language.code for language in app.extensions["ivr"].languages].index(lang) + 1))
    phone.press("0")
    return phone


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_transfer_tells_twilio_where_to_report(app: Flask, make_phone: Callable[..., Phone],
                                                   lang: str) -> None:
    phone = to_help(app, make_phone, lang)
    heard = phone.press("1")
    assert [(item.verb, item.text) for item in heard][:2] == [("say", words(lang, "transfer.connecting")),
                                                              ("dial", "+33806001620")]
    # The phone follows <Dial action>, as Twilio does once the dial ends (here: completed).
    assert said(heard)[-1] == words(lang, "transfer.ended") and phone.ended


@pytest.mark.parametrize("outcome", ["busy", "no-answer", "failed", "canceled"])
def test_a_transfer_nobody_answered_offers_what_else_there_is(app: Flask, outcome: str) -> None:
    response = signed_post(app.test_client(), "/voice/fr/dialled",
                           {"CallSid": "CA1", "DialCallStatus": outcome})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    keys = ("transfer.unanswered", "transfer.retry", "transfer.menu")
    order = [body.index(words("fr", key)) for key in keys]
    assert order == sorted(order)
    registry = app.extensions["ivr.metrics"].registry
    named = {"no-answer": "no_answer", "canceled": "failed"}.get(outcome, outcome)  # as the tracker names it
    assert registry.get_sample_value("ivr_transfer_outcomes_total", {"language": "fr", "outcome": named}) == 1


def test_after_an_unanswered_transfer_each_key_leads_on(app: Flask, make_phone: Callable[..., Phone]) -> None:
    phone = make_phone(app)
    phone.press_at("http://localhost/voice/fr/dialled", "", {"DialCallStatus": "busy"})
    assert [item.text for item in phone.press("1") if item.verb == "dial"] == ["+33806001620"]  # again
    phone.press_at("http://localhost/voice/fr/dialled", "", {"DialCallStatus": "no-answer"})
    assert said(phone.press("2"))[0] == words("fr", "main.intro")  # no SMS offered here: menu is 2
    phone.press_at("http://localhost/voice/fr/dialled", "", {"DialCallStatus": "failed"})
    assert words("fr", "help.option.transfer") in said(phone.press("*"))  # back to help


def test_a_connected_transfer_ends_politely(app: Flask) -> None:
    body = signed_post(app.test_client(), "/voice/fr/dialled",
                       {"CallSid": "CA1", "DialCallStatus": "completed"}).get_data(as_text=True)
    assert words("fr", "transfer.ended") in body and body.endswith("<Hangup /></Response>")


@pytest.mark.parametrize("form", [{}, {"DialCallStatus": "x" * 500}, {"DialCallStatus": "completed\x00"}])
def test_a_garbled_outcome_is_a_transfer_that_did_not_connect(app: Flask, form: dict[str, str]) -> None:
    response = signed_post(app.test_client(), "/voice/fr/dialled", {"CallSid": "CA1", **form})
    assert response.status_code == 200
    assert words("fr", "transfer.unanswered") in response.get_data(as_text=True)


def test_an_unknown_language_or_an_unsigned_report_is_refused(app: Flask) -> None:
    assert signed_post(app.test_client(), "/voice/xx/dialled", {"DialCallStatus": "busy"}).status_code == 404
    assert app.test_client().post("/voice/fr/dialled", data={"DialCallStatus": "busy"}).status_code == 403


# --- Opening hours ------------------------------------------------------------------------------------

WEEKDAYS = Schedule.parse("mon-fri 09:00-18:00")


@pytest.mark.parametrize(("moment", "open_"), [
    (datetime(2026, 11, 30, 8, 59, tzinfo=PARIS), False),  # Monday, a minute before
    (datetime(2026, 11, 30, 9, 0, tzinfo=PARIS), True),
    (datetime(2026, 11, 30, 17, 59, tzinfo=PARIS), True),  # a minute before closing
    (datetime(2026, 11, 30, 18, 0, tzinfo=PARIS), False),  # closing time itself is closed
    (datetime(2026, 12, 4, 12, 0, tzinfo=PARIS), True),  # Friday
    (datetime(2026, 12, 5, 12, 0, tzinfo=PARIS), False),  # Saturday
    (datetime(2026, 12, 6, 12, 0, tzinfo=PARIS), False),  # Sunday
    (datetime.fromisoformat("2026-11-30T08:00:00+00:00"), True),  # 9:00 in Paris, told in UTC
    (datetime.fromisoformat("2026-07-06T07:30:00+00:00"), True),  # summer time: 9:30 in Paris
])
def test_the_schedule_at_its_edges(moment: datetime, open_: bool) -> None:
    assert WEEKDAYS.is_open(moment) is open_


def test_several_parts_and_a_week_end_range() -> None:
    schedule = Schedule.parse("mon,wed 10:00-12:00; sat-sun 09:30-10:00")
    assert schedule.is_open(datetime(2026, 12, 2, 11, 0, tzinfo=PARIS))  # Wednesday
    assert not schedule.is_open(datetime(2026, 12, 1, 11, 0, tzinfo=PARIS))  # Tuesday
    assert schedule.is_open(datetime(2026, 12, 6, 9, 45, tzinfo=PARIS))  # Sunday


@pytest.mark.parametrize("text", ["", "monday 9-18", "mon-fri 18:00-09:00", "mon-xyz 09:00-18:00",
                                  "mon 25:00-26:00"])
def test_a_schedule_that_cannot_be_read_stops_the_start(text: str,
                                                       make_app: Callable[..., Flask]) -> None:
    with pytest.raises(HoursError, match="CCC_HOURS"):
        Schedule.parse(text)
    if text:
        with pytest.raises(HoursError):
            make_app(CCC_HOURS=text)


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[[datetime], None]:
    """Set the line's clock to a moment in Paris."""
    return lambda moment: monkeypatch.setattr(hours, "paris_now", lambda: moment)


def test_outside_the_hours_the_line_does_not_dial(make_app: Callable[..., Flask],
                                                 make_phone: Callable[..., Phone],
                                                 at: Callable[[datetime], None]) -> None:
    app = make_app(CCC_HOURS="mon-fri 09:00-18:00")
    at(datetime(2026, 12, 5, 11, 0, tzinfo=PARIS))  # a Saturday
    phone = to_help(app, make_phone)
    heard = phone.press("1")
    assert not [item for item in heard if item.verb == "dial"]
    assert said(heard)[0] == words("fr", "transfer.closed") and CCC_DIGITS in said(heard)[0].replace(", ", "")
    assert words("fr", "transfer.retry") not in said(heard)  # trying again would only say it again
    assert said(phone.press("1"))[0] == words("fr", "main.intro")  # the first option is now the menu
    registry = app.extensions["ivr.metrics"].registry
    closed = {"language": "fr", "outcome": "closed"}
    assert registry.get_sample_value("ivr_transfer_outcomes_total", closed) == 1


def test_within_the_hours_the_line_dials(make_app: Callable[..., Flask], make_phone: Callable[..., Phone],
                                         at: Callable[[datetime], None]) -> None:
    app = make_app(CCC_HOURS="mon-fri 09:00-18:00")
    at(datetime(2026, 12, 4, 17, 59, tzinfo=PARIS))  # Friday, a minute before closing
    phone = to_help(app, make_phone)
    assert [item.text for item in phone.press("1") if item.verb == "dial"] == ["+33806001620"]
