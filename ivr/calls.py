"""The voice webhooks Twilio calls: a new call, then every key (or silence) in a menu or a step."""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, current_app, g, request

from . import metrics, tracking
from .actions import ACTIONS, available
from .answers import Links
from .cache import AnswerCache
from .caller import Call
from .errors import apologise
from .line import Line, current_line
from .navigation import SLOW_AFTER, TOLD_MENU_KEYS, TOLD_STEP_KEYS, Act, Move, Show, State, clamp_step, press
from .security import twilio_only
from .turn import Turn

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.register_error_handler(Exception, apologise)

MAX_DIGITS = 8  # one key is expected; anything longer is a wrong key, not an error


def twiml(text: str) -> Response:
    """Send TwiML with the content type Twilio expects."""
    return Response(text, mimetype="text/xml")


@bp.post("")
@twilio_only
def incoming() -> Response:
    """Welcome a new call: ask which language to use, or greet a returning caller in theirs."""
    line = current_line()
    metrics.call_started()
    tracking.call_answered()
    place = line.returning.recall(Call.from_form(request.form)) if line.returning else None
    if place is None:
        turn = read_turn(line, State(line.fallback[0], line.tree.entry))
        return twiml(turn.show(turn.state, opening=True))
    if place.node and line.tree.resume:
        turn = read_turn(line, State(place.lang, line.tree.resume, origin=place.origin))
        return twiml(turn.show(turn.state))
    # Straight to the main menu in their language, told once how to choose another.
    turn = read_turn(line, State(place.lang, line.tree.start))
    return twiml(turn.show(turn.state, greeting="resume.language"))


@bp.post("/<lang>/<node>")
@twilio_only
def step(lang: str, node: str) -> Response:
    """Take a key (or its absence) in any menu or step and answer with what follows."""
    line = current_line()
    if lang not in line.catalog.languages or node not in line.tree.nodes:
        abort(404)
    turn = read_turn(line, State(
        lang=lang,
        node=node,
        step=clamp_step(line.tree.nodes[node], request.args.get("step")),
        silent=_count("silent"),
        wrong=_count("wrong"),
        origin=request.args.get("from", "")[:64] or None,
        told=_count("told") & (TOLD_MENU_KEYS | TOLD_STEP_KEYS),
        again=min(_count("again"), SLOW_AFTER),
    ))
    move = press(line.tree, turn.state, turn.digits, turn.actions)
    metrics.moved(line.tree, turn.state, move, turn.digits)
    response = twiml(answer(turn, move))
    tracking.moved(turn, move)
    if line.returning is not None and isinstance(move, Show):
        # Once the answer has gone out: the caller never waits on the store.
        response.call_on_close(functools.partial(line.returning.note, turn.call, move.state))
    return response


def answer(turn: Turn, move: Move) -> str:
    """What the caller hears after a move of the state machine."""
    if isinstance(move, Show):
        return turn.show(move.state, move.notice)
    if isinstance(move, Act):
        return ACTIONS[move.action].run(turn, move.state)
    return turn.farewell(turn.languages_spoken(move.state), "goodbye.noinput")


def read_turn(line: Line, state: State) -> Turn:
    """The request as the views need it, read once; kept on `g` for the apology and the request log."""
    g.ivr_state = state
    # Audio URLs are absolute (Twilio fetches them as they are); webhook URLs resolve against the call's.
    audio = line.audio_base_url or f"{request.root_url}audio/"
    links = Links(voice=f"{request.script_root}/voice", audio=audio)
    cache: AnswerCache = current_app.extensions["ivr.answers"]
    digits = request.form.get("Digits", "").strip()[: MAX_DIGITS + 1]
    call = Call.from_form(request.form)
    return Turn(line, call, state, digits, available(line, call), links, line.audio.current(), cache)


def _count(name: str) -> int:
    """A small counter from the URL; garbage counts as zero."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else 0
