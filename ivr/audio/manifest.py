"""The manifest of built audio: for each language and prompt, its file and how it was made."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass, field, fields
from pathlib import Path, PurePosixPath
from typing import Any

FORMAT = 1
VERSION_CHARS = 12
MANIFEST_NAME = "manifest.json"
BUILD_DIR = "build"
RECORDED_DIR = "recorded"
# The encodings a built file may have, with the MIME type it is served as.
AUDIO_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


def slow_key(key: str) -> str:
    """The manifest key of a prompt's slow take (a step played again, slower, after two repeats)."""
    return f"{key}.slow"


class ManifestError(Exception):
    """The manifest cannot be trusted; the message names the file and the problem."""

    def __init__(self, path: Path, problem: str) -> None:
        super().__init__(f"{path}: {problem}")
        self.path = path


@dataclass(frozen=True)
class Entry:
    """One built prompt."""

    file: str  # relative to the build folder, e.g. "fr/welcome.3fa2b1c9d0e1.mp3"
    text: str
    text_hash: str
    spec: str  # hash of text, engine, voice settings, cleaning and encoding: equal means up to date
    engine: str
    quality: str  # human, production or offline
    voice: dict[str, Any]
    duration_ms: int
    bytes: int


@dataclass
class Manifest:
    """Built prompts by language and key, and the encoding they share."""

    encoding: dict[str, Any] = field(default_factory=dict)
    languages: dict[str, dict[str, Entry]] = field(default_factory=dict)

    def get(self, lang: str, key: str) -> Entry | None:
        """The entry of one prompt, if it was built."""
        return self.languages.get(lang, {}).get(key)

    def by_file(self) -> dict[str, tuple[str, str, Entry]]:
        """Every entry by its file name, with its language and key."""
        return {entry.file: (lang, key, entry)
                for lang, entries in self.languages.items() for key, entry in entries.items()}

    def _content(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "encoding": self.encoding,
            "languages": {lang: {key: _fields(entries[key]) for key in sorted(entries)}
                          for lang, entries in sorted(self.languages.items())},
        }

    @property
    def version(self) -> str:
        """A short hash of the canonical JSON: instances with equal versions serve the same files."""
        return _version(self._content())

    def to_json(self) -> dict[str, Any]:
        """The manifest as JSON data, keys sorted so a rebuild with no change writes the same bytes."""
        content = self._content()
        return {**content, "version": _version(content)}


ENTRY_FIELDS = tuple(item.name for item in fields(Entry))


def _fields(entry: Entry) -> dict[str, Any]:
    # What dataclasses.asdict gives, without its deep copy of every value: the JSON is only written or
    # hashed, and asdict was most of the time an app or the studio took to read a built folder's manifest.
    return {name: getattr(entry, name) for name in ENTRY_FIELDS}


def _version(content: dict[str, Any]) -> str:
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:VERSION_CHARS]


def engines_used(engine: str) -> str:
    """A prompt's engines, each once, in order: "espeak+pico+espeak" (spans) reads "espeak+pico"."""
    return "+".join(dict.fromkeys(engine.split("+")))


def manifest_path(audio_dir: Path) -> Path:
    """Where the manifest of an audio folder lives."""
    return audio_dir / BUILD_DIR / MANIFEST_NAME


def _entry(path: Path, where: str, raw: Any) -> Entry:
    if not isinstance(raw, dict):
        raise ManifestError(path, f"{where} is not an object")
    try:
        entry = Entry(**raw)
    except TypeError as error:
        raise ManifestError(path, f"{where} has the wrong fields: {error}") from error
    if not isinstance(entry.file, str) or not isinstance(entry.text, str):
        raise ManifestError(path, f"{where} has a file or text that is not a string")
    name = PurePosixPath(entry.file)
    if not entry.file or name.is_absolute() or ".." in name.parts or "\\" in entry.file:
        raise ManifestError(path, f"{where}.file '{entry.file}' is not a file inside the build folder")
    return entry


def load(path: Path) -> Manifest:
    """Read a manifest; an absent file is an empty manifest, a broken one raises ManifestError."""
    if not path.exists():
        return Manifest()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ManifestError(path, f"cannot be read: {error}") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ManifestError(path, f"is not a format {FORMAT} audio manifest")
    languages = data.get("languages")
    if not isinstance(languages, dict):
        raise ManifestError(path, "'languages' is not an object")
    manifest = Manifest(encoding=data.get("encoding") or {})
    for lang, entries in languages.items():
        if not isinstance(entries, dict):
            raise ManifestError(path, f"languages.{lang} is not an object")
        manifest.languages[lang] = {key: _entry(path, f"languages.{lang}.{key}", raw)
                                    for key, raw in entries.items()}
    return manifest


def save(manifest: Manifest, path: Path) -> None:
    """Write the manifest atomically, so the app never reads half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(manifest.to_json(), ensure_ascii=False, indent=1) + "\n"
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, suffix=".tmp",
                                     delete=False) as handle:
        handle.write(text)
    os.replace(handle.name, path)
