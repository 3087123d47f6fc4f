"""What a menu option does when it leads to no place: one table from action name to handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from . import answers, hours, tracking
from .caller import Call
from .content import ContentError, Tree
from .line import Line
from .navigation import State, restore
from .turn import Turn


@dataclass(frozen=True)
class Action:
    """An action: whether a call may be offered it, and what it answers."""

    offered: Callable[[Line, Call], bool]
    run: Callable[[Turn, State], str]


def transfer(turn: Turn, state: State) -> str:
    """Put the caller through to the CCC, or, outside its hours, say so and offer what else there is."""
    line = turn.line
    if line.hours is not None and not line.hours.is_open(hours.paris_now()):
        back_at = state.at(line.tree.unanswered or line.tree.help)
        tracking.transfer_ended(state.lang, "closed", back_at=back_at)
        return turn.show(back_at, result="transfer.closed")
    key = ("transfer", state.lang, turn.links, turn.files.version)
    return turn.cache.get(key, lambda: answers.transfer(line, turn.speaker, turn.links, state.lang))


def text_message(turn: Turn, state: State) -> str:
    """Text the caller the website and the CCC number, say whether it went, then offer the same keys."""
    sms = turn.line.sms
    sent = sms is not None and sms.send(turn.call, state.lang)
    tracking.sms_result(state.lang, sent)
    after = replace(turn, actions=available(turn.line, turn.call))  # the option disappears once used
    return after.show(replace(state, silent=0, wrong=0), result="sms.sent" if sent else "sms.failed")


def resume(turn: Turn, state: State) -> str:
    """A returning caller goes on where their last call ended."""
    return turn.show(restore(turn.line.tree, state, state.origin or turn.line.tree.start))


def _always(line: Line, call: Call) -> bool:
    return True


def _open_now(line: Line, call: Call) -> bool:
    # Trying again outside the centre's hours would only say it is closed again.
    return line.hours is None or line.hours.is_open(hours.paris_now())


def _may_text(line: Line, call: Call) -> bool:
    return line.sms is not None and line.sms.offered(call)


ACTIONS: dict[str, Action] = {
    "transfer": Action(offered=_always, run=transfer),
    "retry": Action(offered=_open_now, run=transfer),
    "sms": Action(offered=_may_text, run=text_message),
    "resume": Action(offered=_always, run=resume),
}


def available(line: Line, call: Call) -> frozenset[str]:
    """The actions this call may use now: the line's, less those this caller may not have (SMS)."""
    return frozenset(name for name in line.actions if ACTIONS[name].offered(line, call))


def check_actions(tree: Tree, menu_file: Path) -> None:
    """Refuse to start when the menu tree names an action this table cannot carry out."""
    for where, name in tree.actions():
        if name not in ACTIONS:
            known = ", ".join(sorted(ACTIONS))
            raise ContentError(menu_file, where, f"unknown action '{name}' (known: {known})")
