"""TwiML text for each thing the line says: menus, steps, help, transfer, goodbye, apology.

Pure functions: they get the line, a state and the URLs to use, and return the document as a string,
so every answer can be built and compared without an app or a request.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, replace

from twilio.twiml.voice_response import Gather, VoiceResponse

from .content import Node, Option
from .line import Line
from .navigation import SLOW_AFTER, TOLD_MENU_KEYS, TOLD_STEP_KEYS, State, offered
from .voice import Speaker


@dataclass(frozen=True)
class Links:
    """Where an answer's URLs lead: the voice webhooks, and the audio files."""

    voice: str  # the new-call webhook's path, e.g. "/voice" (Twilio resolves it against the call's URL)
    audio: str  # absolute base URL of the built files, ending in "/"

    def dialled(self, lang: str) -> str:
        """The webhook told how a transfer to the CCC ended."""
        return f"{self.voice}/{lang}/dialled"

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
         actions: frozenset[str] = frozenset(), result: str | None = None, opening: bool = False,
         greeting: str | None = None) -> str:
    """A menu or a step, then its keys: in full the first time and after a fault, else a short cue.

    `result` (an action's outcome) and `notice` (no key, a wrong key) replace the intro or the step;
    `greeting` is said first, before anything else.
    """
    current = line.tree.nodes[state.node]
    response = VoiceResponse()
    if current.kind == "languages":
        gather = _gather(response, line, links.state(state))
        if greeting:
            speaker.add(gather, line.fallback[0], greeting)
        _languages(line, speaker, gather, state, notice, actions, opening)
        response.redirect(links.state(state))  # no key: Twilio falls through to here and we count it
        return str(response)
    told = TOLD_STEP_KEYS if current.kind == "steps" else TOLD_MENU_KEYS
    in_full = bool(notice) or not state.told & told
    heard = replace(state, told=state.told | told) if in_full else state
    gather = _gather(response, line, links.state(heard))
    if greeting:
        speaker.add(gather, state.lang, greeting)
    lead = result or (f"notice.{notice}" if notice else None)
    if lead:
        speaker.add(gather, state.lang, lead)
    if current.kind == "menu":
        _menu(line, speaker, gather, state, actions, intro=not lead)
        keys = ["hint.repeat", "hint.back"] if in_full else []
    else:
        if not lead:
            speaker.add(gather, state.lang, current.steps[state.step], slow=state.again >= SLOW_AFTER)
        keys = _step_keys(current, state, in_full)
    if in_full and state.node != line.tree.help:
        keys.append("hint.help")
    speaker.add_all(gather, state.lang, keys)
    response.redirect(links.state(heard))
    return str(response)


def _menu(line: Line, speaker: Speaker, gather: Gather, state: State, actions: frozenset[str],
          intro: bool) -> None:
    """A menu's options, numbered; those marked first come before its intro."""
    current = line.tree.nodes[state.node]
    options = list(enumerate(offered(current, actions), start=1))
    for first in (True, False):
        if not first and intro:
            speaker.add_all(gather, state.lang, current.intro)
        for number, option in options:
            if option.first == first:
                speaker.add_all(gather, state.lang, [_label(line, state, option), f"press.{number}"])


def _label(line: Line, state: State, option: Option) -> str:
    """An option's prompt; the offer to resume names the topic the caller left, when it has a name."""
    if option.action == "resume" and state.origin:
        left = line.tree.nodes.get(state.origin.partition(":")[0])
        if left is not None and left.resume:
            return left.resume
    return option.label


def _step_keys(current: Node, state: State, in_full: bool) -> list[str]:
    """What follows a step: every key the first time, else only how to go on."""
    last = state.step == len(current.steps) - 1
    forward = "step.next" if not last else ("step.continue" if current.then else "step.done")
    if not in_full:
        return ["cue.next" if not last else forward]
    return [forward, "hint.previous" if state.step else "hint.back", "hint.repeat"]


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


def transfer(line: Line, speaker: Speaker, links: Links, lang: str) -> str:
    """Connect the caller to the CCC; Twilio tells the dial's outcome to `links.dialled(lang)`."""
    response = VoiceResponse()
    speaker.add(response, lang, "transfer.connecting")
    response.dial(line.ccc_number, action=links.dialled(lang), method="POST", timeout=line.transfer_timeout)
    return str(response)


def reject() -> str:
    """Refuse a ring as busy: Twilio does not bill a call it never picked up."""
    response = VoiceResponse()
    response.reject(reason="busy")
    return str(response)


def hang_up() -> str:
    """End the call without a word."""
    response = VoiceResponse()
    response.hangup()
    return str(response)


def farewell(speaker: Speaker, langs: list[str] | tuple[str, ...], key: str) -> str:
    """Say one closing prompt (goodbye, apology) in each language given, then hang up."""
    response = VoiceResponse()
    for lang in langs:
        speaker.add(response, lang, key)
    response.hangup()
    return str(response)
