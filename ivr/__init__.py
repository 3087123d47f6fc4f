"""The ANEF phone line: a Twilio voice webhook that explains the ANEF account, step by step."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Config, Flask

from . import calls, config, observability, ops, security, sms, store, tracking
from .actions import check_actions
from .audio import serving as audio
from .audio.index import LiveIndex
from .cache import AnswerCache
from .callback import Callbacks, Limits
from .content import MENU_FILE, load_catalog
from .hours import Schedule
from .line import Line, callable_languages
from .metrics import Metrics
from .returning import Returning
from .stats import web as stats_page
from .voice import Voice

log = logging.getLogger("ivr")

def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; refuse to start on broken content or missing security settings."""
    app = Flask(__name__)
    app.config.from_mapping(config.load(test_config))
    observability.configure_logging()
    security.init_app(app)
    line = build_line(app.config)
    app.extensions["ivr"] = line
    app.extensions["ivr.answers"] = AnswerCache()
    app.extensions["ivr.metrics"] = counters = Metrics(line)
    app.extensions["ivr.tracking"] = tracking.from_settings(
        app.config, line.tree, tuple(line.catalog.languages), counters.registry)
    app.extensions["ivr.fallback"] = ops.fallback_twiml(line)
    # A webhook gets TwiML or a 4xx: no redirect to a merged-slashes URL that Twilio would not follow.
    app.url_map.merge_slashes = False
    app.register_blueprint(calls.bp)
    app.register_blueprint(audio.bp)
    app.register_blueprint(ops.bp)
    app.register_blueprint(stats_page.bp)
    observability.watch(app)
    return app


def build_line(settings: Config) -> Line:
    """The content, audio and actions a line serves, checked together."""
    content_dir = Path(settings["CONTENT_DIR"])
    catalog = load_catalog(content_dir)
    check_actions(catalog.tree, content_dir / MENU_FILE)
    base_url = settings["AUDIO_BASE_URL"]
    index = LiveIndex(Path(settings["AUDIO_DIR"]), remote=bool(base_url),
                      every=float(settings["AUDIO_CHECK_SECONDS"]))
    voice = Voice(catalog, settings["SAY_VOICES"])
    languages = callable_languages(catalog, voice, index.current())
    codes = tuple(language.code for language in languages)
    tree = catalog.tree.with_languages(codes)
    shared, hash_key = store.from_settings(settings)
    if isinstance(shared, store.MemoryStore) and (settings["SMS_ENABLED"] or settings["REMEMBER_CALLERS"]):
        log.warning("SMS limits and returning callers are kept in this process's memory: each worker "
                    "process has its own; set REDIS_URL to share them")
    texts = sms.from_config(settings, catalog, shared, hash_key)
    returning = (Returning(shared, hash_key, float(settings["REMEMBER_DAYS"]), tree, codes)
                 if settings["REMEMBER_CALLERS"] and tree.resume else None)
    actions = {"transfer", "retry"} if settings["TRANSFERS_ENABLED"] else set()
    actions |= {"sms"} if texts else set()
    actions |= {"resume"} if returning else set()
    fallback = [lang for lang in settings["FALLBACK_LANGUAGES"] if lang in catalog.languages]
    return Line(
        catalog=catalog,
        tree=tree,
        voice=voice,
        audio=index,
        actions=frozenset(actions),
        languages=languages,
        fallback=tuple(fallback or [catalog.reference.code]),
        ccc_number=str(settings["CCC_NUMBER"]),
        gather_timeout=int(settings["GATHER_TIMEOUT"]),
        transfer_timeout=int(settings["TRANSFER_TIMEOUT"]),
        hours=Schedule.parse(str(settings["CCC_HOURS"])) if settings["CCC_HOURS"] else None,
        audio_base_url=base_url.rstrip("/") + "/" if base_url else None,
        sms=texts,
        returning=returning,
        callbacks=callbacks_from(settings, shared, hash_key),
    )


def callbacks_from(settings: Config, shared: store.Store, hash_key: bytes) -> Callbacks | None:
    """The missed-call callback, when switched on; it needs the account that places the calls."""
    if not settings["CALLBACK_ENABLED"]:
        return None
    sid, token = settings["TWILIO_ACCOUNT_SID"], settings["TWILIO_AUTH_TOKEN"]
    if not sid or not token:
        raise sms.SmsConfigError("CALLBACK_ENABLED needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN.")
    limits = Limits(int(settings["CALLBACK_DAILY_LIMIT"]), int(settings["CALLBACK_IN_FLIGHT"]))
    prefixes = sms.allowed_prefixes(settings["SMS_ALLOWED_PREFIXES"])
    return Callbacks(shared, hash_key, prefixes, limits, str(sid), str(token),
                     float(settings["CALLBACK_TIMEOUT"]), settings["TWILIO_API_BASE_URL"],
                     settings["CALLBACK_FROM"] or None, bool(settings["CALLBACK_MACHINE_DETECTION"]))
