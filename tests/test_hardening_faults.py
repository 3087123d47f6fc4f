"""Faults: broken content at start, an exception in a view, the fallback URL."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from flask import Flask

from ivr.content import CONTENT_DIR, ContentError, load_catalog
from ivr.phone import AppTransport, Phone

from .conftest import TOKEN
from .test_audio_serving import build_fake_audio

CATALOG = load_catalog()
CCC_DIGITS = "0806001620"
ROOT = Path(__file__).resolve().parent.parent


def apology(lang: str) -> str:
    return CATALOG.languages[lang].words("error.apology")


def say_attributes(lang: str) -> dict[str, str]:
    language = CATALOG.languages[lang]
    return {key: value for key, value in (("language", language.say_language), ("voice", language.say_voice))
            if value}


@pytest.fixture
def audio_dir(tmp_path: Path) -> Path:
    """conftest's AUDIO_DIR, with the welcome and the first option built for French."""
    build_fake_audio(tmp_path / "audio")
    return tmp_path / "audio"


def test_answers_kept_for_one_host_are_not_given_to_another(audio_dir: Path,
                                                            make_app: Callable[..., Flask]) -> None:
    app = make_app()
    here = Phone(AppTransport(app.test_client()), "http://localhost/voice", TOKEN).dial()
    there = Phone(AppTransport(app.test_client()), "https://line.example.org/voice", TOKEN).dial()
    assert here[0].url and here[0].url.startswith("http://localhost/audio/fr/welcome.")
    assert there[0].url and there[0].url.startswith("https://line.example.org/audio/fr/welcome.")


def broken_content(tmp_path: Path, damage: Callable[[Path], None]) -> Path:
    """A copy of the content folder with one file damaged."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    damage(folder)
    return folder


def drop_english_goodbye(folder: Path) -> None:
    english = folder / "en.yaml"
    data = yaml.safe_load(english.read_text(encoding="utf-8"))
    del data["prompts"]["goodbye.noinput"]
    english.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def break_menu_yaml(folder: Path) -> None:
    (folder / "menu.yaml").write_text("start: main\nnodes: [unclosed\n", encoding="utf-8")


@pytest.mark.parametrize("damage, named", [
    (drop_english_goodbye, ("en.yaml", "prompts.goodbye.noinput", "missing")),
    (break_menu_yaml, ("menu.yaml", "cannot be read")),
])
def test_broken_content_stops_the_app_naming_file_and_key(
    tmp_path: Path, make_app: Callable[..., Flask], damage: Callable[[Path], None], named: tuple[str, ...]
) -> None:
    with pytest.raises(ContentError) as error:
        make_app(CONTENT_DIR=str(broken_content(tmp_path, damage)))
    assert all(part in str(error.value) for part in named)


def test_gunicorn_refuses_to_start_on_broken_content(tmp_path: Path) -> None:
    """Started as the Procfile does: no worker boots, so the server exits and its log names the problem."""
    folder = broken_content(tmp_path, drop_english_goodbye)
    command = [sys.executable, "-m", "gunicorn", "--bind", "127.0.0.1:0", "--workers", "1",
               "ivr:create_app()"]
    env = {"PATH": "/usr/bin:/bin", "TWILIO_AUTH_TOKEN": TOKEN, "IVR_CONTENT_DIR": json.dumps(str(folder)),
           "HOME": str(tmp_path), "TMPDIR": str(tmp_path)}
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    assert f"{folder / 'en.yaml'}: key 'prompts.goodbye.noinput': missing" in done.stderr


def fault(*args: object, **kwargs: object) -> None:
    raise RuntimeError("forced fault")


def test_a_fault_while_building_an_answer_is_apologised_for(
    app: Flask, make_phone: Callable[..., Phone], monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture
) -> None:
    phone = make_phone()
    phone.dial()
    phone.press("2")  # English
    monkeypatch.setattr("ivr.answers.node", fault)
    heard = phone.press("1")
    assert [(item.verb, item.text) for item in heard] == [("say", apology("en")), ("hangup", "")]
    assert CCC_DIGITS in "".join(ch for ch in heard[0].text if ch.isdigit())
    metrics = app.extensions["ivr.metrics"].registry
    assert metrics.get_sample_value("ivr_errors_total", {"kind": "exception"}) == 1
    [line] = [record.fields for record in caplog.records
              if record.name == "ivr.requests" and record.levelname == "ERROR"]
    assert (line["fault"], line["status"], line["state"]) == ("RuntimeError", 200, "en/main:0")


def test_a_fault_before_any_language_is_apologised_for_in_french_and_english(
    app: Flask, make_phone: Callable[..., Phone], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ivr.answers.node", fault)
    heard = make_phone().dial()
    assert [(item.verb, item.text) for item in heard] == [
        ("say", apology("fr")), ("say", apology("en")), ("hangup", "")]


def test_the_fallback_url_answers_even_when_content_and_audio_fail(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("ivr.answers.farewell", fault)
    monkeypatch.setattr("ivr.voice.Speaker.add", fault)
    client = app.test_client()
    for response in (client.post("/twilio/fallback", data={"CallSid": "CA1"}),
                     client.get("/twilio/fallback")):
        assert response.status_code == 200 and response.mimetype == "text/xml"
        root = ET.fromstring(response.get_data())
        assert [(verb.tag, verb.attrib, verb.text) for verb in root] == [
            *(("Say", say_attributes(lang), apology(lang)) for lang in ("fr", "en")), ("Hangup", {}, None)]
    metrics = app.extensions["ivr.metrics"].registry
    assert metrics.get_sample_value("ivr_fallback_answers_total") == 2


def test_the_fallback_answers_even_when_metrics_fail(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ivr.metrics.current_metrics", fault)
    monkeypatch.setattr("ivr.ops.current_metrics", fault)
    response = app.test_client().post("/twilio/fallback")
    assert response.status_code == 200 and apology("fr") in response.get_data(as_text=True)


def test_the_fallback_never_plays_a_file(audio_dir: Path, make_app: Callable[..., Flask]) -> None:
    body = make_app().test_client().post("/twilio/fallback").get_data(as_text=True)
    assert "<Play" not in body and apology("fr") in body
