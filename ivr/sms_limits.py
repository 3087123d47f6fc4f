"""SMS abuse limits: one text per call and a few per number per day, counted under salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Protocol

import redis

log = logging.getLogger("ivr.sms")

CALL_TTL = 24 * 3600  # Twilio ends a call after 4 hours at most; a day outlives any call
DAY_TTL = 2 * 24 * 3600  # a day's count is keyed by its date, so it only has to outlive that date


class Store(Protocol):
    """Where the counts live: this process's memory, or Redis shared by every instance."""

    def peek(self, call_key: str, day_key: str) -> tuple[bool, int]:
        """Whether the call already had its text, and how many texts the number had today."""

    def claim(self, call_key: str, day_key: str, limit: int) -> bool:
        """Take the call's one text and one of the number's daily texts; False if either was used up."""


class MemoryStore:
    """Counts in this process only: right for one process, and each of several keeps its own."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()  # gunicorn's gthread workers serve several calls at once
        self._values: dict[str, tuple[int, float]] = {}  # key -> (value, expiry on the clock)

    def _get(self, key: str, now: float) -> int:
        value, expiry = self._values.get(key, (0, now))
        return value if expiry > now else 0

    def peek(self, call_key: str, day_key: str) -> tuple[bool, int]:
        """Whether the call already had its text, and how many texts the number had today."""
        with self._lock:
            now = self._clock()
            return bool(self._get(call_key, now)), self._get(day_key, now)

    def claim(self, call_key: str, day_key: str, limit: int) -> bool:
        """Take the call's one text and one of the number's daily texts; False if either was used up."""
        with self._lock:
            now = self._clock()
            # Texts are rare, so forgetting expired keys here keeps memory to about two days of callers.
            self._values = {key: item for key, item in self._values.items() if item[1] > now}
            if call_key in self._values:
                return False
            self._values[call_key] = (1, now + CALL_TTL)
            count = self._get(day_key, now) + 1
            self._values[day_key] = (count, now + DAY_TTL)
            return count <= limit


class RedisStore:
    """Counts in Redis, so every instance of the line shares them."""

    def __init__(self, client: redis.Redis) -> None:
        self.client = client

    @classmethod
    def from_url(cls, url: str, timeout: float = 1.0) -> RedisStore:
        """Connect lazily, waiting a short time at most: a slow Redis must not hold a call."""
        return cls(redis.Redis.from_url(url, socket_timeout=timeout, socket_connect_timeout=timeout))

    def peek(self, call_key: str, day_key: str) -> tuple[bool, int]:
        """Whether the call already had its text, and how many texts the number had today."""
        used, count = self.client.mget([call_key, day_key])
        return used is not None, int(count or 0)

    def claim(self, call_key: str, day_key: str, limit: int) -> bool:
        """Take the call's one text and one of the number's daily texts; False if either was used up."""
        # SET NX lets one request per call through, even when a key press reaches two instances at once.
        if not self.client.set(call_key, 1, nx=True, ex=CALL_TTL):
            return False
        pipe = self.client.pipeline()
        pipe.incr(day_key)
        pipe.expire(day_key, DAY_TTL)
        count, _ = pipe.execute()
        return int(count) <= limit


def utc_today() -> date:
    """Today's date in UTC: the day the daily limit counts."""
    return datetime.now(UTC).date()


class Limiter:
    """Applies the limits to a call and a number, which it only ever stores as keyed hashes."""

    def __init__(self, store: Store, salt: bytes, daily_limit: int,
                 today: Callable[[], date] = utc_today) -> None:
        self.store = store
        self.salt = salt
        self.daily_limit = daily_limit
        self.today = today

    def _hash(self, kind: str, value: str) -> str:
        # A keyed hash: without the salt, the small space of phone numbers cannot be hashed back.
        return hmac.new(self.salt, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()[:32]

    def _keys(self, call_sid: str, number: str) -> tuple[str, str]:
        day = self.today().isoformat()
        return f"ivr:sms:call:{self._hash('call', call_sid)}", f"ivr:sms:{day}:{self._hash('tel', number)}"

    def allows(self, call_sid: str, number: str) -> bool:
        """Whether the call has had no text yet and the number is under today's limit."""
        try:
            used, count = self.store.peek(*self._keys(call_sid, number))
        except redis.RedisError as error:
            # Fail closed: without the counts, nothing stops a pumping attack.
            log.warning("sms limits unavailable, option hidden: %s", type(error).__name__)
            return False
        return not used and count < self.daily_limit

    def claim(self, call_sid: str, number: str) -> bool:
        """Count one text for the call and the number; False if a limit forbids it."""
        try:
            return self.store.claim(*self._keys(call_sid, number), self.daily_limit)
        except redis.RedisError as error:
            log.warning("sms limits unavailable, nothing sent: %s", type(error).__name__)
            return False
