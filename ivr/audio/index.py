"""The manifest as the line's audio index: which prompts have a file, and which build it came from."""

from __future__ import annotations

import logging
import os
import threading
import time
import urllib.parse
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from ..config import DEFAULTS
from ..content import plain_text
from .manifest import BUILD_DIR, Manifest, ManifestError, load, manifest_path

log = logging.getLogger("ivr.audio")


class ManifestIndex:
    """The prompts a manifest lists whose file can be fetched, by language and key; built once, then read."""

    def __init__(self, manifest: Manifest, folder: Path, remote: bool = False) -> None:
        self.manifest = manifest
        self.version = manifest.version  # equal on instances that play the same files
        # Files served by this app must be on disk, checked once here; a CDN's cannot be checked from here.
        self.files = {
            (lang, key): entry.file
            for lang, entries in manifest.languages.items() for key, entry in entries.items()
            if remote or (folder / entry.file).is_file()
        }

    @classmethod
    def from_folder(cls, audio_dir: Path, remote: bool = False) -> ManifestIndex:
        """Read the folder's manifest; a broken one raises ManifestError, a missing one means no audio."""
        return cls(load(manifest_path(audio_dir)), audio_dir / BUILD_DIR, remote)

    def file(self, lang: str, key: str) -> str | None:
        """The prompt's file, relative to the audio base URL, or None (so the prompt is said)."""
        return self.files.get((lang, key))


class LiveIndex:
    """The index of an audio folder, read again when a build replaces its manifest.

    The manifest is looked at (one stat) at most every `every` seconds: a stat releases and retakes the GIL,
    which a loaded worker's other threads may hold, and a build is a rare event.
    """

    def __init__(self, audio_dir: Path, remote: bool = False, every: float = 1.0) -> None:
        self.audio_dir = audio_dir
        self.remote = remote
        self.every = every
        self.path = manifest_path(audio_dir)
        self._lock = threading.Lock()
        self._seen = self._signature()
        self._next_look = time.monotonic() + every
        self.index = ManifestIndex.from_folder(audio_dir, remote)  # at start, a broken manifest stops the app

    def _signature(self) -> tuple[int, int, int] | None:
        try:
            stat = os.stat(self.path)
        except OSError:
            return None
        # The builder replaces the manifest by rename: a new inode, even within one mtime tick.
        return stat.st_ino, stat.st_mtime_ns, stat.st_size

    def current(self) -> ManifestIndex:
        """The index of the manifest on disk; a manifest broken after start keeps the last good one."""
        now = time.monotonic()
        if now < self._next_look:
            return self.index
        self._next_look = now + self.every
        seen = self._signature()
        if seen == self._seen:
            return self.index
        with self._lock:
            if seen != self._seen:
                try:
                    self.index = ManifestIndex.from_folder(self.audio_dir, self.remote)
                except ManifestError as error:
                    log.error("audio manifest unreadable, keeping the previous one: %s", error)
                self._seen = seen
        return self.index


def describer(audio_dir: Path | None = None) -> Callable[[str], str | None]:
    """For the terminal phone: the words of a played file, found through the manifest by file name."""
    folder = audio_dir or Path(os.environ.get("IVR_AUDIO_DIR") or DEFAULTS["AUDIO_DIR"])
    try:
        files = load(manifest_path(folder)).by_file()
    except ManifestError:  # the phone still works without the words: it shows the URL alone
        files = {}

    def describe(url: str) -> str | None:
        path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        name = "/".join(PurePosixPath(path).parts[-2:])
        if name not in files:
            return None
        _, key, entry = files[name]
        # The words as a reader sees them: "<fr>Étrangers en France</fr>" is markup for the engines.
        return f"{plain_text(entry.text)}   [{key}, {entry.engine}, {entry.duration_ms / 1000:.1f} s]"

    return describe
