"""`build_audio.py --auto` (make run): gTTS when a short probe reaches it, else offline, better files kept."""

from __future__ import annotations

import json
import threading
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
import responses

from ivr.audio.engines import PROBE_TIMEOUT, Gtts
from ivr.audio.manifest import load, manifest_path
from scripts import build_audio

from .test_audio_builder import catalog
from .test_audio_engines import GOOGLE, batchexecute, speech_like_mp3

TEXTS = {"welcome": "Bonjour.", "press.1": "Tapez 1."}
Capture = pytest.CaptureFixture[str]


@pytest.fixture
def google() -> Iterator[responses.RequestsMock]:
    """Google's TTS answered locally; the mock stays until every probe thread is done with it."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
        for thread in threading.enumerate():
            if thread.name == "gtts-probe":
                thread.join(10)


@pytest.fixture
def audio_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The script builds a small French catalog into a scratch folder, Azure without a key."""
    folder = tmp_path / "audio"
    monkeypatch.setenv("IVR_AUDIO_DIR", str(folder))
    for name in ("AZURE_SPEECH_KEY", "AZURE_SPEECH_REGION", "AZURE_SPEECH_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(build_audio, "load_catalog", lambda _folder: catalog(TEXTS))
    # The real bound is 3 s; a loaded test machine must not turn a reachable gTTS into an offline build.
    monkeypatch.setattr(build_audio, "PROBE_TIMEOUT", 30.0)
    return folder


def auto_build(capsys: Capture) -> tuple[int, str]:
    status = build_audio.main(["--auto", "--jobs", "1"])
    return status, capsys.readouterr().out


def sent_texts(calls: Any) -> list[str]:
    return [json.loads(json.loads(urllib.parse.parse_qs(call.request.body)["f.req"][0])[0][0][1])[0]
            for call in calls]


def test_a_reachable_gtts_makes_the_auto_build_use_it(google: responses.RequestsMock, audio_dir: Path,
                                                       tmp_path: Path, capsys: Capture) -> None:
    google.add(responses.POST, GOOGLE, body=batchexecute(speech_like_mp3(tmp_path)))
    status, out = auto_build(capsys)
    assert status == 0
    assert "auto: Google's TTS answered in" in out and "not azure (AZURE_SPEECH_KEY is not set)" in out
    assert sent_texts(google.calls)[0] == "ok"  # the probe, then the prompts
    assert sorted(sent_texts(google.calls)[1:]) == sorted(TEXTS.values())
    entries = load(manifest_path(audio_dir)).languages["fr"]
    assert {entry.engine for entry in entries.values()} == {"gtts"}
    assert "manifest version: " in out


@pytest.mark.parametrize("failure", [requests.ConnectionError("Connection refused"),
                                     requests.ConnectTimeout("timed out")])
def test_an_unreachable_gtts_falls_back_offline_and_keeps_the_better_files(
        google: responses.RequestsMock, audio_dir: Path, tmp_path: Path, capsys: Capture,
        monkeypatch: pytest.MonkeyPatch, failure: Exception) -> None:
    google.add(responses.POST, GOOGLE, body=batchexecute(speech_like_mp3(tmp_path)))
    auto_build(capsys)
    online = load(manifest_path(audio_dir)).languages["fr"]

    google.replace(responses.POST, GOOGLE, body=failure)
    more = catalog({**TEXTS, "step.done": "C'est fini."})  # a new prompt: built offline
    monkeypatch.setattr(build_audio, "load_catalog", lambda _folder: more)
    calls_before = len(google.calls)
    status, out = auto_build(capsys)
    assert status == 0 and "auto: Google's TTS cannot be reached" in out and "offline build" in out
    assert len(google.calls) == calls_before + 1  # the probe alone
    entries = load(manifest_path(audio_dir)).languages["fr"]
    assert entries["step.done"].quality == "offline"  # French offline: Pico, else eSpeak
    assert {key: entries[key] for key in TEXTS} == online  # gTTS's files stay


def test_the_probe_says_why_it_failed(google: responses.RequestsMock) -> None:
    google.add(responses.POST, GOOGLE, body=requests.ConnectionError("Connection refused"))
    problem = Gtts().probe()
    assert problem is not None and "gTTSError" in problem and "Failed to connect" in problem
    assert PROBE_TIMEOUT <= 3.0


def test_the_probe_gives_up_on_a_server_that_does_not_answer(google: responses.RequestsMock) -> None:
    """A request that hangs (name resolution, a silent firewall) does not hold the build back."""
    release = threading.Event()

    def hang(request: Any) -> tuple[int, dict[str, str], str]:
        release.wait(5)
        return 503, {}, ""

    google.add_callback(responses.POST, GOOGLE, callback=hang)
    try:
        assert Gtts().probe(timeout=0.2) == "no answer within 0.2 s"
    finally:
        release.set()


def test_auto_cannot_be_combined_with_offline_or_require(audio_dir: Path) -> None:
    for extra in (["--offline"], ["--require", "gtts"]):
        with pytest.raises(SystemExit):
            build_audio.main(["--auto", *extra])
