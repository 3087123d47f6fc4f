"""One webhook request of a call, read once: who calls, where they are, the key, and how to answer."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from . import answers
from .audio.index import ManifestIndex
from .cache import AnswerCache
from .caller import Call
from .line import Line
from .navigation import State
from .voice import Speaker


@dataclass(frozen=True)
class Turn:
    """A caller's key press (or silence) in a state, with what the answer to it needs."""

    line: Line
    call: Call
    state: State
    digits: str
    actions: frozenset[str]  # the actions this call may use now (ivr/actions.py: `available`)
    links: answers.Links
    files: ManifestIndex  # the audio build being served now
    cache: AnswerCache

    @cached_property
    def speaker(self) -> Speaker:
        """Plays this build's files, says the rest."""
        return Speaker(self.line.voice, self.files, self.links.audio)

    def show(self, state: State, notice: str | None = None, result: str | None = None,
             opening: bool = False, greeting: str | None = None) -> str:
        """A menu or step, from the cache when this exact answer was built before."""
        key = ("node", state, notice, result, opening, greeting, self.actions, self.links, self.files.version)
        return self.cache.get(key, lambda: answers.node(
            self.line, self.speaker, self.links, state, notice=notice, actions=self.actions, result=result,
            opening=opening, greeting=greeting))

    def farewell(self, langs: tuple[str, ...], key: str) -> str:
        """A closing prompt in each language given, then a hang-up."""
        cache_key = ("farewell", langs, key, self.links, self.files.version)
        return self.cache.get(cache_key, lambda: answers.farewell(self.speaker, langs, key))

    def languages_spoken(self, state: State) -> tuple[str, ...]:
        """Who a goodbye or apology is said to: the caller's language, or all before a choice."""
        return self.line.fallback if state.node == self.line.tree.entry else (state.lang,)
