"""The one place that decides how a prompt reaches the caller: a recorded file or <Say>."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

from twilio.twiml import TwiML

from .content import Catalog


class AudioIndex(Protocol):
    """Where a prompt's pre-generated audio can be fetched, if it has any."""

    def url(self, lang: str, key: str) -> str | None:
        """The URL Twilio should <Play> for this prompt, or None to fall back to <Say>."""


class NoAudio:
    """An index with no files: every prompt is spoken with <Say>."""

    def url(self, lang: str, key: str) -> str | None:
        """Never a file."""
        return None


class Voice:
    """Adds prompts to TwiML, played when audio exists, else spoken in their language."""

    def __init__(self, catalog: Catalog, audio: AudioIndex,
                 say_voices: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.catalog = catalog
        self.audio = audio
        overrides = say_voices or {}
        # Twilio <Say> attributes per language: the content file's, overridden by configuration.
        self.say_options: dict[str, dict[str, str]] = {}
        for code, language in catalog.languages.items():
            own = {"language": language.say_language, "voice": language.say_voice}
            merged = {**own, **overrides.get(code, {})}
            self.say_options[code] = {key: value for key, value in merged.items() if value}

    def can_say(self, lang: str) -> bool:
        """Whether Twilio has a <Say> voice for this language."""
        return "language" in self.say_options[lang]

    def add(self, verb: TwiML, lang: str, key: str) -> None:
        """Append one prompt, in one language, to a Response or a Gather."""
        url = self.audio.url(lang, key)
        if url:
            verb.play(url)
            return
        verb.say(self.catalog.languages[lang].prompts[key].plain, **self.say_options[lang])

    def add_all(self, verb: TwiML, lang: str, keys: list[str] | tuple[str, ...]) -> None:
        """Append several prompts in order."""
        for key in keys:
            self.add(verb, lang, key)
