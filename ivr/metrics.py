"""Prometheus metrics: what callers do and how the line answers, summed over all gunicorn workers."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import current_app, g
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from .content import Tree
from .line import Line
from .navigation import Act, Move, Show, State

# Twilio's final CallStatus values; anything else is counted as "other" so labels stay few.
OUTCOMES = ("completed", "busy", "no-answer", "failed", "canceled")
ERROR_KINDS = ("exception", "http_5xx")
CALLBACK_OUTCOMES = ("placed", "answered")  # a callback placed (the ring rejected), or the ring answered
WEBHOOK_ENDPOINTS = ("voice.incoming", "voice.step", "voice.callback", "voice.dialled", "ops.status",
                     "ops.fallback")
# Webhooks answer in milliseconds; the top buckets show a request nearing Twilio's 15 s limit.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0)
DURATION_BUCKETS = (10, 30, 60, 120, 180, 300, 600, 900, 1800, 3600)
MENU_KEYS = frozenset("12345678")
log = logging.getLogger("ivr.metrics")


class Labelled:
    """A labelled metric's series, each looked up once: prometheus-client's labels() takes a lock and
    rebuilds its key on every call, and the webhooks ask for the same few series again and again."""

    def __init__(self, metric: Counter | Histogram) -> None:
        self.metric = metric
        self.series: dict[tuple[str, ...], Any] = {}

    def __call__(self, *values: str) -> Any:
        """The series of these label values (values come from the tree and the language list only)."""
        found = self.series.get(values)
        if found is None:
            found = self.series[values] = self.metric.labels(*values)
        return found


class Metrics:
    """The line's metrics, in a registry of their own so that each app (and each test) counts from zero."""

    def __init__(self, line: Line) -> None:
        # Under gunicorn each worker writes its own file and /metrics sums them (see gunicorn.conf.py).
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = registry = CollectorRegistry()
        self.calls = Counter("ivr_calls", "Calls answered (the first webhook of a call).", registry=registry)
        self.languages = Counter("ivr_language_chosen", "Languages chosen on the language menu.",
                                 ["language"], registry=registry)
        self.choices = Counter("ivr_menu_choices", "Options chosen in a menu: the node and where it led.",
                               ["node", "choice"], registry=registry)
        self.help = Counter("ivr_help_requests", "Times a caller reached the help menu.", ["language"],
                            registry=registry)
        self.transfers = Counter("ivr_transfers", "Calls put through to the CCC.", ["language"],
                                 registry=registry)
        self.errors = Counter("ivr_errors", "Faults: an apology after an exception in a view, or a 5xx.",
                              ["kind"], registry=registry)
        self.rejected = Counter("ivr_rejected_requests", "Requests refused with a 4xx (403: bad signature).",
                                ["status"], registry=registry)
        self.latency = Histogram("ivr_request_duration_seconds", "Time to answer a webhook, per endpoint.",
                                 ["endpoint"], buckets=LATENCY_BUCKETS, registry=registry)
        self.ended = Counter("ivr_calls_ended", "Calls ended, by Twilio's final CallStatus.", ["outcome"],
                             registry=registry)
        self.duration = Histogram("ivr_call_duration_seconds", "Length of completed calls, from Twilio.",
                                  buckets=DURATION_BUCKETS, registry=registry)
        self.fallbacks = Counter("ivr_fallback_answers", "Times Twilio fell back to the fallback URL.",
                                 registry=registry)
        self.callbacks = Counter("ivr_callbacks", "Rings answered with a callback, or answered as usual.",
                                 ["outcome"], registry=registry)
        # Series that exist from the start read as 0 on a dashboard instead of "no data"; creating them
        # now also opens this worker's metric files before anything could remove their folder.
        self.latency_of, self.transfers_of = Labelled(self.latency), Labelled(self.transfers)
        self.languages_of, self.help_of = Labelled(self.languages), Labelled(self.help)
        self.choices_of = Labelled(self.choices)
        for endpoint in WEBHOOK_ENDPOINTS:
            self.latency_of(endpoint)
        for language in line.languages:
            for counter in (self.languages, self.help, self.transfers):
                counter.labels(language.code)
        for name in (*OUTCOMES, "other"):
            self.ended.labels(name)
        for kind in ERROR_KINDS:
            self.errors.labels(kind)
        for outcome in CALLBACK_OUTCOMES:
            self.callbacks.labels(outcome)

    def exposition(self) -> bytes:
        """The text Prometheus scrapes: this process's registry, or the sum of every worker's files."""
        if not self.multiprocess:
            return generate_latest(self.registry)
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return bytes(generate_latest(registry))


def current_metrics() -> Metrics:
    """The metrics of the app serving this request."""
    metrics: Metrics = current_app.extensions["ivr.metrics"]
    return metrics


def call_started() -> None:
    """Count a new call."""
    current_metrics().calls.inc()


def fault(error: Exception) -> None:
    """Count an exception turned into the spoken apology, and name it in the request's log line."""
    g.ivr_fault = type(error).__name__
    current_metrics().errors.labels("exception").inc()


def moved(metrics: Metrics, tree: Tree, here: State, move: Move, digits: str) -> None:
    """Count what a key press did, once its answer has gone out; never raises into the server's close."""
    try:
        _count_move(metrics, tree, here, move, digits)
    except Exception:
        log.exception("could not count a key press")


def _count_move(metrics: Metrics, tree: Tree, here: State, move: Move, digits: str) -> None:
    """Count a language chosen, a menu option, help reached, a transfer."""
    if isinstance(move, Act) and move.action in ("transfer", "retry"):
        metrics.transfers_of(here.lang).inc()
    chosen = isinstance(move, Show) and move.notice is None
    if isinstance(move, Show) and chosen:
        if here.node == tree.entry and move.state.node == tree.start:
            metrics.languages_of(move.state.lang).inc()
        if move.state.node == tree.help and here.node != tree.help:
            metrics.help_of(move.state.lang).inc()
    if tree.nodes[here.node].kind == "menu" and digits in MENU_KEYS:
        if isinstance(move, Act):
            metrics.choices_of(here.node, move.action).inc()
        elif isinstance(move, Show) and chosen:
            metrics.choices_of(here.node, move.state.node).inc()


def callback(outcome: str) -> None:
    """Count a ring that was called back, or answered as usual while callbacks are on."""
    current_metrics().callbacks.labels(outcome).inc()
