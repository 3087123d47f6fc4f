"""One batch of prompts to build: synthesise and clean each, encode them all with one ffmpeg run."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..content import Span, plain_text, source_hash
from . import cleaning
from .engines import HUMAN, OFFLINE, PRODUCTION, Engine, EngineError
from .manifest import Entry
from .media import Encoding, MediaError, Segment, encode

HASH_CHARS = 12
QUALITY_RANK = {OFFLINE: 0, PRODUCTION: 1, HUMAN: 2}


def spec_hash(text: str, engine: str, voice: Mapping[str, Any], encoding: Encoding, rate: float = 1.0) -> str:
    """Everything that decides a file's sound, hashed: equal hashes need no rebuild."""
    spec: dict[str, Any] = {"text": text, "engine": engine, "voice": voice, "cleaning": cleaning.settings(),
                            "encoding": encoding.as_dict()}
    if rate != 1.0:  # only then, so the normal takes kept the hashes they had before slow takes existed
        spec["rate"] = rate
    return hashlib.sha256(json.dumps(spec, sort_keys=True, ensure_ascii=False).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class Outcome:
    """One prompt's result: its entry (new, kept, or None) and what happened."""

    lang: str
    key: str
    entry: Entry | None
    status: str  # built, up_to_date, missing or failed
    skipped: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()

@dataclass(frozen=True)
class Candidate:
    """An engine that may make a prompt now, with the settings and hash its file would have."""

    engine: str
    voice: dict[str, Any]
    spec: str


@dataclass(frozen=True)
class Take:
    """One file to build: a language's prompt at a speed, under its manifest key."""

    lang: str
    key: str  # in the manifest: the prompt's key, or slow_key(prompt) for its slow take
    prompt: str  # the content key, what the engines (a recording's file name) know it by
    text: str  # as written, markup included
    rate: float = 1.0  # 1.0 normal; the slow take's is below 1
    # The words by language when some are in another language than the prompt's, else empty.
    spans: tuple[Span, ...] = ()


@dataclass(frozen=True)
class SpanPlan:
    """A span of a mixed prompt: its language, its words, the engines that may speak them best first."""

    lang: str
    text: str
    choices: tuple[tuple[str, dict[str, Any]], ...]  # engine name and settings


def mixed_candidate(take: Take, used: Sequence[tuple[SpanPlan, str, dict[str, Any]]],
                    encoding: Encoding) -> Candidate:
    """The engine ("espeak+gtts"), settings and hash of a prompt spoken span by span by these engines."""
    engine = "+".join(name for _, name, _ in used)
    voice = {"spans": [{"lang": span.lang, "text": span.text, "engine": name, "voice": settings}
                       for span, name, settings in used],
             "gap_ms": cleaning.SPAN_GAP_MS}
    return Candidate(engine, voice, spec_hash(take.text, engine, voice, encoding, take.rate))


@dataclass(frozen=True)
class Task:
    """A take to build: the engines to try in order, and what the planning already noted."""

    take: Take
    candidates: tuple[Candidate, ...]  # engines for the whole prompt
    old: Entry | None
    skipped: tuple[str, ...]
    problems: tuple[str, ...]
    spans: tuple[SpanPlan, ...] = ()  # a mixed prompt, span by span, when no candidate works

    @property
    def lang(self) -> str:
        """The language of the take."""
        return self.take.lang

    @property
    def key(self) -> str:
        """The take's manifest key."""
        return self.take.key

def is_current(old: Entry | None, engine: str, spec: str, folder: Path) -> bool:
    """Whether the old entry is this engine's file for this exact spec, and still on disk."""
    return old is not None and old.engine == engine and old.spec == spec and (folder / old.file).is_file()

@dataclass(frozen=True)
class _Ready:
    """A prompt synthesised and cleaned, waiting for the batch's ffmpeg run."""

    task: Task
    candidate: Candidate
    audio: Segment
    problems: tuple[str, ...]
    quality: str


def _synthesise(engines: Mapping[str, Engine], folder: Path, encoding: Encoding,
                task: Task) -> Outcome | _Ready:
    """Try the task's engines in order; the first that works gives the audio, already cleaned."""
    problems = list(task.problems)
    take = task.take
    for candidate in task.candidates:
        if is_current(task.old, candidate.engine, candidate.spec, folder):
            return Outcome(task.lang, task.key, task.old, "up_to_date", task.skipped, tuple(problems))
        engine = engines[candidate.engine]
        try:
            raw = engine.synthesize(take.lang, take.prompt, plain_text(take.text), take.rate)
            audio = cleaning.clean(raw)
        except (EngineError, MediaError, ValueError) as error:
            problems.append(f"{task.lang}/{task.key}: {candidate.engine} failed: {error}")
            continue
        return _Ready(task, candidate, audio, tuple(problems), engine.quality)
    if task.spans:
        return _synthesise_spans(engines, folder, encoding, task, problems)
    return Outcome(task.lang, task.key, None, "failed", task.skipped, tuple(problems))


def _synthesise_spans(engines: Mapping[str, Engine], folder: Path, encoding: Encoding, task: Task,
                      problems: list[str]) -> Outcome | _Ready:
    """Each span by the first of its engines that works, the pieces joined, then cleaned as one prompt."""
    take = task.take
    pieces: list[Segment] = []
    used: list[tuple[SpanPlan, str, dict[str, Any]]] = []
    for span in task.spans:
        for name, settings in span.choices:
            try:
                pieces.append(engines[name].synthesize(span.lang, take.prompt, span.text, take.rate))
            except (EngineError, MediaError) as error:
                problems.append(f"{task.lang}/{task.key}: {name} failed on the words in {span.lang}: {error}")
                continue
            used.append((span, name, settings))
            break
        else:
            return Outcome(task.lang, task.key, None, "failed", task.skipped, tuple(problems))
    candidate = mixed_candidate(take, used, encoding)
    if is_current(task.old, candidate.engine, candidate.spec, folder):
        return Outcome(task.lang, task.key, task.old, "up_to_date", task.skipped, tuple(problems))
    try:
        audio = cleaning.clean(cleaning.join(pieces))
    except (MediaError, ValueError) as error:
        problems.append(f"{task.lang}/{task.key}: joining the spans failed: {error}")
        return Outcome(task.lang, task.key, None, "failed", task.skipped, tuple(problems))
    quality = min((engines[name].quality for _, name, _ in used), key=QUALITY_RANK.__getitem__)
    return _Ready(task, candidate, audio, tuple(problems), quality)


def make_batch(engines: Mapping[str, Engine], folder: Path, encoding: Encoding,
               tasks: list[Task]) -> list[Outcome]:
    """Synthesise and clean each task with its first working engine, then encode them all at once."""
    results = [_synthesise(engines, folder, encoding, task) for task in tasks]
    outcomes = [result for result in results if isinstance(result, Outcome)]
    ready = [result for result in results if isinstance(result, _Ready)]
    scratch = [folder / item.task.lang / f".{item.task.key}.{os.getpid()}.tmp" for item in ready]
    try:
        for path in scratch:
            path.parent.mkdir(parents=True, exist_ok=True)
        encode([(item.audio, path) for item, path in zip(ready, scratch, strict=True)], encoding)
    except (MediaError, OSError) as error:
        ready_failed = [(item, f"encoding failed: {error}") for item in ready]
    else:
        ready_failed = []
        for item, path in zip(ready, scratch, strict=True):
            try:
                entry = _keep(path, item, encoding)
            except (MediaError, OSError) as error:
                ready_failed.append((item, f"keeping the file failed: {error}"))
                continue
            outcomes.append(Outcome(item.task.lang, item.task.key, entry, "built", item.task.skipped,
                                    item.problems))
    finally:
        for path in scratch:
            path.unlink(missing_ok=True)
    outcomes += [Outcome(item.task.lang, item.task.key, None, "failed", item.task.skipped,
                         (*item.problems, f"{item.task.lang}/{item.task.key}: {problem}"))
                 for item, problem in ready_failed]
    return outcomes


def _keep(scratch: Path, item: _Ready, encoding: Encoding) -> Entry:
    """Give an encoded file its content-hashed name; an empty file is an error, never kept."""
    data = scratch.read_bytes()
    if not data:
        raise MediaError("the encoder wrote an empty file")
    task, candidate = item.task, item.candidate
    name = f"{task.key}.{hashlib.sha256(data).hexdigest()[:HASH_CHARS]}.{encoding.extension}"
    os.replace(scratch, scratch.parent / name)
    return Entry(file=f"{task.lang}/{name}", text=task.take.text, text_hash=source_hash(task.take.text),
                 spec=candidate.spec, engine=candidate.engine, quality=item.quality, voice=candidate.voice,
                 duration_ms=len(item.audio), bytes=len(data))
