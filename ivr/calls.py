"""The voice webhooks Twilio calls: a new call, the language choice, every menu and step."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, abort, request

from . import answers, metrics
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
    option_number,
    press,
)
from .security import require_twilio_signature
from .sms import Call

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.before_request(require_twilio_signature)
bp.register_error_handler(Exception, apologise)

MAX_DIGITS = 8  # one key is expected; anything longer is a wrong key, not an error


def _digits() -> str:
    return request.form.get("Digits", "").strip()[: MAX_DIGITS + 1]


def _count(name: str) -> int:
    """A small counter from the URL; garbage counts as zero."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else 0


@bp.post("")
def incoming() -> Response:
    """Welcome a new call and ask which language to use."""
    metrics.call_started()
    return answers.twiml(answers.language_menu(current_line(), welcome=True))


@bp.post("/language")
def language() -> Response:
    """Take the language key, or re-ask after silence or a wrong key."""
    line = current_line()
    digits, silent, wrong = _digits(), _count("silent"), _count("wrong")
    number = option_number(digits)
    if 1 <= number <= len(line.languages):
        lang = line.languages[number - 1].code
        return _answer(line, Show(State(lang, line.catalog.tree.start)), _actions(line))
    if digits == HELP:
        return _answer(line, Show(State(line.fallback[0], line.catalog.tree.help)), _actions(line))
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
    actions = _actions(line)
    move = press(tree, state, _digits(), actions)
    if isinstance(move, Act) and move.action == "sms":
        metrics.moved(line, move)
        return _text(line, replace(state, silent=0, wrong=0))
    return _answer(line, move, actions)


def _actions(line: Line) -> frozenset[str]:
    """The actions this call can use: the line's own, and a text message when this caller may get one."""
    if line.sms is not None and line.sms.offered(Call.from_form(request.form)):
        return line.actions | {"sms"}
    return line.actions


def _text(line: Line, state: State) -> Response:
    """Text the caller the website and the CCC number, say whether it went, then offer the same keys again."""
    sent = line.sms is not None and line.sms.send(Call.from_form(request.form), state.lang)
    result = "sms.sent" if sent else "sms.failed"
    return answers.twiml(answers.node(line, state, actions=_actions(line), result=result))


def _answer(line: Line, move: Move, actions: frozenset[str]) -> Response:
    """Turn a move of the state machine into TwiML, with the actions this call can use."""
    metrics.moved(line, move)
    if isinstance(move, Show):
        return answers.twiml(answers.node(line, move.state, move.notice, actions))
    if isinstance(move, LanguageMenu):
        return answers.twiml(answers.language_menu(line, welcome=False))
    # A transfer or a goodbye comes from a node's URL, which names the caller's language.
    lang = (request.view_args or {}).get("lang", line.fallback[0])
    if isinstance(move, Act):
        return answers.twiml(answers.transfer(line, lang))
    assert isinstance(move, Goodbye)
    return answers.twiml(answers.farewell(line, [lang], "goodbye.noinput"))
