"""How long callers listen, per callable language (make call-time).

Scripted calls go through the real app in this process, as Twilio would place them; the seconds come
from the audio manifest's durations of the files the line plays. A patient caller listens to a menu
until the option they want has been offered (its "press N"), then presses; they listen to each step to
its end. A prompt the line says with <Say> instead of a file has no duration here: the table counts them.
"""

from __future__ import annotations

import argparse
import secrets
import sys
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from flask import Flask

from ivr import create_app
from ivr.audio.manifest import Entry, load, manifest_path
from ivr.phone import AppTransport, Heard, Phone

Files = dict[str, tuple[str, str, Entry]]  # the manifest by file name: language, key, entry
TOKEN = secrets.token_hex(8)  # this run's own: the app checks signatures as in production
JOURNEY = ("create", "create_path", "create_card")  # "creating the account", to its last step
LEFT_AT = ("create", 5)  # where the returning caller hung up: step 6 of creating the account
DIAL = "<dial>"  # where the caller is put through, in what they hear


@dataclass(frozen=True)
class Sound:
    """One prompt a caller hears: which, and for how long."""

    lang: str
    key: str
    seconds: float
    file: str  # "" when said with <Say>: no duration known


@dataclass
class Ear:
    """What one caller heard, in order, up to each key they pressed."""

    heard: list[Sound] = field(default_factory=list)

    @property
    def seconds(self) -> float:
        """Everything heard so far."""
        return sum(sound.seconds for sound in self.heard)

    def repeated_seconds(self) -> float:
        """Seconds of files heard earlier in the same call."""
        seen: set[str] = set()
        total = 0.0
        for sound in self.heard:
            name = sound.file or f"say:{sound.lang}/{sound.key}"
            if name in seen:
                total += sound.seconds
            seen.add(name)
        return total


class Caller:
    """A patient caller on the line: listens until what they want is offered, then presses its key."""

    def __init__(self, app: Flask, files: Files, number: str | None = None) -> None:
        self.files = files
        # A number of its own unless given: the line recognises a number it has heard before.
        number = number or f"+336{secrets.randbelow(10**8):08d}"
        self.phone = Phone(AppTransport(app.test_client()), "https://line.example.org/voice", TOKEN,
                           caller=number)
        self.ear = Ear()
        self.said = 0
        self.pending: list[Sound] = []

    def _sounds(self, heard: list[Heard]) -> list[Sound]:
        sounds = []
        for item in heard:
            if item.verb == "play" and item.url:
                name = "/".join(PurePosixPath(urllib.parse.urlsplit(item.url).path).parts[-2:])
                lang, key, entry = self.files[urllib.parse.unquote(name)]
                sounds.append(Sound(lang, key, entry.duration_ms / 1000, entry.file))
            elif item.verb == "say":
                self.said += 1
                sounds.append(Sound(item.language or "-", item.text[:30], 0.0, ""))
            elif item.verb == "dial":
                sounds.append(Sound("-", DIAL, 0.0, ""))
        return sounds

    def dial(self) -> None:
        """Call; what the line says waits to be listened to."""
        self.pending = self._sounds(self.phone.dial())

    def offers(self, key: str) -> bool:
        """Whether the answer waiting to be heard says this prompt key."""
        return any(sound.key == key for sound in self.pending)

    def press_after(self, label: str, lang: str | None = None) -> None:
        """Listen until an option's label and its "press N" are heard, then press that N."""
        for index, sound in enumerate(self.pending):
            if sound.key == label and (lang is None or sound.lang == lang):
                press = next(later for later in self.pending[index + 1:] if later.key.startswith("press."))
                end = self.pending.index(press, index + 1)
                self.ear.heard += self.pending[: end + 1]
                self.pending = self._sounds(self.phone.press(press.key.removeprefix("press.")))
                return
        raise LookupError(f"no option {label} in what the line said: {[s.key for s in self.pending]}")

    def press_after_all(self, key: str) -> None:
        """Listen to the whole answer, then press a key."""
        self.ear.heard += self.pending
        self.pending = self._sounds(self.phone.press(key))

    def starts_with(self, key: str) -> bool:
        """Whether the answer waiting to be heard begins with this prompt."""
        return bool(self.pending) and self.pending[0].key == key


def app_for(audio_dir: Path | None) -> Flask:
    """The line as `make run` serves it, with signatures checked against this run's token."""
    config: dict[str, object] = {"TWILIO_AUTH_TOKEN": TOKEN}
    if audio_dir:
        config["AUDIO_DIR"] = str(audio_dir)
    return create_app(config)


def choose_language(caller: Caller, lang: str) -> None:
    """From pickup: the language menu until the caller's own language is offered."""
    caller.dial()
    caller.press_after("language.option", lang)


def language_menu(app: Flask, files: Files) -> float:
    """Seconds of the whole language menu, from pickup."""
    caller = Caller(app, files)
    caller.dial()
    return sum(sound.seconds for sound in caller.pending)


def to_transfer(app: Flask, files: Files) -> float:
    """Pickup to <Dial>: the whole language menu, 0, help until the transfer is offered, 1, the notice."""
    caller = Caller(app, files)
    caller.dial()
    caller.press_after_all("0")
    caller.press_after("help.option.transfer")
    keys = [sound.key for sound in caller.pending]
    if DIAL not in keys:
        raise LookupError(f"no transfer after pressing 1 in help: {keys}")
    return caller.ear.seconds + sum(sound.seconds for sound in caller.pending[: keys.index(DIAL)])


def journey(app: Flask, files: Files, lang: str) -> Ear:
    """Pickup to the end of the last step of creating the account."""
    caller = Caller(app, files)
    choose_language(caller, lang)
    walk_to(caller, "create", 0)
    for node in JOURNEY:
        if node == "create_path":
            caller.press_after("create_path.option.card")
            continue
        steps = app.extensions["ivr"].tree.nodes[node].steps
        for index in range(len(steps)):
            if index == len(steps) - 1 and node == JOURNEY[-1]:
                caller.ear.heard += caller.pending  # the last step, heard to its end
            else:
                caller.press_after_all("1")
    return caller.ear


def walk_to(caller: Caller, node: str, step: int) -> None:
    """From the main menu to a step of a topic of the main menu."""
    caller.press_after(f"main.option.{'create' if node == 'create' else node}")
    for _ in range(step):
        caller.press_after_all("1")


def returning(app: Flask, files: Files, lang: str) -> float:
    """A caller who hung up at step 6 of creating the account calls again: seconds until that step."""
    node, step = LEFT_AT
    key = app.extensions["ivr"].tree.nodes[node].steps[step]
    first = Caller(app, files)
    choose_language(first, lang)
    walk_to(first, node, step)  # then hangs up
    again = Caller(app, files, number=first.phone.caller)
    again.dial()
    if again.offers("press.1") and any(sound.key.startswith("resume.") for sound in again.pending):
        again.press_after(next(s.key for s in again.pending if s.key.startswith("resume.")))
    else:
        again.press_after("language.option", lang)
        walk_to(again, node, step)
    if not again.starts_with(key):
        raise LookupError(f"the returning caller did not reach {key}")
    return again.ear.seconds


def table(app: Flask, files: Files) -> list[str]:
    """The printed table, one row per callable language."""
    rows = [f"{'lang':<5}{'language menu':>15}{'0 -> transfer':>15}{'journey':>10}{'repeated':>10}"
            f"{'returning -> step':>19}{'said':>6}"]
    menu = language_menu(app, files)
    transfer = to_transfer(app, files)
    for language in app.extensions["ivr"].languages:
        ear = journey(app, files, language.code)
        back = returning(app, files, language.code)
        share = 100 * ear.repeated_seconds() / ear.seconds if ear.seconds else 0.0
        said = sum(1 for sound in ear.heard if not sound.file)
        rows.append(f"{language.code:<5}{menu:>14.1f}s{transfer:>14.1f}s{ear.seconds:>9.1f}s{share:>9.0f}%"
                    f"{back:>18.1f}s{said:>6}")
    return rows


def main(argv: list[str] | None = None, out: Callable[[str], None] = print) -> int:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--audio-dir", type=Path, default=None, help="audio folder (default: the line's)")
    args = parser.parse_args(argv)
    app = app_for(args.audio_dir)
    files = load(manifest_path(Path(app.config["AUDIO_DIR"]))).by_file()
    if not files:
        out("no audio built yet: run make audio first")
        return 1
    for row in table(app, files):
        out(row)
    out("journey = pickup to the end of the last step of creating the account (card or récépissé path);")
    out("repeated = share of that journey's seconds spent on files already heard in the same call;")
    out("0 -> transfer = the whole language menu, 0, help until the transfer is offered, 1, until the dial.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
