"""Small shared state (counts, remembered places): Redis when REDIS_URL is set, else this process's memory.

A call must never wait on it: every Redis command has a deadline far below a webhook's budget, is never
retried, and after a few failures in a row Redis is not asked at all for a while (a circuit breaker).
Whoever uses the store treats StoreUnavailable as "nothing known" and lets the call go on.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol, TypeVar

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

log = logging.getLogger("ivr.store")
T = TypeVar("T")

DEADLINE = 0.05  # seconds a command may take: a healthy Redis answers in well under a millisecond
FAILURES_TO_OPEN = 3  # failures in a row that open the breaker
COOLDOWN = 10.0  # seconds Redis is left alone once the breaker is open


class StoreUnavailable(Exception):
    """The store cannot answer now; the caller goes on as if nothing were stored."""


class Store(Protocol):
    """String values under keys, each with a lifetime."""

    def get(self, key: str) -> str | None:
        """The value, or None."""

    def put(self, key: str, value: str, ttl: float) -> None:
        """Set the value, for `ttl` seconds."""

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Set the value only if the key has none; whether it was set."""

    def incr(self, key: str, ttl: float, renew: bool = False) -> int:
        """Add one to a count and return it; it lives `ttl` seconds from its first count, or from now."""

    def decr(self, key: str) -> int:
        """Take one from a count, never below zero, and return it."""

    def delete(self, key: str) -> bool:
        """Forget the key; whether it was there."""

    def take(self, key: str) -> str | None:
        """The value, forgotten at once: of two readers at the same moment, one gets it."""

    def tally(self, key: str, fields: Sequence[str], ttl: float) -> None:
        """Add one to each field of the counts under the key (twice for a field named twice); kept `ttl` s."""

    def tallies(self, keys: Sequence[str]) -> list[dict[str, int]]:
        """The counts under each key, {} where there are none."""


class MemoryStore:
    """This process's memory: right for one process; each of several keeps its own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic, limit: int = 100_000) -> None:
        self._clock = clock
        self._limit = limit  # keys kept at most; expired ones are dropped first
        self._lock = threading.Lock()  # gthread workers serve several calls at once
        self._values: dict[str, tuple[str, float]] = {}
        self._counts: dict[str, tuple[Counter[str], float]] = {}  # few keys (one a day): not bounded

    def _live(self, key: str, now: float) -> str | None:
        value, expiry = self._values.get(key, ("", 0.0))
        return value if expiry > now else None

    def _store(self, key: str, value: str, expiry: float, now: float) -> None:
        if len(self._values) >= self._limit:
            self._values = {k: item for k, item in self._values.items() if item[1] > now}
            if len(self._values) >= self._limit:
                self._values.pop(next(iter(self._values)))  # the oldest written
        self._values[key] = (value, expiry)

    def get(self, key: str) -> str | None:
        """The value, or None."""
        with self._lock:
            return self._live(key, self._clock())

    def put(self, key: str, value: str, ttl: float) -> None:
        """Set the value, for `ttl` seconds."""
        with self._lock:
            now = self._clock()
            self._values.pop(key, None)  # re-inserted last: the oldest written go first when full
            self._store(key, value, now + ttl, now)

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Set the value only if the key has none."""
        with self._lock:
            now = self._clock()
            if self._live(key, now) is not None:
                return False
            self._store(key, value, now + ttl, now)
            return True

    def incr(self, key: str, ttl: float, renew: bool = False) -> int:
        """Add one to a count and return it."""
        with self._lock:
            now = self._clock()
            current = self._live(key, now)
            count = int(current) + 1 if current is not None else 1
            expiry = self._values[key][1] if current is not None and not renew else now + ttl
            self._store(key, str(count), expiry, now)
            return count

    def decr(self, key: str) -> int:
        """Take one from a count, never below zero."""
        with self._lock:
            now = self._clock()
            current = self._live(key, now)
            if current is None:
                return 0
            count = max(int(current) - 1, 0)
            self._values[key] = (str(count), self._values[key][1])
            return count

    def delete(self, key: str) -> bool:
        """Forget the key; whether it was there."""
        with self._lock:
            now = self._clock()
            was = self._live(key, now) is not None
            self._values.pop(key, None)
            return was

    def take(self, key: str) -> str | None:
        """The value, forgotten at once."""
        with self._lock:
            value = self._live(key, self._clock())
            self._values.pop(key, None)
            return value

    def tally(self, key: str, fields: Sequence[str], ttl: float) -> None:
        """Add one to each field of the counts under the key; they are kept `ttl` seconds from now."""
        with self._lock:
            now = self._clock()
            counts, expiry = self._counts.get(key, (Counter(), 0.0))
            if expiry <= now:
                counts = Counter()
                self._counts = {k: item for k, item in self._counts.items() if item[1] > now}
            counts.update(fields)
            self._counts[key] = (counts, now + ttl)

    def tallies(self, keys: Sequence[str]) -> list[dict[str, int]]:
        """The counts under each key."""
        with self._lock:
            now = self._clock()
            found = [self._counts.get(key, (Counter(), 0.0)) for key in keys]
            return [dict(counts) if expiry > now else {} for counts, expiry in found]


class Breaker:
    """Stops asking a failing service for a while; says so once when it opens and once when it closes."""

    def __init__(self, name: str, failures: int = FAILURES_TO_OPEN, cooldown: float = COOLDOWN,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.failures_to_open = failures
        self.cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._failures = 0
        self._open_until: float | None = None

    @property
    def is_open(self) -> bool:
        """Whether the service is being left alone now."""
        return self._open_until is not None and self._clock() < self._open_until

    def call(self, command: Callable[[], T], errors: tuple[type[Exception], ...]) -> T:
        """Run the command unless the breaker is open; its failures count towards opening it."""
        if self.is_open:
            raise StoreUnavailable(f"{self.name} skipped for a while after failures")
        try:
            result = command()
        except errors as error:
            self._failed(error)
            raise StoreUnavailable(f"{self.name}: {type(error).__name__}") from error
        self._succeeded()
        return result

    def _failed(self, error: Exception) -> None:
        with self._lock:
            self._failures += 1
            if self._failures >= self.failures_to_open and not self.is_open:
                first = self._open_until is None
                self._open_until = self._clock() + self.cooldown
                if first:
                    log.warning("%s failing (%s): not asked for %.0f s at a time until it answers again",
                                self.name, type(error).__name__, self.cooldown)

    def _succeeded(self) -> None:
        with self._lock:
            if self._open_until is not None:
                log.warning("%s answers again", self.name)
            self._failures, self._open_until = 0, None


class RedisStore:
    """Redis shared by every instance, asked with a short deadline through a breaker."""

    def __init__(self, client: redis.Redis, breaker: Breaker | None = None) -> None:
        self.client = client
        self.breaker = breaker or Breaker("redis")

    @classmethod
    def from_url(cls, url: str, deadline: float = DEADLINE) -> RedisStore:
        """Connect lazily; never retry: a second try would double the wait of a call."""
        client = redis.Redis.from_url(url, socket_timeout=deadline, socket_connect_timeout=deadline,
                                      retry=Retry(NoBackoff(), 0), decode_responses=True)
        return cls(client)

    def _run(self, command: Callable[[], T]) -> T:
        return self.breaker.call(command, (redis.RedisError, OSError))

    def get(self, key: str) -> str | None:
        """The value, or None."""
        value = self._run(lambda: self.client.get(key))
        return value.decode() if isinstance(value, bytes) else value

    def put(self, key: str, value: str, ttl: float) -> None:
        """Set the value, for `ttl` seconds."""
        self._run(lambda: self.client.set(key, value, px=int(ttl * 1000)))

    def add(self, key: str, value: str, ttl: float) -> bool:
        """Set the value only if the key has none (SET NX: one winner even across instances)."""
        return bool(self._run(lambda: self.client.set(key, value, px=int(ttl * 1000), nx=True)))

    def incr(self, key: str, ttl: float, renew: bool = False) -> int:
        """Add one to a count; its lifetime starts with its first count, or again now (`renew`)."""

        def count() -> int:
            pipe = self.client.pipeline()
            pipe.set(key, 0, px=int(ttl * 1000), nx=True)  # INCR keeps the lifetime this gives
            pipe.incr(key)
            if renew:
                pipe.pexpire(key, int(ttl * 1000))
            value = pipe.execute()[1]
            return int(value)

        return self._run(count)

    def decr(self, key: str) -> int:
        """Take one from a count, never below zero (a count that expired meanwhile stays gone)."""
        script = "local n = redis.call('GET', KEYS[1]) if not n or tonumber(n) <= 0 then return 0 end " \
                 "return redis.call('DECR', KEYS[1])"
        return int(self._run(lambda: self.client.eval(script, 1, key)))

    def delete(self, key: str) -> bool:
        """Forget the key; whether it was there."""
        return bool(self._run(lambda: self.client.delete(key)))

    def take(self, key: str) -> str | None:
        """The value, forgotten at once (GET and DEL in one transaction)."""

        def get_and_delete() -> str | None:
            pipe = self.client.pipeline(transaction=True)
            pipe.get(key)
            pipe.delete(key)
            value, _ = pipe.execute()
            return value.decode() if isinstance(value, bytes) else value

        return self._run(get_and_delete)

    def tally(self, key: str, fields: Sequence[str], ttl: float) -> None:
        """Add one to each field of a Redis hash, and keep it `ttl` seconds from now: one round trip."""

        def count() -> None:
            pipe = self.client.pipeline(transaction=False)
            for field, times in Counter(fields).items():
                pipe.hincrby(key, field, times)
            pipe.pexpire(key, int(ttl * 1000))
            pipe.execute()

        self._run(count)

    def tallies(self, keys: Sequence[str]) -> list[dict[str, int]]:
        """The counts of several hashes, in one round trip."""

        def read() -> list[dict[str, int]]:
            pipe = self.client.pipeline(transaction=False)
            for key in keys:
                pipe.hgetall(key)
            return [{_text(field): int(count) for field, count in found.items()} for found in pipe.execute()]

        return self._run(read)


def _text(value: str | bytes) -> str:
    return value.decode() if isinstance(value, bytes) else value


class StoreConfigError(RuntimeError):
    """Shared state is asked for with settings that cannot keep it safe."""


def from_settings(settings: Mapping[str, Any]) -> tuple[Store, bytes]:
    """The line's store, and the secret key that numbers are hashed with before anything is stored."""
    url, key = settings["REDIS_URL"], settings["CALLER_HASH_KEY"]
    if url:
        if not key:
            # Shared keys outlive this process and are read by others: they need one stable, secret key.
            raise StoreConfigError("REDIS_URL is set, so CALLER_HASH_KEY must be too (a long random secret).")
        return RedisStore.from_url(str(url)), str(key).encode()
    # What a process keeps in memory dies with it, so a key of its own, written nowhere, is enough.
    return MemoryStore(), str(key).encode() if key else secrets.token_bytes(32)
