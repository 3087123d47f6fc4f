"""Words of another language in a prompt (<fr>SE CONNECTER</fr>) are spoken by that language's voice."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ivr.audio import cleaning, espeak
from ivr.audio.builder import PHONE_ENCODING, Builder
from ivr.audio.engines import OFFLINE, Espeak, Recorded
from ivr.audio.manifest import Manifest, load, manifest_path, slow_key
from ivr.audio.media import encode
from ivr.content import Catalog, Node, Tree

from .test_audio_builder import FakeTts, catalog, record, tone

ARABIC = "اضغط على <fr>SE CONNECTER</fr> في أعلى الصفحة."
PIECES = [("ar", "اضغط على"), ("fr", "SE CONNECTER"), ("ar", "في أعلى الصفحة.")]
TEXTS = {"create.3": ARABIC, "welcome": "مرحبا."}


def arabic(texts: dict[str, str] = TEXTS) -> Catalog:
    """Arabic prompts, create.3 with a French label and a step (so it has a slow take too)."""
    base = catalog(texts, langs=("ar",))
    nodes = {"create": Node("create", "steps", steps=("create.3",))}
    tree = Tree(entry="create", start="create", help="create", nodes=nodes)
    return Catalog(tree=tree, languages=base.languages)


def build(tmp_path: Path, engines: dict[str, Any], preferences: dict[str, list[str]],
          texts: Catalog | None = None, **options: Any) -> Manifest:
    table = {"recorded": Recorded(tmp_path / "recorded"), **engines}
    Builder(tmp_path, table, preferences, jobs=1, **options).build(texts or arabic())
    return load(manifest_path(tmp_path))


def test_an_arabic_prompt_speaks_its_french_label_in_the_french_voice(tmp_path: Path) -> None:
    manifest = build(tmp_path, {"espeak": Espeak()}, {"*": ["recorded", "espeak"]})
    entry = manifest.languages["ar"]["create.3"]
    assert entry.engine == "espeak+espeak+espeak" and entry.quality == OFFLINE
    assert [(span["lang"], span["text"], span["engine"], span["voice"]["voice"])
            for span in entry.voice["spans"]] == [(lang, text, "espeak", lang) for lang, text in PIECES]
    assert entry.text == ARABIC
    # The file is exactly the three pieces, each made alone by its language's voice, joined and cleaned.
    expected = cleaning.clean(cleaning.join([espeak.speak(lang, text) for lang, text in PIECES]))
    assert entry.duration_ms == len(expected)
    encode([(expected, tmp_path / "expected.wav")], PHONE_ENCODING)
    assert (tmp_path / "build" / entry.file).read_bytes() == (tmp_path / "expected.wav").read_bytes()
    # Not what the Arabic voice made of the whole text, French words included.
    whole = cleaning.clean(espeak.speak("ar", "اضغط على SE CONNECTER في أعلى الصفحة."))
    assert whole.raw_data != expected.raw_data
    assert manifest.languages["ar"]["welcome"].engine == "espeak"


def online_engines() -> tuple[FakeTts, FakeTts, dict[str, list[str]]]:
    gtts, local = FakeTts("gtts"), FakeTts("espeak", needs_network=False)
    local.quality = OFFLINE
    return gtts, local, {"ar": ["recorded", "espeak"], "fr": ["recorded", "gtts", "espeak"]}


def test_each_span_takes_the_first_engine_of_its_own_language(tmp_path: Path) -> None:
    gtts, local, preferences = online_engines()
    manifest = build(tmp_path, {"gtts": gtts, "espeak": local}, preferences)
    assert sorted(gtts.texts) == [("fr", "SE CONNECTER", 0.8), ("fr", "SE CONNECTER", 1.0)]
    assert ("ar", "اضغط على", 1.0) in local.texts and ("ar", "في أعلى الصفحة.", 0.8) in local.texts
    for key in ("create.3", slow_key("create.3")):
        entry = manifest.languages["ar"][key]
        assert entry.engine == "espeak+gtts+espeak" and entry.quality == OFFLINE  # the lowest of its spans
    slow, normal = manifest.languages["ar"][slow_key("create.3")], manifest.languages["ar"]["create.3"]
    assert slow.duration_ms > normal.duration_ms and slow.spec != normal.spec


def test_an_offline_build_keeps_the_span_gtts_spoke_until_the_text_changes(tmp_path: Path) -> None:
    gtts, local, preferences = online_engines()
    before = build(tmp_path, {"gtts": gtts, "espeak": local}, preferences)
    gtts, local, _ = online_engines()
    after = build(tmp_path, {"gtts": gtts, "espeak": local}, preferences, offline=True)
    assert gtts.calls == local.calls == []
    assert after.languages["ar"]["create.3"] == before.languages["ar"]["create.3"]

    changed = arabic({**TEXTS, "create.3": "اضغط على <fr>SE CONNECTER</fr> الآن."})
    after = build(tmp_path, {"gtts": gtts, "espeak": local}, preferences, texts=changed, offline=True)
    assert after.languages["ar"]["create.3"].engine == "espeak+espeak+espeak"
    assert ("fr", "SE CONNECTER", 1.0) in local.texts and gtts.calls == []


def test_a_required_engine_that_cannot_speak_a_span_fails_the_prompt(tmp_path: Path) -> None:
    gtts, local, preferences = online_engines()
    manifest = build(tmp_path, {"gtts": gtts, "espeak": local}, preferences, offline=True, require=["gtts"])
    assert manifest.get("ar", "create.3") is None and manifest.languages["ar"]["welcome"].engine == "espeak"


def test_a_recording_of_the_whole_prompt_wins_over_the_spans(tmp_path: Path) -> None:
    record(tmp_path, "ar", "create.3", "wav", tone(900))
    gtts, local, preferences = online_engines()
    manifest = build(tmp_path, {"gtts": gtts, "espeak": local}, preferences)
    assert manifest.languages["ar"]["create.3"].engine == "recorded"
    assert manifest.languages["ar"][slow_key("create.3")].engine == "recorded"
    assert gtts.calls == []


def test_a_span_with_no_word_is_not_spoken(tmp_path: Path) -> None:
    gtts, local, preferences = online_engines()
    manifest = build(tmp_path, {"gtts": gtts, "espeak": local}, preferences,
                     texts=arabic({"create.3": "<fr>SE CONNECTER</fr> ."}))
    assert manifest.languages["ar"]["create.3"].engine == "gtts"
    assert [lang for lang, _, _ in gtts.texts + local.texts] == ["fr", "fr"]


def test_a_prompt_without_markup_builds_as_before(tmp_path: Path) -> None:
    """The spec hash the builder gave this prompt before spans existed: no rebuild after the change."""
    manifest = build(tmp_path, {"gtts": FakeTts()}, {"*": ["recorded", "gtts"]},
                     texts=catalog({"welcome": "Bonjour."}))
    assert manifest.languages["fr"]["welcome"].spec == "78f261f6a7fb6415"
    assert manifest.languages["fr"]["welcome"].voice == {"voice": "gtts-fr"}
