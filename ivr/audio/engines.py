"""Where a prompt's raw audio comes from: a human recording, gTTS, Azure Speech, or eSpeak NG."""

from __future__ import annotations

import hashlib
import io
import os
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape, quoteattr

import requests

from . import espeak
from .media import MediaError, Segment, decode

RECORDING_TYPES = ("wav", "mp3", "ogg", "m4a", "webm")  # webm: what browsers record (the studio)
# What the manifest says of a file's voice: a person, a production service, or the offline stand-in.
HUMAN, PRODUCTION, OFFLINE = "human", "production", "offline"
NETWORK_TIMEOUT = 20.0
PROBE_TIMEOUT = 3.0  # seconds a probe may take in all, name resolution included


class EngineError(Exception):
    """An engine could not produce audio for one prompt."""


def _decoded(source: Path | bytes, who: str, tempo: float = 1.0) -> Segment:
    """An engine's audio as a segment; audio that does not decode is that engine's failure."""
    try:
        return decode(source, tempo=tempo)
    except MediaError as error:
        raise EngineError(f"{who} gave audio that does not decode: {error}") from error


def prosody_rate(rate: float) -> str:
    """SSML's relative rate for a speed factor: 0.8 is "-20%"."""
    return f"{round((rate - 1) * 100):+d}%"


class Engine(Protocol):
    """Turns a prompt into raw audio; the builder cleans and encodes it."""

    name: str
    quality: str
    needs_network: bool

    def unusable(self) -> str | None:
        """Why the engine cannot run at all on this machine (no key...), or None."""

    def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
        """What shapes its output besides the text (voice, version...); None if it cannot do this prompt.

        `rate` is the speed asked for, 1.0 normal; below 1 a slower take (0.8 for a step's slow take).
        """

    def synthesize(self, lang: str, key: str, text: str, rate: float = 1.0) -> Segment:
        """The prompt as raw audio at that speed; EngineError when it fails."""


class Recorded:
    """A human recording at <folder>/<lang>/<key>.<wav|mp3|ogg|m4a|webm>: always preferred when present."""

    name = "recorded"
    quality = HUMAN
    needs_network = False

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def find(self, lang: str, key: str) -> Path | None:
        """The recording of this prompt, if someone dropped one in."""
        for extension in RECORDING_TYPES:
            path = self.folder / lang / f"{key}.{extension}"
            if path.is_file():
                return path
        return None

    def unusable(self) -> str | None:
        """A folder is always usable."""
        return None

    def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
        """The recording's own hash: a new take rebuilds the prompt."""
        path = self.find(lang, key)
        if path is None:
            return None
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        settings: dict[str, Any] = {"file": path.name, "sha256": digest}
        if rate != 1.0:
            settings["tempo"] = rate
        return settings

    def synthesize(self, lang: str, key: str, text: str, rate: float = 1.0) -> Segment:
        """Decode the recording; another rate stretches it with ffmpeg's atempo, which keeps the pitch."""
        path = self.find(lang, key)
        if path is None:
            raise EngineError(f"no recording for {lang}/{key}")
        return _decoded(path, f"the recording {path.name}", tempo=rate)


class Gtts:
    """Google Translate's voice through gTTS: the production voice for the languages it speaks."""

    name = "gtts"
    quality = PRODUCTION
    needs_network = True

    def __init__(self, tld: str = "com", timeout: float = NETWORK_TIMEOUT) -> None:
        self.tld = tld
        self.timeout = timeout

    def unusable(self) -> str | None:
        """gTTS needs no key; only the network, which the builder checks through offline mode."""
        return None

    def probe(self, timeout: float = PROBE_TIMEOUT) -> str | None:
        """Why Google's TTS cannot be used now, or None: one short real request, `timeout` seconds at most."""
        from gtts import gTTS, gTTSError

        outcome: list[str | None] = []

        def ask() -> None:
            buffer = io.BytesIO()
            try:
                gTTS("ok", lang="en", tld=self.tld, timeout=timeout).write_to_fp(buffer)
            except (gTTSError, requests.RequestException) as error:
                outcome.append(f"{type(error).__name__}: {error}")
            else:
                outcome.append(None if buffer.getvalue() else "it answered no audio")

        # A thread, because requests' timeout leaves out name resolution; a daemon, so a resolver that
        # hangs does not hold the build (or its exit) back.
        thread = threading.Thread(target=ask, name="gtts-probe", daemon=True)
        thread.start()
        thread.join(timeout)
        return outcome[0] if outcome else f"no answer within {timeout:g} s"

    def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
        """The gTTS language and host; None for a language gTTS does not speak."""
        from gtts.lang import tts_langs  # a local table, no request

        if lang not in tts_langs():
            return None
        return {"lang": lang, "tld": self.tld, "slow": rate < 1.0}

    def synthesize(self, lang: str, key: str, text: str, rate: float = 1.0) -> Segment:
        """Ask Google for the MP3 in memory, so a failed request leaves no file behind.

        Google has two speeds: any rate below 1 is its own slow mode.
        """
        from gtts import gTTS, gTTSError

        buffer = io.BytesIO()
        try:
            gTTS(text, lang=lang, tld=self.tld, slow=rate < 1.0, timeout=self.timeout).write_to_fp(buffer)
        except (gTTSError, requests.RequestException) as error:
            raise EngineError(f"gTTS: {error}") from error
        if not buffer.getvalue():
            raise EngineError("gTTS answered no audio")
        return _decoded(buffer.getvalue(), "gTTS")


class Azure:
    """Azure Speech's neural voices over REST, for languages gTTS lacks (Dari/Farsi, Pashto)."""

    name = "azure"
    quality = PRODUCTION
    needs_network = True
    OUTPUT_FORMAT = "riff-24khz-16bit-mono-pcm"  # lossless: our own encoder makes the phone file

    def __init__(self, voices: Mapping[str, str], key: str | None, region: str | None,
                 endpoint: str | None = None, timeout: float = NETWORK_TIMEOUT) -> None:
        self.voices = dict(voices)
        self.key = key
        self.region = region
        self.endpoint = endpoint or (
            f"https://{region}.tts.speech.microsoft.com/cognitiveservices/v1" if region else None
        )
        self.timeout = timeout

    @classmethod
    def from_environment(cls, voices: Mapping[str, str]) -> Azure:
        """Key and region from AZURE_SPEECH_KEY and AZURE_SPEECH_REGION."""
        return cls(voices, os.environ.get("AZURE_SPEECH_KEY"), os.environ.get("AZURE_SPEECH_REGION"),
                   os.environ.get("AZURE_SPEECH_ENDPOINT"))

    def unusable(self) -> str | None:
        """Without a key and a region there is nothing to call."""
        if not self.key:
            return "AZURE_SPEECH_KEY is not set"
        if not self.endpoint:
            return "AZURE_SPEECH_REGION is not set"
        return None

    def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
        """The neural voice for this language, or None if none is configured."""
        voice = self.voices.get(lang)
        if not voice:
            return None
        settings = {"voice": voice, "format": self.OUTPUT_FORMAT}
        if rate != 1.0:
            settings["rate"] = prosody_rate(rate)
        return settings

    def ssml(self, voice: str, text: str, rate: float = 1.0) -> str:
        """The request body: the text in the voice, its language taken from the voice name."""
        locale = "-".join(voice.split("-")[:2])
        namespace = "http://www.w3.org/2001/10/synthesis"
        words = escape(text)
        if rate != 1.0:
            words = f"<prosody rate={quoteattr(prosody_rate(rate))}>{words}</prosody>"
        return (f"<speak version='1.0' xmlns='{namespace}' xml:lang={quoteattr(locale)}>"
                f"<voice name={quoteattr(voice)}>{words}</voice></speak>")

    def synthesize(self, lang: str, key: str, text: str, rate: float = 1.0) -> Segment:
        """POST the SSML and decode the WAV Azure answers."""
        voice = self.voices.get(lang)
        if not voice or self.unusable() or not self.endpoint:
            raise EngineError(f"azure cannot speak {lang}: {self.unusable() or 'no voice configured'}")
        headers = {
            "Ocp-Apim-Subscription-Key": str(self.key),
            "Content-Type": "application/ssml+xml",
            "X-Microsoft-OutputFormat": self.OUTPUT_FORMAT,
            "User-Agent": "anef-phone-line",
        }
        try:
            response = requests.post(self.endpoint, data=self.ssml(voice, text, rate).encode("utf-8"),
                                     headers=headers, timeout=self.timeout)
        except requests.RequestException as error:
            raise EngineError(f"azure: {error}") from error
        if response.status_code != 200:
            raise EngineError(f"azure answered HTTP {response.status_code}: {response.text[:200]}")
        return _decoded(response.content, "azure")


class Espeak:
    """eSpeak NG, offline: robotic but always there, for development, CI and the offline demo."""

    name = "espeak"
    quality = OFFLINE
    needs_network = False

    def unusable(self) -> str | None:
        """The library ships in a wheel; it only fails if that wheel is broken."""
        try:
            espeak.version()
        except (OSError, espeak.EspeakError) as error:
            return f"eSpeak NG does not load: {error}"
        return None

    def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
        """The voice, speed and library version; None for a language eSpeak lacks."""
        if not espeak.has_voice(lang):
            return None
        # fresh_state: each prompt is spoken by a newly loaded library (see espeak.py), so files built
        # before that, whose sound depended on what was spoken before them, are rebuilt once.
        return {"voice": lang, "wpm": espeak.words_per_minute(rate), "version": espeak.version(),
                "fresh_state": True}

    def synthesize(self, lang: str, key: str, text: str, rate: float = 1.0) -> Segment:
        """Speak the text at eSpeak's own rate for that speed."""
        try:
            return espeak.speak(lang, text, espeak.words_per_minute(rate))
        except espeak.EspeakError as error:
            raise EngineError(str(error)) from error


def standard_engines(recorded: Path, azure_voices: Mapping[str, str]) -> dict[str, Engine]:
    """Every engine the line knows, by the name the preference lists use."""
    from .pico import Pico  # pico.py builds on this module, so it is imported here, not at the top

    engines: list[Engine] = [Recorded(recorded), Gtts(), Azure.from_environment(azure_voices), Pico(),
                             Espeak()]
    return {engine.name: engine for engine in engines}
