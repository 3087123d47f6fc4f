"""The shared store: memory and a real redis-server, and a call that never waits long on a sick Redis."""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import redis
from flask import Flask

from ivr.phone import Phone
from ivr.store import DEADLINE, Breaker, MemoryStore, RedisStore, Store, StoreUnavailable

from .conftest import free_port, redis_server

CALLER = "+33612345678"


@pytest.fixture(params=["memory", "redis"])
def store(request: pytest.FixtureRequest) -> Store:
    """Each kind of store, empty."""
    if request.param == "memory":
        return MemoryStore()
    return RedisStore.from_url(request.getfixturevalue("redis_url"))


def test_values_counts_and_set_if_absent(store: Store, request: pytest.FixtureRequest) -> None:
    if isinstance(store, RedisStore):
        store.client.flushdb()
    assert store.get("a") is None
    store.put("a", "fr:create:5", 60)
    assert store.get("a") == "fr:create:5"
    assert store.add("b", "1", 60) and not store.add("b", "2", 60) and store.get("b") == "1"
    assert [store.incr("c", 60) for _ in range(3)] == [1, 2, 3]
    store.delete("a")
    assert store.get("a") is None


def test_taking_a_value_forgets_it_and_tallies_add_up(store: Store) -> None:
    if isinstance(store, RedisStore):
        store.client.flushdb()
    store.put("note", "fr|create|3|", 60)
    assert store.take("note") == "fr|create|3|" and store.take("note") is None and store.get("note") is None
    store.tally("day", ["reached|fr|main|0", "answered", "answered"], 60)
    store.tally("day", ["answered"], 60)
    assert store.tallies(["day", "other day"]) == [{"reached|fr|main|0": 1, "answered": 3}, {}]
    assert store.tallies([]) == []


def test_memory_tallies_are_kept_from_their_last_count() -> None:
    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    store.tally("day", ["a"], 10)
    now[0] = 8.0
    store.tally("day", ["a"], 10)  # a day's counts live on while it is being counted
    now[0] = 17.9
    assert store.tallies(["day"]) == [{"a": 2}]
    now[0] = 18.1
    assert store.tallies(["day"]) == [{}]
    store.tally("day", ["a"], 10)
    assert store.tallies(["day"]) == [{"a": 1}]  # counted afresh, not on top of the expired ones


def test_redis_tallies_expire(redis_url: str) -> None:
    store = RedisStore.from_url(redis_url)
    store.tally("ivr:stats:test", ["a"], 8 * 86400)
    assert 7 * 86400 < store.client.pttl("ivr:stats:test") / 1000 <= 8 * 86400


def test_memory_forgets_after_the_lifetime() -> None:
    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    store.put("a", "x", 10)
    store.incr("c", 10)
    now[0] = 9.9
    assert store.get("a") == "x" and store.incr("c", 10) == 2  # a count keeps its first lifetime
    now[0] = 10.1
    assert store.get("a") is None and store.incr("c", 10) == 1


def test_memory_stays_bounded() -> None:
    store = MemoryStore(limit=3)
    for key in "abcde":
        store.put(key, key, 60)
    assert [store.get(key) for key in "abcde"] == [None, None, "c", "d", "e"]


def test_redis_counts_expire(redis_url: str) -> None:
    store = RedisStore.from_url(redis_url)
    store.client.flushdb()
    store.incr("count", 30)
    store.incr("count", 30)
    assert 0 < store.client.pttl("count") <= 30_000 and store.get("count") == "2"


def test_the_redis_client_never_retries_and_waits_briefly() -> None:
    store = RedisStore.from_url("redis://127.0.0.1:1/0")
    kwargs = store.client.connection_pool.connection_kwargs
    assert kwargs["socket_timeout"] == kwargs["socket_connect_timeout"] == DEADLINE <= 0.05
    assert store.client.get_retry().get_retries() == 0


class Clock:
    """A clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_and_says_so_once(caplog: pytest.LogCaptureFixture) -> None:
    clock = Clock()
    breaker = Breaker("redis", failures=3, cooldown=10, clock=clock)
    tries: list[int] = []

    def failing() -> int:
        tries.append(1)
        raise redis.TimeoutError("hung")

    for _ in range(6):
        with pytest.raises(StoreUnavailable):
            breaker.call(failing, (redis.RedisError,))
    assert len(tries) == 3 and breaker.is_open  # after three failures Redis is not asked at all
    clock.now = 10.5
    with pytest.raises(StoreUnavailable):
        breaker.call(failing, (redis.RedisError,))  # one try after the cooldown; still failing
    assert len(tries) == 4 and breaker.is_open
    clock.now = 21.0
    assert breaker.call(lambda: 7, (redis.RedisError,)) == 7 and not breaker.is_open
    warnings = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 2 and "failing" in warnings[0] and "answers again" in warnings[1]


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A redis-server of this test's own, to hang and stop."""
    with redis_server(tmp_path) as server:
        yield server


def returning_app(make_app: Callable[..., Flask], url: str) -> Flask:
    return make_app(REDIS_URL=url, CALLER_HASH_KEY="test-key")


def test_a_hung_redis_gives_a_first_call_and_then_is_left_alone(
        own_redis: tuple[str, subprocess.Popen[bytes]], make_app: Callable[..., Flask],
        make_phone: Callable[..., Phone], monkeypatch: pytest.MonkeyPatch) -> None:
    url, server = own_redis
    app = returning_app(make_app, url)
    first = make_phone(app)
    first.dial()
    first.press("2")  # English
    first.press("2")  # creating the account: kept in Redis
    os.kill(server.pid, signal.SIGSTOP)  # hung, not down: connections open, nothing answers
    store = app.extensions["ivr"].returning.store
    asked: list[str] = []
    real_get = store.client.get
    monkeypatch.setattr(store.client, "get", lambda key: asked.append(key) or real_get(key))
    for _ in range(5):
        heard = make_phone(app).dial()
        assert heard and heard[0].verb == "say"  # the line answered: the first-call welcome
        assert heard[0].text == app.extensions["ivr"].catalog.reference.words("welcome")
    assert len(asked) == 3 and store.breaker.is_open  # three tries, then Redis is no longer asked


def test_a_returning_caller_is_recognised_through_redis_by_another_instance(
        own_redis: tuple[str, subprocess.Popen[bytes]], make_app: Callable[..., Flask],
        make_phone: Callable[..., Phone]) -> None:
    url, _ = own_redis
    one, two = returning_app(make_app, url), returning_app(make_app, url)
    phone = make_phone(one)
    phone.dial()
    phone.press("2")
    phone.press("2")
    phone.press("1")
    english = two.extensions["ivr"].catalog.languages["en"]
    assert make_phone(two).dial()[0].text == english.words("resume.create")
    client = redis.Redis.from_url(url)
    every = [key.decode() for key in client.keys("*")]
    keys = [key for key in every if key.startswith("ivr:back:")]  # beside them: calls' notes, stats
    assert len(keys) == 1 and not any("612345678" in key for key in every)
    assert client.get(keys[0]) == b"en:create:1"
    assert 29 * 86400 < client.ttl(keys[0]) <= 30 * 86400


def test_a_redis_that_is_down_gives_a_first_call(make_app: Callable[..., Flask],
                                                 make_phone: Callable[..., Phone]) -> None:
    app = returning_app(make_app, f"redis://127.0.0.1:{free_port()}/0")
    phone = make_phone(app)
    phone.dial()
    phone.press("1")
    assert phone.press("2")  # the place cannot be kept: the call goes on
    assert make_phone(app).dial()[0].text == app.extensions["ivr"].catalog.reference.words("welcome")


def test_a_silent_socket_is_a_hung_redis_too(make_app: Callable[..., Flask],
                                             make_phone: Callable[..., Phone]) -> None:
    with socket.socket() as listener:  # accepts connections, never answers a byte
        listener.bind(("127.0.0.1", 0))
        listener.listen(16)
        app = returning_app(make_app, f"redis://127.0.0.1:{listener.getsockname()[1]}/0")
        heard = make_phone(app).dial()
    assert heard[0].text == app.extensions["ivr"].catalog.reference.words("welcome")


def test_a_renewed_count_lives_from_its_last_count(store: Store) -> None:
    if isinstance(store, RedisStore):
        store.client.flushdb()
        store.incr("flight", 30, renew=True)
        store.client.pexpire("flight", 1000)  # as if it were about to lapse
        store.incr("flight", 30, renew=True)
        assert store.client.pttl("flight") > 20_000
    else:
        now = [0.0]
        memory = MemoryStore(clock=lambda: now[0])
        memory.incr("flight", 30, renew=True)
        now[0] = 25.0
        memory.incr("flight", 30, renew=True)
        now[0] = 40.0
        assert memory.get("flight") == "2"


def test_settings_in_the_environment_leave_the_defaults_as_written(monkeypatch: pytest.MonkeyPatch) -> None:
    from ivr import config

    monkeypatch.setenv("IVR_AUDIO_ENGINES__fr", '["espeak"]')
    assert config.load()["AUDIO_ENGINES"]["fr"] == ["espeak"]
    assert config.DEFAULTS["AUDIO_ENGINES"]["fr"] != ["espeak"]
