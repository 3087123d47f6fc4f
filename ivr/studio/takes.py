"""Human recordings: keep a take where the builder looks for it, and count what is recorded per language."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..audio import cleaning
from ..audio.engines import RECORDING_TYPES, Recorded
from ..audio.manifest import Manifest
from ..audio.media import MediaError, decode
from ..content import Language, source_hash

# What browsers and people send, by MIME type (parameters such as ";codecs=opus" dropped).
TAKE_TYPES = {
    "audio/webm": "webm", "video/webm": "webm", "audio/ogg": "ogg", "audio/wav": "wav", "audio/x-wav": "wav",
    "audio/wave": "wav", "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/x-m4a": "m4a",
}
RECORDED, EARLIER, NOT_YET = "recorded", "earlier", "not yet"


class TakeRefused(Exception):
    """A take that cannot become a prompt: not audio, silent, or of a type the builder does not read."""


def save_take(recorded: Recorded, lang: str, key: str, data: bytes, extension: str) -> Path:
    """Check the take decodes and has sound in it, then make it the prompt's only recording."""
    if extension not in RECORDING_TYPES:
        raise TakeRefused(f"a .{extension} file is not a recording the builder reads "
                          f"({', '.join(RECORDING_TYPES)})")
    folder = recorded.folder / lang
    folder.mkdir(parents=True, exist_ok=True)
    # The builder looks for <key>.<type> only: a take being checked under another name is never built.
    with tempfile.NamedTemporaryFile(dir=folder, prefix=f".{key}.", suffix=f".{extension}",
                                     delete=False) as handle:
        handle.write(data)
    scratch = Path(handle.name)
    try:
        cleaning.trim(decode(scratch))
    except MediaError as error:
        scratch.unlink()
        raise TakeRefused(f"this is not audio that can be read: {error}") from error
    except ValueError as error:
        scratch.unlink()
        raise TakeRefused("the take is silent: check the microphone and record again") from error
    # The builder takes the first type it finds: an older take in another type would win over this one.
    for other in RECORDING_TYPES:
        (folder / f"{key}.{other}").unlink(missing_ok=True)
    target = folder / f"{key}.{extension}"
    os.chmod(scratch, 0o644)
    os.replace(scratch, target)
    return target


def state(recorded: Recorded, manifest: Manifest, language: Language, key: str) -> str:
    """Whether a prompt is recorded, recorded for a text that has changed since, or not yet."""
    if recorded.find(language.code, key) is None:
        return NOT_YET
    entry = manifest.get(language.code, key)
    if entry is not None and entry.engine == recorded.name:
        made_for = entry.voice.get("for_text")
        if made_for is not None and made_for != source_hash(language.text(key)):
            return EARLIER
    return RECORDED


@dataclass(frozen=True)
class Progress:
    """How far the recording of one language has come."""

    lang: str
    total: int
    recorded: int
    earlier: int

    def line(self) -> str:
        """e.g. 'ti: 12 of 85 recorded, 3 for an earlier text'."""
        text = f"{self.lang}: {self.recorded} of {self.total} recorded"
        return text + (f", {self.earlier} for an earlier text" if self.earlier else "")


def progress(recorded: Recorded, manifest: Manifest, language: Language) -> Progress:
    """Count the spoken prompts that have a recording, and those recorded for an earlier text."""
    states = [state(recorded, manifest, language, key) for key in language.spoken_keys()]
    return Progress(language.code, len(states), sum(s != NOT_YET for s in states), states.count(EARLIER))
