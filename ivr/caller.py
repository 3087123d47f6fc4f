"""Who is calling: what Twilio's webhook says of a call, and whether its number can be used at all."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

E164 = re.compile(r"\+[1-9]\d{6,14}")
# What Twilio puts in From when the caller ID is withheld: ANONYMOUS, RESTRICTED, BLOCKED, UNAVAILABLE and
# UNKNOWN spelled on a keypad. They look like numbers (+7 and +266 are real country codes), so list them.
WITHHELD = frozenset({"+266696687", "+7378742833", "+2562533", "+8656696", "+86282452253"})


@dataclass(frozen=True)
class Call:
    """What Twilio's webhook tells about a call: its id, the person on it, and the line's own number."""

    sid: str
    caller: str
    line_number: str
    direction: str = "inbound"

    @classmethod
    def from_form(cls, form: Mapping[str, str]) -> Call:
        """Read the call from a webhook's form; on a call the line placed, the person is the one called."""
        direction = form.get("Direction", "inbound")[:20]
        person, line = form.get("From", "")[:32], form.get("To", "")[:32]
        if direction.startswith("outbound"):
            person, line = line, person
        return cls(form.get("CallSid", "")[:64], person, line, direction)

    @property
    def shown_number(self) -> str | None:
        """The caller's number when it is shown and well formed, else None (withheld, a SIP name...)."""
        return self.caller if is_shown_number(self.caller) else None


def is_shown_number(number: str) -> bool:
    """A real, shown number in E.164 form: never a withheld or malformed caller ID."""
    return bool(E164.fullmatch(number)) and number not in WITHHELD
