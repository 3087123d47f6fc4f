"""Settings: defaults, then IVR_* environment variables, then a test config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

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
    "CONTENT_DIR": str(CONTENT_DIR),
    "AUDIO_DIR": str(ROOT / "audio"),
    # Where Twilio fetches the built audio: None serves it from this app at /audio/; a CDN or bucket URL
    # (holding the same files as AUDIO_DIR/build) serves it from there.
    "AUDIO_BASE_URL": None,
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
    # When set, /metrics answers only requests with "Authorization: Bearer <token>".
    "METRICS_TOKEN": None,
    # Twilio <Say> voices per language, over those the content files name: {"fr": {"voice": "Polly.Mathieu"}}.
    # A language with neither a voice nor audio for every prompt is not offered to callers.
    "SAY_VOICES": {},
    # "Receive this by text message" (README: Text messages). Off until a number that can send SMS is set up.
    "SMS_ENABLED": False,
    "SMS_FROM": None,  # the sender; by default the number the caller dialled (the call's To)
    # SMS pumping: only numbers with these prefixes ever get a text, at most this many a day (UTC) each.
    "SMS_ALLOWED_PREFIXES": ["+33"],
    "SMS_DAILY_LIMIT": 3,
    # Secret key of the hashes the daily counts are kept under; required with REDIS_URL.
    "SMS_HASH_SALT": None,
    "SMS_TIMEOUT": 5.0,  # seconds the call waits for Twilio's API to connect, then to answer
    "FICHE_URL": FICHE_URL,
    "TWILIO_API_BASE_URL": None,  # a local fake of Twilio's API (scripts/fake_twilio.py); None: Twilio's
    # Redis shared by every instance for the SMS counts; unset, each process keeps its own in memory.
    "REDIS_URL": None,
}

# Names a platform sets itself (Twilio's, Heroku Redis's), read as they are so a deployment sets them once.
UNPREFIXED = ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID", "REDIS_URL")


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill app.config from defaults, the environment, then the test config."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(prefix="IVR")
    for name in UNPREFIXED:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config is not None:
        app.config.from_mapping(test_config)
