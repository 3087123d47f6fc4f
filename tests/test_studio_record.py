"""The record page: a kept take is saved where the builder looks, built as a human recording, and counted."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from ivr.audio.manifest import load, manifest_path
from ivr.audio.media import FFMPEG
from ivr.content import load_catalog

from .conftest import LANGUAGES
from .studio_support import tone_file

SPOKEN = len(load_catalog().languages["ti"].spoken_keys())
CODECS = {"webm": ["-c:a", "libopus"], "ogg": ["-c:a", "libopus"], "wav": ["-c:a", "pcm_s16le"],
          "mp3": ["-c:a", "libmp3lame"]}


@pytest.fixture(scope="module")
def takes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """A short take in each format a browser or a person may send."""
    folder = tmp_path_factory.mktemp("takes")
    return {kind: tone_file(folder / f"take.{kind}", 0.8, codec).read_bytes()
            for kind, codec in CODECS.items()}


def keep(client: FlaskClient, lang: str, key: str, data: bytes, mimetype: str) -> dict[str, object]:
    response = client.post(f"/record/{lang}/{key}", data=data, content_type=mimetype)
    assert response.status_code == 200, response.get_data(as_text=True)
    result: dict[str, object] = response.get_json()
    return result


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_lists_every_spoken_prompt_and_the_progress(viewer: FlaskClient, lang: str) -> None:
    language = load_catalog().languages[lang]
    page = viewer.get(f"/record/{lang}").get_data(as_text=True)
    assert f"{lang}: 0 of {len(language.spoken_keys())} recorded" in page
    for key in language.spoken_keys():
        assert f'id="p-{key}"' in page
    assert 'id="p-sms.body"' not in page  # a text message is never spoken


@pytest.mark.parametrize(("kind", "mimetype"), [("webm", "audio/webm;codecs=opus"), ("ogg", "audio/ogg"),
                                                ("wav", "audio/wav"), ("mp3", "audio/mpeg")])
def test_a_kept_take_is_built_as_a_human_recording(studio_client: FlaskClient, studio_dirs: tuple[Path, Path],
                                                   takes: dict[str, bytes], kind: str, mimetype: str) -> None:
    audio = studio_dirs[1]
    result = keep(studio_client, "ti", "welcome", takes[kind], mimetype)
    assert (audio / "recorded" / "ti" / f"welcome.{kind}").read_bytes() == takes[kind]
    entry = load(manifest_path(audio)).get("ti", "welcome")
    assert entry is not None and (entry.engine, entry.quality) == ("recorded", "human")
    assert (audio / "build" / entry.file).is_file()
    assert result == {"message": f"welcome: kept and built (human, {entry.duration_ms / 1000:.1f} s).",
                      "state": "recorded", "progress": f"ti: 1 of {SPOKEN} recorded", "built": True,
                      "url": f"/audio/{entry.file}", "quality": "human"}


def test_a_new_take_replaces_the_old_one_whatever_its_type(studio_client: FlaskClient,
                                                           studio_dirs: tuple[Path, Path],
                                                           takes: dict[str, bytes]) -> None:
    folder = studio_dirs[1] / "recorded" / "ti"
    keep(studio_client, "ti", "welcome", takes["wav"], "audio/wav")
    first = load(manifest_path(studio_dirs[1])).get("ti", "welcome")
    keep(studio_client, "ti", "welcome", takes["webm"], "audio/webm")
    assert sorted(path.name for path in folder.iterdir()) == ["welcome.webm"]
    second = load(manifest_path(studio_dirs[1])).get("ti", "welcome")
    assert first is not None and second is not None and second.voice["sha256"] != first.voice["sha256"]


def test_a_file_chosen_in_the_form_is_kept_too(studio_client: FlaskClient, studio_dirs: tuple[Path, Path],
                                               takes: dict[str, bytes]) -> None:
    response = studio_client.post("/record/ps/main.intro", content_type="multipart/form-data",
                                  data={"take": (io.BytesIO(takes["mp3"]), "my take.MP3")})
    assert response.status_code == 302 and response.headers["Location"] == "/record/ps#p-main.intro"
    assert (studio_dirs[1] / "recorded" / "ps" / "main.intro.mp3").is_file()
    page = studio_client.get("/record/ps").get_data(as_text=True)
    assert "main.intro: kept and built (human" in page
    assert f"ps: 1 of {SPOKEN} recorded" in page


def test_a_take_for_an_earlier_text_is_counted(studio_client: FlaskClient, takes: dict[str, bytes]) -> None:
    keep(studio_client, "ti", "welcome", takes["wav"], "audio/wav")
    keep(studio_client, "ti", "main.intro", takes["wav"], "audio/wav")
    studio_client.post("/review/ti/welcome", data={"text": "ሰላም።"})
    page = studio_client.get("/record/ti").get_data(as_text=True)
    assert f"ti: 2 of {SPOKEN} recorded, 1 for an earlier text" in page
    row = page[page.index('id="p-welcome"'):page.index('id="p-language.option"')]
    assert "recorded for an earlier text" in row


@pytest.mark.parametrize(("data", "mimetype", "problem"), [
    (b"not audio at all", "audio/webm", "this is not audio that can be read"),
    (b"RIFF", "text/plain", "is not a recording the builder reads"),
])
def test_what_is_not_a_take_is_refused(studio_client: FlaskClient, studio_dirs: tuple[Path, Path],
                                       data: bytes, mimetype: str, problem: str) -> None:
    response = studio_client.post("/record/ti/welcome", data=data, content_type=mimetype)
    assert response.status_code == 422
    assert problem in str(response.get_json()["error"])
    assert not (studio_dirs[1] / "recorded" / "ti").exists() or not any((studio_dirs[1] / "recorded" / "ti")
                                                                         .iterdir())


def test_a_silent_take_is_refused(studio_client: FlaskClient, tmp_path: Path) -> None:
    silent = tmp_path / "silent.wav"
    subprocess.run([FFMPEG, "-loglevel", "error", "-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono:d=1",
                    str(silent)], check=True)
    response = studio_client.post("/record/ti/welcome", data=silent.read_bytes(), content_type="audio/wav")
    assert response.status_code == 422 and "silent" in response.get_json()["error"]


@pytest.mark.parametrize("url", ["/record/ti/sms.body", "/record/ti/..%2F..%2Fcontent%2Fti",
                                 "/record/xx/welcome", "/record/ti/nothing"])
def test_only_spoken_prompts_of_known_languages_take_recordings(viewer: FlaskClient,
                                                                takes: dict[str, bytes], url: str) -> None:
    assert viewer.post(url, data=takes["wav"], content_type="audio/wav").status_code == 404
