"""GET /audio/<lang>/<file>: the built files, cached for good by Twilio and any proxy."""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, abort, current_app, send_from_directory

from .manifest import AUDIO_TYPES, BUILD_DIR

bp = Blueprint("audio", __name__, url_prefix="/audio")
ONE_YEAR = 365 * 24 * 3600


@bp.get("/<path:name>")
def file(name: str) -> Response:
    """Send one built audio file; its name carries a content hash, so it never changes."""
    mimetype = AUDIO_TYPES.get(name.rpartition(".")[2])
    if mimetype is None:
        abort(404)
    folder = Path(current_app.config["AUDIO_DIR"]) / BUILD_DIR
    # The name's content hash is the ETag: the same on every server, unlike one made from the file's mtime.
    content_hash = name.rsplit(".", 2)[-2] if name.count(".") >= 2 else ""
    # send_from_directory refuses names that leave the folder (404) and answers 304 to revalidations.
    response = send_from_directory(folder, name, mimetype=mimetype, max_age=ONE_YEAR, conditional=True,
                                   etag=content_hash or True)
    response.cache_control.public = True
    response.cache_control.immutable = True
    return response

