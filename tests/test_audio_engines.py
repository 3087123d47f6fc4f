"""The engines against their real client code: gTTS with its HTTP answered locally, Azure on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import responses

from ivr.audio.builder import Builder, engine_order
from ivr.audio.engines import Azure, EngineError, Espeak, Gtts, Recorded, standard_engines
from ivr.audio.manifest import load, manifest_path
from ivr.audio.media import Encoding, encode
from ivr.config import DEFAULTS

from .conftest import LANGUAGES, serving
from .test_audio_builder import catalog
from .tones import sine

GOOGLE = "https://translate.google.com/_/TranslateWebserverUi/data/batchexecute"
SHORT = "Bonjour."
# Over gTTS's 100-character limit: it sends this in several requests.
LONG = ("Le site Étrangers en France s'appelle aussi ANEF, et il permet de faire des démarches en ligne. "
        "Avec un compte personnel, vous pouvez faire une demande et suivre votre dossier.")


def speech_like_mp3(tmp_path: Path, ms: int = 800) -> bytes:
    """An MP3 like the ones Google sends: 24 kHz mono, 32 kbps."""
    path = tmp_path / "google.mp3"
    sound = sine(300, 24000, ms, -20)
    encode([(sound, path)], Encoding("mp3", "libmp3lame", 24000, "32k"))
    return path.read_bytes()


def batchexecute(audio: bytes) -> str:
    """Google's batchexecute reply: an anti-JSON prefix, then lengths and JSON arrays, audio in base64."""
    compact = {"separators": (",", ":")}
    inner = json.dumps([base64.b64encode(audio).decode("ascii")], **compact)
    row = json.dumps([["wrb.fr", "jQ1olc", inner, None, None, None, "generic"], ["di", 58],
                      ["af.httprm", 57, "-4511470950516151213", 8]], **compact)
    tail = json.dumps([["e", 4, None, None, len(row)]], **compact)
    return f")]}}'\n\n{len(row)}\n{row}\n{len(tail)}\n{tail}\n"


def sent_texts(calls: Any) -> list[str]:
    """The text and language of each request gTTS sent, read back from its f.req form field."""
    out = []
    for call in calls:
        rpc = json.loads(urllib.parse.parse_qs(call.request.body)["f.req"][0])
        out.append(json.loads(rpc[0][0][1])[:2])
    return out


def build_with_gtts(tmp_path: Path, text: str) -> Any:
    engines = {"recorded": Recorded(tmp_path / "recorded"), "gtts": Gtts()}
    return Builder(tmp_path, engines, {"fr": ["recorded", "gtts"]}, jobs=1).build(catalog({"welcome": text}))


@responses.activate
def test_gtts_reply_is_decoded_and_built(tmp_path: Path) -> None:
    responses.add(responses.POST, GOOGLE, body=batchexecute(speech_like_mp3(tmp_path)))
    tallies = build_with_gtts(tmp_path, SHORT)
    assert tallies["fr"].built == 1
    assert sent_texts(responses.calls) == [["Bonjour.", "fr"]]
    entry = load(manifest_path(tmp_path)).languages["fr"]["welcome"]
    assert (entry.engine, entry.voice) == ("gtts", {"lang": "fr", "tld": "com", "slow": False})
    assert 800 < entry.duration_ms < 1300
    assert (tmp_path / "build" / entry.file).stat().st_size == entry.bytes > 0


@responses.activate
def test_gtts_long_text_is_sent_in_parts_and_joined(tmp_path: Path) -> None:
    responses.add(responses.POST, GOOGLE, body=batchexecute(speech_like_mp3(tmp_path, 700)))
    audio = Gtts().synthesize("fr", "about.1", LONG)
    parts = sent_texts(responses.calls)
    assert len(parts) >= 2 and all(lang == "fr" and len(text) <= 100 for text, lang in parts)
    assert "suivre votre dossier" in parts[-1][0]
    assert audio.duration_seconds >= 0.7 * len(parts)  # every part's audio, one after the other


@pytest.mark.parametrize("reply", [
    {"status": 500, "body": "Internal error"},
    {"status": 200, "body": ")]}'\n\n20\n[[\"wrb.fr\",\"jQ1olc\",null]]\n"},  # no audio in the reply
    {"status": 200, "body": batchexecute(b"this is not an mp3 file at all" * 20)},  # audio that won't decode
])
@responses.activate
def test_gtts_failure_leaves_no_file_and_no_entry(tmp_path: Path, reply: dict[str, Any]) -> None:
    responses.add(responses.POST, GOOGLE, **reply)
    tallies = build_with_gtts(tmp_path, SHORT)
    assert (tallies["fr"].built, tallies["fr"].failed) == (0, 1)
    assert list((tmp_path / "build").rglob("*.wav")) == [] and list((tmp_path / "build").rglob("*.tmp")) == []
    assert load(manifest_path(tmp_path)).languages["fr"] == {}


@responses.activate
def test_gtts_failing_on_the_second_part_keeps_nothing(tmp_path: Path) -> None:
    responses.add(responses.POST, GOOGLE, body=batchexecute(speech_like_mp3(tmp_path)))
    responses.add(responses.POST, GOOGLE, status=503)
    tallies = build_with_gtts(tmp_path, LONG)
    assert len(responses.calls) == 2 and tallies["fr"].failed == 1
    assert [path.name for path in (tmp_path / "build").rglob("*") if path.is_file()] == ["manifest.json"]


def test_gtts_declines_languages_it_does_not_speak() -> None:
    assert Gtts().settings("ti", "welcome", "x") is None
    assert Gtts().settings("fr", "welcome", "x") == {"lang": "fr", "tld": "com", "slow": False}


class FakeAzure(BaseHTTPRequestHandler):
    """Azure's text-to-speech endpoint, as far as our request and its answer go."""

    seen: list[dict[str, Any]] = []
    status = 200
    answer = b""

    def do_POST(self) -> None:  # noqa: N802 - the name http.server calls
        body = self.rfile.read(int(self.headers["Content-Length"]))
        FakeAzure.seen.append({"path": self.path, "headers": dict(self.headers), "body": body})
        self.send_response(FakeAzure.status)
        self.send_header("Content-Type", "audio/x-wav")
        self.send_header("Content-Length", str(len(FakeAzure.answer)))
        self.end_headers()
        self.wfile.write(FakeAzure.answer)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def azure_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A local server standing in for Azure; it answers a 24 kHz WAV like the format we ask for."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    wav = tmp_path / "azure.wav"
    sound = sine(250, 24000, 900, -18)
    sound.export(str(wav), format="wav").close()
    FakeAzure.seen, FakeAzure.status, FakeAzure.answer = [], 200, wav.read_bytes()
    server = HTTPServer(("127.0.0.1", 0), FakeAzure)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_port}/cognitiveservices/v1"


VOICES = {"fa": "fa-IR-FaridNeural", "ps": "ps-AF-GulNawazNeural"}


def test_azure_request_carries_key_ssml_voice_and_format(azure_server: str) -> None:
    engine = Azure(VOICES, key="secret-key", region="westeurope", endpoint=azure_server)
    audio = engine.synthesize("fa", "welcome", "سلام <و> خوش آمدید")
    assert 0.85 < audio.duration_seconds < 0.95
    request = FakeAzure.seen[0]
    assert request["path"] == "/cognitiveservices/v1"
    assert request["headers"]["Ocp-Apim-Subscription-Key"] == "secret-key"
    assert request["headers"]["X-Microsoft-OutputFormat"] == "riff-24khz-16bit-mono-pcm"
    assert request["headers"]["Content-Type"] == "application/ssml+xml"
    speak = ET.fromstring(request["body"].decode("utf-8"))
    voice = speak.find("{http://www.w3.org/2001/10/synthesis}voice")
    assert speak.get("{http://www.w3.org/XML/1998/namespace}lang") == "fa-IR"
    assert voice is not None and voice.get("name") == "fa-IR-FaridNeural"
    assert voice.text == "سلام <و> خوش آمدید"


def test_azure_slow_take_asks_for_a_slower_prosody(azure_server: str) -> None:
    engine = Azure(VOICES, key="secret-key", region="westeurope", endpoint=azure_server)
    assert engine.settings("fa", "about.1", "x", 0.8) == {"voice": "fa-IR-FaridNeural",
                                                          "format": Azure.OUTPUT_FORMAT, "rate": "-20%"}
    engine.synthesize("fa", "about.1", "سلام", 0.8)
    engine.synthesize("fa", "about.1", "سلام")
    namespace = "{http://www.w3.org/2001/10/synthesis}"
    slow, normal = (ET.fromstring(request["body"].decode("utf-8")) for request in FakeAzure.seen)
    prosody = slow.find(f"{namespace}voice/{namespace}prosody")
    assert prosody is not None and prosody.get("rate") == "-20%" and prosody.text == "سلام"
    assert normal.find(f"{namespace}voice/{namespace}prosody") is None


def test_azure_refusal_is_an_engine_error(azure_server: str) -> None:
    FakeAzure.status, FakeAzure.answer = 401, b"Unauthorized"
    with pytest.raises(EngineError, match="HTTP 401"):
        Azure(VOICES, "wrong", "westeurope", endpoint=azure_server).synthesize("ps", "welcome", "سلام")
    assert "ps-AF-GulNawazNeural" in FakeAzure.seen[0]["body"].decode("utf-8")


def test_azure_without_a_key_is_unusable_and_region_makes_url(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AZURE_SPEECH_KEY", raising=False)
    monkeypatch.setenv("AZURE_SPEECH_REGION", "francecentral")
    monkeypatch.delenv("AZURE_SPEECH_ENDPOINT", raising=False)
    engine = Azure.from_environment(VOICES)
    assert engine.unusable() == "AZURE_SPEECH_KEY is not set"
    assert engine.endpoint == "https://francecentral.tts.speech.microsoft.com/cognitiveservices/v1"
    assert engine.settings("fr", "welcome", "x") is None


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_espeak_speaks_offline(lang: str) -> None:
    engine = Espeak()
    assert engine.unusable() is None
    settings = engine.settings(lang, "welcome", "x")
    assert settings is not None and settings["voice"] == lang
    audio = engine.synthesize(lang, "welcome", "Bonjour, ceci est un essai.")
    assert audio.duration_seconds > 1.0 and audio.max_dBFS > -20


def test_espeak_has_no_pashto_voice() -> None:
    assert Espeak().settings("ps", "welcome", "x") is None


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_on_disk_has_engines_that_can_speak_it(lang: str) -> None:
    """The configured engines exist, and each one listed for the language really has a voice for it."""
    engines = standard_engines(Path("unused"), DEFAULTS["AUDIO_AZURE_VOICES"])
    order = engine_order(DEFAULTS["AUDIO_ENGINES"], lang)
    assert order and order[0] == "recorded" and set(order) <= set(engines)
    for name in order[1:]:
        assert engines[name].settings(lang, "welcome", "x") is not None, f"{name} has no voice for {lang}"
