"""Build the audio of every spoken prompt: pick an engine, clean, encode, record it in the manifest."""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..content import Catalog, Prompt, Span, plain_text, source_hash
from .batch import (
    Candidate,
    Outcome,
    SpanPlan,
    Take,
    Task,
    is_current,
    make_batch,
    mixed_candidate,
    spec_hash,
)
from .engines import HUMAN, Engine
from .manifest import (
    AUDIO_TYPES,
    BUILD_DIR,
    Entry,
    Manifest,
    engines_used,
    load,
    manifest_path,
    save,
    slow_key,
)
from .media import Encoding

# What Twilio plays every file as, so nothing is lost after us; scripts/bench_audio.py measured the MP3
# alternatives (half the size at best, and 18 dB or more of extra error): see docs/audio.md.
PHONE_ENCODING = Encoding(extension="wav", codec="pcm_mulaw", sample_rate=8000)
BATCH = 16  # prompts per ffmpeg run
# The slow take of a step, played after two repeats: 0.8 times the normal speed, 1.25 times as long.
SLOW_RATE = 0.8

Progress = Callable[[int, int, str, str], None]


@dataclass
class Tally:
    """What happened to one language's prompts in a build."""

    built: int = 0
    up_to_date: int = 0
    missing: int = 0
    failed: int = 0
    engines: Counter[str] = field(default_factory=Counter)
    skipped: set[str] = field(default_factory=set)  # engines passed over, with why
    problems: list[str] = field(default_factory=list)


def engine_order(preferences: Mapping[str, Sequence[str]], lang: str) -> list[str]:
    """The engines to try for a language, best first; '*' covers languages without their own list."""
    return list(preferences.get(lang) or preferences.get("*") or [])


def step_keys(catalog: Catalog) -> list[str]:
    """The prompts of every step of the menu tree's step nodes: those with a slow take."""
    keys = [key for node in catalog.tree.nodes.values() if node.kind == "steps" for key in node.steps]
    return list(dict.fromkeys(keys))


def slow_takes(catalog: Catalog, lang: str) -> list[str]:
    """The step prompts of one language that have a slow take (the spoken ones)."""
    spoken = set(catalog.languages[lang].spoken_keys())
    return [key for key in step_keys(catalog) if key in spoken]


def spoken_spans(prompt: Prompt, lang: str) -> tuple[Span, ...]:
    """The prompt's spans when some words are in another language than `lang`, else nothing.

    Spans without a word (the full stop after a label) are left out: there is nothing to say.
    """
    spans = tuple(Span(span.lang, span.text.strip()) for span in prompt.spans
                  if any(character.isalnum() for character in span.text))
    return spans if any(span.lang != lang for span in spans) else ()


def takes(catalog: Catalog, lang: str) -> list[Take]:
    """Every file a language needs: each spoken prompt, then the slow take of each step."""
    language = catalog.languages[lang]

    def take(key: str, manifest_key: str, rate: float = 1.0) -> Take:
        prompt = language.prompts[key]
        return Take(lang, manifest_key, key, prompt.text, rate, spoken_spans(prompt, lang))

    normal = [take(key, key) for key in language.spoken_keys()]
    return normal + [take(key, slow_key(key), SLOW_RATE) for key in slow_takes(catalog, lang)]


class Builder:
    """Builds one audio folder's prompts with the given engines and preferences."""

    def __init__(self, audio_dir: Path, engines: Mapping[str, Engine],
                 preferences: Mapping[str, Sequence[str]], *, offline: bool = False,
                 require: Sequence[str] = (), encoding: Encoding = PHONE_ENCODING, jobs: int = 0,
                 batch: int = BATCH) -> None:
        unknown = {name for names in preferences.values() for name in names} - set(engines)
        unknown |= set(require) - set(engines)
        if unknown:
            raise ValueError(f"unknown audio engine(s): {', '.join(sorted(unknown))}")
        self.folder = audio_dir / BUILD_DIR
        self.manifest_path = manifest_path(audio_dir)
        self.engines = dict(engines)
        self.preferences = preferences
        self.offline = offline
        self.require = frozenset(require)
        self.encoding = encoding
        self.jobs = jobs or os.cpu_count() or 1
        self.batch = batch
        self._unusable: dict[str, str | None] = {}

    def why_not(self, engine: Engine) -> str | None:
        """Why an engine is passed over in this build, decided once, without any connection."""
        if engine.name not in self._unusable:
            reason = "offline build" if self.offline and engine.needs_network else engine.unusable()
            self._unusable[engine.name] = reason
        return self._unusable[engine.name]

    def build(self, catalog: Catalog, languages: Sequence[str] = (),
              progress: Progress | None = None) -> dict[str, Tally]:
        """Bring the folder up to date with the catalog; returns a tally per language built."""
        old = load(self.manifest_path)
        wanted = [code for code in sorted(catalog.languages) if not languages or code in languages]
        tallies = {code: Tally() for code in wanted}
        manifest = Manifest(encoding=self.encoding.as_dict(),
                            languages={code: dict(entries) for code, entries in old.languages.items()
                                       if code in catalog.languages and code not in wanted})
        manifest.languages.update({code: {} for code in wanted})
        planned = [self.plan(take, old.get(take.lang, take.key))
                   for code in wanted for take in takes(catalog, code)]
        tasks = [item for item in planned if isinstance(item, Task)]
        done = 0
        try:
            for outcomes in self._run(tasks, [item for item in planned if isinstance(item, Outcome)]):
                for outcome in outcomes:
                    self._record(outcome, manifest, tallies[outcome.lang])
                done += len(outcomes)
                if progress and outcomes:
                    progress(done, len(planned), outcomes[-1].lang, outcomes[-1].key)
        finally:
            save(manifest, self.manifest_path)
        self._prune(manifest)
        return tallies

    def _run(self, tasks: list[Task], settled: list[Outcome]) -> Iterator[list[Outcome]]:
        """Outcomes as batches finish: in this process for one job, else in a pool of processes."""
        yield settled
        batches = [tasks[start:start + self.batch] for start in range(0, len(tasks), self.batch)]
        if self.jobs == 1 or len(batches) < 2:
            for batch in batches:
                yield make_batch(self.engines, self.folder, self.encoding, batch)
            return
        # Processes, not threads: eSpeak and the cleaning hold the interpreter, and eSpeak keeps global
        # state. Spawned, not forked, so no child inherits the parent's eSpeak or threads.
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=self.jobs, mp_context=context) as pool:
            futures: list[Future[list[Outcome]]] = [
                pool.submit(make_batch, self.engines, self.folder, self.encoding, batch) for batch in batches
            ]
            for future in as_completed(futures):
                yield future.result()

    @staticmethod
    def _record(outcome: Outcome, manifest: Manifest, tally: Tally) -> None:
        setattr(tally, outcome.status, getattr(tally, outcome.status) + 1)
        tally.skipped.update(outcome.skipped)
        tally.problems.extend(outcome.problems)
        if outcome.entry is not None:
            manifest.languages[outcome.lang][outcome.key] = outcome.entry
            tally.engines[engines_used(outcome.entry.engine)] += 1

    def plan(self, take: Take, old: Entry | None) -> Outcome | Task:
        """Walk the engines best first: keep an up-to-date file, or list the engines that may build it."""
        lang, key, text = take.lang, take.key, take.text
        candidates: list[Candidate] = []
        skipped: list[str] = []
        problems: list[str] = []
        for name in engine_order(self.preferences, lang):
            engine = self.engines[name]
            if take.spans and engine.quality != HUMAN:
                continue  # a mixed prompt: only a recording speaks it whole; the others speak it span by span
            voice = engine.settings(lang, take.prompt, plain_text(text), take.rate)
            if voice is not None:
                if engine.quality == HUMAN:
                    voice = {**voice, "for_text": _recorded_for(old, name, voice, text)}
                    if voice["for_text"] != source_hash(text) and take.rate == 1.0:  # said once, not per take
                        problems.append(f"{lang}/{key}: recorded for an earlier text; record it again")
                spec = spec_hash(text, name, voice, self.encoding, take.rate)
                if not candidates and is_current(old, name, spec, self.folder):
                    return Outcome(lang, key, old, "up_to_date", problems=tuple(problems))
                reason = self.why_not(engine)
                if reason is None:
                    candidates.append(Candidate(name, voice, spec))
                else:
                    skipped.append(f"{name} ({reason})")
            if name in self.require:
                # A production build accepts nothing below a required engine.
                if not candidates:
                    problems.append(f"{lang}/{key}: required engine {name} cannot make it")
                break
        if take.spans:
            return self._plan_spans(take, old, candidates, skipped, problems)
        if not candidates:
            status = "failed" if problems else "missing"
            return Outcome(lang, key, None, status, tuple(skipped), tuple(problems))
        return Task(take, tuple(candidates), old, tuple(skipped), tuple(problems))

    def _plan_spans(self, take: Take, old: Entry | None, candidates: list[Candidate], skipped: list[str],
                    problems: list[str]) -> Outcome | Task:
        """A prompt with words in several languages: each span by the engines of its own language."""
        lang, key = take.lang, take.key
        plans: list[SpanPlan] = []
        ranked: list[list[tuple[str, dict[str, Any]]]] = []
        for span in take.spans:
            voiced, choices = self._span_engines(take, span, skipped, problems)
            plans.append(SpanPlan(span.lang, span.text, tuple(choices)))
            ranked.append(voiced)
        if not candidates and self._keeps(take, old, plans, ranked):
            return Outcome(lang, key, old, "up_to_date", problems=tuple(problems))
        if any(not plan.choices for plan in plans):
            if candidates:  # the recording alone
                return Task(take, tuple(candidates), old, tuple(skipped), tuple(problems))
            status = "failed" if problems else "missing"
            return Outcome(lang, key, None, status, tuple(skipped), tuple(problems))
        return Task(take, tuple(candidates), old, tuple(skipped), tuple(problems), tuple(plans))

    def _span_engines(self, take: Take, span: Span, skipped: list[str], problems: list[str]
                      ) -> tuple[list[tuple[str, dict[str, Any]]], list[tuple[str, dict[str, Any]]]]:
        """The engines of the span's language with a voice for it (usable or not), and the usable ones."""
        voiced: list[tuple[str, dict[str, Any]]] = []
        choices: list[tuple[str, dict[str, Any]]] = []
        for name in engine_order(self.preferences, span.lang):
            engine = self.engines[name]
            if engine.quality == HUMAN:
                continue  # recordings are of whole prompts
            settings = engine.settings(span.lang, take.prompt, span.text, take.rate)
            if settings is not None:
                voiced.append((name, settings))
                reason = self.why_not(engine)
                if reason is None:
                    choices.append((name, settings))
                else:
                    skipped.append(f"{name} ({reason})")
            if name in self.require:
                if not choices:
                    problems.append(f"{take.lang}/{take.key}: required engine {name} cannot speak "
                                    f"its words in {span.lang}")
                break
        return voiced, choices

    def _keeps(self, take: Take, old: Entry | None, plans: list[SpanPlan],
               ranked: list[list[tuple[str, dict[str, Any]]]]) -> bool:
        """Whether the old file is still right and each of its spans' engines is as good as what is usable.

        As for a whole prompt: an offline build keeps a span gTTS spoke, if nothing else changed.
        """
        if old is None or not (self.folder / old.file).is_file():
            return False
        spans = old.voice.get("spans")
        if not isinstance(spans, list) or len(spans) != len(plans):
            return False
        used: list[tuple[SpanPlan, str, dict[str, Any]]] = []
        for plan, voiced, span in zip(plans, ranked, spans, strict=True):
            names = [name for name, _ in voiced]
            name = span.get("engine") if isinstance(span, dict) else None
            if name not in names:
                return False
            best = names.index(plan.choices[0][0]) if plan.choices else len(names)
            if names.index(name) > best:
                return False
            used.append((plan, name, voiced[names.index(name)][1]))
        candidate = mixed_candidate(take, used, self.encoding)
        return is_current(old, candidate.engine, candidate.spec, self.folder)

    def _prune(self, manifest: Manifest) -> None:
        """Delete built files the manifest no longer lists, and scratch files of an interrupted build."""
        keep = set(manifest.by_file())
        for path in self.folder.glob("*/*"):
            relative = path.relative_to(self.folder).as_posix()
            ours = path.suffix[1:] in AUDIO_TYPES or path.suffix == ".tmp"
            if ours and path.is_file() and relative not in keep:
                path.unlink()


def _recorded_for(old: Entry | None, engine: str, voice: Mapping[str, Any], text: str) -> str:
    """The hash of the text a recording was made for: the text of the build that first used it.

    A text changed after its recording still plays the recording (a person's voice), but every build
    says it should be recorded again.
    """
    if old is not None and old.engine == engine and old.voice.get("sha256") == voice.get("sha256"):
        return str(old.voice.get("for_text", old.text_hash))
    return source_hash(text)
