"""eSpeak NG through ctypes, from the espeakng-loader wheel: an offline voice for development and CI."""

from __future__ import annotations

import ctypes
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

_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)


class EspeakError(Exception):
    """eSpeak NG could not start or speak."""


class _Library:
    """The loaded library; eSpeak keeps global state, so one instance and one caller at a time."""

    def __init__(self) -> None:
        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
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
        self.lib.espeak_SetParameter(_RATE, WORDS_PER_MINUTE, 0)

    def _collect(self, wav: Any, count: int, events: Any) -> int:
        if count > 0:
            self.samples.extend(ctypes.string_at(wav, count * 2))
        return 0

    def has_voice(self, voice: str) -> bool:
        return int(self.lib.espeak_SetVoiceByName(voice.encode())) == _EE_OK

    def speak(self, voice: str, text: str) -> bytes:
        if not self.has_voice(voice):
            raise EspeakError(f"no eSpeak voice '{voice}'")
        self.samples.clear()
        data = text.encode("utf-8")
        status = self.lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != _EE_OK or not self.samples:
            raise EspeakError(f"espeak_Synth failed with status {status}")
        return bytes(self.samples)


_lock = threading.Lock()
_library: _Library | None = None


def _loaded() -> _Library:
    global _library
    if _library is None:
        _library = _Library()
    return _library


def version() -> str:
    """The library's version, part of every eSpeak build hash."""
    with _lock:
        return _loaded().version


def has_voice(voice: str) -> bool:
    """Whether eSpeak speaks this voice or language code."""
    with _lock:
        return _loaded().has_voice(voice)


def speak(voice: str, text: str) -> Segment:
    """The text spoken by eSpeak as a mono segment at the library's sample rate."""
    with _lock:
        library = _loaded()
        return pcm_segment(library.speak(voice, text), library.rate)
