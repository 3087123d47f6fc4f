"""Returning callers: their language and where their last call ended, kept under a keyed hash of the number.

Only three things are kept: the language, the node and the step. Never the number itself: the key is an
HMAC of it with a secret (CALLER_HASH_KEY), so a copy of the store cannot be turned back into numbers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from .caller import Call
from .content import Tree
from .navigation import State, clamp_step
from .privacy import keyed_hash
from .store import Store, StoreUnavailable

log = logging.getLogger("ivr.returning")
DAY = 24 * 3600


@dataclass(frozen=True)
class Place:
    """Where a caller's last call ended: a language, and a step of a topic when they were in one."""

    lang: str
    node: str | None = None
    step: int = 0

    @property
    def origin(self) -> str:
        """The place as a state's origin names it."""
        return f"{self.node}:{self.step}"


class Returning:
    """Remembers each shown number's last place for a while, and recognises it on the next call."""

    def __init__(self, store: Store, key: bytes, days: float, tree: Tree, languages: tuple[str, ...]) -> None:
        self.store = store
        self.key = key
        self.ttl = days * DAY
        self.tree = tree
        self.languages = languages

    def _key(self, number: str) -> str:
        return f"ivr:back:{keyed_hash(self.key, f'tel:{number}')}"

    def recall(self, call: Call) -> Place | None:
        """The place this caller's last call ended, or None: a first call, a withheld number, no store."""
        number = call.shown_number
        if number is None:
            return None
        try:
            value = self.store.get(self._key(number))
        except StoreUnavailable:
            return None  # the call goes on as a first call
        return self._parse(value) if value else None

    def _parse(self, value: str) -> Place | None:
        """A kept value, checked against today's content: a language or topic since removed is not offered."""
        lang, _, rest = value.partition(":")
        if lang not in self.languages:
            return None
        name, _, step = rest.partition(":")
        node = self.tree.nodes.get(name)
        if node is None or node.kind != "steps" or not node.resume:
            return Place(lang)
        return Place(lang, name, clamp_step(node, step))

    def note(self, call: Call, state: State) -> None:
        """Keep where the caller is now; called once the answer has gone out, so it never delays it."""
        number = call.shown_number
        if number is None or state.node == self.tree.entry:
            return  # nothing to recognise them by, or no language chosen yet
        node = self.tree.nodes[state.node]
        value = f"{state.lang}:{state.node}:{state.step}" if node.kind == "steps" else state.lang
        try:
            self.store.put(self._key(number), value, self.ttl)
        except StoreUnavailable:
            pass  # the breaker has said so once; the next call will simply start afresh
        except Exception:  # noting must never break the server's close of the response
            log.exception("could not note a returning caller's place")
