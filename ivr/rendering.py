"""Answers built once per state and reused, but never past the removal of a file they play."""

from __future__ import annotations

import functools
import os
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec

from flask import Flask, current_app, has_request_context, request
from twilio.twiml import TwiML
from twilio.twiml.voice_response import Play, VoiceResponse
from werkzeug.exceptions import HTTPException

from .audio.manifest import BUILD_DIR
from .line import Line

P = ParamSpec("P")
# Languages x nodes x steps x notices x counters stay in the low thousands; the bound keeps memory flat.
MAX_ANSWERS = 4096
# A folder's mtime only proves nothing was removed once it is older than the clock's granularity (a
# removal in the same tick as the last change would leave it as it was); two seconds is ample.
SETTLED_NS = 2_000_000_000


class Rendered(VoiceResponse):  # type: ignore[misc]  # twilio ships no type hints
    """A finished answer with its XML kept; it is shared between requests, so nothing may append to it."""

    def __init__(self, built: VoiceResponse) -> None:
        super().__init__()
        self.verbs, self.attrs = built.verbs, built.attrs
        self.text = built.to_xml()

    def to_xml(self, xml_declaration: bool = True) -> str:
        """The XML as built."""
        return self.text if xml_declaration else str(super().to_xml(False))


@dataclass(slots=True)
class Kept:
    """A rendered answer, the local files it plays, and their folders' mtimes when all were last found."""

    answer: Rendered
    files: tuple[str, ...]
    folders: tuple[str, ...]
    seen: tuple[int, ...] | None = None  # None: look at every file next time

    def playable(self) -> bool:
        """Whether every file is still there: one stat per folder while the folders are unchanged."""
        # Read before looking at the files: a removal after this changes the folder and is seen next time.
        before = _mtimes(self.folders)
        if self.seen is not None and before == self.seen:
            return True
        if not all(os.path.isfile(path) for path in self.files):
            return False
        settled = before is not None and all(time.time_ns() - mtime > SETTLED_NS for mtime in before)
        self.seen = before if settled else None
        return True


def _mtimes(folders: tuple[str, ...]) -> tuple[int, ...] | None:
    try:
        return tuple(os.stat(folder).st_mtime_ns for folder in folders)
    except OSError:
        return None


class Answers:
    """Rendered answers by builder, arguments and the host Twilio called (audio URLs are absolute)."""

    def __init__(self, audio_dir: Path) -> None:
        self.folder = audio_dir / BUILD_DIR
        self.entries: dict[tuple[Any, ...], Kept] = {}

    def get(self, key: tuple[Any, ...], build: Callable[[], VoiceResponse]) -> Rendered:
        """The kept answer if every local file it plays is still there, else a new one."""
        # Each stat releases and retakes the GIL, which a busy worker's other threads may hold: few are best.
        kept = self.entries.get(key)
        if kept is not None and kept.playable():
            return kept.answer
        answer = Rendered(build())
        if len(self.entries) >= MAX_ANSWERS:
            self.entries.clear()  # simpler than LRU; only reached by URLs no menu produces
        files = tuple(str(path) for path in self._local_files(answer))
        self.entries[key] = Kept(answer, files, tuple(sorted({os.path.dirname(path) for path in files})))
        return answer

    def _local_files(self, answer: TwiML) -> Iterator[Path]:
        """The files on this machine that the answer's <Play> verbs fetch through the audio route."""
        adapter = current_app.url_map.bind_to_environ(request.environ)
        for verb in _walk(answer):
            if not isinstance(verb, Play):
                continue
            try:
                endpoint, args = adapter.match(urllib.parse.urlsplit(str(verb.value)).path, method="GET")
            except HTTPException:
                continue  # served elsewhere (AUDIO_BASE_URL): the audio index does not check those either
            if endpoint == "audio.file":
                yield self.folder / args["name"]


def _walk(verb: TwiML) -> Iterator[TwiML]:
    for child in verb.verbs:
        yield child
        yield from _walk(child)


Builder = Callable[Concatenate[Line, P], VoiceResponse]


def memoised(build: Builder[P]) -> Builder[P]:
    """Keep what a pure answer builder returns for the same arguments, per app and per host."""

    @functools.wraps(build)
    def cached(line: Line, /, *args: P.args, **kwargs: P.kwargs) -> VoiceResponse:
        answers: Answers | None = current_app.extensions.get("ivr.answers") if has_request_context() else None
        if answers is None:
            return build(line, *args, **kwargs)
        # Audio URLs are absolute: the host and path prefix Twilio called are part of the answer.
        where = (request.scheme, request.host, request.root_path)
        key = (build.__name__, where, args, tuple(sorted(kwargs.items())))
        return answers.get(key, lambda: build(line, *args, **kwargs))

    return cached


def init_app(app: Flask) -> None:
    """Give the app its store of rendered answers."""
    app.extensions["ivr.answers"] = Answers(Path(app.config["AUDIO_DIR"]))
