"""The voice webhooks Twilio calls: a new call, then every key (or silence) in a menu or a step."""

from __future__ import annotations

import functools

from flask import Blueprint, Response, abort, current_app, g

from . import answers, metrics, tracking
from .actions import ACTIONS, available
from .answers import Links
from .cache import AnswerCache
from .callback import Links as CallbackLinks
from .caller import Call
from .errors import apologise
from .line import Line, current_line
from .navigation import SLOW_AFTER, TOLD_MENU_KEYS, TOLD_STEP_KEYS, Act, Move, Show, State, clamp_step, press
from .security import twilio_only
from .turn import Turn
from .webhook import current_webhook

bp = Blueprint("voice", __name__, url_prefix="/voice")
bp.register_error_handler(Exception, apologise)

# Twilio's DialCallStatus, as the tracker names how a transfer ended; anything else did not connect.
DIAL_OUTCOMES = {"completed": "connected", "answered": "connected", "busy": "busy", "no-answer": "no_answer",
                 "failed": "failed", "canceled": "failed"}
TWIML_TYPE = "text/xml; charset=utf-8"  # what mimetype="text/xml" gives, without working it out each time
MAX_DIGITS = 8  # one key is expected; anything longer is a wrong key, not an error


def twiml(text: str) -> Response:
    """Send TwiML with the content type Twilio expects."""
    return Response(text, content_type=TWIML_TYPE)


@bp.post("")
@twilio_only
def incoming() -> Response:
    """A ring: called back at the line's cost when it may be, else welcomed (a returning caller in theirs)."""
    line = current_line()
    webhook = current_webhook()
    call = Call.from_form(webhook.form)
    if line.callbacks is not None:
        root = webhook.origin + webhook.script_root
        if line.callbacks.place(call, CallbackLinks(f"{root}/voice/callback", f"{root}/twilio/status")):
            metrics.callback("placed")
            return twiml(answers.reject())  # not picked up, so not billed to the caller
        metrics.callback("answered")
    metrics.call_started()
    tracking.call_answered()
    return twiml(welcome(line, call))


@bp.post("/callback")
@twilio_only
def callback() -> Response:
    """The line calling a caller back: say who calls, then the usual way in."""
    line = current_line()
    form = current_webhook().form
    if form.get("AnsweredBy", "").startswith(("machine", "fax")):
        return twiml(answers.hang_up())  # voicemail: nobody to explain anything to
    metrics.call_started()
    tracking.call_answered()
    return twiml(welcome(line, Call.from_form(form), greeting="callback.intro"))


def welcome(line: Line, call: Call, greeting: str | None = None) -> str:
    """A call's first answer: the choice of language, or a returning caller's way back in their language."""
    place = line.returning.recall(call) if line.returning else None
    if place is None:
        turn = read_turn(line, State(line.fallback[0], line.tree.entry))
        return turn.show(turn.state, opening=True, greeting=greeting)
    if place.node and line.tree.resume:
        turn = read_turn(line, State(place.lang, line.tree.resume, origin=place.origin))
        return turn.show(turn.state, greeting=greeting)
    # Straight to the main menu in their language, told once how to choose another.
    turn = read_turn(line, State(place.lang, line.tree.start))
    return turn.show(turn.state, greeting=greeting or "resume.language")


@bp.post("/<lang>/dialled")
@twilio_only
def dialled(lang: str) -> Response:
    """A transfer to the CCC has ended: goodbye if it connected, else what else the caller can do."""
    line = current_line()
    if lang not in line.catalog.languages:
        abort(404)
    outcome = DIAL_OUTCOMES.get(current_webhook().form.get("DialCallStatus", ""), "failed")
    turn = read_turn(line, State(lang, line.tree.unanswered or line.tree.help))
    tracking.transfer_ended(lang, outcome, back_at=turn.state)
    if outcome == "connected":
        return twiml(turn.farewell((lang,), "transfer.ended"))
    return twiml(turn.show(turn.state))


@bp.post("/<lang>/<node>")
@twilio_only
def step(lang: str, node: str) -> Response:
    """Take a key (or its absence) in any menu or step and answer with what follows."""
    line = current_line()
    if lang not in line.catalog.languages or node not in line.tree.nodes:
        abort(404)
    query = current_webhook().query
    turn = read_turn(line, State(
        lang=lang,
        node=node,
        step=clamp_step(line.tree.nodes[node], query.get("step")),
        silent=_count(query, "silent"),
        wrong=_count(query, "wrong"),
        origin=query.get("from", "")[:64] or None,
        told=_count(query, "told") & (TOLD_MENU_KEYS | TOLD_STEP_KEYS),
        again=min(_count(query, "again"), SLOW_AFTER),
    ))
    move = press(line.tree, turn.state, turn.digits, turn.actions)
    response = twiml(answer(turn, move))
    # Counting and noting wait until the answer has gone out: the caller never waits on them.
    response.call_on_close(functools.partial(metrics.moved, metrics.current_metrics(), line.tree, turn.state,
                                             move, turn.digits))
    tracking.moved(turn, move)
    if line.returning is not None and isinstance(move, Show):
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
    webhook = current_webhook()
    # Audio URLs are absolute (Twilio fetches them as they are); webhook URLs resolve against the call's.
    root = webhook.script_root
    audio = line.audio_base_url or f"{webhook.origin}{root}/audio/"
    links = Links(voice=f"{root}/voice", audio=audio)
    cache: AnswerCache = current_app.extensions["ivr.answers"]
    form = webhook.form
    digits = form.get("Digits", "").strip()[: MAX_DIGITS + 1]
    call = Call.from_form(form)
    return Turn(line, call, state, digits, available(line, call), links, line.audio.current(), cache)


def _count(query: dict[str, str], name: str) -> int:
    """A small counter from the URL; garbage counts as zero."""
    raw = query.get(name, "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 3 else 0
