"""The review page: every prompt of a language beside its French source, to hear, correct and approve."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from ..audio.builder import Tally
from ..audio.manifest import Entry
from ..content import Catalog, Language, source_hash
from .pages import known_language
from .workspace import Workspace, current_workspace
from .yamledit import EditRefused, edit_prompt, one_line

bp = Blueprint("review", __name__)
FILTERS = {"all": "every prompt", "todo": "not yet approved, or stale", "stale": "stale only"}


@dataclass(frozen=True)
class Row:
    """One prompt as the reviewer sees it."""

    key: str
    french: str
    text: str
    review: str  # source, machine or native
    stale: bool  # translated from a French text that has changed since
    channel: str
    entry: Entry | None
    audio_url: str | None

    @property
    def todo(self) -> bool:
        """Still waiting for a native speaker."""
        return self.review == "machine" or self.stale


def rows(workspace: Workspace, catalog: Catalog, language: Language) -> list[Row]:
    """The language's prompts in file order, with their review state and current audio."""
    manifest = workspace.manifest()
    found = []
    for key, prompt in language.prompts.items():
        french = catalog.reference.text(key)
        stale = language.code != catalog.reference.code and prompt.source != source_hash(french)
        entry = manifest.get(language.code, key)
        found.append(Row(key, french, prompt.text, prompt.review, stale, prompt.channel, entry,
                         workspace.audio_url(entry)))
    return found


def _page(language: Language, show: str, refused: dict[str, str] | None = None,
          attempt: dict[str, str] | None = None) -> str:
    workspace = current_workspace()
    catalog = workspace.catalog()
    every = rows(workspace, catalog, language)
    shown = [row for row in every if show == "all" or (row.stale if show == "stale" else row.todo)]
    counts = {"all": len(every), "todo": sum(row.todo for row in every),
              "stale": sum(row.stale for row in every)}
    return render_template("review.html", lang=language.code, language=language, rows=shown, show=show,
                           filters=FILTERS, counts=counts, reference=catalog.reference,
                           refused=refused or {}, attempt=attempt or {})


@bp.get("/review/<lang>")
def page(lang: str) -> str:
    """Every prompt (or those still to review) with its French source, audio, engine and review state."""
    language = known_language(lang)
    show = request.args.get("show", "all")
    return _page(language, show if show in FILTERS else "all")


@bp.post("/review/<lang>/<key>")
def change(lang: str, key: str) -> Response | tuple[str, int]:
    """Save a prompt's new words and/or approve it; the loader checks the whole folder before any write."""
    language = known_language(lang)
    if key not in language.prompts:
        abort(404, f"There is no prompt '{key}' in {lang}.")
    workspace = current_workspace()
    typed = request.form.get("text")
    text = typed if typed is not None and one_line(typed) != language.text(key) else None
    approve = request.form.get("do") == "approve"
    show = request.form.get("show", "all")
    back = url_for("review.page", lang=lang, show=show) + f"#p-{key}"
    if text is None and not approve:
        flash(f"{key}: nothing changed.")
        return redirect(back)
    try:
        with workspace.writing:
            edit_prompt(workspace.content_dir, lang, key, text=text, approve=approve,
                        french=workspace.catalog().reference.text(key))
            workspace.forget()
            rebuilt = text is not None and language.prompts[key].channel == "voice"
            tally = workspace.build(lang) if rebuilt else None
    except EditRefused as error:
        return _page(language, show if show in FILTERS else "all", {key: str(error)}, {key: typed or ""}), 422
    flash(_saved(workspace, lang, key, text is not None, approve, tally))
    return redirect(back)


def _saved(workspace: Workspace, lang: str, key: str, edited: bool, approved: bool,
           tally: Tally | None) -> str:
    """What the person is told after a change was written."""
    done = " and ".join(word for word, did in (("saved", edited), ("approved", approved)) if did)
    message = f"{key}: {done}."
    if tally is None:
        return message
    entry = workspace.manifest().get(lang, key)
    if entry is not None and entry.text == workspace.catalog().languages[lang].text(key):
        return message + f" Its audio was rebuilt ({entry.engine}, {entry.duration_ms / 1000:.1f} s)."
    why = list(tally.problems)
    if tally.skipped:
        why.append(f"passed over {', '.join(sorted(tally.skipped))}")
    return message + " No audio could be made for it offline: " + ("; ".join(why) or "no engine speaks it")
