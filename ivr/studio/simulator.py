"""The phone page's calls: each one a Phone calling the line in this process, kept until it is pushed out."""

from __future__ import annotations

import threading
from collections import OrderedDict

from ..phone import Heard, Phone
from .workspace import Workspace

MAX_CALLS = 32  # a person makes a few at a time; the oldest goes first
KEYS = frozenset("0123456789*#")


class UnknownCall(KeyError):
    """The call ended long ago, or never was."""


class Calls:
    """Calls in progress, by call SID."""

    def __init__(self) -> None:
        self._calls: OrderedDict[str, Phone] = OrderedDict()
        self._lock = threading.Lock()

    def dial(self, workspace: Workspace, base: str) -> tuple[Phone, list[Heard]]:
        """Place a new call to the line's /voice, as Twilio does for a caller."""
        phone = workspace.phone(f"{base}voice")
        with self._lock:
            self._calls[phone.call_sid] = phone
            while len(self._calls) > MAX_CALLS:
                self._calls.popitem(last=False)
            return phone, phone.dial()

    def press(self, call: str, keys: str) -> tuple[Phone, list[Heard]]:
        """Press one key on a call (an empty string: let the line's wait run out)."""
        if keys and (len(keys) != 1 or keys not in KEYS):
            raise ValueError(f"'{keys}' is not a key of a phone")
        with self._lock:
            phone = self._calls.get(call)
            if phone is None:
                raise UnknownCall(call)
            self._calls.move_to_end(call)
            heard = phone.press(keys)
            if phone.ended:
                del self._calls[call]
                phone.hang_up()  # the line hung up: Twilio tells it so, and it counts where
            return phone, heard

    def hang_up(self, call: str) -> None:
        """The caller hangs up: the line hears of it as from Twilio's status callback."""
        with self._lock:
            phone = self._calls.pop(call, None)
        if phone is None:
            raise UnknownCall(call)
        phone.hang_up()
