"""The studio: a local web app to see, hear, review and record the line, on one's own copy of the project."""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
from collections.abc import Mapping
from typing import Any

from flask import Flask, redirect, render_template, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from .. import config
from ..audio import serving as audio
from ..content import REFERENCE_LANGUAGE
from . import access, callmap, phone, record, review, stats
from .access import is_loopback
from .pages import navigation
from .simulator import Calls
from .workspace import ContentBroken, Workspace

DEFAULT_PORT = 5001


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Build the studio on the folders the line's settings name (IVR_CONTENT_DIR, IVR_AUDIO_DIR)."""
    app = Flask(__name__)
    app.config.from_mapping(config.load(test_config))
    app.config["MAX_CONTENT_LENGTH"] = app.config["STUDIO_MAX_UPLOAD"]  # a take, not a webhook's form
    app.config["SECRET_KEY"] = app.config.get("SECRET_KEY") or secrets.token_hex(16)  # for flashed messages
    app.extensions["studio"] = Workspace.from_config(app.config)
    app.extensions["studio.calls"] = Calls()
    access.init_app(app)
    for blueprint in (callmap.bp, phone.bp, review.bp, record.bp, stats.bp, audio.bp):
        app.register_blueprint(blueprint)
    app.context_processor(navigation)
    app.register_error_handler(ContentBroken, broken)
    app.register_error_handler(HTTPException, refused)
    app.add_url_rule("/", "home", home)
    return app


def home() -> Response:
    """The call map in French."""
    return redirect(url_for("callmap.page", lang=REFERENCE_LANGUAGE))


def broken(error: ContentBroken) -> tuple[str, int]:
    """The files on disk do not load: say why, in the loader's words, until they are fixed."""
    return render_template("broken.html", problem=str(error)), 503


def refused(error: HTTPException) -> tuple[str, int] | HTTPException:
    """A refusal as a page that says why."""
    if error.code is None or error.code < 400:
        return error
    return render_template("refused.html", error=error), error.code


def main(argv: list[str] | None = None) -> int:
    """Serve the studio on this machine (or beyond it, with a token)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default: this machine only)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args(argv)
    app = create_app()
    if not is_loopback(args.host) and args.host != "localhost" and not app.config["STUDIO_TOKEN"]:
        print("The studio writes into this copy of the project: to listen beyond this machine, set "
              "IVR_STUDIO_TOKEN and give the link http://<host>:<port>/?token=<token> to the people "
              "who may use it.", file=sys.stderr)
        return 2
    logging.getLogger("ivr.requests").setLevel(logging.WARNING)  # the line's per-webhook log lines
    print(f"The studio is on http://{args.host}:{args.port}/ (Ctrl-C stops it)")
    app.run(host=args.host, port=args.port, threaded=True, use_reloader=False)
    return 0
