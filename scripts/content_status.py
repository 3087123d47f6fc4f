"""Print, per language, how ready the line is: reviews, stale translations, audio, SMS, callable."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from ivr import config
from ivr.audio.builder import slow_takes
from ivr.audio.index import ManifestIndex
from ivr.audio.manifest import engines_used, slow_key
from ivr.content import Catalog, Language, load_catalog, source_hash
from ivr.line import callable_languages
from ivr.sms_text import sms_message, sms_segments
from ivr.voice import Voice

COLUMNS = ("lang", "prompts", "reviewed", "stale", "audio", "engines", "slow", "sms", "callable")


def stale_keys(catalog: Catalog, language: Language) -> list[str]:
    """Translated prompts whose French text changed since they were translated."""
    if language.code == catalog.reference.code:
        return []
    return [key for key, prompt in language.prompts.items()
            if prompt.source != source_hash(catalog.reference.text(key))]


def audio_summary(index: ManifestIndex, language: Language) -> tuple[int, Counter[str]]:
    """How many spoken prompts have up-to-date audio on disk, and which engines made them."""
    engines: Counter[str] = Counter()
    for key in language.spoken_keys():
        entry = index.manifest.get(language.code, key)
        if entry and entry.text == language.text(key) and index.file(language.code, key):
            engines[engines_used(entry.engine)] += 1
    return sum(engines.values()), engines


def slow_summary(catalog: Catalog, index: ManifestIndex, language: Language) -> str:
    """How many step prompts have an up-to-date slow take on disk, out of how many."""
    steps = slow_takes(catalog, language.code)
    built = [key for key in steps if (entry := index.manifest.get(language.code, slow_key(key)))
             and entry.text == language.text(key) and index.file(language.code, slow_key(key))]
    return f"{len(built)}/{len(steps)}"


def rows(catalog: Catalog, index: ManifestIndex, voice: Voice) -> list[tuple[str, ...]]:
    """One row of the table per language."""
    offered = {language.code for language in callable_languages(catalog, voice, index)}
    table = []
    for language in catalog.ordered():
        spoken = language.spoken_keys()
        reviewed = sum(language.prompts[key].review in ("source", "native") for key in language.prompts)
        built, engines = audio_summary(index, language)
        encoding, segments = sms_segments(sms_message(language))
        if language.code in offered:
            how = f"<Say> {voice.say_options[language.code].get('voice', '')}".strip()
            status = "yes: " + ("audio" if built == len(spoken) else how)
        else:
            status = f"no: no Twilio <Say> voice and {len(spoken) - built} prompts without audio"
        table.append((
            language.code, str(len(language.prompts)), f"{reviewed}/{len(language.prompts)}",
            str(len(stale_keys(catalog, language))), f"{built}/{len(spoken)}",
            ", ".join(f"{engine} {count}" for engine, count in engines.most_common()) or "-",
            slow_summary(catalog, index, language), f"{segments} ({encoding})", status,
        ))
    return table


def language_menu_seconds(catalog: Catalog, index: ManifestIndex, voice: Voice) -> float | None:
    """How long the language menu lasts, from the manifest; None if any part of it has no audio."""
    offered = callable_languages(catalog, voice, index)
    parts = [(catalog.reference.code, "welcome")] + [
        (language.code, key) for number, language in enumerate(offered, start=1)
        for key in ("language.option", f"press.{number}")
    ]
    entries = [index.manifest.get(lang, key) for lang, key in parts]
    if any(entry is None for entry in entries):
        return None
    return sum(entry.duration_ms for entry in entries if entry) / 1000


def render(table: list[tuple[str, ...]]) -> str:
    """The table as aligned text."""
    widths = [max(len(row[i]) for row in [COLUMNS, *table]) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
             for row in [COLUMNS, *table]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the table, the stale prompts and the language menu's length."""
    settings = config.load()  # the same settings as the line, IVR_* variables included
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--audio-dir", type=Path, default=Path(settings["AUDIO_DIR"]))
    parser.add_argument("--content-dir", type=Path, default=Path(settings["CONTENT_DIR"]))
    args = parser.parse_args(argv)
    catalog = load_catalog(args.content_dir)
    index = ManifestIndex.from_folder(args.audio_dir, remote=bool(settings["AUDIO_BASE_URL"]))
    voice = Voice(catalog, settings["SAY_VOICES"])
    print(render(rows(catalog, index, voice)))
    for language in catalog.ordered():
        stale = stale_keys(catalog, language)
        if stale:
            print(f"stale in {language.code}: {', '.join(stale)}")
    seconds = language_menu_seconds(catalog, index, voice)
    offered = len(callable_languages(catalog, voice, index))
    if seconds is None:
        print(f"language menu ({offered} languages): not all of it has audio yet (run make audio)")
    else:
        print(f"language menu ({offered} languages): {seconds:.1f} s of audio, from the manifest")
    return 0


if __name__ == "__main__":
    sys.exit(main())
