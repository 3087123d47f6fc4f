"""Serving the built files, and the webhook playing them: headers, revalidation, traversal, fallbacks."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ivr.audio.index import describer
from ivr.audio.manifest import Entry, Manifest, ManifestError, load, manifest_path, save
from ivr.content import load_catalog, source_hash
from ivr.phone import Phone

FRENCH = load_catalog().reference
PLAYED = ("welcome", "language.option", "press.1")


def build_fake_audio(audio_dir: Path, keys: tuple[str, ...] = PLAYED) -> Manifest:
    """A manifest and files for a few French prompts, as a build would leave them."""
    manifest = Manifest(encoding={"extension": "wav"})
    manifest.languages["fr"] = {}
    for key in keys:
        data = f"RIFF fake audio of {key}".encode()
        name = f"fr/{key}.{hashlib.sha256(data).hexdigest()[:12]}.wav"
        path = audio_dir / "build" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        text = FRENCH.text(key.removesuffix(".slow"))  # a slower take has its prompt's words
        manifest.languages["fr"][key] = Entry(name, text, source_hash(text), "spec", "espeak", "offline", {},
                                              1500, len(data))
    save(manifest, manifest_path(audio_dir))
    return manifest


@pytest.fixture
def audio_dir(tmp_path: Path) -> Path:
    """The folder conftest's apps use as AUDIO_DIR, with a few prompts built."""
    build_fake_audio(tmp_path / "audio")
    return tmp_path / "audio"


@pytest.fixture
def served(audio_dir: Path, make_app: Callable[..., Flask]) -> Flask:
    return make_app(AUDIO_CHECK_SECONDS=0)  # every request looks at the manifest: builds are seen at once


def welcome_file(audio_dir: Path) -> str:
    return next(path.name for path in (audio_dir / "build" / "fr").glob("welcome.*"))


def test_file_is_served_with_type_and_lasting_cache_headers(served: Flask, audio_dir: Path) -> None:
    name = welcome_file(audio_dir)
    with served.test_client().get(f"/audio/fr/{name}") as response:
        assert response.status_code == 200
        assert response.mimetype == "audio/wav"
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        assert response.headers["ETag"] == '"' + name.split(".")[-2] + '"'  # the content hash in the name
        assert response.headers["Last-Modified"]
        assert response.get_data() == b"RIFF fake audio of welcome"


def test_revalidation_answers_304(served: Flask, audio_dir: Path) -> None:
    client = served.test_client()
    url = f"/audio/fr/{welcome_file(audio_dir)}"
    with client.get(url) as first:
        etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    with client.get(url, headers={"If-None-Match": etag}) as by_etag:
        assert by_etag.status_code == 304 and by_etag.get_data() == b""
    with client.get(url, headers={"If-Modified-Since": modified}) as by_date:
        assert by_date.status_code == 304


@pytest.mark.parametrize("path", [
    "/audio/../pyproject.toml",
    "/audio/%2e%2e/%2e%2e/pyproject.toml",
    "/audio/fr/..%2f..%2f..%2fpyproject.toml",
    "/audio/fr/%2e%2e/%2e%2e/secret.wav",
    "/audio/manifest.json",
    "/audio/fr/missing.0123456789ab.wav",
    "/audio/fr/",
])
def test_nothing_outside_the_audio_files_is_served(served: Flask, audio_dir: Path, path: str) -> None:
    (audio_dir / "secret.wav").write_bytes(b"not in the build folder")
    with served.test_client().get(path) as response:
        assert response.status_code == 404
    with served.test_client().get("/audio/../secret.wav") as response:
        assert response.status_code == 404


def test_webhook_plays_built_prompts_and_says_the_rest(served: Flask, make_phone: Callable[..., Phone],
                                                       audio_dir: Path) -> None:
    entries = load(manifest_path(audio_dir)).languages["fr"]
    heard = make_phone(served, describe=describer(audio_dir)).dial()
    played = [item for item in heard if item.verb == "play"]
    assert [item.url for item in played] == [f"http://localhost/audio/{entries[key].file}" for key in PLAYED]
    # The terminal phone shows the words of each file, found through the manifest.
    assert played[0].text.startswith(FRENCH.words("welcome") + "   [welcome, espeak, 1.5 s]")
    said = [item.text for item in heard if item.verb == "say"]
    assert FRENCH.words("welcome") not in said
    english = load_catalog().languages["en"]
    assert english.words("language.option") in said  # no file for it: still said


def test_a_new_build_is_heard_on_the_next_request(served: Flask, make_phone: Callable[..., Phone],
                                                  audio_dir: Path) -> None:
    before = make_phone(served).dial()
    assert before[0].verb == "play"
    rebuilt = build_fake_audio(audio_dir, keys=("language.option", "press.1"))  # the welcome is gone
    after = make_phone(served).dial()
    assert (after[0].verb, after[0].text) == ("say", FRENCH.words("welcome"))
    assert after[1].url == f"http://localhost/audio/{rebuilt.languages['fr']['language.option'].file}"


def test_a_manifest_broken_after_start_keeps_the_last_good_build(
        served: Flask, make_phone: Callable[..., Phone], audio_dir: Path,
        caplog: pytest.LogCaptureFixture) -> None:
    before = make_phone(served).dial()
    manifest_path(audio_dir).write_text("{half a manifest", encoding="utf-8")
    assert make_phone(served).dial() == before
    assert "audio manifest unreadable" in caplog.text


def test_health_names_the_build_being_played(served: Flask, audio_dir: Path) -> None:
    first = served.test_client().get("/healthz").json
    build_fake_audio(audio_dir, keys=("welcome",))
    second = served.test_client().get("/healthz").json
    assert first["audio_version"] != second["audio_version"]
    assert (first["prompts_with_audio"], second["prompts_with_audio"]) == (len(PLAYED), 1)


def test_base_url_sends_twilio_to_the_cdn(audio_dir: Path, make_app: Callable[..., Flask],
                                          make_phone: Callable[..., Phone]) -> None:
    app = make_app(AUDIO_BASE_URL="https://cdn.example.org/line-audio/")
    heard = make_phone(app).dial()
    assert heard[0].url == f"https://cdn.example.org/line-audio/fr/{welcome_file(audio_dir)}"


@pytest.mark.parametrize("content, problem", [
    ("{not json", "cannot be read"),
    ('{"format": 99, "languages": {}}', "not a format 1 audio manifest"),
    ('{"format": 1, "languages": {"fr": {"welcome": {"file": "x.wav"}}}}', "languages.fr.welcome has the"),
    ('{"format": 1, "languages": {"fr": {"welcome": {"file": "../../etc/passwd", "text": "t", "text_hash": '
     '"h", "spec": "s", "engine": "e", "quality": "q", "voice": {}, "duration_ms": 1, "bytes": 1}}}}',
     "not a file inside the build folder"),
])
def test_a_broken_manifest_stops_the_app_naming_it(tmp_path: Path, make_app: Callable[..., Flask],
                                                   content: str, problem: str) -> None:
    path = manifest_path(tmp_path / "audio")
    path.parent.mkdir(parents=True)
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ManifestError) as error:
        make_app()
    assert str(path) in str(error.value) and problem in str(error.value)


def test_no_manifest_means_every_prompt_is_said(make_app: Callable[..., Flask],
                                                make_phone: Callable[..., Phone]) -> None:
    heard = make_phone(make_app()).dial()
    assert heard and all(item.verb in ("say", "pause", "hangup") for item in heard)


def test_describer_without_a_manifest_shows_nothing(tmp_path: Path) -> None:
    assert describer(tmp_path)("http://localhost/audio/fr/welcome.0123456789ab.wav") is None


def test_the_manifest_is_looked_at_once_a_second_at_most(audio_dir: Path, make_app: Callable[..., Flask],
                                                         make_phone: Callable[..., Phone],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    app = make_app()  # the default: one look a second
    looks: list[str] = []
    stat = os.stat
    monkeypatch.setattr(os, "stat", lambda path, *args, **kwargs: looks.append(str(path)) or stat(path, *args,
                                                                                                  **kwargs))
    for _ in range(3):
        make_phone(app).dial()
    assert not [path for path in looks if path.endswith("manifest.json")]


def test_describer_shows_the_words_without_span_markup(tmp_path: Path) -> None:
    text = "لمعرفة فائدة موقع <fr>Étrangers en France</fr>،"
    manifest = Manifest(languages={"ar": {"main.option.about": Entry(
        "ar/main.option.about.0123456789ab.wav", text, source_hash(text), "spec", "espeak+pico", "offline",
        {}, 3000, 100)}})
    save(manifest, manifest_path(tmp_path))
    shown = describer(tmp_path)("http://localhost/audio/ar/main.option.about.0123456789ab.wav")
    assert shown == "لمعرفة فائدة موقع Étrangers en France،   [main.option.about, espeak+pico, 3.0 s]"
