"""The review page: approving, editing with the loader's check first, and the YAML kept as written."""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from markupsafe import escape

from ivr.audio.manifest import load, manifest_path
from ivr.content import CONTENT_DIR, load_catalog, source_hash
from ivr.studio import yamledit

from .conftest import LANGUAGES
from .studio_support import edit_by_hand

CATALOG = load_catalog()
FRENCH = CATALOG.reference


def changed_lines(before: str, after: str) -> list[str]:
    return [line for line in difflib.ndiff(before.splitlines(), after.splitlines()) if line[:1] in "+-"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_file_comes_back_byte_for_byte_when_nothing_changes(lang: str) -> None:
    text = (CONTENT_DIR / f"{lang}.yaml").read_text(encoding="utf-8")
    assert yamledit.dump(yamledit._yaml().load(text)) == text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_page_lists_every_prompt_with_its_french_source(viewer: FlaskClient, lang: str) -> None:
    page = viewer.get(f"/review/{lang}").get_data(as_text=True)
    for key in CATALOG.languages[lang].prompts:
        assert f'id="p-{key}"' in page
    if lang != "fr":
        assert "Approve" in page
        assert str(escape(FRENCH.prompts["welcome"].text)) in page  # as Jinja writes it


def test_the_page_shows_the_current_audio_its_engine_and_quality(viewer: FlaskClient) -> None:
    page = viewer.get("/review/fr").get_data(as_text=True)
    row = page[page.index('id="p-main.intro"'):page.index('id="p-main.option.about"')]
    assert '<audio controls preload="none" src="/audio/fr/main.intro.' in row
    assert "espeak · offline" in row


def test_approving_marks_the_prompt_native_for_the_current_french(studio_client: FlaskClient,
                                                                  studio_dirs: tuple[Path, Path]) -> None:
    path = studio_dirs[0] / "ti.yaml"
    before = path.read_text(encoding="utf-8")
    text = CATALOG.languages["ti"].text("main.intro")
    response = studio_client.post("/review/ti/main.intro", data={"text": text, "do": "approve"})
    assert response.status_code == 302 and response.headers["Location"] == "/review/ti?show=all#p-main.intro"
    after = path.read_text(encoding="utf-8")
    # The Tigrinya was translated from today's French: only its review state changes.
    assert CATALOG.languages["ti"].prompts["main.intro"].source == source_hash(FRENCH.text("main.intro"))
    assert changed_lines(before, after) == ["-     review: machine", "+     review: native"]
    assert after.startswith("# Tigrinya — machine translation of fr.yaml")
    prompt = load_catalog(studio_dirs[0]).languages["ti"].prompts["main.intro"]
    assert (prompt.review, prompt.source) == ("native", source_hash(FRENCH.text("main.intro")))
    assert "main.intro: approved." in studio_client.get("/review/ti").get_data(as_text=True)


def test_approving_a_stale_prompt_gives_it_the_new_french_hash(studio_client: FlaskClient,
                                                               studio_dirs: tuple[Path, Path]) -> None:
    studio_client.post("/review/fr/main.intro", data={"text": "Le menu principal."})
    page = studio_client.get("/review/en?show=stale").get_data(as_text=True)
    assert 'id="p-main.intro"' in page and "stale: the French changed" in page
    studio_client.post("/review/en/main.intro", data={"text": "The main menu.", "do": "approve"})
    prompt = load_catalog(studio_dirs[0]).languages["en"].prompts["main.intro"]
    assert (prompt.text, prompt.review, prompt.source) == ("The main menu.", "native",
                                                           source_hash("Le menu principal."))
    assert 'id="p-main.intro"' not in studio_client.get("/review/en?show=stale").get_data(as_text=True)


def test_a_prompt_without_review_or_source_gets_them_after_its_text(tmp_path: Path) -> None:
    path = tmp_path / "xx.yaml"
    path.write_text("language: xx\nprompts:\n  a: {text: \"Un.\"}  # short\n  b:\n    text: \"Deux.\"\n",
                    encoding="utf-8")
    assert yamledit.changed(path, "b", approve=True, french="Deux.") == (
        "language: xx\nprompts:\n  a: {text: \"Un.\"}  # short\n  b:\n    text: \"Deux.\"\n"
        f"    review: native\n    source: {source_hash('Deux.')}\n")
    # A comment keeps its column, so a longer text leaves it closer.
    assert yamledit.changed(path, "a", text="Un !\ndeux") == (
        "language: xx\nprompts:\n  a: {text: \"Un ! deux\"} # short\n  b:\n    text: \"Deux.\"\n")


def test_editing_saves_the_text_and_rebuilds_only_that_prompt(studio_client: FlaskClient,
                                                              studio_dirs: tuple[Path, Path]) -> None:
    content, audio = studio_dirs
    before = load(manifest_path(audio)).languages["fr"]
    response = studio_client.post("/review/fr/main.intro", data={"text": "Voici le menu principal.",
                                                                 "do": "save"})
    assert response.status_code == 302
    assert load_catalog(content).reference.text("main.intro") == "Voici le menu principal."
    after = load(manifest_path(audio)).languages["fr"]
    assert after["main.intro"].text == "Voici le menu principal."
    assert after["main.intro"].file != before["main.intro"].file
    assert {key for key in after if after[key] != before[key]} == {"main.intro"}
    assert (audio / "build" / after["main.intro"].file).is_file()
    assert not (audio / "build" / before["main.intro"].file).exists()
    flashed = studio_client.get("/review/fr").get_data(as_text=True)
    assert "main.intro: saved. Its audio was rebuilt (espeak" in flashed


def test_an_edit_that_would_stop_the_app_is_refused_with_the_loaders_message(
        studio_client: FlaskClient, studio_dirs: tuple[Path, Path]) -> None:
    path = studio_dirs[0] / "ar.yaml"
    before = path.read_text(encoding="utf-8")
    response = studio_client.post("/review/ar/welcome", data={"text": "<fr>SE CONNECTER", "do": "save"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    expected = f"{path}: key &#39;prompts.welcome.text&#39;: has a language tag that is not closed"
    assert expected in page
    assert "&lt;fr&gt;SE CONNECTER</textarea>" in page  # what was typed is kept, to be corrected
    assert path.read_text(encoding="utf-8") == before


@pytest.mark.parametrize(("text", "problem"), [
    ("   ", "has no text"), ("<xx>mot</xx>", "marks a span in 'xx', which has no content file")])
def test_other_broken_edits_are_refused(studio_client: FlaskClient, studio_dirs: tuple[Path, Path],
                                        text: str, problem: str) -> None:
    response = studio_client.post("/review/ru/welcome", data={"text": text})
    assert response.status_code == 422
    assert problem.replace("'", "&#39;") in response.get_data(as_text=True)
    assert (studio_dirs[0] / "ru.yaml").read_text(encoding="utf-8") == (CONTENT_DIR / "ru.yaml").read_text(
        encoding="utf-8")


def test_french_cannot_be_approved(viewer: FlaskClient) -> None:
    response = viewer.post("/review/fr/welcome", data={"do": "approve"})
    assert response.status_code == 422
    assert "French is the source text" in response.get_data(as_text=True)


def test_nothing_to_change_writes_nothing(studio_client: FlaskClient, studio_dirs: tuple[Path, Path]) -> None:
    path = studio_dirs[0] / "uk.yaml"
    before = path.stat().st_mtime_ns
    studio_client.post("/review/uk/welcome", data={"text": CATALOG.languages["uk"].text("welcome") + "\n"})
    assert path.stat().st_mtime_ns == before
    assert "welcome: nothing changed." in studio_client.get("/review/uk").get_data(as_text=True)


@pytest.mark.parametrize("url", ["/review/ti/nothing.here", "/review/xx/welcome", "/review/ti/..%2Fti"])
def test_unknown_prompts_and_languages_are_404(viewer: FlaskClient, url: str) -> None:
    assert viewer.post(url, data={"text": "x"}).status_code == 404


def test_a_hand_broken_file_shows_the_loaders_message(studio_client: FlaskClient,
                                                      studio_dirs: tuple[Path, Path]) -> None:
    edit_by_hand(studio_dirs[0] / "ps.yaml", "language: ps", "language: pt")
    response = studio_client.get("/review/fr")
    assert response.status_code == 503
    message = "key 'language': says 'pt' but the file is named 'ps'".replace("'", "&#39;")
    assert message in response.get_data(as_text=True)


def test_an_edit_no_engine_can_speak_offline_says_why(make_studio: Callable[..., Flask]) -> None:
    client = make_studio(AUDIO_ENGINES={"ps": ["recorded", "azure"], "*": ["recorded"]}).test_client()
    client.post("/review/ps/main.intro", data={"text": "مینو"})
    assert ("main.intro: saved. No audio could be made for it offline: passed over azure (offline build)"
            in client.get("/review/ps").get_data(as_text=True))
