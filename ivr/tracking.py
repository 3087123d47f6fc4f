"""Where callers go and where their calls end: counts per place, and a short note per call in the store.

A place is a language, a node of the menu tree and a step (0 in a menu). Every event names only places,
the few outcome names below and counts: never a number, nor a hash of one. Each webhook counts its events
at once (Prometheus) and, once its answer has gone out, adds them to the day's counts in the store and
notes where the call is now, under a keyed hash of its CallSid; Twilio's status callback takes that note
and counts where the call ended.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from flask import Response, after_this_request, current_app, g
from prometheus_client import CollectorRegistry, Counter, Histogram

from .content import Tree
from .metrics import Labelled
from .navigation import BACK, REPEAT, Act, Goodbye, Move, State, restore
from .store import Store, StoreUnavailable
from .store import from_settings as open_store
from .turn import Turn
from .webhook import current_webhook

log = logging.getLogger("ivr.tracking")

NO_LANGUAGE = "none"  # the language menu: no language chosen yet
UNKNOWN = "unknown"  # the node of a call whose note was not found when it ended
# How a call ended, from where its note last put it.
END_KINDS = ("in_menu", "in_step", "after_last_step", "transferred", "by_line", UNKNOWN)
# How a transfer to the CCC ended, as the dial-outcome webhook reports it (issue 12).
TRANSFER_OUTCOMES = ("connected", "busy", "no_answer", "failed", "closed")
SMS_RESULTS = ("sent", "failed")
# Twilio's final CallStatus values: only these close a call's note.
FINAL_STATUSES = frozenset({"completed", "busy", "no-answer", "failed", "canceled"})
LENGTH_BUCKETS = (30, 60, 120, 180, 300, 600, 900, 1800)  # seconds; longer calls count as "more"
NOTE_HOURS = 6  # longer than calls last: even a transfer's <Dial> stops after 4 hours by default
DAY = 24 * 3600
DAY_KEY = "ivr:stats:{day}"

# An event: its kind, then its labels in the order the kind's counter takes them.
Event = tuple[str, ...]
# kind -> (metric name, help, label names); "answered" and "transfer" are counted in ivr/metrics.py already
# (ivr_calls_total, ivr_transfers_total) and "length" by a histogram.
PLACE = ("language", "node", "step")
COUNTED: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "reached": ("ivr_reached", "Times callers arrived at a place going forward (not back nor again).", PLACE),
    "repeated": ("ivr_repeated", "Times callers asked to hear a place again (9).", PLACE),
    "back": ("ivr_went_back", "Times callers went back (*) from a place.", PLACE),
    "help": ("ivr_help_asked", "Times callers asked for help from a place.", PLACE),
    "ended": ("ivr_call_ends", "Calls ended, by the place they ended in and how.", (*PLACE, "end")),
    "transfer_end": ("ivr_transfer_outcomes", "How transfers to the CCC ended.", ("language", "outcome")),
    "sms": ("ivr_sms", "Text messages asked for: sent, or failed.", ("language", "result")),
}


def field(event: Event) -> str:
    """An event as the store and the log line keep it: 'reached|fr|create|3'."""
    return "|".join(event)


def length_bucket(seconds: int) -> str:
    """The bucket of a call's length: the first bound it stays under, or 'more'."""
    return next((str(bound) for bound in LENGTH_BUCKETS if seconds <= bound), "more")


@dataclass(frozen=True, slots=True)
class Note:
    """Where a call is now, and whether the line has let it go (transferred, or hung up on silence)."""

    lang: str
    node: str
    step: int
    how: str = ""  # "", "transferred" or "by_line"

    def value(self) -> str:
        """The note as stored."""
        return f"{self.lang}|{self.node}|{self.step}|{self.how}"


class Tracker:
    """Counts callers' events and keeps each call's note; the views reach it through the functions below."""

    def __init__(self, tree: Tree, languages: tuple[str, ...], store: Store, key: bytes,
                 registry: CollectorRegistry, days: int, clock: Callable[[], float] = time.time) -> None:
        self.tree = tree
        self.languages = frozenset(languages)
        self.store = store
        # BLAKE2b takes a key of 64 bytes at most: a longer secret is first hashed down to that.
        self.hash_key = key if len(key) <= 64 else hashlib.blake2b(key).digest()
        self.days = days
        self.clock = clock
        self._day: tuple[int, str] = (-1, "")
        self.counters = {kind: Counter(name, text, list(labels), registry=registry)
                         for kind, (name, text, labels) in COUNTED.items()}
        self.series = {kind: Labelled(counter) for kind, counter in self.counters.items()}
        self.length = Histogram("ivr_call_length_seconds", "Length of ended calls, by their language.",
                                ["language"], buckets=LENGTH_BUCKETS, registry=registry)
        # Series a dashboard shows from the start read 0 rather than "no data".
        for lang in languages:
            for outcome in TRANSFER_OUTCOMES:
                self.counters["transfer_end"].labels(lang, outcome)
            for result in SMS_RESULTS:
                self.counters["sms"].labels(lang, result)

    # What happened: events of a webhook, and where the call is now.

    def place(self, state: State) -> tuple[str, str, str]:
        """A state's labels: on the language menu, no language yet."""
        lang = NO_LANGUAGE if state.node == self.tree.entry else state.lang
        return lang, state.node, str(state.step)

    def moved(self, here: State, move: Move, digits: str) -> tuple[list[Event], Note]:
        """The events of a key press (or silence) and where it left the call."""
        if isinstance(move, Goodbye):
            return [], self.note(here, "by_line")
        if isinstance(move, Act):
            if move.action == "transfer":
                return [("transfer", self.place(here)[0])], self.note(here, "transferred")
            if move.action == "resume":
                there = restore(self.tree, move.state, move.state.origin or self.tree.start)
                return [("reached", *self.place(there))], self.note(there)
            return [], self.note(here)  # a text message: the same menu again, its result counted apart
        there = move.state
        if move.notice is not None:  # a wrong key or a silence: the same place again
            return [], self.note(there)
        if digits == REPEAT:
            return [("repeated", *self.place(here))], self.note(there)
        if digits == BACK:
            return [("back", *self.place(here))], self.note(there)
        events: list[Event] = [("reached", *self.place(there))]
        if there.node == self.tree.help and here.node != self.tree.help:
            events.append(("help", *self.place(here)))
        return events, self.note(there)

    def note(self, state: State, how: str = "") -> Note:
        """The note of a call in this state."""
        lang, node, _ = self.place(state)
        return Note(lang, node, state.step, how)

    def ended(self, note: Note | None, seconds: int | None) -> list[Event]:
        """The events of a call's end, from its note (None: not found)."""
        if note is None:
            events: list[Event] = [("ended", NO_LANGUAGE, UNKNOWN, "0", UNKNOWN)]
            lang = NO_LANGUAGE
        else:
            events = [("ended", note.lang, note.node, str(note.step), self.end_kind(note))]
            lang = note.lang
        if seconds is not None:
            events.append(("length", lang, length_bucket(seconds)))
        return events

    def end_kind(self, note: Note) -> str:
        """How a call that stopped at this note ended."""
        if note.how:
            return note.how
        node = self.tree.nodes[note.node]
        if node.kind != "steps":
            return "in_menu"
        return "after_last_step" if note.step == len(node.steps) - 1 else "in_step"

    def read_note(self, value: str | None) -> Note | None:
        """A stored note, checked against today's tree and languages (None if it names what is gone)."""
        if not value:
            return None
        lang, node, step, how = (value.split("|") + ["", "", "", ""])[:4]
        found = self.tree.nodes.get(node)
        if found is None or (lang not in self.languages and lang != NO_LANGUAGE) or not step.isdigit():
            return None
        if how not in ("", "transferred", "by_line") or int(step) >= max(len(found.steps), 1):
            return None
        return Note(lang, node, int(step), how)

    # Counting and keeping.

    def count(self, events: list[Event], seconds: int | None = None) -> None:
        """Count events in this process's metrics (summed over workers by /metrics)."""
        for event in events:
            series = self.series.get(event[0])
            if series is not None:
                series(*event[1:]).inc()
        if seconds is not None and events and events[0][0] == "ended":
            self.length.labels(events[0][1]).observe(seconds)

    def note_key(self, call_sid: str) -> str:
        """Where a call's note is kept: a keyed hash of its CallSid (BLAKE2b keyed with the secret)."""
        digest = hashlib.blake2b(call_sid.encode(), key=self.hash_key, digest_size=16, person=b"ivr:call")
        return f"ivr:call:{digest.hexdigest()}"

    def day_key(self) -> str:
        """The key of today's counts (UTC); worked out again only when the day changes."""
        day = int(self.clock() // DAY)  # POSIX time has no leap seconds: UTC days are whole multiples
        if day != self._day[0]:
            self._day = (day, DAY_KEY.format(day=datetime.fromtimestamp(day * DAY, UTC).date().isoformat()))
        return self._day[1]

    def settle(self, call_sid: str, pending: Pending) -> None:
        """Count a request's events, then keep them; run once its answer has gone out."""
        try:
            self.count(pending.events, pending.seconds)
        except Exception:  # counting must never break the server's close of the response
            log.exception("could not count a call's events")
        self.keep(call_sid, pending.note, pending.events)

    def keep(self, call_sid: str, note: Note | None, events: list[Event]) -> None:
        """Add the events to today's counts and keep the call's note; run once the answer has gone out."""
        try:
            if events:
                self.store.tally(self.day_key(), [field(event) for event in events], (self.days + 1) * DAY)
            if note is not None and call_sid:
                self.store.put(self.note_key(call_sid), note.value(), NOTE_HOURS * 3600)
        except StoreUnavailable:
            pass  # the breaker has said so once; these counts are missing from the stats page
        except Exception:  # keeping must never break the server's close of the response
            log.exception("could not keep a call's events")

    def take_note(self, call_sid: str) -> Note | None:
        """The call's note, forgotten: its end is counted once."""
        if not call_sid:
            return None
        try:
            return self.read_note(self.store.take(self.note_key(call_sid)))
        except StoreUnavailable:
            return None
        except Exception:
            log.exception("could not read a call's note")
            return None

    def day_counts(self, days: int) -> dict[str, dict[str, int]]:
        """The counts of the last `days` days (UTC, today last), by day; StoreUnavailable if unreadable."""
        now = self.clock()
        dates = [datetime.fromtimestamp(now - back * DAY, UTC).date().isoformat()
                 for back in range(days - 1, -1, -1)]
        found = self.store.tallies([DAY_KEY.format(day=day) for day in dates])
        return dict(zip(dates, found, strict=True))


def from_settings(settings: Mapping[str, Any], tree: Tree, languages: tuple[str, ...],
                  registry: CollectorRegistry) -> Tracker:
    """The line's tracker, on the store its settings name (Redis with REDIS_URL, else this process)."""
    shared, key = open_store(settings)
    return Tracker(tree, languages, shared, key, registry, int(settings["STATS_DAYS"]))


# What the views call.

def current_tracker() -> Tracker:
    """The tracker of the app serving this request."""
    tracker: Tracker = current_app.extensions["ivr.tracking"]
    return tracker


def call_answered() -> None:
    """A new call: once answered, count where it starts (the state the view read, on `g`) and note it."""
    tracker = current_tracker()
    pending = _pending(tracker)

    def starts(response: Response) -> Response:
        state: State | None = g.get("ivr_state")
        if state is not None:
            pending.events.extend([("answered",), ("reached", *tracker.place(state))])
            pending.note = tracker.note(state)
        return response

    after_this_request(starts)


def moved(turn: Turn, move: Move) -> None:
    """Count a key press (or silence) in a menu or step, and note where it left the call."""
    tracker = current_tracker()
    events, note = tracker.moved(turn.state, move, turn.digits)
    _record(tracker, events, note)


def sms_result(lang: str, sent: bool) -> None:
    """Count a text message asked for: sent, or failed."""
    tracker = current_tracker()
    _record(tracker, [("sms", lang if lang in tracker.languages else NO_LANGUAGE,
                       "sent" if sent else "failed")])


def transfer_ended(lang: str, outcome: str, back_at: State | None = None) -> None:
    """Count how a transfer to the CCC ended (one of TRANSFER_OUTCOMES); for the dial-outcome webhook.

    A transfer that did not connect leaves the caller on the line: `back_at` is where they are now (the
    help menu again, say), so that a call ending there counts as ended there, not as put through.
    """
    if outcome not in TRANSFER_OUTCOMES:
        raise ValueError(f"unknown transfer outcome '{outcome}' (known: {', '.join(TRANSFER_OUTCOMES)})")
    tracker = current_tracker()
    note = tracker.note(back_at) if back_at is not None and outcome != "connected" else None
    _record(tracker, [("transfer_end", lang if lang in tracker.languages else NO_LANGUAGE, outcome)], note)


def call_ended() -> None:
    """Twilio's status callback: take the call's note and count where and how it ended."""
    form = current_webhook().form
    if form.get("CallStatus", "") not in FINAL_STATUSES:
        return
    tracker = current_tracker()
    raw = form.get("CallDuration", "")
    seconds = int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 7 else None
    events = tracker.ended(tracker.take_note(form.get("CallSid", "")[:64]), seconds)
    _record(tracker, events, seconds=seconds)


@dataclass(slots=True)
class Pending:
    """A request's events and the call's note, kept once its answer has gone out (on `g` until then)."""

    events: list[Event]
    note: Note | None = None
    seconds: int | None = None  # the call's length, when this request ended it


def _record(tracker: Tracker, events: list[Event], note: Note | None = None,
            seconds: int | None = None) -> None:
    """Count and keep once the answer has gone out; the request's log line names them."""
    pending = _pending(tracker)
    pending.events.extend(events)
    if note is not None:
        pending.note = note
    if seconds is not None:
        pending.seconds = seconds


def _pending(tracker: Tracker) -> Pending:
    """This request's pending events; the first use arranges for them to be kept on close."""
    context = g._get_current_object()  # once: every access through the `g` proxy costs microseconds
    pending: Pending | None = getattr(context, "ivr_stats", None)
    if pending is None:
        pending = context.ivr_stats = Pending([])
        after_this_request(functools.partial(_keep_on_close, tracker, pending))
    return pending


def _keep_on_close(tracker: Tracker, pending: Pending, response: Response) -> Response:
    """Count and keep the request's events once the server has sent the answer and closes it."""
    sid = current_webhook().form.get("CallSid", "")[:64]
    response.call_on_close(functools.partial(tracker.settle, sid, pending))
    return response
