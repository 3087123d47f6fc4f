"""The working copy the studio edits: its content and audio folders, and the line built from them."""

from __future__ import annotations

import secrets
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from .. import create_app
from ..audio.builder import Builder, Tally
from ..audio.engines import Engine, Recorded, standard_engines
from ..audio.index import ManifestIndex
from ..audio.manifest import BUILD_DIR, RECORDED_DIR, Entry, Manifest, ManifestError, load, manifest_path
from ..content import Catalog, ContentError, load_catalog
from ..line import callable_languages
from ..phone import AppTransport, Phone
from ..voice import Voice


class ContentBroken(Exception):
    """The files on disk do not load; the message is the loader's."""


@dataclass(frozen=True)
class Snapshot:
    """What the folders held at one moment, and the line built from it."""

    stamp: tuple[tuple[str, int, int], ...]
    catalog: Catalog | None
    manifest: Manifest
    line: Flask | None
    problem: str | None
    memo: dict[Any, Any] = field(default_factory=dict)  # what pages worked out from these files


class Workspace:
    """One copy of the project's content and audio; the studio reads it fresh whenever a file changed."""

    def __init__(self, content_dir: Path, audio_dir: Path, engines: Mapping[str, Engine],
                 preferences: Mapping[str, Sequence[str]], say_voices: Mapping[str, Any] | None = None,
                 transfers: bool = True) -> None:
        self.content_dir = content_dir
        self.audio_dir = audio_dir
        self.recorded = Recorded(audio_dir / RECORDED_DIR)
        self.engines = dict(engines)
        self.preferences = dict(preferences)
        self.say_voices = dict(say_voices or {})
        self.transfers = transfers
        # Signs the in-process line's webhooks as Twilio would: the line checks them as in production.
        self.token = secrets.token_urlsafe(24)
        self.writing = threading.RLock()  # one change of the files at a time: an edit, a take, a build
        self._reading = threading.Lock()
        self._snapshot: Snapshot | None = None

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Workspace:
        """The folders, engines and voices the line's own settings name."""
        audio_dir = Path(config["AUDIO_DIR"])
        engines = standard_engines(audio_dir / RECORDED_DIR, config["AUDIO_AZURE_VOICES"])
        return cls(Path(config["CONTENT_DIR"]), audio_dir, engines, config["AUDIO_ENGINES"],
                   config["SAY_VOICES"], bool(config["TRANSFERS_ENABLED"]))

    def _stamp(self) -> tuple[tuple[str, int, int], ...]:
        paths = [*sorted(self.content_dir.glob("*.yaml")), manifest_path(self.audio_dir)]
        stamp = []
        for path in paths:
            try:
                status = path.stat()
            except OSError:
                continue
            stamp.append((path.name, status.st_mtime_ns, status.st_size))
        return tuple(stamp)

    def snapshot(self) -> Snapshot:
        """The files as they are now: reloaded when one changed, by the studio or by hand."""
        stamp = self._stamp()
        with self._reading:
            if self._snapshot is None or self._snapshot.stamp != stamp:
                self._snapshot = self._load(stamp)
            return self._snapshot

    def forget(self) -> None:
        """Drop what was read, after the studio wrote a file (a write may keep the same mtime and size)."""
        with self._reading:
            self._snapshot = None

    def _load(self, stamp: tuple[tuple[str, int, int], ...]) -> Snapshot:
        try:
            manifest = load(manifest_path(self.audio_dir))
        except ManifestError as error:
            return Snapshot(stamp, None, Manifest(), None, str(error))
        try:
            catalog = load_catalog(self.content_dir)
        except ContentError as error:
            return Snapshot(stamp, None, manifest, None, str(error))
        return Snapshot(stamp, catalog, manifest, self._line(catalog), None)

    def _line(self, catalog: Catalog) -> Flask:
        """The line itself, built as `make run` builds it, with signatures checked against our token."""
        # A language with neither a Twilio voice nor audio is left out of the line's menu; the studio
        # offers it anyway, showing the words no file says yet.
        stand_ins = {code: {"language": code} for code, language in catalog.languages.items()
                     if not language.say_language}
        return create_app({
            "CONTENT_DIR": str(self.content_dir),
            "AUDIO_DIR": str(self.audio_dir),
            "AUDIO_BASE_URL": None,
            "TWILIO_AUTH_TOKEN": self.token,
            "VALIDATE_SIGNATURES": True,
            "PROXY_HOPS": 0,
            "SAY_VOICES": {**stand_ins, **self.say_voices},
            "SMS_ENABLED": False,  # the studio's calls never send a text message
            "TRANSFERS_ENABLED": self.transfers,
        })

    def catalog(self) -> Catalog:
        """The content as the loader reads it; ContentBroken when it does not load."""
        snapshot = self.snapshot()
        if snapshot.catalog is None:
            raise ContentBroken(snapshot.problem)
        return snapshot.catalog

    def manifest(self) -> Manifest:
        """The audio manifest (empty when nothing was built)."""
        return self.snapshot().manifest

    def line(self) -> Flask:
        """The line built from the current files."""
        snapshot = self.snapshot()
        if snapshot.line is None:
            raise ContentBroken(snapshot.problem)
        return snapshot.line

    def phone(self, url: str, line: Flask | None = None) -> Phone:
        """A phone that calls the line in this process (the line of the moment, or the one given).

        Each phone has a number of its own: the line would greet a number it heard before as a returning
        caller, and the studio's calls are first calls.
        """
        transport = AppTransport(line.test_client()) if line is not None else LineTransport(self)
        return Phone(transport, url, self.token, caller=f"+336{secrets.randbelow(10**8):08d}")

    def callable_now(self) -> set[str]:
        """Languages the real line offers with these files and its own voices (no stand-ins)."""
        catalog = self.catalog()
        index = ManifestIndex(self.manifest(), self.audio_dir / BUILD_DIR)
        voice = Voice(catalog, self.say_voices)
        return {language.code for language in callable_languages(catalog, voice, index)}

    def audio_url(self, entry: Entry | None) -> str | None:
        """The studio's URL of a built file, if it is on disk."""
        if entry is None or not (self.audio_dir / BUILD_DIR / entry.file).is_file():
            return None
        return "/audio/" + urllib.parse.quote(entry.file)

    def build(self, lang: str) -> Tally:
        """Bring one language's audio up to date, offline: only prompts whose text or take changed rebuild."""
        with self.writing:
            builder = Builder(self.audio_dir, self.engines, self.preferences, offline=True, jobs=1)
            tally = builder.build(self.catalog(), [lang])[lang]
            self.forget()
            return tally


class LineTransport:
    """Posts to the line of the moment: a text edited during a call is heard at the next key."""

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace

    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """POST to the current line's app, in this process."""
        return AppTransport(self.workspace.line().test_client()).post(url, form, headers)


def current_workspace() -> Workspace:
    """The workspace of the studio serving this request."""
    workspace: Workspace = current_app.extensions["studio"]
    return workspace
