"""Settings, read one way by the app and every script: defaults, then IVR_* variables, then overrides."""

from __future__ import annotations

import copy
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config

from .content import CONTENT_DIR
from .sms_text import FICHE_URL

ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    # Twilio signs every webhook with the account's auth token; without it we cannot tell Twilio from anyone.
    "TWILIO_AUTH_TOKEN": None,
    "TWILIO_ACCOUNT_SID": None,
    # Only for local development: accept unsigned requests (a warning is logged at start).
    "VALIDATE_SIGNATURES": True,
    # Proxies in front of the app whose X-Forwarded-Proto/Host we trust (Heroku's router is one).
    "PROXY_HOPS": 1,
    "CCC_NUMBER": "+33806001620",
    "TRANSFERS_ENABLED": True,
    "TRANSFER_TIMEOUT": 30,  # seconds the CCC's phone rings before the caller is told it did not answer
    # When the CCC answers, in Paris time, e.g. "mon-fri 09:00-18:00" (ivr/hours.py); unset: always. Outside
    # them the line does not dial; say the hours in each language's `transfer.closed` when you set them.
    "CCC_HOURS": None,
    "CONTENT_DIR": str(CONTENT_DIR),
    "AUDIO_DIR": str(ROOT / "audio"),
    # Where Twilio fetches the built audio: None serves it from this app at /audio/; a CDN or bucket URL
    # (holding the same files as AUDIO_DIR/build) serves it from there.
    "AUDIO_BASE_URL": None,
    # Seconds between two looks at the audio manifest: a new build is played within this time.
    "AUDIO_CHECK_SECONDS": 1.0,
    # Audio engines per language, best first ("*" for any other language); see ivr/audio/engines.py.
    "AUDIO_ENGINES": {
        # SVOX Pico before eSpeak where it has a voice: callers understand it (make listen measures both).
        **{code: ["recorded", "gtts", "pico", "espeak"] for code in ("fr", "en")},
        **{code: ["recorded", "gtts", "espeak"] for code in ("ar", "ru", "uk")},
        "fa": ["recorded", "azure", "espeak"],
        "ps": ["recorded", "azure"],
        "ti": ["recorded", "espeak"],
        "*": ["recorded", "gtts", "espeak"],
    },
    # Azure Speech neural voices, the ones Réfugiés.info uses.
    "AUDIO_AZURE_VOICES": {"fa": "fa-IR-FaridNeural", "ps": "ps-AF-GulNawazNeural"},
    # Seconds Twilio waits for a key after the prompts end.
    "GATHER_TIMEOUT": 6,
    # Languages used before the caller has chosen one (notices on the language menu, apologies).
    "FALLBACK_LANGUAGES": ["fr", "en"],
    "MAX_CONTENT_LENGTH": 16 * 1024,
    # Webhooks are POSTs from Twilio: no automatic OPTIONS answer, so every 200 is TwiML.
    "PROVIDE_AUTOMATIC_OPTIONS": False,
    # Set by gunicorn.conf.py: while this file exists the instance is draining and /healthz answers 503.
    "DRAIN_FILE": None,
    # When set, /metrics answers only requests with "Authorization: Bearer <token>".
    "METRICS_TOKEN": None,
    # Twilio <Say> voices per language, over those the content files name: {"fr": {"voice": "Polly.Mathieu"}}.
    # A language with neither a voice nor audio for every prompt is not offered to callers.
    "SAY_VOICES": {},
    # "Receive this by text message" (docs/sms.md). Off until a number that can send SMS is set up.
    "SMS_ENABLED": False,
    "SMS_FROM": None,  # the sender; by default the number the caller dialled (the call's To)
    # SMS pumping: only numbers with these prefixes ever get a text, at most this many a day (UTC) each.
    "SMS_ALLOWED_PREFIXES": ["+33"],
    "SMS_DAILY_LIMIT": 3,
    # Secret key of the hashes callers' numbers are kept under (SMS limits, returning callers); required
    # with REDIS_URL. Unset without Redis: each process makes its own.
    "CALLER_HASH_KEY": None,
    "SMS_TIMEOUT": 5.0,  # seconds in all the call waits for Twilio's API to accept a text
    "SMS_IN_FLIGHT": 2,  # texts under way at once per worker process; one more is refused at once
    "FICHE_URL": FICHE_URL,
    # Missed-call callback (docs/deploying.md): the line rejects a ring, unbilled, and calls the number back
    # at its own cost. Only shown numbers with SMS_ALLOWED_PREFIXES; these many a day per number, this many
    # under way for the whole line; the REST request waits this many seconds in all.
    "CALLBACK_ENABLED": False,
    "CALLBACK_DAILY_LIMIT": 3,
    "CALLBACK_IN_FLIGHT": 10,
    "CALLBACK_TIMEOUT": 3.0,
    "CALLBACK_FROM": None,  # the number the callback comes from; by default the number the caller dialled
    "CALLBACK_MACHINE_DETECTION": False,  # Twilio's answering-machine detection: no talking to voicemail
    "TWILIO_API_BASE_URL": None,  # a local fake of Twilio's API (scripts/fake_twilio.py); None: Twilio's
    # Redis shared by every instance (SMS counts, returning callers); unset, each process keeps its own.
    "REDIS_URL": None,
    # Returning callers: their language and where their last call ended, under a keyed hash of their
    # number, for this many days; false: nothing is kept and every call starts from the language menu.
    "REMEMBER_CALLERS": True,
    "REMEMBER_DAYS": 30,
    # The stats page (docs/stats.md): days of counts kept in the store (Redis, else memory) and shown.
    "STATS_DAYS": 7,
    "STATS_FUNNEL": "create",  # the topic whose steps the page follows one by one
    # The studio (make studio, docs/studio.md). Reached from beyond this machine, it asks for this token.
    "STUDIO_TOKEN": None,
    # Seconds of listening over which the call map marks a node: a menu's whole answer, or the longest
    # step of a sequence; "*" for any other kind of node.
    "STUDIO_BUDGETS": {"menu": 30, "steps": 45, "*": 30},
    "STUDIO_MAX_UPLOAD": 20 * 1024 * 1024,  # bytes of one recorded take
}

# Names a platform sets itself (Twilio's, Heroku Redis's), read as they are so a deployment sets them once.
UNPREFIXED = ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "REDIS_URL")


def load(overrides: Mapping[str, Any] | None = None) -> Config:
    """The settings: defaults, then the environment (IVR_* as JSON or text), then the overrides given."""
    settings = Config(str(ROOT))
    # A copy: IVR_AUDIO_ENGINES__fr='[...]' edits a nested value in place, and DEFAULTS must stay as written.
    settings.from_mapping(copy.deepcopy(DEFAULTS))
    settings.from_prefixed_env(prefix="IVR")
    for name in UNPREFIXED:
        if os.environ.get(name):
            settings[name] = os.environ[name]
    if overrides is not None:
        settings.from_mapping(overrides)
    return settings
