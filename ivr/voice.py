"""The one place that decides how a prompt reaches the caller: a pre-generated file, or <Say>."""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from twilio.twiml import TwiML

from .audio.manifest import slow_key
from .content import Catalog, Prompt

# Twilio passes SSML inside <Say> to these voice families; the basic voices would read the tags aloud.
SSML_VOICES = ("Polly.", "Google.")
SLOW_RATE = "80%"  # the slower take a caller gets on asking twice for the same step


class AudioFiles(Protocol):
    """Which prompts have a pre-generated file (relative to the audio base URL)."""

    def file(self, lang: str, key: str) -> str | None:
        """The prompt's file, or None to fall back to <Say>."""


class NoAudio:
    """No files: every prompt is spoken with <Say>."""

    version = "none"

    def file(self, lang: str, key: str) -> str | None:
        """Never a file."""
        return None


class Voice:
    """How each language is spoken by Twilio's <Say>, for prompts that have no file."""

    def __init__(self, catalog: Catalog, say_voices: Mapping[str, Mapping[str, str]] | None = None) -> None:
        self.catalog = catalog
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

    def say(self, verb: TwiML, lang: str, prompt: Prompt, slow: bool = False) -> None:
        """Append a <Say> of the prompt; words marked in another language keep that language."""
        options = self.say_options[lang]
        if slow and options.get("voice", "").startswith(SSML_VOICES):
            verb.say(**options).prosody(prompt.plain, rate=SLOW_RATE)
        elif len({span.lang for span in prompt.spans}) <= 1:
            verb.say(prompt.plain, **options)
        elif options.get("voice", "").startswith(SSML_VOICES):
            say = verb.say(**options)
            for span in prompt.spans:
                if span.lang == lang:
                    say.append(span.text)
                else:
                    say.lang(span.text, xml_lang=self.say_options[span.lang].get("language", span.lang))
        else:
            for span in prompt.spans:
                verb.say(span.text.strip(), **self.say_options[span.lang])


@dataclass(frozen=True)
class Speaker:
    """Adds prompts to one answer: played from the build's files where they exist, else said."""

    voice: Voice
    files: AudioFiles
    audio_base: str  # absolute URL the file names are joined to, ending in "/"

    def add(self, verb: TwiML, lang: str, key: str, slow: bool = False) -> None:
        """Append one prompt, in one language, to a Response or a Gather; `slow`: its slower take."""
        name = (slow and self.files.file(lang, slow_key(key))) or self.files.file(lang, key)
        if name:
            verb.play(self.audio_base + urllib.parse.quote(name))
        else:
            self.voice.say(verb, lang, self.voice.catalog.languages[lang].prompts[key], slow)

    def add_all(self, verb: TwiML, lang: str, keys: list[str] | tuple[str, ...]) -> None:
        """Append several prompts in order."""
        for key in keys:
            self.add(verb, lang, key)
