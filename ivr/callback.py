"""Free to call: the line does not pick up a ring, it calls the caller back at its own cost.

Twilio does not bill a call whose first answer is <Reject>. So for a shown number in an allowed country,
the line first asks Twilio to call that number back, and only once Twilio has accepted does it reject the
ring. Anything else (the API refuses or is slow, a limit is reached, Redis is out) leaves the ring answered
as usual: nobody is left without a call. Limits are kept under a keyed hash of the number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from .bounded import Bounded
from .caller import E164, Call
from .privacy import keyed_hash, mask_number
from .store import Store, StoreUnavailable
from .twilio_api import attempt, rest_client

log = logging.getLogger("ivr.callback")

DAY_TTL = 2 * 24 * 3600  # a day's count is keyed by its date, so it only has to outlive that date
# How long one callback counts as under way if Twilio never says it ended (a lost status callback).
IN_PROGRESS_TTL = 15 * 60
IN_FLIGHT_KEY = "ivr:callback:in-flight"  # callbacks under way for the whole line


@dataclass(frozen=True)
class Links:
    """The public URLs Twilio uses for the call it places: the call's first webhook and its status."""

    answer: str
    status: str


@dataclass(frozen=True)
class Limits:
    """How many callbacks a number may have, and the whole line at once."""

    per_number_per_day: int = 3
    in_flight: int = 10


class Callbacks:
    """Places callbacks within the limits, and hears when they end."""

    def __init__(self, store: Store, hash_key: bytes, prefixes: tuple[str, ...], limits: Limits,
                 account_sid: str, auth_token: str, timeout: float, base_url: str | None = None,
                 sender: str | None = None, machine_detection: bool = False) -> None:
        self.store = store
        self.hash_key = hash_key
        self.prefixes = prefixes
        self.limits = limits
        self.client = rest_client(account_sid, auth_token, timeout, base_url)
        self.bounded = Bounded("callback", timeout, limits.in_flight)
        self.sender = sender  # None: the number the caller dialled
        self.machine_detection = machine_detection

    def _key(self, kind: str, number: str) -> str:
        return f"ivr:callback:{kind}:{keyed_hash(self.hash_key, f'tel:{number}')}"

    def wanted(self, call: Call) -> str | None:
        """The number to call back, when this ring may be one: shown, well formed, in an allowed country."""
        number = call.shown_number
        if call.direction != "inbound" or number is None or not number.startswith(self.prefixes):
            return None
        return number

    def place(self, call: Call, links: Links) -> bool:
        """Ask Twilio to call this caller back; True only when it accepted, within every limit."""
        number = self.wanted(call)
        sender = self.sender or (call.line_number if E164.fullmatch(call.line_number) else None)
        if number is None or sender is None:
            return False
        busy = self._key("busy", number)
        day = self._key(datetime.now(UTC).date().isoformat(), number)
        try:
            if not self.store.add(busy, "1", IN_PROGRESS_TTL):
                return False  # one callback at a time per number
            if int(self.store.get(day) or 0) >= self.limits.per_number_per_day:
                self.store.delete(busy)
                return False
            # Renewed at each callback: the count only lapses once no callback began for a while.
            if self.store.incr(IN_FLIGHT_KEY, IN_PROGRESS_TTL, renew=True) > self.limits.in_flight:
                self._release(busy)
                return False
        except StoreUnavailable:
            return False  # without the limits nothing would stop a flood of calls at our cost
        placed = attempt(self.bounded, log, "callback", number, lambda: self.client.calls.create(
            to=number, from_=sender, url=links.answer, method="POST", status_callback=links.status,
            status_callback_method="POST", status_callback_event=["completed"],
            **({"machine_detection": "Enable"} if self.machine_detection else {})))
        if placed is None:
            self._quietly(lambda: self._release(busy))
            return False
        # Placed: if the count is lost now, the in-progress mark still expires by itself.
        self._quietly(lambda: self.store.incr(day, DAY_TTL))
        log.info("callback to %s placed (%s)", mask_number(number), placed.sid)
        return True

    def ended(self, call: Call) -> None:
        """A callback the line placed has ended (its status callback): the number may have another."""
        if call.direction != "outbound-api" or call.shown_number is None:
            return  # not one of ours: an inbound call's own status, or garbage
        self._quietly(lambda: self._release(self._key("busy", call.shown_number or "")))

    @staticmethod
    def _quietly(work: Callable[[], object]) -> None:
        """Keep a mark up to date if the store answers; its lifetime sets it right otherwise."""
        try:
            work()
        except StoreUnavailable:
            pass

    def _release(self, busy: str) -> None:
        if self.store.delete(busy):
            self.store.decr(IN_FLIGHT_KEY)
