"""`make content-status`: stale translations, audio per engine, SMS segments, callable or not."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.audio.index import ManifestIndex
from ivr.audio.manifest import Entry, Manifest
from ivr.content import CONTENT_DIR, Catalog, load_catalog
from ivr.voice import Voice
from scripts.content_status import language_menu_seconds, main, rows, stale_keys

CATALOG = load_catalog()


def built_everything(lang: str, folder: Path) -> ManifestIndex:
    """A manifest that has a (tiny) file for every spoken prompt of one language."""
    (folder / lang).mkdir(parents=True)
    language = CATALOG.languages[lang]
    entries = {}
    for key in language.spoken_keys():
        name = f"{lang}/{key}.0.mp3"
        (folder / name).write_bytes(b"\xff\xfb")
        entries[key] = Entry(file=name, text=language.text(key), text_hash="", spec="", engine="espeak",
                             quality="offline", voice={}, duration_ms=1000, bytes=2)
    return ManifestIndex(Manifest(languages={lang: entries}), folder)


def test_a_changed_french_prompt_makes_translations_stale(tmp_path: Path) -> None:
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    path = folder / "fr.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("Menu principal.", "Le menu principal."),
                    encoding="utf-8")
    catalog = load_catalog(folder)
    for language in catalog.languages.values():
        expected = [] if language.code == "fr" else ["main.intro"]
        assert [key for key in stale_keys(catalog, language) if key == "main.intro"] == expected


def test_a_language_without_voice_is_callable_once_all_its_audio_is_built(tmp_path: Path) -> None:
    lang = next((code for code, language in CATALOG.languages.items() if not language.say_language), None)
    if lang is None:
        pytest.skip("every language has a <Say> voice")
    empty = ManifestIndex(Manifest(), tmp_path)
    before = {row[0]: row for row in rows(CATALOG, empty, Voice(CATALOG))}
    assert before[lang][-1].startswith("no: no Twilio <Say> voice and ")
    index = built_everything(lang, tmp_path / "build")
    after = {row[0]: row for row in rows(CATALOG, index, Voice(CATALOG))}
    spoken = len(CATALOG.languages[lang].spoken_keys())
    assert after[lang][4:6] == (f"{spoken}/{spoken}", f"espeak {spoken}")
    assert after[lang][-1] == "yes: audio"


def test_language_menu_length_comes_from_the_manifest(tmp_path: Path) -> None:
    only_french = Catalog(tree=CATALOG.tree, languages={"fr": CATALOG.reference})
    empty = ManifestIndex(Manifest(), tmp_path)
    assert language_menu_seconds(only_french, empty, Voice(only_french)) is None
    index = built_everything("fr", tmp_path / "build")
    # welcome + "Pour le français," + "tapez 1.", one second each in this manifest
    assert language_menu_seconds(only_french, index, Voice(only_french)) == 3.0


def test_main_prints_one_row_per_language(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["--audio-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["lang", "prompts", "reviewed", "stale", "audio", "engines", "slow", "sms",
                              "callable"]
    assert [line.split()[0] for line in out[1 : 1 + len(CATALOG.languages)]] == [
        language.code for language in CATALOG.ordered()
    ]
