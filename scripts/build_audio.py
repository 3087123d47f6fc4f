"""Build the audio of every spoken prompt in every language found on disk (make audio)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from ivr import config
from ivr.audio.builder import Builder, Tally
from ivr.audio.engines import PROBE_TIMEOUT, Engine, Gtts, standard_engines
from ivr.audio.manifest import RECORDED_DIR, load
from ivr.content import load_catalog

BAR_WIDTH = 30


def progress_bar(done: int, total: int, lang: str, key: str) -> None:
    """One line redrawn in place on a terminal; silent in logs."""
    if not sys.stderr.isatty():
        return
    filled = BAR_WIDTH * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {done}/{total} {lang}/{key:<28.28}")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()


def summary(tallies: dict[str, Tally], seconds: float) -> str:
    """A table of what happened per language, then the reasons for anything not built."""
    lines = [f"{'lang':<5} {'built':>6} {'up to date':>11} {'missing':>8} {'failed':>7}  engines"]
    for lang, tally in tallies.items():
        engines = ", ".join(f"{name} {count}" for name, count in tally.engines.most_common()) or "-"
        counts = f"{tally.built:>6} {tally.up_to_date:>11} {tally.missing:>8} {tally.failed:>7}"
        lines.append(f"{lang:<5} {counts}  {engines}")
        if tally.skipped and (tally.built or tally.missing or tally.failed):
            lines.append(f"      passed over: {', '.join(sorted(tally.skipped))}")
    problems = [problem for tally in tallies.values() for problem in tally.problems]
    lines += [f"  ! {problem}" for problem in problems[:20]]
    if len(problems) > 20:
        lines.append(f"  ! ... and {len(problems) - 20} more")
    lines.append(f"done in {seconds:.1f} s")
    return "\n".join(lines)


def auto_offline(engines: dict[str, Engine]) -> bool:
    """Probe Google's TTS, say what the build will use, and whether it must be offline."""
    gtts = engines["gtts"]
    started = time.perf_counter()
    problem = gtts.probe(PROBE_TIMEOUT) if isinstance(gtts, Gtts) else "no gTTS engine"
    waited = f"{time.perf_counter() - started:.1f} s"
    if problem is not None:
        print(f"auto: Google's TTS cannot be reached ({problem}; {waited}): offline build (recordings, "
              "SVOX Pico, eSpeak NG); files built before by better engines are kept")
        return True
    azure = engines["azure"].unusable()
    print(f"auto: Google's TTS answered in {waited}: building with gtts"
          + (f", not azure ({azure})" if azure else " and azure") + " where a language lists them")
    return False


def main(argv: list[str] | None = None) -> int:
    """Build, print the summary, and fail if any prompt failed."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--offline", action="store_true",
                        help="never use engines that need the network (gtts, azure): no connection is tried")
    parser.add_argument("--auto", action="store_true",
                        help=f"probe Google's TTS ({PROBE_TIMEOUT:g} s at most): if it answers, a normal "
                        "build (gtts, and azure when its key is set), else --offline")
    parser.add_argument("--require", action="append", default=[], metavar="ENGINE",
                        help="where a language lists ENGINE, accept nothing below it (e.g. --require gtts)")
    parser.add_argument("--lang", action="append", default=[], help="build only this language (repeatable)")
    parser.add_argument("--jobs", type=int, default=0,
                        help="processes building at once (default: one per core)")
    args = parser.parse_args(argv)
    if args.auto and (args.offline or args.require):
        parser.error("--auto decides whether the build is offline: use it without --offline or --require")

    settings = config.load()
    audio_dir = Path(settings["AUDIO_DIR"])
    catalog = load_catalog(Path(settings["CONTENT_DIR"]))
    for lang in set(args.lang) - set(catalog.languages):
        parser.error(f"no content file for language '{lang}' (have: {', '.join(sorted(catalog.languages))})")
    engines = standard_engines(audio_dir / RECORDED_DIR, settings["AUDIO_AZURE_VOICES"])
    offline = auto_offline(engines) if args.auto else args.offline
    builder = Builder(audio_dir, engines, settings["AUDIO_ENGINES"], offline=offline,
                      require=args.require, jobs=args.jobs)
    started = time.perf_counter()
    tallies = builder.build(catalog, args.lang, progress_bar)
    print(summary(tallies, time.perf_counter() - started))
    print(f"manifest: {builder.manifest_path}")
    # Equal on two instances when they serve the same files under the same names.
    print(f"manifest version: {load(builder.manifest_path).version}")
    return 1 if any(tally.failed for tally in tallies.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
