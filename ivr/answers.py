"""TwiML text for each thing the line says: menus, steps, help, transfer, goodbye, apology.

Pure functions: they get the line, a state and the URLs to use, and return the document as a string,
so every answer can be built and compared without an app or a request.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass

from twilio.twiml.voice_response import Gather, VoiceResponse

from .line import Line
from .navigation import State, offered
from .voice import Speaker


@dataclass(frozen=True)
class Links:
    """Where an answer's URLs lead: the voice webhooks, and the audio files."""

    voice: str  # the new-call webhook's path, e.g. "/voice" (Twilio resolves it against the call's URL)
    audio: str  # absolute base URL of the built files, ending in "/"

    def state(self, state: State) -> str:
        """The webhook that takes the next key in a state."""
        query = state.query()
        path = f"{self.voice}/{state.lang}/{state.node}"
        return f"{path}?{urllib.parse.urlencode(query, safe=':')}" if query else path


def _gather(response: VoiceResponse, line: Line, action: str) -> Gather:
    # An empty finishOnKey lets '#' arrive as a key; prompts inside the Gather allow barge-in.
    return response.gather(
        action=action, method="POST", input="dtmf", num_digits=1,
        timeout=line.gather_timeout, finish_on_key="",
    )


def node(line: Line, speaker: Speaker, links: Links, state: State, *, notice: str | None = None,
         actions: frozenset[str] = frozenset(), result: str | None = None, opening: bool = False) -> str:
    """A menu or a step with the keys this call can use; `result` (an action's outcome) replaces the intro."""
    tree = line.tree
    current = tree.nodes[state.node]
    response = VoiceResponse()
    action = links.state(state)
    gather = _gather(response, line, action)
    lead = result or (f"notice.{notice}" if notice else None)
    if current.kind == "languages":
        _languages(line, speaker, gather, state, notice, actions, opening)
        response.redirect(action)  # no key: Twilio falls through to here and we count the silence
        return str(response)
    if lead:
        speaker.add(gather, state.lang, lead)
    if current.kind == "menu":
        if not lead:
            speaker.add_all(gather, state.lang, current.intro)
        for number, option in enumerate(offered(current, actions), start=1):
            speaker.add_all(gather, state.lang, [option.label, f"press.{number}"])
        hints = ["hint.repeat", "hint.back"]
    else:
        if not lead:
            speaker.add(gather, state.lang, current.steps[state.step])
        last = state.step == len(current.steps) - 1
        forward = "step.next" if not last else ("step.continue" if current.then else "step.done")
        hints = [forward, "hint.previous" if state.step else "hint.back", "hint.repeat"]
    if state.node != tree.help:
        hints.append("hint.help")
    speaker.add_all(gather, state.lang, hints)
    response.redirect(action)
    return str(response)


def _languages(line: Line, speaker: Speaker, gather: Gather, state: State, notice: str | None,
               actions: frozenset[str], opening: bool) -> None:
    """The choice of language: notices in the languages spoken before a choice, each option in its own."""
    menu = line.tree.nodes[state.node]
    if opening:
        speaker.add_all(gather, line.fallback[0], menu.intro)
    if notice:
        for lang in line.fallback:
            speaker.add(gather, lang, f"notice.{notice}")
    for number, option in enumerate(offered(menu, actions), start=1):
        speaker.add_all(gather, option.lang or state.lang, [option.label, f"press.{number}"])


def transfer(line: Line, speaker: Speaker, lang: str) -> str:
    """Connect the caller to the CCC; if that call ends, say the number once more."""
    response = VoiceResponse()
    speaker.add(response, lang, "transfer.connecting")
    response.dial(line.ccc_number)
    speaker.add(response, lang, "transfer.ended")
    response.hangup()
    return str(response)


def farewell(speaker: Speaker, langs: list[str] | tuple[str, ...], key: str) -> str:
    """Say one closing prompt (goodbye, apology) in each language given, then hang up."""
    response = VoiceResponse()
    for lang in langs:
        speaker.add(response, lang, key)
    response.hangup()
    return str(response)
