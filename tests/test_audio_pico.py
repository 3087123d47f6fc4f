"""SVOX Pico, the real library in vendor/pico (make setup fetches it): voices, rate, determinism, fallback."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.audio import pico
from ivr.audio.builder import Builder
from ivr.audio.engines import OFFLINE, EngineError, Espeak
from ivr.audio.manifest import load, manifest_path
from ivr.audio.pico import Pico, pico_text

from .test_audio_builder import catalog

SENTENCES = {
    "fr": "Bonjour. Cette ligne explique comment créer votre compte. Pour continuer, tapez 1.",
    "en": "Hello. This line explains how to create your account. To continue, press 1.",
}
NOT_FETCHED = "vendor/pico is missing or broken: run make setup, which fetches SVOX Pico from Debian"


@pytest.fixture(scope="module")
def engine() -> Pico:
    """The engine on the vendored library; these tests are about the real thing, so no vendor folder fails."""
    engine = Pico()
    assert engine.unusable() is None, f"{NOT_FETCHED} ({engine.unusable()})"
    return engine


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_pico_speaks(engine: Pico, lang: str) -> None:
    audio = engine.synthesize(lang, "welcome", SENTENCES[lang])
    assert audio.frame_rate == 16000 and audio.channels == 1 and audio.sample_width == 2
    # About 80 characters: several seconds of speech, not a blip and not a minute.
    assert 3.0 < audio.duration_seconds < 10.0
    assert audio.max_dBFS > -12


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_settings_name_voice_files_and_rate(engine: Pico, lang: str) -> None:
    settings = engine.settings(lang, "welcome", SENTENCES[lang])
    assert settings is not None
    assert settings["voice"] == {"fr": "fr-FR", "en": "en-GB"}[lang]
    assert len(settings["files"]) == 12 and settings["rate"] == 1.0
    slow = engine.settings(lang, "welcome", SENTENCES[lang], rate=0.8)
    assert slow == {**settings, "rate": 0.8}


@pytest.mark.parametrize("lang", ["ar", "ru", "ti", "xx"])
def test_languages_pico_lacks(engine: Pico, lang: str) -> None:
    assert engine.settings(lang, "welcome", "x") is None
    with pytest.raises(EngineError, match="no voice"):
        engine.synthesize(lang, "welcome", "x")


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_slow_take_is_longer(engine: Pico, lang: str) -> None:
    normal = engine.synthesize(lang, "welcome", SENTENCES[lang])
    slow = engine.synthesize(lang, "welcome", SENTENCES[lang], rate=0.8)
    assert slow.duration_seconds > 1.15 * normal.duration_seconds


def test_same_text_same_bytes_whatever_came_before(engine: Pico) -> None:
    first = engine.synthesize("fr", "welcome", SENTENCES["fr"]).raw_data
    engine.synthesize("en", "welcome", SENTENCES["en"])
    engine.synthesize("fr", "other", "Une tout autre phrase, dite lentement, avec 0 8 0 6.", rate=0.8)
    engine.synthesize("fr", "cut", "Coupée au milieu d'un mot qui n")
    assert engine.synthesize("fr", "welcome", SENTENCES["fr"]).raw_data == first
    pico._voices.clear()  # a fresh voice, as in a new build process
    assert engine.synthesize("fr", "welcome", SENTENCES["fr"]).raw_data == first


def test_markup_never_reaches_pico() -> None:
    assert pico_text("Cliquez sur <fr>SE CONNECTER</fr> > ici", 1.0) == "Cliquez sur SE CONNECTER   ici"
    assert pico_text("Tapez 1.", 0.8) == '<speed level="80">Tapez 1.</speed>'


def test_builds_offline_audio_with_pico(engine: Pico, tmp_path: Path) -> None:
    engines = {"pico": engine, "espeak": Espeak()}
    tallies = Builder(tmp_path, engines, {"fr": ["pico", "espeak"]}, offline=True, jobs=1).build(
        catalog({"welcome": SENTENCES["fr"]}))
    assert tallies["fr"].built == 1 and tallies["fr"].engines == {"pico": 1}
    entry = load(manifest_path(tmp_path)).languages["fr"]["welcome"]
    assert (entry.engine, entry.quality, entry.voice["voice"]) == ("pico", OFFLINE, "fr-FR")


def test_without_the_vendor_folder_pico_is_unusable_and_espeak_speaks(tmp_path: Path) -> None:
    missing = Pico(tmp_path / "no-pico-here")
    reason = missing.unusable()
    assert reason is not None and "make setup" in reason
    with pytest.raises(EngineError):
        missing.synthesize("fr", "welcome", "Bonjour.")
    engines = {"pico": missing, "espeak": Espeak()}
    tallies = Builder(tmp_path, engines, {"fr": ["pico", "espeak"]}, offline=True, jobs=1).build(
        catalog({"welcome": "Bonjour."}))
    assert tallies["fr"].built == 1 and tallies["fr"].engines == {"espeak": 1}
    assert tallies["fr"].skipped == {f"pico ({reason})"}


def test_a_library_that_does_not_load_is_a_reason_not_a_crash(engine: Pico, tmp_path: Path) -> None:
    broken = tmp_path / "root"
    shutil.copytree(engine.root, broken, symlinks=True)
    library = pico.library_path(broken)
    assert library is not None
    library.resolve().write_bytes(b"not a shared library")
    reason = Pico(broken).unusable()
    assert reason is not None and "does not load" in reason
