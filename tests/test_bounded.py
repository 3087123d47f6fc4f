"""Waits on outside services are bounded in all, and only a few run at once per process."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from ivr.bounded import Bounded, Busy, TooSlow
from ivr.sms import Sender
from scripts.fake_twilio import FakeTwilio

from .conftest import TOKEN, serving

SID = "AC" + "4" * 32
CALLER, LINE = "+33612345678", "+33100000000"


def test_a_result_in_time_is_returned() -> None:
    assert Bounded("test", deadline=5, in_flight=1).run(lambda: 42) == 42


def test_the_work_s_own_error_comes_through() -> None:
    def broken() -> int:
        raise ValueError("refused")

    with pytest.raises(ValueError, match="refused"):
        Bounded("test", deadline=5, in_flight=1).run(broken)


def test_past_the_deadline_the_caller_goes_on_and_the_slot_stays_taken_until_the_work_ends() -> None:
    release = threading.Event()
    bounded = Bounded("test", deadline=0.05, in_flight=1)
    with pytest.raises(TooSlow):
        bounded.run(release.wait)
    with pytest.raises(Busy):  # the hung exchange still holds the only slot
        bounded.run(lambda: 1)
    release.set()
    for _ in range(200):  # the slot comes back once the work has ended
        try:
            assert bounded.run(lambda: 2) == 2
            break
        except Busy:
            threading.Event().wait(0.01)
    else:
        pytest.fail("the slot never came back")


@pytest.fixture
def hung_twilio() -> Iterator[FakeTwilio]:
    """The fake Messages API, answering nothing until the test lets it."""
    server = FakeTwilio(0, SID, TOKEN)
    server.hold = threading.Event()
    with serving(server):
        try:
            yield server
        finally:
            server.hold.set()


def test_a_hung_api_costs_the_call_the_deadline_and_no_more_than_two_sends_wait(
        hung_twilio: FakeTwilio, caplog: pytest.LogCaptureFixture) -> None:
    sender = Sender(SID, TOKEN, timeout=0.5, base_url=hung_twilio.url, in_flight=2)
    results: list[bool] = []
    waiting = [threading.Thread(target=lambda: results.append(sender.send(CALLER, LINE, "Bonjour")))
               for _ in range(2)]
    for thread in waiting:
        thread.start()
    for _ in range(500):  # until both sends are under way at the fake API
        if hung_twilio.received == 2:
            break
        threading.Event().wait(0.01)
    assert sender.send(CALLER, LINE, "Bonjour") is False  # a third is refused at once
    assert hung_twilio.received == 2
    for thread in waiting:
        thread.join()
    assert results == [False, False]
    assert "no answer from Twilio in time" in caplog.text and "too many under way" in caplog.text
    assert "612345678" not in caplog.text
