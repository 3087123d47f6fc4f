"""Finished answers kept by everything they depend on, so a state heard before costs a dictionary lookup."""

from __future__ import annotations

from collections.abc import Callable, Hashable

# Languages x nodes x steps x notices x counters stay in the low thousands; the bound keeps memory flat.
MAX_ANSWERS = 4096


class AnswerCache:
    """TwiML text by key; the key must name all an answer depends on (state, URLs, audio build...)."""

    def __init__(self, limit: int = MAX_ANSWERS) -> None:
        self.limit = limit
        self.kept: dict[Hashable, str] = {}

    def get(self, key: Hashable, build: Callable[[], str]) -> str:
        """The kept text for this key, or the built one, kept from now on."""
        text = self.kept.get(key)
        if text is None:
            if len(self.kept) >= self.limit:
                self.kept.clear()  # simpler than LRU; only reached by URLs no menu produces
            text = self.kept[key] = build()
        return text
