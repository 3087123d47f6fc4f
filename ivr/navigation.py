"""Where a key press leads: the call's one state machine, for every menu, free of Flask and TwiML."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .content import Node, Option, Tree

HELP, BACK, REPEAT, NEXT = "0", "*", "9", "#"
MAX_REPROMPTS = 2  # re-prompts after silence before the call ends kindly
OFFER_HELP_AFTER = 3  # wrong keys in a row before help is offered
SLOW_AFTER = 2  # repeats of one step after which it is played slower
# Which full key lists the caller has heard in this call (bits of State.told): after the first of each
# kind, menus and steps end with a short cue instead.
TOLD_MENU_KEYS, TOLD_STEP_KEYS = 1, 2


@dataclass(frozen=True)
class State:
    """Where a caller is; it travels in the URLs, so any worker can serve the next request."""

    lang: str
    node: str
    step: int = 0
    silent: int = 0
    wrong: int = 0
    origin: str | None = None  # help: where '*' returns to; resume: where to continue ("node:step")
    told: int = 0  # which full key lists this call has heard (TOLD_* bits)
    again: int = 0  # times the caller asked to hear this very state again

    def query(self) -> dict[str, str | int]:
        """The URL query that carries this state; zeros are left out to keep URLs short."""
        fields = {"step": self.step, "silent": self.silent, "wrong": self.wrong, "from": self.origin,
                  "told": self.told, "again": self.again}
        return {key: value for key, value in fields.items() if value}

    def at(self, node: str, step: int = 0, origin: str | None = None, lang: str | None = None) -> State:
        """Another place in the same call: counts start afresh, what the caller was told stays."""
        return State(lang or self.lang, node, step, origin=origin, told=self.told)

    @property
    def place(self) -> str:
        """The node and step, as an origin names them."""
        return f"{self.node}:{self.step}"


@dataclass(frozen=True)
class Show:
    """Speak a state, optionally after a short notice (no input, wrong key, offer of help)."""

    state: State
    notice: str | None = None


@dataclass(frozen=True)
class Act:
    """Carry out an action, such as the transfer to the CCC, from a state."""

    action: str
    state: State


@dataclass(frozen=True)
class Goodbye:
    """End the call kindly after too long a silence."""

    state: State


Move = Show | Act | Goodbye


def offered(node: Node, actions: frozenset[str]) -> list[Option]:
    """The options a menu offers now: actions switched off are left out, and numbering closes up."""
    return [option for option in node.options if option.action is None or option.action in actions]


def press(tree: Tree, state: State, digits: str, actions: frozenset[str]) -> Move:
    """Where a key leads from a state."""
    node = tree.nodes[state.node]
    if digits == "":
        return silence(tree, state)
    if digits == HELP:
        origin = state.origin if state.node == tree.help else state.place
        return Show(state.at(tree.help, origin=origin))
    if digits == REPEAT:
        again = min(state.again + 1, SLOW_AFTER) if node.kind == "steps" else 0
        return Show(replace(state, silent=0, wrong=0, again=again))
    if digits == BACK and node.name != tree.entry:  # nothing comes before the choice of language
        return back(tree, state)
    if node.kind == "steps" and digits in ("1", NEXT):
        return forward(tree, state)
    options = offered(node, actions)
    number = option_number(digits)
    if node.kind != "steps" and 1 <= number <= len(options):
        return choose(tree, state, options[number - 1])
    wrong = state.wrong + 1
    notice = "offer_help" if wrong >= OFFER_HELP_AFTER else "wrong"
    return Show(replace(state, silent=0, wrong=wrong, again=0), notice)


def choose(tree: Tree, state: State, option: Option) -> Move:
    """What a menu option does: an action, or a node (in the option's language, on the language menu)."""
    if option.action:
        return Act(option.action, replace(state, silent=0, wrong=0, again=0))
    assert option.go is not None
    origin = state.place if option.go == tree.help else None
    return Show(state.at(option.go, origin=origin, lang=option.lang))


def option_number(digits: str) -> int:
    """The option a key names, or 0 when it names none (only ASCII 1..9 count)."""
    return int(digits) if len(digits) == 1 and "1" <= digits <= "9" else 0


def silence(tree: Tree, state: State) -> Move:
    """What follows when the caller pressed nothing."""
    if state.node == tree.resume:
        # Someone else may be calling from a known number, in another language: let them choose.
        return Show(state.at(tree.entry), "noinput")
    if state.silent >= MAX_REPROMPTS:
        return Goodbye(state)
    return Show(replace(state, silent=state.silent + 1, again=0), "noinput")


def forward(tree: Tree, state: State) -> Move:
    """The next step, or what follows the last one."""
    node = tree.nodes[state.node]
    if state.step + 1 < len(node.steps):
        return Show(state.at(node.name, state.step + 1))
    return Show(state.at(node.then or node.parent or tree.start))


def back(tree: Tree, state: State) -> Move:
    """One level back: the previous step, the origin of help, or the parent menu."""
    node = tree.nodes[state.node]
    if node.name == tree.help:
        return Show(restore(tree, state, state.origin or tree.start))
    if node.kind == "steps" and state.step > 0:
        return Show(state.at(node.name, state.step - 1))
    parent = tree.nodes[node.parent or tree.start]
    last = len(parent.steps) - 1 if parent.kind == "steps" else 0
    return Show(state.at(parent.name, last))


def restore(tree: Tree, state: State, origin: str) -> State:
    """The place an origin string names (never help itself), or the main menu if it names none."""
    name, _, step = origin.partition(":")
    node = tree.nodes.get(name)
    if node is None or name == tree.help:
        return state.at(tree.start)
    return state.at(name, clamp_step(node, step))


def clamp_step(node: Node, raw: str | int | None) -> int:
    """A step index from a URL, kept inside the node's steps."""
    try:
        step = int(raw or 0)
    except ValueError:
        return 0
    return step if 0 <= step < max(len(node.steps), 1) else 0
