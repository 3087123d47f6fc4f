"""eSpeak NG through ctypes, from the espeakng-loader wheel: an offline voice for development and CI.

Every prompt is spoken by a freshly loaded library, so its audio depends on its text, voice and rate only.
eSpeak NG keeps state between utterances that no call resets (espeak_Terminate and espeak_Initialize
included): wavegen.c's pitch flutter index (Flutter_ix), automatic gain (agc), wave phase, echo buffer and
harmonic tables, and libc's rand() for breath noise. Two builds of the same prompt gave different bytes,
hence different file names, depending on what the same process had spoken before. Unloading the library
(dlclose) and loading it again brings every static variable back to its initial value; srand(1) puts
rand() where a new process starts it. This costs about 20 ms a prompt (loading the phoneme data and the
voice's dictionary again).
"""

from __future__ import annotations

import _ctypes
import ctypes
import os
import threading
from typing import Any

import espeakng_loader

from .media import Segment, pcm_segment

# From espeak-ng's speak_lib.h.
_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_RATE = 1
_EE_OK = 0
# A little slower than eSpeak's 175: callers listen on a phone, often in a second language.
WORDS_PER_MINUTE = 155
# eSpeak's own limits on the rate (espeakRATE_MINIMUM, espeakRATE_MAXIMUM).
MIN_WPM, MAX_WPM = 80, 450

_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_libc = ctypes.CDLL(None)


class EspeakError(Exception):
    """eSpeak NG could not start or speak."""


class _Library:
    """One load of the library, initialised; `used` once it chose a voice or spoke."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lib = ctypes.CDLL(path)
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                          ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.lib.espeak_Info.restype = ctypes.c_char_p
        self.lib.espeak_Info.argtypes = [ctypes.c_void_p]
        data = espeakng_loader.get_data_path().encode()
        self.rate = int(self.lib.espeak_Initialize(_SYNCHRONOUS, 0, data, 0))
        if self.rate <= 0:
            raise EspeakError("espeak_Initialize failed")
        self.version = (self.lib.espeak_Info(None) or b"?").decode()
        self.samples = bytearray()
        # Kept on the instance: ctypes must not collect the callback while the library holds it.
        self.callback = _Callback(self._collect)
        self.lib.espeak_SetSynthCallback(self.callback)
        self.used = False

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self.samples.extend(ctypes.string_at(wav, count * 2))
        return 0

    def close(self) -> None:
        """Unload the library, and make sure it is gone: a library still mapped keeps its state."""
        self.lib.espeak_Terminate()
        _ctypes.dlclose(self.lib._handle)
        try:
            still = ctypes.CDLL(self.path, mode=os.RTLD_NOLOAD | os.RTLD_LAZY)
        except OSError:
            return  # unloaded: the next load starts from the library's initial state
        _ctypes.dlclose(still._handle)
        raise EspeakError(f"{self.path} stays loaded after dlclose, so its state cannot be reset")

    def has_voice(self, voice: str) -> bool:
        self.used = True
        return int(self.lib.espeak_SetVoiceByName(voice.encode())) == _EE_OK

    def speak(self, voice: str, text: str, wpm: int) -> bytes:
        if not self.has_voice(voice):
            raise EspeakError(f"no eSpeak voice '{voice}'")
        # The rate after the voice: eSpeak 1.52 applies a voice file's own speed ("speed 80" in
        # Ukrainian's) only when the rate is set, and loading the next voice does not undo it.
        self.lib.espeak_SetParameter(_RATE, wpm, 0)
        _libc.srand(1)
        self.samples.clear()
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != _EE_OK or not self.samples:
            raise EspeakError(f"espeak_Synth failed with status {status}")
        return bytes(self.samples)


_lock = threading.Lock()
_library: _Library | None = None
_version: str | None = None
_voices: dict[str, bool] = {}


def _loaded() -> _Library:
    """The library as it is, loaded if needed."""
    global _library
    if _library is None:
        _library = _Library(espeakng_loader.get_library_path())
    return _library


def _fresh() -> _Library:
    """The library as a new process finds it: reloaded if it has chosen a voice or spoken since loading."""
    global _library
    if _library is not None and _library.used:
        old, _library = _library, None
        old.close()
    return _loaded()


def version() -> str:
    """The library's version, part of every eSpeak build hash."""
    global _version
    with _lock:
        if _version is None:
            _version = _loaded().version
        return _version


def has_voice(voice: str) -> bool:
    """Whether eSpeak speaks this voice or language code."""
    with _lock:
        if voice not in _voices:
            _voices[voice] = _loaded().has_voice(voice)
        return _voices[voice]


def words_per_minute(rate: float = 1.0) -> int:
    """The eSpeak rate for a speed factor (0.8 is the slow take), within eSpeak's limits."""
    return max(MIN_WPM, min(MAX_WPM, round(WORDS_PER_MINUTE * rate)))


def speak(voice: str, text: str, wpm: int = WORDS_PER_MINUTE) -> Segment:
    """The text spoken by eSpeak at `wpm` as a mono segment at the library's sample rate."""
    with _lock:
        library = _fresh()
        return pcm_segment(library.speak(voice, text, wpm), library.rate)
