"""Print the audio figures: encodings against what survives Twilio's 8 kHz µ-law, build times, durations."""

from __future__ import annotations

import argparse
import math
import shutil
import tempfile
import time
from pathlib import Path

from ivr import config
from ivr.audio import cleaning, espeak
from ivr.audio.builder import PHONE_ENCODING, Builder
from ivr.audio.engines import standard_engines
from ivr.audio.manifest import RECORDED_DIR, Entry, load, manifest_path, slow_key
from ivr.audio.media import Encoding, Segment, audioop, decode, encode
from ivr.content import load_catalog, plain_text

TWILIO = Encoding("wav", "pcm_mulaw", 8000)  # what Twilio turns every file into before the caller hears it
LINEAR = Encoding("wav", "pcm_s16le", 8000)  # the same 8 kHz without µ-law: measures µ-law's own loss
GTTS = Encoding("mp3", "libmp3lame", 24000, "32k")  # the format gTTS's MP3 comes in
CANDIDATES = [
    Encoding("mp3", "libmp3lame", 8000, "8k"),
    Encoding("mp3", "libmp3lame", 8000, "16k"),
    Encoding("mp3", "libmp3lame", 8000, "24k"),
    Encoding("mp3", "libmp3lame", 11025, "16k"),
    Encoding("mp3", "libmp3lame", 16000, "24k"),
    Encoding("mp3", "libmp3lame", 16000, "32k"),
    Encoding("mp3", "libmp3lame", 22050, "32k"),
    GTTS,
    TWILIO,
]
SEARCH = 400  # samples each way when lining a decoded file up with the reference (codec delay)


def as_phone(segment: Segment, folder: Path, name: str, encoding: Encoding = TWILIO) -> Segment:
    """The segment as the caller gets it: through Twilio's 8 kHz µ-law, back to 16-bit PCM."""
    path = folder / f"{name}.wav"
    encode([(segment, path)], encoding)
    return decode(path, rate=encoding.sample_rate)


def snr(reference: bytes, other: bytes) -> float:
    """Signal to error ratio in dB of `other` against `reference`, after lining them up."""
    middle = len(reference) // 4 & ~1
    window = reference[middle - 2 * SEARCH:middle + 2 * SEARCH + 1600]
    offset, _ = audioop.findfit(window, other[middle:middle + 1600])
    lag = (offset - SEARCH) * 2  # bytes by which `reference` runs ahead of `other`
    ref = reference[max(0, lag):] if lag >= 0 else reference
    oth = other if lag >= 0 else other[-lag:]
    size = min(len(ref), len(oth)) & ~1
    error = audioop.add(ref[:size], audioop.mul(oth[:size], 2, -1.0), 2)
    noise = audioop.rms(error, 2)
    return math.inf if noise == 0 else 20 * math.log10(audioop.rms(ref[:size], 2) / noise)


def encodings_table(texts: list[str], folder: Path) -> None:
    """Bytes per second of audio for each encoding, and its error once Twilio made it 8 kHz µ-law."""
    cleaned = [cleaning.clean(espeak.speak("fr", text)) for text in texts]
    seconds = sum(len(segment) for segment in cleaned) / 1000
    phone_refs = [as_phone(segment, folder, f"ref{index}") for index, segment in enumerate(cleaned)]
    linear_refs = [as_phone(segment, folder, f"lin{index}", LINEAR) for index, segment in enumerate(cleaned)]
    floor = sum(snr(lin.raw_data, ref.raw_data) for lin, ref in zip(linear_refs, phone_refs, strict=True))
    print(f"{len(texts)} French prompts, {seconds:.1f} s of audio (eSpeak NG, cleaned).")
    print(f"µ-law's own loss (8 kHz linear -> µ-law): SNR {floor / len(texts):.1f} dB\n")
    print(f"{'encoding':<30} {'bytes/s':>8} {'x µ-law':>8} {'SNR after Twilio (dB)':>22}")
    for encoding in CANDIDATES:
        paths = [folder / f"{index}.{encoding.extension}" for index in range(len(cleaned))]
        encode(list(zip(cleaned, paths, strict=True)), encoding)
        size = sum(path.stat().st_size for path in paths)
        # Decoded straight to 8 kHz, as Twilio does, so no extra resampling enters the comparison.
        heard = [as_phone(decode(path, rate=TWILIO.sample_rate), folder, f"heard{index}")
                 for index, path in enumerate(paths)]
        ratio = sum(snr(ref.raw_data, got.raw_data) for ref, got in zip(phone_refs, heard, strict=True))
        mark = {PHONE_ENCODING: "  <- chosen", GTTS: "  (gTTS's own MP3 format)"}.get(encoding, "")
        print(f"{encoding.label:<30} {size / seconds:>8.0f} {size / seconds / 8000:>8.2f} "
              f"{ratio / len(texts):>22.1f}{mark}")


def build_times(folder: Path) -> Path:
    """Full offline build of every prompt, then a rebuild with nothing changed, in a scratch folder."""
    settings = config.load()
    audio_dir = folder / "audio"
    recorded = Path(settings["AUDIO_DIR"]) / RECORDED_DIR
    if recorded.is_dir():
        shutil.copytree(recorded, audio_dir / RECORDED_DIR)
    catalog = load_catalog(Path(settings["CONTENT_DIR"]))
    engines = standard_engines(audio_dir / RECORDED_DIR, settings["AUDIO_AZURE_VOICES"])
    builder = Builder(audio_dir, engines, settings["AUDIO_ENGINES"], offline=True)
    for label in ("full offline build", "no-op rebuild"):
        started = time.perf_counter()
        tallies = builder.build(catalog)
        built = sum(tally.built for tally in tallies.values())
        kept = sum(tally.up_to_date for tally in tallies.values())
        print(f"{label:<20} {time.perf_counter() - started:7.1f} s  ({built} built, {kept} up to date, "
              f"{builder.jobs} processes)")
    return audio_dir


def speaking_rate(entries: list[Entry]) -> float:
    """Words per minute of speech: the cleaning's padding taken off, pauses inside a prompt left in."""
    padding = cleaning.LEAD_IN_MS + cleaning.LEAD_OUT_MS + 2 * cleaning.ONSET_MARGIN_MS
    words = sum(len(plain_text(entry.text).split()) for entry in entries)
    minutes = sum(entry.duration_ms - padding for entry in entries) / 60000
    return words / minutes if minutes > 0 else 0.0


def durations(audio_dir: Path) -> None:
    """Seconds of audio, bytes and words per minute per language, from the manifest."""
    manifest = load(manifest_path(audio_dir))
    print(f"\n{'lang':<5} {'files':>5} {'seconds':>8} {'KiB':>7} {'words/min':>10} {'slow takes':>11}"
          "  eSpeak wpm settings")
    for lang, entries in sorted(manifest.languages.items()):
        seconds = sum(entry.duration_ms for entry in entries.values()) / 1000
        kib = sum(entry.bytes for entry in entries.values()) / 1024
        slow = [entry for key, entry in entries.items() if key.endswith(slow_key(""))]
        normal = [entry for key, entry in entries.items() if not key.endswith(slow_key(""))]
        wpm = sorted({str(entry.voice["wpm"]) for entry in entries.values() if "wpm" in entry.voice})
        print(f"{lang:<5} {len(entries):>5} {seconds:>8.1f} {kib:>7.0f} {speaking_rate(normal):>10.0f} "
              f"{speaking_rate(slow):>11.0f}  {', '.join(wpm) or '-'}")


def shared_names(audio_dir: Path, other: Path) -> None:
    """How many file names two builds share, and their manifest versions: equal builds share them all."""
    mine, theirs = load(manifest_path(audio_dir)), load(manifest_path(other))
    names, other_names = set(mine.by_file()), set(theirs.by_file())
    print(f"\n{len(names & other_names)} of {len(names)} file names shared with {other} "
          f"({len(other_names)} files); manifest versions {mine.version} and {theirs.version}")


def main(argv: list[str] | None = None) -> int:
    """Run the three measurements and print their figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--prompts", type=int, default=12, help="French prompts in the encoding comparison")
    parser.add_argument("--skip-build", action="store_true", help="only compare encodings")
    parser.add_argument("--manifest-of", type=Path, metavar="AUDIO_DIR",
                        help="only print the durations and words per minute of an existing build (no timing)")
    parser.add_argument("--shared-with", type=Path, metavar="OTHER_AUDIO_DIR",
                        help="with --manifest-of: how many file names the two builds share")
    args = parser.parse_args(argv)
    if args.manifest_of:
        durations(args.manifest_of)
        if args.shared_with:
            shared_names(args.manifest_of, args.shared_with)
        return 0
    french = load_catalog().reference
    keys = french.spoken_keys()
    step = max(1, len(keys) // args.prompts)
    with tempfile.TemporaryDirectory(prefix="bench-audio-") as scratch:
        encodings_table([french.text(key) for key in keys[::step][: args.prompts]], Path(scratch))
        if not args.skip_build:
            print()
            durations(build_times(Path(scratch)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
