"""SMS abuse limits: one text per call and a few per number per day, counted under salted hashes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, date, datetime

from .privacy import keyed_hash
from .store import Store, StoreUnavailable

log = logging.getLogger("ivr.sms")

CALL_TTL = 24 * 3600  # Twilio ends a call after 4 hours at most; a day outlives any call
DAY_TTL = 2 * 24 * 3600  # a day's count is keyed by its date, so it only has to outlive that date


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
        return keyed_hash(self.salt, f"{kind}:{value}")

    def _keys(self, call_sid: str, number: str) -> tuple[str, str]:
        day = self.today().isoformat()
        return f"ivr:sms:call:{self._hash('call', call_sid)}", f"ivr:sms:{day}:{self._hash('tel', number)}"

    def allows(self, call_sid: str, number: str) -> bool:
        """Whether the call has had no text yet and the number is under today's limit."""
        call_key, day_key = self._keys(call_sid, number)
        try:
            used = self.store.get(call_key) is not None
            count = 0 if used else int(self.store.get(day_key) or 0)
        except StoreUnavailable:
            return False  # fail closed: without the counts, nothing stops a pumping attack
        return not used and count < self.daily_limit

    def claim(self, call_sid: str, number: str) -> bool:
        """Count one text for the call and the number; False if a limit forbids it."""
        call_key, day_key = self._keys(call_sid, number)
        try:
            # SET NX lets one request per call through, even when a key press reaches two instances.
            if not self.store.add(call_key, "1", CALL_TTL):
                return False
            return self.store.incr(day_key, DAY_TTL) <= self.daily_limit
        except StoreUnavailable:
            log.warning("sms limits unavailable, nothing sent")
            return False
