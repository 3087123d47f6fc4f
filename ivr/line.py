"""What a running line holds: the validated content, its voice, the audio and the actions switched on."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from .audio.index import LiveIndex
from .callback import Callbacks
from .content import Catalog, Language, Tree
from .hours import Schedule
from .returning import Returning
from .sms import TextMessages
from .voice import AudioFiles, Voice


@dataclass(frozen=True)
class Line:
    """The content and settings every request reads; built once at start."""

    catalog: Catalog
    tree: Tree  # the catalog's tree, its language menu offering `languages`
    voice: Voice
    audio: LiveIndex
    actions: frozenset[str]  # switched on for the whole line; a call may add its own (sms)
    languages: tuple[Language, ...]  # those the language menu offers, in order
    fallback: tuple[str, ...]  # languages spoken before the caller chose one
    ccc_number: str
    gather_timeout: int
    transfer_timeout: int = 30  # seconds the CCC rings before the caller hears it did not answer
    hours: Schedule | None = None  # when the CCC answers; None: always
    audio_base_url: str | None = None  # a CDN or bucket holding the build; None: this app's /audio/
    sms: TextMessages | None = None  # the "receive this by text message" option, when switched on
    returning: Returning | None = None  # recognises returning callers, when switched on
    callbacks: Callbacks | None = None  # calls ringing numbers back at the line's cost, when switched on


def callable_languages(catalog: Catalog, voice: Voice, files: AudioFiles) -> tuple[Language, ...]:
    """Languages a caller can be served in: every prompt has audio, or Twilio can <Say> it."""
    return tuple(
        language
        for language in catalog.ordered()
        if voice.can_say(language.code)
        or all(files.file(language.code, key) for key in language.spoken_keys())
    )


def current_line() -> Line:
    """The line of the app serving this request."""
    line: Line = current_app.extensions["ivr"]
    return line
