"""The ANEF phone line: a Twilio voice webhook that explains the ANEF account, step by step."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from . import calls, config, security
from .content import load_catalog
from .line import Line, callable_languages
from .voice import NoAudio, Voice


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start on broken content or missing security settings."""
    app = Flask(__name__)
    config.configure(app, test_config)
    security.init_app(app)
    catalog = load_catalog(Path(app.config["CONTENT_DIR"]))
    voice = Voice(catalog, NoAudio())
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
    )
    app.register_blueprint(calls.bp)
    return app
