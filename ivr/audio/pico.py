"""SVOX Pico through ctypes, from Debian's libttspico packages that `make setup` unpacks into vendor/pico."""

from __future__ import annotations

import ctypes
import hashlib
import re
import threading
from pathlib import Path
from typing import Any

from ..content import plain_text
from .engines import OFFLINE, EngineError
from .media import Segment, pcm_segment

# Where `make setup` unpacks libttspico0 and libttspico-data (Debian bookworm, non-free).
VENDOR_ROOT = Path(__file__).resolve().parents[2] / "vendor" / "pico" / "root"
LIBRARY_GLOB = "usr/lib/*/libttspico.so.0"
LANG_DIR = "usr/share/pico/lang"
# Our language code: Pico's voice, its text-analysis file and its speaker (signal generation) file.
VOICES = {
    "fr": ("fr-FR", "fr-FR_ta.bin", "fr-FR_nk0_sg.bin"),
    "en": ("en-GB", "en-GB_ta.bin", "en-GB_kh0_sg.bin"),
}
SAMPLE_RATE = 16000  # Pico only speaks 16 kHz 16-bit mono
# Working memory of one voice; pico2wave gives 2.5 MB to one voice too.
MEMORY_BYTES = 2_500_000
CHUNK_BYTES = 256  # asked of pico_getData at a time
MAX_PUT = 32767  # pico_putTextUtf8 takes an int16 length
# From Pico's picodefs.h.
_STEP_IDLE, _STEP_BUSY = 200, 201
_RESET_FULL = 0
_MESSAGE_BYTES = 200
_NAME_BYTES = 32

_p = ctypes.c_void_p
_int16_p = ctypes.POINTER(ctypes.c_int16)
_SIGNATURES: dict[str, list[Any]] = {
    "pico_initialize": [_p, ctypes.c_uint32, ctypes.POINTER(_p)],
    "pico_getSystemStatusMessage": [_p, ctypes.c_int, ctypes.c_char_p],
    "pico_loadResource": [_p, ctypes.c_char_p, ctypes.POINTER(_p)],
    "pico_getResourceName": [_p, _p, ctypes.c_char_p],
    "pico_createVoiceDefinition": [_p, ctypes.c_char_p],
    "pico_addResourceToVoiceDefinition": [_p, ctypes.c_char_p, ctypes.c_char_p],
    "pico_newEngine": [_p, ctypes.c_char_p, ctypes.POINTER(_p)],
    "pico_resetEngine": [_p, ctypes.c_int32],
    "pico_putTextUtf8": [_p, ctypes.c_char_p, ctypes.c_int16, _int16_p],
    "pico_getData": [_p, _p, ctypes.c_int16, _int16_p, _int16_p],
}
# Pico reads <...> as its own markup, so no angle bracket of the text may reach it.
_ANGLES = re.compile(r"[<>]")


class PicoError(Exception):
    """Pico could not load or speak."""


def library_path(root: Path) -> Path | None:
    """The unpacked shared library, whatever the architecture folder is called."""
    return next(iter(sorted(root.glob(LIBRARY_GLOB))), None)


def voice_files(root: Path, lang: str) -> list[Path]:
    """The text-analysis and speaker files of a language's voice."""
    _, analysis, speaker = VOICES[lang]
    return [root / LANG_DIR / analysis, root / LANG_DIR / speaker]


def problem(root: Path) -> str | None:
    """Why Pico cannot run from this folder, or None."""
    library = library_path(root)
    if library is None:
        return f"SVOX Pico is not unpacked in {root} (make setup fetches it from Debian)"
    missing = [path.name for lang in VOICES for path in voice_files(root, lang) if not path.is_file()]
    if missing:
        return f"SVOX Pico voice files missing in {root / LANG_DIR}: {', '.join(missing)}"
    try:
        _library(library)
    except OSError as error:
        return f"SVOX Pico does not load: {error}"
    return None


_hashes: dict[tuple[str, ...], str] = {}


def files_hash(root: Path, lang: str) -> str:
    """A short hash of the library and the voice's files: a new Pico build rebuilds its prompts."""
    paths = [path for path in [library_path(root), *voice_files(root, lang)] if path is not None]
    if not all(path.is_file() for path in paths):
        return "missing"
    key = tuple(f"{path}:{path.stat().st_size}:{path.stat().st_mtime_ns}" for path in paths)
    if key not in _hashes:
        digest = hashlib.sha256()
        for path in paths:
            digest.update(path.read_bytes())
        _hashes[key] = digest.hexdigest()[:12]
    return _hashes[key]


def pico_text(text: str, rate: float) -> str:
    """What Pico reads: the words without markup of ours, slowed with Pico's own tag when asked."""
    words = _ANGLES.sub(" ", plain_text(text))
    if rate == 1.0:
        return words
    return f'<speed level="{round(rate * 100)}">{words}</speed>'


_libraries: dict[Path, ctypes.CDLL] = {}


def _library(path: Path) -> ctypes.CDLL:
    if path not in _libraries:
        library = ctypes.CDLL(str(path))
        for name, argtypes in _SIGNATURES.items():
            function = getattr(library, name)
            function.argtypes = argtypes
            function.restype = ctypes.c_int
        _libraries[path] = library
    return _libraries[path]


class _Voice:
    """One Pico system with one voice and its engine: Pico allows a single engine per system."""

    def __init__(self, root: Path, lang: str) -> None:
        library = library_path(root)
        if library is None:
            raise PicoError(problem(root) or "no library")
        self.lib = _library(library)
        self.name = VOICES[lang][0].encode()
        # Pico works inside this buffer; it lives as long as the voice.
        self.memory = ctypes.create_string_buffer(MEMORY_BYTES)
        self.system = _p()
        self._check("pico_initialize", self.lib.pico_initialize(
            ctypes.cast(self.memory, _p), MEMORY_BYTES, ctypes.byref(self.system)))
        self._check("pico_createVoiceDefinition", self.lib.pico_createVoiceDefinition(self.system, self.name))
        self.resources = []
        for path in voice_files(root, lang):
            resource = _p()
            self._check(f"pico_loadResource {path.name}",
                        self.lib.pico_loadResource(self.system, str(path).encode(), ctypes.byref(resource)))
            self.resources.append(resource)
            name = ctypes.create_string_buffer(_NAME_BYTES)
            self._check("pico_getResourceName", self.lib.pico_getResourceName(self.system, resource, name))
            self._check("pico_addResourceToVoiceDefinition",
                        self.lib.pico_addResourceToVoiceDefinition(self.system, self.name, name.value))
        self.engine = _p()
        self._check("pico_newEngine",
                    self.lib.pico_newEngine(self.system, self.name, ctypes.byref(self.engine)))

    def _check(self, call: str, status: int) -> None:
        if status != 0:
            message = ctypes.create_string_buffer(_MESSAGE_BYTES)
            self.lib.pico_getSystemStatusMessage(self.system, status, message)
            raise PicoError(f"{call} failed ({status}): {message.value.decode('latin-1').strip()}")

    def speak(self, text: str) -> bytes:
        # A full reset first: what was spoken before must not shape this prompt (same text, same bytes).
        self._check("pico_resetEngine", self.lib.pico_resetEngine(self.engine, _RESET_FULL))
        data = text.encode("utf-8") + b"\0"  # the terminating NUL tells Pico the text is complete
        samples = bytearray()
        chunk = ctypes.create_string_buffer(CHUNK_BYTES)
        sent, received, kind = ctypes.c_int16(), ctypes.c_int16(), ctypes.c_int16()
        position = 0
        while position < len(data):
            piece = data[position:position + MAX_PUT]
            self._check("pico_putTextUtf8", self.lib.pico_putTextUtf8(
                self.engine, piece, len(piece), ctypes.byref(sent)))
            position += sent.value
            status = _STEP_BUSY
            while status == _STEP_BUSY:
                status = self.lib.pico_getData(self.engine, chunk, CHUNK_BYTES, ctypes.byref(received),
                                               ctypes.byref(kind))
                if status not in (_STEP_BUSY, _STEP_IDLE):
                    self._check("pico_getData", status)
                samples += chunk.raw[:received.value]
        return bytes(samples)


_lock = threading.Lock()
_voices: dict[tuple[Path, str], _Voice] = {}


def speak(root: Path, lang: str, text: str, rate: float = 1.0) -> Segment:
    """The text spoken by Pico's voice for the language, as a 16 kHz mono segment."""
    with _lock:
        if (root, lang) not in _voices:
            _voices[(root, lang)] = _Voice(root, lang)
        samples = _voices[(root, lang)].speak(pico_text(text, rate))
    if not samples:
        raise PicoError("Pico gave no audio")
    return pcm_segment(samples, SAMPLE_RATE)


class Pico:
    """SVOX Pico, offline: far clearer than eSpeak for the French and English it speaks."""

    name = "pico"
    quality = OFFLINE
    needs_network = False

    def __init__(self, root: Path = VENDOR_ROOT) -> None:
        self.root = root

    def unusable(self) -> str | None:
        """Without the unpacked Debian packages (no network at setup) there is nothing to load."""
        return problem(self.root)

    def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
        """The Pico voice, a hash of its files and the rate; None for a language Pico lacks."""
        if lang not in VOICES:
            return None
        return {"voice": VOICES[lang][0], "files": files_hash(self.root, lang), "rate": rate}

    def synthesize(self, lang: str, key: str, text: str, rate: float = 1.0) -> Segment:
        """Speak the text; rate 0.8 is the slow take."""
        if lang not in VOICES:
            raise EngineError(f"Pico has no voice for {lang}")
        try:
            return speak(self.root, lang, text, rate)
        except (PicoError, OSError) as error:
            raise EngineError(f"pico: {error}") from error
