"""Whole calls through the terminal phone's client code, in every language on disk."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask import Flask

from ivr.content import Catalog, load_catalog
from ivr.phone import Heard, Phone

from .conftest import LANGUAGES

CATALOG: Catalog = load_catalog()
TREE = CATALOG.tree
CCC_DIGITS = "0806001620"


def texts(heard: list[Heard]) -> list[str]:
    """The words said, in order."""
    return [item.text for item in heard if item.verb == "say"]


def prompt(lang: str, key: str) -> str:
    """A prompt's words, as the content says them."""
    return CATALOG.languages[lang].words(key)


def language_key(app: Flask, lang: str) -> str:
    """The key that picks a language on the language menu."""
    codes = [language.code for language in app.extensions["ivr"].languages]
    return str(codes.index(lang) + 1)


def keys_to(node: str) -> list[str]:
    """Keys from the main menu to the first step of a node, following the tree."""
    path: list[str] = []
    while node != TREE.start:
        parent = TREE.nodes[TREE.nodes[node].parent or TREE.start]
        if parent.then == node:
            path[:0] = ["1"] * len(parent.steps)  # walk every step of the parent, then continue
        else:
            index = [option.go for option in parent.options].index(node)
            path.insert(0, str(index + 1))
        node = parent.name
    return path


def ancestors(node: str) -> list[str]:
    """The nodes above one, up to the main menu."""
    above = []
    while (parent := TREE.nodes[node].parent) is not None and node != TREE.start:
        above.append(parent)
        node = parent
    return above


def every_state() -> list[tuple[str, int]]:
    """Every (node, step) a caller can stand in."""
    return [(name, step) for name, node in TREE.nodes.items() for step in range(max(len(node.steps), 1))
            if name not in (TREE.entry, TREE.resume, TREE.unanswered)]  # reached from the main menu


@pytest.fixture
def call_in(app: Flask, make_phone: Callable[..., Phone]) -> Callable[[str], Phone]:
    """A call that has chosen a language and stands at the main menu."""

    def start(lang: str) -> Phone:
        phone = make_phone()
        phone.dial()
        heard = phone.press(language_key(app, lang))
        assert texts(heard)[0] == prompt(lang, "main.intro")
        return phone

    return start


def go_to(phone: Phone, node: str, step: int) -> list[Heard]:
    """Walk from the main menu to a state; returns what was heard on arrival."""
    heard: list[Heard] = []
    for key in keys_to(node) + ["1"] * step or ["9"]:  # at the main menu already: hear it again
        heard = phone.press(key)
    return heard


def test_welcome_offers_each_language_in_its_own_words(app: Flask, phone: Phone) -> None:
    heard = phone.dial()
    said = texts(heard)
    assert said[0] == prompt("fr", "welcome")
    for number, language in enumerate(app.extensions["ivr"].languages, start=1):
        option = said.index(prompt(language.code, "language.option"))
        assert said[option + 1] == prompt(language.code, f"press.{number}")
    assert phone.pending is not None and phone.pending.action == "http://localhost/voice/fr/language"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_main_menu_numbers_topics_one_to_n(call_in: Callable[[str], Phone], lang: str) -> None:
    phone = call_in(lang)
    phone.press("9")  # repeat: the menu again, from the start
    said = texts(phone.heard[-20:])
    main = TREE.nodes["main"]
    topics = [option for option in main.options if option.go]  # actions (SMS) depend on the call
    for number, option in enumerate(topics, start=1):
        label = said.index(prompt(lang, option.label))
        assert said[label + 1] == prompt(lang, f"press.{number}")
    assert 1 <= len(topics) <= 5
    assert phone.pending is not None and phone.pending.action == f"http://localhost/voice/{lang}/main?told=1"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("node", [name for name, node in TREE.nodes.items() if node.kind == "steps"])
def test_every_step_is_reached_in_order(call_in: Callable[[str], Phone], lang: str, node: str) -> None:
    phone = call_in(lang)
    steps = TREE.nodes[node].steps
    heard = go_to(phone, node, 0)
    walked = any(TREE.nodes[above].kind == "steps" for above in ancestors(node))  # heard steps on the way
    for index, key in enumerate(steps):
        assert texts(heard)[0] == prompt(lang, key)
        if index < len(steps) - 1:
            # Every key at the first step of the call, then only how to go on (ivr/answers.py).
            first = index == 0 and not walked
            assert prompt(lang, "step.next" if first else "cue.next") in texts(heard)
            heard = phone.press("1" if index % 2 == 0 else "#")  # '#' is next too (ISO/IEC 13714)
    assert prompt(lang, "step.continue" if TREE.nodes[node].then else "step.done") in texts(heard)


@pytest.mark.parametrize("state", every_state(), ids=lambda s: f"{s[0]}-{s[1]}")
def test_zero_reaches_the_ccc_transfer_with_one_more_key(
    call_in: Callable[[str], Phone], state: tuple[str, int]
) -> None:
    phone = call_in("fr")
    go_to(phone, *state)
    help_heard = texts(phone.press("0"))
    assert prompt("fr", "help.number") in help_heard
    assert prompt("fr", "help.number_again") in help_heard
    heard = phone.press("1")
    assert [item.text for item in heard if item.verb == "dial"] == ["+33806001620"]
    assert phone.ended


@pytest.mark.parametrize("state", every_state(), ids=lambda s: f"{s[0]}-{s[1]}")
def test_star_from_help_returns_where_the_caller_was(
    call_in: Callable[[str], Phone], state: tuple[str, int]
) -> None:
    phone = call_in("en" if "en" in LANGUAGES else "fr")
    arrived = texts(go_to(phone, *state))[0]
    phone.press("0")
    expected = CATALOG.languages[phone_lang(phone)].words("main.intro") if state[0] == TREE.help else arrived
    assert texts(phone.press("*"))[0] == expected


def phone_lang(phone: Phone) -> str:
    """The language a call is in, read from its pending Gather action."""
    assert phone.pending is not None
    return phone.pending.action.split("/")[4]


def test_zero_on_the_language_menu_gives_help_in_french(phone: Phone) -> None:
    phone.dial()
    heard = texts(phone.press("0"))
    assert prompt("fr", "help.number") in heard


@pytest.mark.parametrize(
    ("node", "step", "expected"),
    [
        ("about", 3, "about.3"),  # previous step
        ("about", 0, "main.intro"),  # first step: back to the menu
        ("create_path", 0, "create.9"),  # after the steps: back to their last step
        ("create_card", 0, "create_path.intro"),
        ("follow", 0, "after.intro"),
        ("after", 0, "main.intro"),
    ],
)
def test_star_goes_back_one_level(
    call_in: Callable[[str], Phone], node: str, step: int, expected: str
) -> None:
    phone = call_in("fr")
    go_to(phone, node, step)
    assert texts(phone.press("*"))[0] == prompt("fr", expected)


def test_star_on_the_main_menu_returns_to_the_language_choice(call_in: Callable[[str], Phone]) -> None:
    phone = call_in("fr")
    said = texts(phone.press("*"))
    assert said[0] == prompt("fr", "language.option")


def test_last_step_leads_back_to_its_menu(call_in: Callable[[str], Phone]) -> None:
    phone = call_in("fr")
    go_to(phone, "password", len(TREE.nodes["password"].steps) - 1)
    assert texts(phone.press("1"))[0] == prompt("fr", "main.intro")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_silence_reprompts_twice_then_ends_with_the_ccc_number(
    call_in: Callable[[str], Phone], lang: str
) -> None:
    phone = call_in(lang)
    for _ in range(2):
        said = texts(phone.press(""))
        assert said[0] == prompt(lang, "notice.noinput")
        assert said[1:3] == [prompt(lang, "main.option.about"), prompt(lang, "press.1")]
    heard = phone.press("")
    assert texts(heard) == [prompt(lang, "goodbye.noinput")]
    assert CCC_DIGITS in "".join(ch for ch in texts(heard)[0] if ch.isdigit())
    assert phone.ended


def test_silence_on_the_language_menu_ends_in_the_fallback_languages(app: Flask, phone: Phone) -> None:
    phone.dial()
    assert texts(phone.press(""))[0] == prompt("fr", "notice.noinput")
    phone.press("")
    said = texts(phone.press(""))
    fallback = app.extensions["ivr"].fallback
    assert said == [prompt(lang, "goodbye.noinput") for lang in fallback]
    assert phone.ended


def test_a_key_in_a_step_resets_the_silence_count(call_in: Callable[[str], Phone]) -> None:
    phone = call_in("fr")
    phone.press("1")
    phone.press("")
    phone.press("")
    phone.press("9")  # repeat: a key, so the caller gets two more silences
    assert texts(phone.press(""))[0] == prompt("fr", "notice.noinput")
    assert not phone.ended


def test_silence_in_a_step_says_which_key_to_press(call_in: Callable[[str], Phone]) -> None:
    phone = call_in("fr")
    phone.press("2")
    said = texts(phone.press(""))
    assert said[:2] == [prompt("fr", "notice.noinput"), prompt("fr", "step.next")]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_wrong_keys_are_named_then_help_is_offered(call_in: Callable[[str], Phone], lang: str) -> None:
    phone = call_in(lang)
    for _ in range(2):
        said = texts(phone.press("7"))
        assert said[:3] == [
            prompt(lang, "notice.wrong"),
            prompt(lang, "main.option.about"),
            prompt(lang, "press.1"),
        ]
    assert texts(phone.press("8"))[0] == prompt(lang, "notice.offer_help")
    assert prompt(lang, "help.number") in texts(phone.press("0"))


def test_wrong_key_in_steps_replays_the_keys_not_the_step(call_in: Callable[[str], Phone]) -> None:
    phone = call_in("fr")
    phone.press("4")
    said = texts(phone.press("5"))
    assert said[:2] == [prompt("fr", "notice.wrong"), prompt("fr", "step.next")]
    assert prompt("fr", "password.1") not in said


def test_transfer_dials_the_configured_number(
    make_app: Callable[..., Flask], make_phone: Callable[..., Phone]
) -> None:
    app = make_app(CCC_NUMBER="+33100000001")
    phone = make_phone(app)
    phone.dial()
    phone.press("1")
    phone.press("5")
    heard = phone.press("1")
    assert [(item.verb, item.text) for item in heard] == [
        ("say", prompt("fr", "transfer.connecting")),
        ("dial", "+33100000001"),
        ("say", prompt("fr", "transfer.ended")),
        ("hangup", ""),
    ]


def test_transfers_switched_off_leave_the_number_and_no_option(
    make_app: Callable[..., Flask], make_phone: Callable[..., Phone]
) -> None:
    phone = make_phone(make_app(TRANSFERS_ENABLED=False))
    phone.dial()
    phone.press("1")
    said = texts(phone.press("0"))
    assert prompt("fr", "help.option.transfer") not in said
    assert prompt("fr", "help.number") in said
    assert texts(phone.press("1"))[0] == prompt("fr", "notice.wrong")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_an_unexpected_fault_is_apologised_for_in_the_callers_language(
    app: Flask,
    call_in: Callable[[str], Phone],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    lang: str,
) -> None:
    phone = call_in(lang)

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("forced fault")

    monkeypatch.setattr("ivr.calls.press", explode)
    heard = phone.press("1")
    assert [(item.verb, item.text) for item in heard] == [
        ("say", prompt(lang, "error.apology")),
        ("hangup", ""),
    ]
    assert CCC_DIGITS in "".join(ch for ch in heard[0].text if ch.isdigit())
    assert "forced fault" in caplog.text
    assert "+33612345678" not in caplog.text


def test_unknown_language_or_node_is_a_clean_404(app: Flask, make_phone: Callable[..., Phone]) -> None:
    for url in ("http://localhost/voice/xx/main", "http://localhost/voice/fr/nowhere"):
        phone = make_phone()
        phone.url = url
        with pytest.raises(Exception, match="HTTP 404"):
            phone.dial()


def test_the_callers_number_is_masked_in_logs(phone: Phone, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("INFO")
    phone.dial()
    assert "+33612345678" not in caplog.text
    callers = [record.fields["caller"] for record in caplog.records if hasattr(record, "fields")]
    assert callers == ["+336******78"]


def test_the_language_menu_offers_exactly_the_callable_languages(
    make_app: Callable[..., Flask], make_phone: Callable[..., Phone]
) -> None:
    app = make_app(SAY_VOICES={})  # no test voices: only what the content files and (absent) audio allow
    said = texts(make_phone(app).dial())
    speakable = [language for language in CATALOG.ordered() if language.say_language]
    offered = [language.code for language in app.extensions["ivr"].languages]
    assert offered == [language.code for language in speakable]
    for number, language in enumerate(speakable, start=1):
        assert said[said.index(language.words("language.option")) + 1] == language.words(f"press.{number}")
    for language in CATALOG.languages.values():
        if not language.say_language:
            assert language.words("language.option") not in said
