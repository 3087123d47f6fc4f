"""SMS limits, in memory and in a real redis-server: one per call, N per number a day, no number stored."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
import redis
import responses
from flask import Flask

from ivr.phone import Phone
from ivr.sms_limits import CALL_TTL, Limiter
from ivr.store import MemoryStore, RedisStore, Store

from .conftest import free_port

CALLER, OTHER = "+33612345678", "+33798765432"
SALT = b"test-salt"
DAY = date(2026, 11, 27)


@pytest.fixture(params=["memory", "redis"])
def make_limiter(request: pytest.FixtureRequest) -> Callable[..., Limiter]:
    """Limiters over one shared store, memory or Redis, as several instances of the line would be."""
    store: Store
    if request.param == "memory":
        store = MemoryStore()
    else:
        client = request.getfixturevalue("redis_client")
        store = RedisStore(client)

    def build(limit: int = 2, salt: bytes = SALT, today: date = DAY) -> Limiter:
        return Limiter(store, salt, limit, today=lambda: today)

    return build


def test_one_text_per_call(make_limiter: Callable[..., Limiter]) -> None:
    limiter = make_limiter()
    assert limiter.allows("CA1", CALLER)
    assert limiter.claim("CA1", CALLER)
    assert not limiter.allows("CA1", CALLER)
    assert not limiter.claim("CA1", CALLER)
    assert limiter.allows("CA2", CALLER)  # the next call from the same number may have one


def test_a_daily_cap_per_number(make_limiter: Callable[..., Limiter]) -> None:
    limiter = make_limiter(limit=2)
    assert limiter.claim("CA1", CALLER)
    assert limiter.claim("CA2", CALLER)
    assert not limiter.allows("CA3", CALLER)
    assert not limiter.claim("CA3", CALLER)
    assert limiter.claim("CA4", OTHER)  # another number has its own count


def test_the_count_starts_again_the_next_day(make_limiter: Callable[..., Limiter]) -> None:
    assert make_limiter(limit=1).claim("CA1", CALLER)
    assert not make_limiter(limit=1).allows("CA2", CALLER)
    assert make_limiter(limit=1, today=date(2026, 11, 28)).claim("CA2", CALLER)


def test_two_instances_share_the_call_and_the_count(make_limiter: Callable[..., Limiter]) -> None:
    first, second = make_limiter(limit=2), make_limiter(limit=2)
    assert first.claim("CA1", CALLER)
    assert not second.claim("CA1", CALLER)
    assert second.claim("CA2", CALLER)
    assert not first.allows("CA3", CALLER)


def test_another_salt_counts_apart(make_limiter: Callable[..., Limiter]) -> None:
    assert make_limiter(limit=1).claim("CA1", CALLER)
    assert make_limiter(limit=1, salt=b"another-salt").allows("CA2", CALLER)


def test_redis_holds_hashes_only_and_lets_them_expire(redis_client: redis.Redis) -> None:
    limiter = Limiter(RedisStore(redis_client), SALT, 3, today=lambda: DAY)
    assert limiter.claim("CA0123456789abcdef", CALLER)
    keys = sorted(key.decode() for key in redis_client.keys("*"))
    call_key, day_key = limiter._keys("CA0123456789abcdef", CALLER)
    assert keys == sorted([call_key, day_key])
    assert day_key.startswith("ivr:sms:2026-11-27:") and call_key.startswith("ivr:sms:call:")
    for key in keys:
        assert "612345678" not in key and "0123456789abcdef" not in key
        assert redis_client.get(key) == b"1"
        assert 0 < redis_client.ttl(key) <= 2 * 24 * 3600


def test_memory_forgets_a_call_after_a_day() -> None:
    now = [1000.0]
    limiter = Limiter(MemoryStore(clock=lambda: now[0]), SALT, 5, today=lambda: DAY)
    assert limiter.claim("CA1", CALLER)
    now[0] += CALL_TTL + 1
    assert limiter.allows("CA1", CALLER)


def test_without_redis_nothing_is_offered_or_sent() -> None:
    store = RedisStore.from_url(f"redis://127.0.0.1:{free_port()}/0", deadline=0.5)
    limiter = Limiter(store, SALT, 3)
    try:
        assert not limiter.allows("CA1", CALLER)
        assert not limiter.claim("CA1", CALLER)
    finally:
        store.client.close()


def test_two_instances_of_the_line_share_the_limits(
    make_app: Callable[..., Flask], make_phone: Callable[..., Phone], redis_client: redis.Redis,
    redis_url: str,
) -> None:
    sid = "AC" + "3" * 32
    settings = {"SMS_ENABLED": True, "TWILIO_ACCOUNT_SID": sid, "REDIS_URL": redis_url,
                "CALLER_HASH_KEY": "shared-secret", "SMS_DAILY_LIMIT": 1}
    first, second = make_app(**settings), make_app(**settings)
    french = str([language.code for language in first.extensions["ivr"].languages].index("fr") + 1)
    fr = first.extensions["ivr"].catalog.languages["fr"]
    with responses.RequestsMock() as api:
        api.add(responses.POST, f"https://api.twilio.com/2010-04-01/Accounts/{sid}/Messages.json",
                status=201, json={"sid": "SM" + "e" * 32, "status": "queued"})
        phone = make_phone(first)
        phone.dial()
        phone.press(french)
        assert phone.press("6")[0].text == fr.words("sms.sent")
        # The same call, its next request served by the other instance; then a new call from the same number.
        for call_sid in (phone.call_sid, "CA" + "f" * 32):
            later = make_phone(second, call_sid=call_sid)
            later.dial()
            assert fr.words("option.sms") not in [heard.text for heard in later.press(french)]
            assert later.press("6")[0].text == fr.words("notice.wrong")
        assert len(api.calls) == 1
    assert len(redis_client.keys("ivr:sms:*")) == 2
