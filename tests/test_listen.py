"""`make listen`'s scoring and sampling, with a stand-in recogniser (Whisper itself is the listen extra)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ivr.audio.builder import Builder
from ivr.audio.engines import Espeak
from ivr.audio.manifest import Entry, Manifest, load, manifest_path
from ivr.content import load_catalog
from scripts.listen import Recogniser, cer, edit_distance, listen, measure, sampled, spread, table, wer, words

CATALOG = load_catalog()


@pytest.mark.parametrize(("text", "lang", "expected"), [
    ("Pour l'étape suivante, tapez 1 !", "fr", ["pour", "létape", "suivante", "tapez", "un"]),
    ("Cliquez sur <fr>SE CONNECTER</fr>.", "fr", ["cliquez", "sur", "se", "connecter"]),
    ("au 0, 8, 0, 6", "fr", ["au", "zéro", "huit", "zéro", "six"]),
    ("au 0806", "fr", ["au", "zéro", "huit", "zéro", "six"]),
    ("Press 2 — then «OK»?", "en", ["press", "two", "then", "ok"]),
    ("Натисніть 1, будь ласка", "uk", ["натисніть", "один", "будь", "ласка"]),
    ("اضغط ١ من فضلك", "ar", ["اضغط", "واحد", "من", "فضلك"]),
    ("مَرْحَبًا بِكُمْ", "ar", ["مرحبا", "بكم"]),  # vowel marks are dropped
    ("أهلا وإلى", "ar", ["اهلا", "والى"]),  # alef forms folded
    ("عدد ۲ را بزنيد", "fa", ["عدد", "دو", "را", "بزنید"]),  # Persian digits; Arabic yeh as Persian
    ("می\u200cخواهید", "fa", ["می", "خواهید"]),  # the half-space is a word boundary
    ("ቁጽሪ 1 ጠውቑ", "ti", ["ቁጽሪ", "1", "ጠውቑ"]),  # no words for digits in Tigrinya: the digit stays
])
def test_words_are_normalised(text: str, lang: str, expected: list[str]) -> None:
    assert words(text, lang) == expected


@pytest.mark.parametrize(("reference", "heard", "distance"), [
    ("a b c", "a b c", 0),
    ("a b c", "a x c", 1),  # substitution
    ("a b c", "a c", 1),  # deletion
    ("a b c", "a b b c", 1),  # insertion
    ("a b c", "", 3),
    ("", "a b", 2),
    ("kitten", "sitting", 1),
])
def test_edit_distance(reference: str, heard: str, distance: int) -> None:
    assert edit_distance(reference.split(), heard.split()) == distance
    assert edit_distance(list("kitten"), list("sitting")) == 3


def test_error_rates() -> None:
    assert wer("Pour continuer, tapez 1.", "pour continuer tapez un", "fr") == 0.0
    assert wer("Pour continuer, tapez 1.", "Pour contenir, tapez 1.", "fr") == 0.25
    assert wer("Tapez 1.", "Merci d'avoir regardé cette vidéo, tapez 1", "fr") == 2.5  # above 1: insertions
    assert cer("tapez 1", "tapez un", "fr") == 0.0
    assert cer("abcd", "abed", "en") == 0.25
    assert wer("", "", "fr") == 0.0


def test_spread_takes_evenly_from_the_whole_list() -> None:
    keys = [f"k{i}" for i in range(100)]
    assert spread(keys, 4) == ["k0", "k25", "k50", "k75"]
    assert spread(keys[:3], 25) == ["k0", "k1", "k2"]
    assert len(spread(CATALOG.languages["fr"].spoken_keys(), 25)) == 25


class Parrot(Recogniser):
    """Hears each file as a set text, by file name, and notes what it was asked."""

    name = "parrot"

    def __init__(self, said: dict[str, str]) -> None:
        self.said = said
        self.asked: list[tuple[str, str]] = []

    def knows(self, lang: str) -> bool:
        """Every language."""
        return True

    def hear(self, path: Path, lang: str) -> str:
        """The text set for this file."""
        self.asked.append((path.name, lang))
        return self.said.get(path.name, "")


def served(folder: Path, lang: str, engine_of: dict[str, str]) -> Manifest:
    """A manifest with a file per sampled prompt, each made by the engine given for it (default espeak)."""
    entries = {}
    for key in spread(CATALOG.languages[lang].spoken_keys(), 25):
        name = f"{lang}/{key}.wav"
        (folder / lang).mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(b"RIFF")
        entries[key] = Entry(file=name, text=CATALOG.languages[lang].text(key), text_hash="", spec="",
                             engine=engine_of.get(key, "espeak"), quality="offline", voice={},
                             duration_ms=1000, bytes=4)
    return Manifest(languages={lang: entries})


def test_served_files_are_scored_per_engine(tmp_path: Path) -> None:
    keys = spread(CATALOG.languages["fr"].spoken_keys(), 25)
    manifest = served(tmp_path, "fr", {key: "pico" for key in keys[:15]})
    texts = {f"{key}.wav": CATALOG.languages["fr"].text(key) for key in keys[:15]}  # pico's heard perfectly
    parrot = Parrot(texts)
    rows = listen(CATALOG, manifest, tmp_path, parrot, ["fr"], 25)
    assert [(row.engine, len(row.prompts)) for row in rows] == [("espeak", 10), ("pico", 15)]
    assert rows[0].median_wer == 1.0 and rows[0].median_cer == 1.0  # nothing heard
    assert rows[1].median_wer == 0.0 and rows[1].median_cer == 0.0
    assert sorted(parrot.asked) == sorted((f"{key}.wav", "fr") for key in keys)
    printed = table(rows, ["ti (no recogniser)"]).splitlines()
    assert printed[1].split() == ["fr", "espeak", "10", "1.00", "1.00"]
    assert printed[2].split() == ["fr", "pico", "15", "0.00", "0.00"]
    assert printed[3] == "  not measured: ti (no recogniser)"


def test_prompts_without_a_file_are_left_out(tmp_path: Path) -> None:
    manifest = served(tmp_path, "en", {})
    first = next(iter(manifest.languages["en"].values()))
    (tmp_path / first.file).unlink()
    rows = listen(CATALOG, manifest, tmp_path, Parrot({}), ["en"], 25)
    assert len(rows) == 1 and len(rows[0].prompts) == 24


def test_engines_compared_on_the_same_prompts_built_by_the_builder(tmp_path: Path) -> None:
    """--engine builds the sample again through the real builder, then listens to those files."""
    parrot = Parrot({})
    rows, notes = measure(CATALOG, tmp_path, parrot, ["fr"], 3, ["espeak"], lambda: {"espeak": Espeak()})
    keys = spread(CATALOG.languages["fr"].spoken_keys(), 3)
    assert notes == [] and [(row.lang, row.engine, [item.key for item in row.prompts]) for row in rows] == [
        ("fr", "espeak", keys)]
    assert all(name.endswith(".wav") and lang == "fr" for name, lang in parrot.asked)
    assert not (tmp_path / "build").exists()  # the served folder is left alone


def test_an_unusable_engine_is_a_note(tmp_path: Path) -> None:
    from ivr.audio.pico import Pico

    missing = Pico(tmp_path / "no-pico-here")
    rows, notes = measure(CATALOG, tmp_path, Parrot({}), ["fr"], 3, ["pico"], lambda: {"pico": missing})
    assert rows == [] and len(notes) == 1 and notes[0].startswith("pico (SVOX Pico is not unpacked")


def test_served_mode_reads_the_manifest_of_the_audio_folder(tmp_path: Path) -> None:
    # French too: English prompts name the site in French, spoken by the French voice.
    Builder(tmp_path, {"espeak": Espeak()}, {"en": ["espeak"], "fr": ["espeak"]}, offline=True, jobs=1).build(
        sampled(CATALOG, ["en"], 4), ["en"])
    built = load(manifest_path(tmp_path)).languages["en"]
    heard = {Path(entry.file).name: entry.text for entry in built.values()}
    rows, notes = measure(CATALOG, tmp_path, Parrot(heard), ["en"], 4, [], dict)
    assert notes == []
    assert [(row.engine, len(row.prompts), row.median_wer) for row in rows] == [("espeak", 4, 0.0)]
