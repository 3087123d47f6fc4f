"""What a running line holds: the validated content, its voice and the actions switched on."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .content import Catalog, Language
from .sms import TextMessages
from .voice import Voice


@dataclass(frozen=True)
class Line:
    """The content and settings every request reads; built once at start."""

    catalog: Catalog
    voice: Voice
    actions: frozenset[str]
    languages: tuple[Language, ...]  # those the language menu offers, in order
    fallback: tuple[str, ...]  # languages spoken before the caller chose one
    ccc_number: str
    gather_timeout: int
    sms: TextMessages | None = None  # the "receive this by text message" option, when switched on


def callable_languages(catalog: Catalog, voice: Voice) -> tuple[Language, ...]:
    """Languages a caller can be served in: every prompt has audio, or Twilio can <Say> it."""
    return tuple(
        language
        for language in catalog.ordered()
        if voice.can_say(language.code)
        or all(voice.audio.url(language.code, key) for key in language.spoken_keys())
    )


def current_line() -> Line:
    """The line of the app serving this request."""
    line: Line = current_app.extensions["ivr"]
    return line
