"""The voice webhooks Twilio calls: a new call, the language choice, every menu and step."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, request

from . import answers
from .errors import apologise
from .line import Line, current_line
from .navigation import (
    HELP,
    MAX_REPROMPTS,
    OFFER_HELP_AFTER,
    REPEAT,
    Act,
    Goodbye,
    LanguageMenu,
    Move,
    Show,
    State,
    clamp_step,
    press,
)
from .privacy import mask_number
from .security import require_twilio_signature

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(require_twilio_signature)
bp.register_error_handler(Exception, apologise)
log = logging.getLogger("ivr.calls")

MAX_DIGITS = 8  # one key is expected; anything longer is a wrong key, not an error


def _digits() -> str:
    return request.form.get("Digits", "").strip()[: MAX_DIGITS + 1]


def _count(name: str) -> int:
    """A small counter from the URL; garbage counts as zero."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 3 else 0


@bp.post("")
def incoming() -> Response:
    """Welcome a new call and ask which language to use."""
    log.info("call %s from %s", request.form.get("CallSid", "-"), mask_number(request.form.get("From")))
    return answers.twiml(answers.language_menu(current_line(), welcome=True))


@bp.post("/language")
def language() -> Response:
    """Take the language key, or re-ask after silence or a wrong key."""
    line = current_line()
    digits, silent, wrong = _digits(), _count("silent"), _count("wrong")
    if digits.isdigit() and 1 <= int(digits) <= len(line.languages):
        lang = line.languages[int(digits) - 1].code
        return _answer(line, Show(State(lang, line.catalog.tree.start)))
    if digits == HELP:
        return _answer(line, Show(State(line.fallback[0], line.catalog.tree.help)))
    if digits == REPEAT:
        return answers.twiml(answers.language_menu(line, welcome=False))
    if not digits:
        if silent >= MAX_REPROMPTS:
            return answers.twiml(answers.farewell(line, line.fallback, "goodbye.noinput"))
        return answers.twiml(answers.language_menu(line, False, "noinput", silent + 1, wrong))
    notice = "offer_help" if wrong + 1 >= OFFER_HELP_AFTER else "wrong"
    return answers.twiml(answers.language_menu(line, False, notice, 0, wrong + 1))


@bp.post("/<lang>/<node>")
def step(lang: str, node: str) -> Response:
    """Take a key (or its absence) in a menu or step and answer with what follows."""
    line = current_line()
    tree = line.catalog.tree
    if lang not in line.catalog.languages or node not in tree.nodes:
        abort(404)
    state = State(
        lang=lang,
        node=node,
        step=clamp_step(tree.nodes[node], request.args.get("step")),
        silent=_count("silent"),
        wrong=_count("wrong"),
        origin=request.args.get("from", "")[:64] or None,
    )
    return _answer(line, press(tree, state, _digits(), line.actions))


def _answer(line: Line, move: Move) -> Response:
    """Turn a move of the state machine into TwiML."""
    if isinstance(move, Show):
        return answers.twiml(answers.node(line, move.state, move.notice))
    if isinstance(move, Act):
        lang = request.view_args.get("lang", line.fallback[0]) if request.view_args else line.fallback[0]
        return answers.twiml(answers.transfer(line, lang))
    if isinstance(move, LanguageMenu):
        return answers.twiml(answers.language_menu(line, welcome=False))
    assert isinstance(move, Goodbye)
    lang = request.view_args["lang"] if request.view_args else line.fallback[0]
    return answers.twiml(answers.farewell(line, [lang], "goodbye.noinput"))
