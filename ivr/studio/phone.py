"""The phone page: a keypad that calls the line's own webhooks and plays what the caller would hear."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from ..phone import Heard, Phone, PhoneError
from .listening import sounds
from .simulator import Calls, UnknownCall
from .workspace import ContentBroken, current_workspace

bp = Blueprint("phone", __name__, url_prefix="/phone")
KEYPAD = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "0", "#")


def _calls() -> Calls:
    calls: Calls = current_app.extensions["studio.calls"]
    return calls


def _turn(phone: Phone, heard: list[Heard]) -> Response:
    """One turn of the call for the page's script: what is heard, and whether the line waits for a key."""
    found = sounds(heard, current_workspace().manifest())
    return jsonify(call=phone.call_sid, sounds=[sound.as_json() for sound in found], ended=phone.ended,
                   waiting=phone.pending is not None)


@bp.get("")
def page() -> str:
    """The keypad, the call's words, and which languages the real line would offer today."""
    workspace = current_workspace()
    catalog = workspace.catalog()
    offered = workspace.callable_now()
    left_out = [language for language in catalog.ordered() if language.code not in offered]
    return render_template("phone.html", keypad=KEYPAD, left_out=left_out)


@bp.post("/calls")
def dial() -> Response | tuple[Response, int]:
    """Place a call to /voice, as Twilio does when someone dials the line."""
    try:
        phone, heard = _calls().dial(current_workspace(), request.host_url)
    except (PhoneError, ContentBroken) as error:
        return jsonify(error=str(error)), 502
    return _turn(phone, heard)


@bp.post("/calls/<call>/keys")
def press(call: str) -> Response | tuple[Response, int]:
    """Press a key on a call in progress; no key at all is the caller staying silent."""
    try:
        phone, heard = _calls().press(call, request.form.get("keys", ""))
    except UnknownCall:
        return jsonify(error="This call has ended: press Call to call again."), 404
    except ValueError as error:
        return jsonify(error=str(error)), 400
    except (PhoneError, ContentBroken) as error:
        return jsonify(error=str(error)), 502
    return _turn(phone, heard)


@bp.post("/calls/<call>/hangup")
def hang_up(call: str) -> Response | tuple[Response, int]:
    """The caller hangs up: the line is told, as Twilio tells it, and counts where the call ended."""
    try:
        _calls().hang_up(call)
    except UnknownCall:
        return jsonify(error="This call has ended already."), 404
    except (PhoneError, ContentBroken) as error:
        return jsonify(error=str(error)), 502
    return jsonify(ended=True)
