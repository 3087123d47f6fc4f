"""What the caller hears, shortened: keys said once, help that leads with a person, a returning caller's
short way back, a slower take on asking twice. Whole calls through the terminal phone's client code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask

from ivr.audio.manifest import slow_key
from ivr.content import Catalog, load_catalog
from ivr.phone import Heard, Phone

from .conftest import LANGUAGES
from .test_audio_serving import build_fake_audio

CATALOG: Catalog = load_catalog()
TREE = CATALOG.tree
FULL_STEP_KEYS = ("step.next", "hint.back", "hint.repeat", "hint.help")


def said(heard: list[Heard]) -> list[str]:
    return [item.text for item in heard if item.verb == "say"]


def prompt(lang: str, key: str) -> str:
    return CATALOG.languages[lang].words(key)


def keys_heard(lang: str, heard: list[Heard]) -> list[str]:
    """Which prompt keys were said, by their words (each prompt's words are unique in a language)."""
    by_text = {language_prompt.plain: key for key, language_prompt in CATALOG.languages[lang].prompts.items()}
    return [by_text.get(text, "?") for text in said(heard)]


def language_key(app: Flask, lang: str) -> str:
    return str([language.code for language in app.extensions["ivr"].languages].index(lang) + 1)


@pytest.fixture
def start(app: Flask, make_phone: Callable[..., Phone]) -> Callable[..., tuple[Phone, list[Heard]]]:
    """A first call that chose a language; returns the phone and what the main menu said."""

    def call(lang: str = "fr", **phone: str) -> tuple[Phone, list[Heard]]:
        caller = make_phone(**phone)
        caller.dial()
        return caller, caller.press(language_key(app, lang))

    return call


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_keys_are_said_in_full_once_then_a_short_cue(
        start: Callable[..., tuple[Phone, list[Heard]]], lang: str) -> None:
    phone, main = start(lang)
    assert keys_heard(lang, main)[-3:] == ["hint.repeat", "hint.back", "hint.help"]  # the first menu
    first = keys_heard(lang, phone.press("2"))
    assert first == ["create.1", *FULL_STEP_KEYS]
    second = keys_heard(lang, phone.press("1"))
    assert second == ["create.2", "cue.next"]
    phone.press("0")
    menu_again = keys_heard(lang, phone.press("*"))  # back from help to the step: the cue only
    assert menu_again == ["create.2", "cue.next"]


def test_a_silence_or_a_wrong_key_brings_the_full_keys_back(
        start: Callable[..., tuple[Phone, list[Heard]]]) -> None:
    phone, _ = start()
    phone.press("2")
    phone.press("1")
    assert keys_heard("fr", phone.press(""))[1:] == ["step.next", "hint.previous", "hint.repeat", "hint.help"]
    assert keys_heard("fr", phone.press("7"))[0] == "notice.wrong"
    assert "hint.help" in keys_heard("fr", phone.heard[-6:])


def test_later_menus_say_their_options_without_the_keys(
        start: Callable[..., tuple[Phone, list[Heard]]]) -> None:
    phone, _ = start()
    after = keys_heard("fr", phone.press("3"))
    assert after == ["after.intro", "after.option.follow", "press.1", "after.option.document", "press.2"]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_help_offers_a_person_first(start: Callable[..., tuple[Phone, list[Heard]]], lang: str) -> None:
    phone, _ = start(lang)
    heard = keys_heard(lang, phone.press("0"))
    assert heard[:2] == ["help.option.transfer", "press.1"]
    assert heard.index("help.number") < heard.index("help.number_again") < heard.index("help.free")
    assert [item.text for item in phone.press("1") if item.verb == "dial"] == ["+33806001620"]


def test_without_transfers_help_starts_with_the_centre_and_its_number(
        make_app: Callable[..., Flask], make_phone: Callable[..., Phone]) -> None:
    phone = make_phone(make_app(TRANSFERS_ENABLED=False))
    phone.dial()
    phone.press("1")
    assert keys_heard("fr", phone.press("0"))[:2] == ["help.intro", "help.number"]


def test_repeat_twice_plays_the_slower_take(make_app: Callable[..., Flask], make_phone: Callable[..., Phone],
                                            tmp_path: Path) -> None:
    manifest = build_fake_audio(tmp_path / "audio", keys=("create.1", slow_key("create.1"), "create.2"))
    files = {key: f"http://localhost/audio/{entry.file}" for key, entry in manifest.languages["fr"].items()}
    phone = make_phone(make_app())
    phone.dial()
    phone.press("1")
    played = [[item.url for item in phone.press(key) if item.verb == "play"][0] for key in "299"]
    assert played == [files["create.1"], files["create.1"], files[slow_key("create.1")]]
    assert [item.url for item in phone.press("9") if item.verb == "play"][0] == files[slow_key("create.1")]
    assert [item.url for item in phone.press("1") if item.verb == "play"][0] == files["create.2"]


# --- Returning callers -------------------------------------------------------------------------------


def hang_up_at(app: Flask, make_phone: Callable[..., Phone], lang: str, steps: int,
               caller: str = "+33612345678") -> None:
    """A call that chose a language, went into creating the account and listened to `steps` more steps."""
    phone = make_phone(app, caller=caller)
    phone.dial()
    phone.press(language_key(app, lang))
    phone.press("2")
    for _ in range(steps):
        phone.press("1")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_returning_caller_is_offered_the_step_they_left(
        app: Flask, make_phone: Callable[..., Phone], lang: str) -> None:
    hang_up_at(app, make_phone, lang, steps=5)
    again = make_phone(app)
    heard = keys_heard(lang, again.dial())
    assert heard[:2] == ["resume.create", "press.1"]  # in their language, before anything else
    assert "resume.language" in heard and "welcome" not in heard
    assert keys_heard(lang, again.press("1"))[0] == "create.6"


def test_a_returning_caller_can_choose_another_language(app: Flask, make_phone: Callable[..., Phone]) -> None:
    hang_up_at(app, make_phone, "en", steps=2)
    again = make_phone(app)
    again.dial()
    assert said(again.press("*"))[0] == prompt("fr", "language.option")


def test_silence_on_the_returning_menu_leads_to_the_choice_of_language(
        app: Flask, make_phone: Callable[..., Phone]) -> None:
    hang_up_at(app, make_phone, "en", steps=2)
    again = make_phone(app)
    again.dial()
    heard = said(again.press(""))
    assert heard[:2] == [prompt("fr", "notice.noinput"), prompt("en", "notice.noinput")]
    assert prompt("fr", "language.option") in heard


def test_a_caller_last_heard_in_a_menu_goes_straight_to_it_in_their_language(
        app: Flask, make_phone: Callable[..., Phone]) -> None:
    phone = make_phone(app)
    phone.dial()
    phone.press(language_key(app, "ru"))
    phone.press("9")  # hears the main menu again, then hangs up
    heard = keys_heard("ru", make_phone(app).dial())
    assert heard[:2] == ["resume.language", "main.intro"]


def test_withheld_and_malformed_numbers_get_the_first_call(
        app: Flask, make_phone: Callable[..., Phone]) -> None:
    for caller in ("+266696687", "anonymous", "client:alice", ""):
        hang_up_at(app, make_phone, "en", steps=3, caller=caller)
        heard = make_phone(app, caller=caller).dial()
        assert said(heard)[0] == prompt("fr", "welcome"), caller


def test_another_number_is_a_first_call(app: Flask, make_phone: Callable[..., Phone]) -> None:
    hang_up_at(app, make_phone, "en", steps=3)
    assert said(make_phone(app, caller="+33798765432").dial())[0] == prompt("fr", "welcome")


def test_switched_off_nothing_is_kept(
        make_app: Callable[..., Flask], make_phone: Callable[..., Phone]) -> None:
    app = make_app(REMEMBER_CALLERS=False)
    hang_up_at(app, make_phone, "en", steps=3)
    assert said(make_phone(app).dial())[0] == prompt("fr", "welcome")
    assert app.extensions["ivr"].returning is None
