"""Settings: defaults, then IVR_* environment variables, then a test config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from .content import CONTENT_DIR

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
    # Seconds Twilio waits for a key after the prompts end.
    "GATHER_TIMEOUT": 6,
    # Languages used before the caller has chosen one (notices on the language menu, apologies).
    "FALLBACK_LANGUAGES": ["fr", "en"],
    "MAX_CONTENT_LENGTH": 16 * 1024,
}

# Twilio's own variable names, read as they are so a deployment sets them once.
UNPREFIXED = ("TWILIO_AUTH_TOKEN", "TWILIO_ACCOUNT_SID")


def configure(app: Flask, test_config: Mapping[str, Any] | None) -> None:
    """Fill app.config from defaults, the environment, then the test config."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env(prefix="IVR")
    for name in UNPREFIXED:
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    if test_config is not None:
        app.config.from_mapping(test_config)
