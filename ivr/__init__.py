"""The ANEF phone line: a Twilio voice webhook that explains the ANEF account, step by step."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from . import calls, config, observability, security, sms
from .audio import serving as audio
from .content import load_catalog
from .line import Line, callable_languages
from .voice import Voice


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start on broken content or missing security settings."""
    app = Flask(__name__)
    config.configure(app, test_config)
    security.init_app(app)
    catalog = load_catalog(Path(app.config["CONTENT_DIR"]))
    voice = Voice(catalog, audio.audio_index(app), app.config["SAY_VOICES"])
    actions = {"transfer"} if app.config["TRANSFERS_ENABLED"] else set()
    fallback = [lang for lang in app.config["FALLBACK_LANGUAGES"] if lang in catalog.languages]
    app.extensions["ivr"] = Line(
        catalog=catalog,
        voice=voice,
        actions=frozenset(actions),
        languages=callable_languages(catalog, voice),
        fallback=tuple(fallback or [catalog.reference.code]),
        ccc_number=str(app.config["CCC_NUMBER"]),
        gather_timeout=int(app.config["GATHER_TIMEOUT"]),
        sms=sms.from_config(app.config, catalog),
    )
    app.register_blueprint(calls.bp)
    app.register_blueprint(audio.bp)
    observability.init_app(app)
    return app
