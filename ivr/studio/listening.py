"""What a caller hears at each place of the call, asked of the line itself, with its words and seconds."""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from pathlib import PurePosixPath

from ..audio.manifest import Entry, Manifest
from ..content import Tree
from ..navigation import REPEAT
from ..phone import Heard, PhoneError
from .workspace import Workspace

AUDIO_PREFIX = "/audio/"


@dataclass(frozen=True)
class Sound:
    """One thing the caller hears: a built file with its words, or words that no file says yet."""

    verb: str  # play, say, pause, dial or hangup
    words: str
    key: str | None = None
    lang: str | None = None
    url: str | None = None  # the file on the studio, /audio/...
    seconds: float | None = None
    engine: str | None = None

    def as_json(self) -> dict[str, object]:
        """For the pages' scripts."""
        return {name: getattr(self, name) for name in ("verb", "words", "key", "lang", "url", "seconds",
                                                       "engine")}


@dataclass(frozen=True)
class Answer:
    """One answer of the line at a node: a menu, or one step of a sequence."""

    step: int
    sounds: tuple[Sound, ...]

    @property
    def seconds(self) -> float:
        """Seconds of the files it plays."""
        return sum(sound.seconds or 0.0 for sound in self.sounds)

    @property
    def unvoiced(self) -> int:
        """Prompts said with no file: their length is unknown."""
        return sum(sound.verb == "say" for sound in self.sounds)


@dataclass(frozen=True)
class Listening:
    """Every answer a node gives, in order."""

    node: str
    answers: tuple[Answer, ...]
    problem: str | None = None  # the line did not answer this node as Twilio would accept

    @property
    def seconds(self) -> float:
        """The node heard from first step to last."""
        return sum(answer.seconds for answer in self.answers)

    @property
    def longest(self) -> float:
        """The longest single answer: what a caller listens to before the keys are said."""
        return max((answer.seconds for answer in self.answers), default=0.0)

    @property
    def unvoiced(self) -> int:
        """Prompts of the node that have no file."""
        return sum(answer.unvoiced for answer in self.answers)


def sounds(heard: list[Heard], manifest: Manifest) -> list[Sound]:
    """What the phone heard, each file matched to its prompt through the manifest."""
    files = manifest.by_file()
    found = []
    for item in heard:
        if item.verb != "play" or not item.url:
            found.append(Sound(item.verb, item.text, lang=item.language))
            continue
        path = urllib.parse.unquote(urllib.parse.urlsplit(item.url).path)
        name = path[len(AUDIO_PREFIX):] if path.startswith(AUDIO_PREFIX) else PurePosixPath(path).name
        match: tuple[str, str, Entry] | None = files.get(name)
        if match is None:
            found.append(Sound("play", item.text, url=path))
            continue
        lang, key, entry = match
        found.append(Sound("play", entry.text, key, lang, AUDIO_PREFIX + urllib.parse.quote(entry.file),
                           entry.duration_ms / 1000, entry.engine))
    return found


def listen(workspace: Workspace, base: str, lang: str, node: str) -> Listening:
    """Every answer of a node as a caller hears it, step by step, from the line's own webhooks."""
    tree: Tree = workspace.catalog().tree
    line, manifest = workspace.line(), workspace.manifest()
    place = f"{base}voice/{urllib.parse.quote(lang)}/{urllib.parse.quote(node)}"
    answers: list[Answer] = []
    for step in range(max(len(tree.nodes[node].steps), 1)):
        url = place + (f"?step={step}" if step else "")
        phone = workspace.phone(url, line)
        try:
            # "Again" from a call that heard nothing yet: the node as first heard, keys in full.
            heard = phone.press_at(url, REPEAT)
        except PhoneError as error:
            return Listening(node, tuple(answers), problem=str(error))
        answers.append(Answer(step, tuple(sounds(heard, manifest))))
    return Listening(node, tuple(answers))
