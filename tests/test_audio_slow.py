"""The slow take of every step prompt: made by each engine's own slow mode, listed under slow_key(key)."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import responses

from ivr.audio import cleaning
from ivr.audio.batch import spec_hash
from ivr.audio.builder import PHONE_ENCODING, Builder, step_keys
from ivr.audio.engines import Azure, Espeak, Gtts, Recorded
from ivr.audio.index import ManifestIndex
from ivr.audio.manifest import Entry, Manifest, load, manifest_path, slow_key
from ivr.audio.media import Segment, audioop, decode
from ivr.content import Catalog, Node, Tree, load_catalog
from ivr.voice import Voice
from scripts.content_status import COLUMNS, rows

from .test_audio_builder import FakeTts, catalog, record, tone
from .test_audio_engines import GOOGLE, batchexecute, speech_like_mp3

STEPS = {"about.1": "Première étape.", "about.2": "Deuxième étape, un peu plus longue que la première."}
PADDING_MS = cleaning.LEAD_IN_MS + cleaning.LEAD_OUT_MS + 2 * cleaning.ONSET_MARGIN_MS


def steps_catalog(langs: tuple[str, ...] = ("fr",)) -> Catalog:
    """Two step prompts in a steps node, and one prompt that is not a step."""
    base = catalog({"welcome": "Bonjour.", **STEPS}, langs)
    nodes = {"about": Node("about", "steps", steps=tuple(STEPS))}
    tree = Tree(entry="about", start="about", help="about", nodes=nodes)
    return Catalog(tree=tree, languages=base.languages)


def build(tmp_path: Path, *engines: Any, texts: Catalog | None = None) -> Manifest:
    table = {"recorded": Recorded(tmp_path / "recorded"), **{engine.name: engine for engine in engines}}
    Builder(tmp_path, table, {"*": list(table)}, jobs=1).build(texts or steps_catalog())
    return load(manifest_path(tmp_path))


def speech_ms(entry: Entry) -> int:
    return entry.duration_ms - PADDING_MS


def test_every_step_prompt_of_the_menu_has_a_slow_take_and_nothing_else_has(tmp_path: Path) -> None:
    real = load_catalog()
    steps = step_keys(real)
    assert steps and set(steps) <= set(real.reference.spoken_keys())
    # The menu's tree, and French's step prompts with two that are not steps, to keep the build short.
    keep = {*steps, "welcome", "main.intro"}
    prompts = {key: prompt for key, prompt in real.reference.prompts.items() if key in keep}
    french = Catalog(tree=real.tree, languages={"fr": replace(real.reference, prompts=prompts)})
    manifest = build(tmp_path, FakeTts("espeak", needs_network=False), texts=french)
    entries = manifest.languages["fr"]
    assert {key for key in entries if key.endswith(".slow")} == {slow_key(key) for key in steps}
    assert len(entries) == len(keep) + len(steps)
    for key in steps:
        slow, normal = entries[slow_key(key)], entries[key]
        assert slow.file.startswith(f"fr/{key}.slow.") and slow.text == normal.text
        assert speech_ms(slow) > speech_ms(normal)


def test_espeak_slow_take_is_its_own_slower_rate_and_longer(tmp_path: Path) -> None:
    manifest = build(tmp_path, Espeak())
    for key in STEPS:
        slow, normal = manifest.languages["fr"][slow_key(key)], manifest.languages["fr"][key]
        assert (normal.voice["wpm"], slow.voice["wpm"]) == (155, 124)
        assert slow.spec != normal.spec
        assert 1.12 < speech_ms(slow) / speech_ms(normal) < 1.35
    assert manifest.get("fr", slow_key("welcome")) is None


def sent_rpcs(calls: responses.CallList) -> list[list[object]]:
    """Text, language and speed of each request gTTS sent, from its f.req form field."""
    out = []
    for call in calls:
        rpc = json.loads(urllib.parse.parse_qs(str(call.request.body))["f.req"][0])
        out.append(json.loads(rpc[0][0][1])[:3])
    return out


@responses.activate
def test_gtts_is_asked_for_its_slow_mode_for_slow_takes_only(tmp_path: Path) -> None:
    responses.add(responses.POST, GOOGLE, body=batchexecute(speech_like_mp3(tmp_path)))
    manifest = build(tmp_path, Gtts())
    sent = sent_rpcs(responses.calls)
    assert sorted(sent, key=str) == sorted([["Bonjour.", "fr", None]]
                                           + [[text, "fr", None] for text in STEPS.values()]
                                           + [[text, "fr", True] for text in STEPS.values()], key=str)
    assert manifest.languages["fr"][slow_key("about.1")].voice == {"lang": "fr", "tld": "com", "slow": True}
    assert manifest.languages["fr"]["about.1"].voice == {"lang": "fr", "tld": "com", "slow": False}


def crossings_per_second(segment: Segment) -> float:
    """Zero crossings a second: follows the pitch of a tone."""
    return float(audioop.cross(segment.raw_data, segment.sample_width)) / segment.duration_seconds


def test_a_recordings_slow_take_lasts_1_25_times_as_long_at_the_same_pitch(tmp_path: Path) -> None:
    record(tmp_path, "fr", "about.1", "wav", tone(1500, 330, -20.0))
    manifest = build(tmp_path, FakeTts("espeak", needs_network=False))
    slow, normal = manifest.languages["fr"][slow_key("about.1")], manifest.languages["fr"]["about.1"]
    assert slow.engine == normal.engine == "recorded" and slow.voice["tempo"] == 0.8
    assert speech_ms(slow) / speech_ms(normal) == pytest.approx(1.25, abs=0.03)
    heard = [decode(tmp_path / "build" / entry.file) for entry in (normal, slow)]
    assert crossings_per_second(heard[1]) == pytest.approx(crossings_per_second(heard[0]), rel=0.05)


def test_normal_takes_keep_the_spec_hashes_they_had_before_slow_takes() -> None:
    """Hashes computed by the builder before this change: a normal take needs no rebuild."""
    gtts = Gtts().settings("fr", "welcome", "Bonjour.", 1.0)
    assert gtts is not None and spec_hash("Bonjour.", "gtts", gtts, PHONE_ENCODING) == "2abe8126145f8569"
    azure = Azure({"fa": "fa-IR-FaridNeural"}, "k", "westeurope").settings("fa", "welcome", "سلام")
    assert azure is not None and spec_hash("سلام", "azure", azure, PHONE_ENCODING) == "024f307ff2679176"
    recorded = {"file": "welcome.wav", "sha256": "ab", "for_text": "cd"}
    assert spec_hash("Bonjour.", "recorded", recorded, PHONE_ENCODING) == "9cf3c7ffca2a4089"
    assert spec_hash("Bonjour.", "gtts", gtts, PHONE_ENCODING, 0.8) != "2abe8126145f8569"


def test_content_status_counts_the_slow_takes_per_language(tmp_path: Path) -> None:
    real = load_catalog()
    french = Catalog(tree=real.tree, languages={"fr": real.reference})
    folder = tmp_path / "build"
    (folder / "fr").mkdir(parents=True)
    steps = step_keys(real)
    entries = {}
    for key in steps[:-1]:  # all but the last step
        name = f"fr/{slow_key(key)}.0.wav"
        (folder / name).write_bytes(b"RIFF")
        entries[slow_key(key)] = Entry(file=name, text=real.reference.text(key), text_hash="", spec="",
                                       engine="espeak", quality="offline", voice={}, duration_ms=1, bytes=4)
    index = ManifestIndex(Manifest(languages={"fr": entries}), folder)
    row = dict(zip(COLUMNS, rows(french, index, Voice(french))[0], strict=True))
    assert row["slow"] == f"{len(steps) - 1}/{len(steps)}"
