"""Golden TwiML documents, built without an app or a request: answers are pure functions."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr import build_line, config
from ivr.answers import Links, farewell, node, transfer
from ivr.audio.index import ManifestIndex
from ivr.content import load_catalog
from ivr.line import Line
from ivr.navigation import State
from ivr.voice import NoAudio, Speaker

from .test_audio_serving import build_fake_audio

FR = load_catalog().languages["fr"]
LINKS = Links(voice="/voice", audio="https://line.example.org/audio/")
HEAD = '<?xml version="1.0" encoding="UTF-8"?><Response>'


@pytest.fixture
def line(tmp_path: Path) -> Line:
    """The line as configured by default, with French only spoken by <Say> (no audio built)."""
    return build_line(config.load({"AUDIO_DIR": str(tmp_path / "audio"), "TWILIO_AUTH_TOKEN": "t"}))


def xml(text: str) -> str:
    """A URL as it stands in the XML."""
    return text.replace("&", "&amp;")


def say(key: str) -> str:
    """A French <Say> element as VoiceResponse writes it."""
    return f'<Say language="fr-FR" voice="Polly.Lea">{FR.words(key)}</Say>'


def gather(action: str) -> str:
    attributes = 'finishOnKey="" input="dtmf" method="POST" numDigits="1" timeout="6"'
    return f'<Gather action="{xml(action)}" {attributes}>'


def test_transfer_document(line: Line) -> None:
    speaker = Speaker(line.voice, NoAudio(), LINKS.audio)
    # Twilio asks the action URL how to go on once the dial ends, connected or not.
    assert transfer(line, speaker, LINKS, "fr") == (
        HEAD + say("transfer.connecting")
        + '<Dial action="/voice/fr/dialled" method="POST" timeout="30">+33806001620</Dial></Response>'
    )


def test_goodbye_document(line: Line) -> None:
    speaker = Speaker(line.voice, NoAudio(), LINKS.audio)
    assert farewell(speaker, ("fr",), "goodbye.noinput") == (
        HEAD + say("goodbye.noinput") + "<Hangup /></Response>")


def test_last_step_document(line: Line) -> None:
    speaker = Speaker(line.voice, NoAudio(), LINKS.audio)
    # The first step heard in a call: every key, and the next URL says they were told.
    action = "/voice/fr/password?step=3&told=2"
    assert node(line, speaker, LINKS, State("fr", "password", step=3)) == (
        HEAD + gather(action) + say("password.4") + say("step.done") + say("hint.previous")
        + say("hint.repeat") + say("hint.help") + f"</Gather><Redirect>{xml(action)}</Redirect></Response>"
    )


def test_a_step_after_the_keys_were_told_ends_with_a_short_cue(line: Line) -> None:
    speaker = Speaker(line.voice, NoAudio(), LINKS.audio)
    action = "/voice/fr/password?step=1&told=3"
    assert node(line, speaker, LINKS, State("fr", "password", step=1, told=3)) == (
        HEAD + gather(action) + say("password.2") + say("cue.next")
        + f"</Gather><Redirect>{xml(action)}</Redirect></Response>"
    )


def test_help_leads_with_the_transfer(line: Line) -> None:
    speaker = Speaker(line.voice, NoAudio(), LINKS.audio)
    body = node(line, speaker, LINKS, State("fr", "help", told=1), actions=frozenset({"transfer", "sms"}))
    action = "/voice/fr/help?told=1"
    assert body == (
        HEAD + gather(action) + say("help.option.transfer") + say("press.1")
        + "".join(say(key) for key in ("help.intro", "help.number", "help.number_again", "help.free",
                                      "help.form", "option.sms", "press.2"))
        + f"</Gather><Redirect>{xml(action)}</Redirect></Response>"
    )


def test_a_built_prompt_is_played_from_the_audio_base(line: Line, tmp_path: Path) -> None:
    manifest = build_fake_audio(tmp_path / "built", keys=("main.intro",))
    files = ManifestIndex.from_folder(tmp_path / "built")
    speaker = Speaker(line.voice, files, LINKS.audio)
    body = node(line, speaker, LINKS, State("fr", "main"), actions=frozenset({"transfer"}))
    played = f"<Play>https://line.example.org/audio/{manifest.languages['fr']['main.intro'].file}</Play>"
    assert body.startswith(HEAD + gather("/voice/fr/main?told=1") + played + say("main.option.about"))


def test_the_opening_language_menu_welcomes_in_french_first(line: Line) -> None:
    speaker = Speaker(line.voice, NoAudio(), LINKS.audio)
    opening = node(line, speaker, LINKS, State("fr", "language"), opening=True)
    again = node(line, speaker, LINKS, State("fr", "language"))
    assert opening.startswith(HEAD + gather("/voice/fr/language") + say("welcome") + say("language.option"))
    assert again.startswith(HEAD + gather("/voice/fr/language") + say("language.option"))


def test_a_slower_take_without_a_file_is_said_slower(line: Line) -> None:
    speaker = Speaker(line.voice, NoAudio(), LINKS.audio)
    body = node(line, speaker, LINKS, State("fr", "password", step=1, told=3, again=2))
    slower = f'<prosody rate="80%">{FR.words("password.2")}</prosody>'
    assert f'<Say language="fr-FR" voice="Polly.Lea">{slower}</Say>' in body


def test_french_words_in_another_language_keep_their_language_in_ssml(tmp_path: Path) -> None:
    # Arabic's Polly voice takes SSML: one <Say>, the French label inside <lang>.
    line = build_line(config.load({"AUDIO_DIR": str(tmp_path / "audio"), "TWILIO_AUTH_TOKEN": "t"}))
    prompt = line.catalog.languages["ar"].prompts["create.2"]
    assert len({span.lang for span in prompt.spans}) > 1
    body = farewell(Speaker(line.voice, NoAudio(), LINKS.audio), ("ar",), "create.2")
    french = next(span.text for span in prompt.spans if span.lang == "fr")
    assert f'<lang xml:lang="fr-FR">{french}</lang>' in body and body.count("<Say") == 1


def test_without_ssml_each_language_is_its_own_say(tmp_path: Path) -> None:
    # A voice that takes no SSML (here a language given only a locale): one <Say> per span, each in its
    # own language, French in French.
    line = build_line(config.load({"AUDIO_DIR": str(tmp_path / "audio"), "TWILIO_AUTH_TOKEN": "t",
                                   "SAY_VOICES": {"ti": {"language": "ti-ER"}}}))
    prompt = line.catalog.languages["ti"].prompts["create.2"]
    body = farewell(Speaker(line.voice, NoAudio(), LINKS.audio), ("ti",), "create.2")
    expected = "".join(
        f'<Say language="{"fr-FR" if span.lang == "fr" else "ti-ER"}"'
        + (' voice="Polly.Lea"' if span.lang == "fr" else "") + f">{span.text.strip()}</Say>"
        for span in prompt.spans)
    assert body == HEAD + expected + "<Hangup /></Response>"
