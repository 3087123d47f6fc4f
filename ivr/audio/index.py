"""The manifest as the line's AudioIndex: which prompts have a file, and the URL Twilio fetches it from."""

from __future__ import annotations

import os
import urllib.parse
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from flask import has_request_context, url_for

from ..config import DEFAULTS
from .manifest import BUILD_DIR, Manifest, ManifestError, load, manifest_path


class ManifestIndex:
    """Prompts the manifest lists and whose file is still there, served here or from AUDIO_BASE_URL."""

    def __init__(self, manifest: Manifest, folder: Path, base_url: str | None = None) -> None:
        self.manifest = manifest
        self.folder = folder
        self.base_url = base_url.rstrip("/") + "/" if base_url else None

    @classmethod
    def from_folder(cls, audio_dir: Path, base_url: str | None = None) -> ManifestIndex:
        """Read the folder's manifest; a broken one raises ManifestError, a missing one means no audio."""
        return cls(load(manifest_path(audio_dir)), audio_dir / BUILD_DIR, base_url)

    def url(self, lang: str, key: str) -> str | None:
        """The file's URL, or None (so the prompt is said) when it was not built or has gone."""
        entry = self.manifest.get(lang, key)
        if entry is None:
            return None
        if self.base_url:
            # The files live on a CDN or bucket: this machine may not hold them.
            return self.base_url + urllib.parse.quote(entry.file)
        if not (self.folder / entry.file).is_file():
            return None
        if has_request_context():
            # Absolute, with the scheme and host Twilio used to reach us (proxy headers applied).
            return url_for("audio.file", name=entry.file, _external=True)
        return "/audio/" + urllib.parse.quote(entry.file)


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
        return f"{entry.text}   [{key}, {entry.engine}, {entry.duration_ms / 1000:.1f} s]"

    return describe
