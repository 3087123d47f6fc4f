"""TwiML for each thing the line says: menus, steps, help, transfer, goodbye, apology."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from twilio.twiml.voice_response import Gather, VoiceResponse

from .line import Line
from .navigation import State, offered
from .rendering import memoised


def twiml(response: VoiceResponse) -> Response:
    """Send TwiML with the content type Twilio expects."""
    return Response(str(response), mimetype="text/xml")


def _gather(response: VoiceResponse, line: Line, action: str) -> Gather:
    # An empty finishOnKey lets '#' arrive as a key; prompts inside the Gather allow barge-in.
    return response.gather(
        action=action, method="POST", input="dtmf", num_digits=1,
        timeout=line.gather_timeout, finish_on_key="",
    )


@memoised
def language_menu(line: Line, welcome: bool, notice: str | None = None, silent: int = 0,
                  wrong: int = 0) -> VoiceResponse:
    """The choice of language: each option spoken in its own language."""
    response = VoiceResponse()
    counts: dict[str, Any] = {key: value for key, value in (("silent", silent), ("wrong", wrong)) if value}
    action = url_for("voice.language", **counts)
    gather = _gather(response, line, action)
    if welcome:
        line.voice.add(gather, line.fallback[0], "welcome")
    if notice:
        for lang in line.fallback:
            line.voice.add(gather, lang, f"notice.{notice}")
    for number, language in enumerate(line.languages, start=1):
        line.voice.add_all(gather, language.code, ["language.option", f"press.{number}"])
    response.redirect(action)  # no key: Twilio falls through to here and we count the silence
    return response


@memoised
def node(line: Line, state: State, notice: str | None = None, actions: frozenset[str] | None = None,
         result: str | None = None) -> VoiceResponse:
    """A menu or a step with the keys this call can use; `result` (an action's outcome) replaces the intro."""
    tree = line.catalog.tree
    current = tree.nodes[state.node]
    response = VoiceResponse()
    query: dict[str, Any] = state.query()
    action = url_for("voice.step", lang=state.lang, node=state.node, **query)
    gather = _gather(response, line, action)
    say = line.voice
    lead = result or (f"notice.{notice}" if notice else None)
    if lead:
        say.add(gather, state.lang, lead)
    if current.kind == "menu":
        if not lead:
            say.add_all(gather, state.lang, current.intro)
        allowed = line.actions if actions is None else actions
        for number, option in enumerate(offered(current, allowed), start=1):
            say.add_all(gather, state.lang, [option.label, f"press.{number}"])
        hints = ["hint.repeat", "hint.back"]
    else:
        if not lead:
            say.add(gather, state.lang, current.steps[state.step])
        last = state.step == len(current.steps) - 1
        forward = "step.next" if not last else ("step.continue" if current.then else "step.done")
        hints = [forward, "hint.previous" if state.step else "hint.back", "hint.repeat"]
    if state.node != tree.help:
        hints.append("hint.help")
    say.add_all(gather, state.lang, hints)
    response.redirect(action)
    return response


def transfer(line: Line, lang: str) -> VoiceResponse:
    """Connect the caller to the CCC; if that call ends, say the number once more."""
    response = VoiceResponse()
    line.voice.add(response, lang, "transfer.connecting")
    response.dial(line.ccc_number)
    line.voice.add(response, lang, "transfer.ended")
    response.hangup()
    return response


def farewell(line: Line, langs: list[str] | tuple[str, ...], key: str) -> VoiceResponse:
    """Say one closing prompt (goodbye, apology) in each language given, then hang up."""
    response = VoiceResponse()
    for lang in langs:
        line.voice.add(response, lang, key)
    response.hangup()
    return response
