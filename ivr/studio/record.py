"""The record page: say each prompt into the microphone, listen back, keep the take; it is built at once."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..audio.manifest import Entry
from ..content import Language
from . import takes
from .pages import known_language
from .workspace import Workspace, current_workspace

bp = Blueprint("record", __name__)


@dataclass(frozen=True)
class Row:
    """One prompt to record."""

    key: str
    text: str
    french: str
    state: str  # recorded, earlier or "not yet"
    entry: Entry | None
    audio_url: str | None


def rows(workspace: Workspace, language: Language) -> list[Row]:
    """The spoken prompts in file order, each with its recording's state and what the line plays now."""
    catalog = workspace.catalog()
    manifest = workspace.manifest()
    found = []
    for key in language.spoken_keys():
        entry = manifest.get(language.code, key)
        found.append(Row(key, language.prompts[key].plain, catalog.reference.prompts[key].plain,
                         takes.state(workspace.recorded, manifest, language, key), entry,
                         workspace.audio_url(entry)))
    return found


@bp.get("/record/<lang>")
def page(lang: str) -> str:
    """Every spoken prompt of a language with a recorder, and how many are recorded."""
    language = known_language(lang)
    workspace = current_workspace()
    progress = takes.progress(workspace.recorded, workspace.manifest(), language)
    return render_template("record.html", lang=lang, language=language, rows=rows(workspace, language),
                           progress=progress)


def _take() -> tuple[bytes, str]:
    """The take's bytes and file type: a file chosen in the form, or the recorder's upload as the body."""
    upload = request.files.get("take")
    if upload is not None:
        suffix = PurePosixPath(upload.filename or "").suffix.lower().lstrip(".")
        return upload.read(), suffix or takes.TAKE_TYPES.get(upload.mimetype, "")
    return request.get_data(), takes.TAKE_TYPES.get(request.mimetype, request.mimetype or "none")


@bp.post("/record/<lang>/<key>")
def keep(lang: str, key: str) -> Response | tuple[Response, int]:
    """Keep a take as the prompt's recording and build it; the recorder gets JSON, a form a redirect."""
    language = known_language(lang)
    if key not in language.spoken_keys():
        abort(404, f"There is no spoken prompt '{key}' in {lang}.")
    workspace = current_workspace()
    from_form = "take" in request.files
    data, extension = _take()
    try:
        with workspace.writing:
            takes.save_take(workspace.recorded, lang, key, data, extension)
            tally = workspace.build(lang)
    except takes.TakeRefused as error:
        if from_form:
            flash(f"{key}: {error}")
            return redirect(url_for("record.page", lang=lang) + f"#p-{key}")
        return jsonify({"error": str(error)}), 422
    entry = workspace.manifest().get(lang, key)
    state = takes.state(workspace.recorded, workspace.manifest(), language, key)
    progress = takes.progress(workspace.recorded, workspace.manifest(), language)
    built = entry is not None and entry.engine == workspace.recorded.name
    if built and entry:
        message = f"{key}: kept and built ({entry.quality}, {entry.duration_ms / 1000:.1f} s)."
    else:
        message = f"{key}: kept, but not built: {'; '.join(tally.problems) or 'unknown reason'}"
    if from_form:
        flash(message)
        return redirect(url_for("record.page", lang=lang) + f"#p-{key}")
    return jsonify({"message": message, "state": state, "progress": progress.line(), "built": built,
                  "url": workspace.audio_url(entry) if built else None,
                  "quality": entry.quality if entry else None})
