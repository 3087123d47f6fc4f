"""The builder: engines in preference order, incremental rebuilds, recordings first, refusals."""

from __future__ import annotations

import functools
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from ivr.audio.builder import Builder
from ivr.audio.engines import OFFLINE, PRODUCTION, Azure, EngineError, Espeak, Recorded
from ivr.audio.manifest import load, manifest_path
from ivr.audio.media import FFMPEG, AudioSegment, Segment
from ivr.content import Catalog, Language, Prompt, Tree, split_spans

from .tones import sine

TEXTS = {"welcome": "Bonjour.", "press.1": "tapez 1.", "step.done": "C'est fini."}


def catalog(texts: dict[str, str] = TEXTS, langs: tuple[str, ...] = ("fr",)) -> Catalog:
    """A small catalog: a few prompts, one of them a text message that is never spoken."""
    def prompts(code: str) -> dict[str, Prompt]:
        spoken = {key: Prompt(text, "source", spans=split_spans(text, code)) for key, text in texts.items()}
        return {**spoken, "sms.body": Prompt("Un SMS.", "source", channel="sms")}

    languages = {code: Language(code, code, 1, None, None, prompts(code), Path(f"{code}.yaml"))
                 for code in langs}
    return Catalog(tree=Tree(entry="language", start="main", help="help", nodes={}), languages=languages)


@functools.lru_cache(maxsize=256)  # segments are immutable
def tone(ms: int = 600, hz: int = 440, dbfs: float = -25.0) -> Segment:
    return AudioSegment.silent(300, frame_rate=16000) + sine(hz, 16000, ms, dbfs)


class FakeTts:
    """An engine that records its calls and answers a tone whose pitch follows the text."""

    quality = PRODUCTION

    def __init__(self, name: str = "gtts", needs_network: bool = True, fail: set[str] | None = None) -> None:
        self.name = name
        self.needs_network = needs_network
        self.fail = fail or set()
        self.calls: list[tuple[str, str]] = []
        self.texts: list[tuple[str, str, float]] = []  # language, words and rate of each call

    def unusable(self) -> str | None:
        return None

    def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
        return {"voice": f"{self.name}-{lang}", **({"rate": rate} if rate != 1.0 else {})}

    def synthesize(self, lang: str, key: str, text: str, rate: float = 1.0) -> Segment:
        self.calls.append((lang, key))
        self.texts.append((lang, text, rate))
        if key in self.fail:
            raise EngineError("the service said no")
        return tone(ms=round(600 / rate), hz=200 + 10 * len(text))


def builder(tmp_path: Path, *engines: Any, **options: Any) -> Builder:
    table = {engine.name: engine for engine in engines}
    table.setdefault("recorded", Recorded(tmp_path / "recorded"))
    order = ["recorded", *[engine.name for engine in engines]]
    return Builder(tmp_path, table, {"*": order}, jobs=1, **options)


def files(tmp_path: Path) -> set[str]:
    return {path.relative_to(tmp_path / "build").as_posix() for path in (tmp_path / "build").glob("*/*")}


def record(tmp_path: Path, lang: str, key: str, extension: str, segment: Segment) -> Path:
    """Drop a human recording in, in any format ffmpeg writes from its extension."""
    folder = tmp_path / "recorded" / lang
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / "source.wav"
    segment.export(str(source), format="wav").close()
    target = folder / f"{key}.{extension}"
    subprocess.run([FFMPEG, "-loglevel", "error", "-y", "-i", str(source), str(target)], check=True)
    source.unlink()
    return target


def test_first_build_makes_every_spoken_prompt_and_describes_it(tmp_path: Path) -> None:
    tts = FakeTts()
    tallies = builder(tmp_path, tts).build(catalog())
    assert (tallies["fr"].built, tallies["fr"].up_to_date, tallies["fr"].missing) == (3, 0, 0)
    assert sorted(tts.calls) == [("fr", "press.1"), ("fr", "step.done"), ("fr", "welcome")]
    entry = load(manifest_path(tmp_path)).get("fr", "welcome")
    assert entry is not None
    assert entry.engine == "gtts" and entry.quality == PRODUCTION and entry.text == "Bonjour."
    assert entry.file.startswith("fr/welcome.") and entry.file.endswith(".wav")
    assert entry.bytes == (tmp_path / "build" / entry.file).stat().st_size > 0
    assert 700 < entry.duration_ms < 1200
    assert load(manifest_path(tmp_path)).get("fr", "sms.body") is None


def test_rebuild_with_nothing_changed_calls_no_engine(tmp_path: Path) -> None:
    builder(tmp_path, FakeTts()).build(catalog())
    before = manifest_path(tmp_path).read_bytes()
    tts = FakeTts()
    tallies = builder(tmp_path, tts).build(catalog())
    assert tts.calls == []
    assert (tallies["fr"].built, tallies["fr"].up_to_date) == (0, 3)
    assert manifest_path(tmp_path).read_bytes() == before


def test_changing_one_prompt_rebuilds_that_prompt_alone_under_a_new_name(tmp_path: Path) -> None:
    builder(tmp_path, FakeTts()).build(catalog())
    old = load(manifest_path(tmp_path))
    tts = FakeTts()
    tallies = builder(tmp_path, tts).build(catalog({**TEXTS, "press.1": "appuyez sur 1."}))
    assert tts.calls == [("fr", "press.1")]
    assert (tallies["fr"].built, tallies["fr"].up_to_date) == (1, 2)
    new = load(manifest_path(tmp_path))
    assert new.languages["fr"]["welcome"] == old.languages["fr"]["welcome"]
    old_file, new_file = old.languages["fr"]["press.1"].file, new.languages["fr"]["press.1"].file
    assert new_file != old_file
    assert old_file not in files(tmp_path) and new_file in files(tmp_path)


def test_a_recording_wins_is_cleaned_and_a_new_take_rebuilds_only_it(tmp_path: Path) -> None:
    record(tmp_path, "fr", "welcome", "ogg", tone(900, 330, -40.0))
    tts = FakeTts()
    builder(tmp_path, tts).build(catalog())
    assert ("fr", "welcome") not in tts.calls
    entry = load(manifest_path(tmp_path)).languages["fr"]["welcome"]
    assert (entry.engine, entry.quality) == ("recorded", "human")
    # The quiet recording with 300 ms of silence came out trimmed: the padding is the cleaning's, not its own.
    assert 900 < entry.duration_ms < 1400

    record(tmp_path, "fr", "welcome", "ogg", tone(1500, 330, -40.0))
    tts = FakeTts()
    tallies = builder(tmp_path, tts).build(catalog())
    assert tts.calls == [] and tallies["fr"].built == 1
    assert load(manifest_path(tmp_path)).languages["fr"]["welcome"].duration_ms > entry.duration_ms + 400


def test_a_recording_of_an_older_text_still_plays_but_is_flagged_until_retaken(tmp_path: Path) -> None:
    record(tmp_path, "fr", "welcome", "wav", tone())
    builder(tmp_path, FakeTts()).build(catalog())
    changed = catalog({**TEXTS, "welcome": "Bonjour et bienvenue."})
    for _ in range(2):  # the rebuild, then a rebuild with nothing changed: the warning stays
        tts = FakeTts()
        tallies = builder(tmp_path, tts).build(changed)
        assert tts.calls == []
        assert tallies["fr"].problems == ["fr/welcome: recorded for an earlier text; record it again"]
        assert load(manifest_path(tmp_path)).languages["fr"]["welcome"].engine == "recorded"
    record(tmp_path, "fr", "welcome", "wav", tone(700))
    tallies = builder(tmp_path, FakeTts()).build(changed)
    assert tallies["fr"].built == 1 and tallies["fr"].problems == []


@pytest.mark.parametrize("extension", ["wav", "mp3", "m4a"])
def test_recordings_are_read_in_every_accepted_format(tmp_path: Path, extension: str) -> None:
    record(tmp_path, "fr", "welcome", extension, tone())
    builder(tmp_path, FakeTts()).build(catalog())
    assert load(manifest_path(tmp_path)).languages["fr"]["welcome"].engine == "recorded"


def test_removing_a_recording_falls_back_to_the_next_engine(tmp_path: Path) -> None:
    recording = record(tmp_path, "fr", "welcome", "wav", tone())
    builder(tmp_path, FakeTts()).build(catalog())
    recording.unlink()
    tts = FakeTts()
    builder(tmp_path, tts).build(catalog())
    assert tts.calls == [("fr", "welcome")]
    assert load(manifest_path(tmp_path)).languages["fr"]["welcome"].engine == "gtts"


def test_offline_build_never_calls_a_network_engine_and_keeps_its_files(tmp_path: Path) -> None:
    builder(tmp_path, FakeTts(), FakeTts("espeak", needs_network=False)).build(catalog())
    online, local = FakeTts(), FakeTts("espeak", needs_network=False)
    changed = catalog({**TEXTS, "welcome": "Salut."})
    tallies = builder(tmp_path, online, local, offline=True).build(changed)
    assert online.calls == []
    assert local.calls == [("fr", "welcome")]
    entries = load(manifest_path(tmp_path)).languages["fr"]
    assert entries["welcome"].engine == "espeak"
    assert entries["press.1"].engine == "gtts"  # still right: an offline build does not downgrade it
    assert "gtts (offline build)" in tallies["fr"].skipped


def test_azure_without_a_key_is_passed_over_without_a_request(tmp_path: Path) -> None:
    # No key and no region, so no endpoint either: a request could not even start.
    azure = Azure({"fa": "fa-IR-FaridNeural"}, key=None, region=None)
    local = FakeTts("espeak", needs_network=False)
    tallies = builder(tmp_path, azure, local).build(catalog(langs=("fa",)))
    assert tallies["fa"].built == 3 and tallies["fa"].engines == {"espeak": 3}
    assert tallies["fa"].skipped == {"azure (AZURE_SPEECH_KEY is not set)"} and tallies["fa"].problems == []


def test_a_failing_engine_falls_through_unless_it_is_required(tmp_path: Path) -> None:
    broken, local = FakeTts(fail={"welcome"}), FakeTts("espeak", needs_network=False)
    tallies = builder(tmp_path, broken, local).build(catalog())
    assert load(manifest_path(tmp_path)).languages["fr"]["welcome"].engine == "espeak"
    assert tallies["fr"].built == 3 and any("gtts failed" in problem for problem in tallies["fr"].problems)

    other = tmp_path / "strict"
    broken, local = FakeTts(fail={"welcome"}), FakeTts("espeak", needs_network=False)
    tallies = builder(other, broken, local, require=["gtts"]).build(catalog())
    assert ("fr", "welcome") not in local.calls
    assert (tallies["fr"].built, tallies["fr"].failed) == (2, 1)
    assert load(manifest_path(other)).get("fr", "welcome") is None
    assert not [name for name in files(other) if name.startswith("fr/welcome")]


def test_a_language_no_engine_can_speak_is_missing(tmp_path: Path) -> None:
    class NoPashto(FakeTts):
        def settings(self, lang: str, key: str, text: str, rate: float = 1.0) -> dict[str, Any] | None:
            return None if lang == "ps" else super().settings(lang, key, text, rate)

    tallies = builder(tmp_path, NoPashto()).build(catalog(langs=("fr", "ps")))
    assert (tallies["ps"].missing, tallies["ps"].failed, tallies["fr"].built) == (3, 0, 3)
    assert load(manifest_path(tmp_path)).languages["ps"] == {}


def test_unknown_engine_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown audio engine"):
        Builder(tmp_path, {"gtts": FakeTts()}, {"fr": ["gtts", "polly"]})


def test_espeak_builds_offline_in_worker_processes(tmp_path: Path) -> None:
    """The real offline engine, two prompts in two languages, through the process pool."""
    texts = {"welcome": "Bonjour.", "press.1": "un."}
    build = Builder(tmp_path, {"espeak": Espeak()}, {"*": ["espeak"]}, jobs=2, batch=2)
    tallies = build.build(catalog(texts, langs=("ar", "fr")))
    assert {code: tally.built for code, tally in tallies.items()} == {"ar": 2, "fr": 2}
    data = json.loads(manifest_path(tmp_path).read_text(encoding="utf-8"))
    entry = data["languages"]["fr"]["welcome"]
    assert entry["quality"] == OFFLINE and entry["voice"]["version"].startswith("1.52")
    assert entry["duration_ms"] > 500
