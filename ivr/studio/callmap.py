"""The call map page: the menu tree in one language, how long each node lasts, and its sound on a click."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from ..content import Language, Node
from .drawing import draw, heard_label, seconds_label
from .listening import Listening, listen
from .pages import known_language
from .workspace import Workspace, current_workspace

bp = Blueprint("callmap", __name__)


def first_words(language: Language, node: Node) -> str:
    """The words a node opens with: its intro, its first step, or its first option."""
    keys = [*node.intro, *node.steps, *(option.label for option in node.options)]
    return language.prompts[keys[0]].plain if keys and keys[0] in language.prompts else ""


def node_listening(workspace: Workspace, lang: str, base: str) -> dict[str, Listening]:
    """Every node's answers in one language, asked of the line once per state of the files."""
    snapshot = workspace.snapshot()
    key = ("listening", lang, base)
    if key not in snapshot.memo:
        tree = workspace.catalog().tree
        snapshot.memo[key] = {name: listen(workspace, base, lang, name) for name in tree.nodes}
    found: dict[str, Listening] = snapshot.memo[key]
    return found


@bp.get("/map/<lang>")
def page(lang: str) -> str:
    """The tree drawn with each node's seconds and keys; a node over its budget is marked."""
    workspace = current_workspace()
    language = known_language(lang)
    catalog = workspace.catalog()
    listening = node_listening(workspace, lang, request.host_url)
    # The actions the line switches on; whether a given call may use one (a text, a resume) is its own.
    actions = workspace.line().extensions["ivr"].actions
    drawing = draw(catalog.tree, actions, lambda node: first_words(language, node), listening,
                   current_app.config["STUDIO_BUDGETS"])
    return render_template("callmap.html", lang=lang, language=language, tree=catalog.tree,
                           drawing=drawing, listening=listening, seconds_label=seconds_label,
                           heard_label=heard_label)
