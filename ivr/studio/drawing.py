"""The call map as a picture: the menu tree laid out as an outline, one row per node or way out."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from ..content import Node, Tree
from ..navigation import HELP, offered
from .listening import Listening

MARGIN = 12
INDENT = 30
BOX_WIDTH = 360
BOX_HEIGHT = 70
LINK_HEIGHT = 30
LINK_WIDTH = 260
GAP = 10
TITLE_CHARS = 44  # of a prompt's words on a box: the rest is on the node's panel


@dataclass(frozen=True)
class Exit:
    """A way out of a node: the key, and the node or action it leads to."""

    key: str | None  # None: an action switched off for this line (its option is not offered)
    target: str | None = None
    action: str | None = None


@dataclass(frozen=True)
class Box:
    """A node drawn as a box."""

    name: str
    kind: str
    x: int
    y: int
    key_in: str | None
    words: str
    summary: str
    over: str | None  # "over 30 s" when the node is longer than its budget
    rtl: bool
    width: int = BOX_WIDTH
    height: int = BOX_HEIGHT


@dataclass(frozen=True)
class Link:
    """A way out drawn as a short row: an action, or a key to a node drawn elsewhere on the map."""

    x: int
    y: int
    key: str | None
    label: str
    target: str | None  # the node it leads to, whose box is elsewhere
    height: int = LINK_HEIGHT


@dataclass(frozen=True)
class Wire:
    """The line from a node to one of its rows, with the key that leads there."""

    path: str
    key: str | None
    key_x: int
    key_y: int


@dataclass
class Drawing:
    """Everything the SVG template places."""

    boxes: list[Box] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    wires: list[Wire] = field(default_factory=list)
    width: int = 0
    height: int = 0


def exits(node: Node, actions: frozenset[str]) -> list[Exit]:
    """A node's ways out, whatever its kind: its options as numbered for this line, then what follows."""
    numbers = {id(option): str(number) for number, option in enumerate(offered(node, actions), start=1)}
    found = [Exit(numbers.get(id(option)), option.go, option.action) for option in node.options]
    if node.kind == "languages" and node.then:
        found.append(Exit("1…", node.then))  # each language's own key leads there
    elif node.then:
        found.append(Exit("1", node.then))  # after the last step, "to continue, press 1"
    return found


def is_rtl(text: str) -> bool:
    """Whether the text's first strong character reads right to left."""
    for char in text:
        direction = unicodedata.bidirectional(char)
        if direction in ("R", "AL"):
            return True
        if direction == "L":
            return False
    return False


def shorten(text: str, limit: int = TITLE_CHARS) -> str:
    """The words on one line of a box, cut at a word with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",.;:") + "…"


def seconds_label(seconds: float) -> str:
    """12.3 s, or 2 min 05 s."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes} min {rest:02d} s"


def heard_label(listening: Listening) -> str:
    """How long a node lasts: '27.2 s', '2 min 17 s · longest 23.8 s', '… · 3 without audio'."""
    if listening.problem:
        return "the line does not answer here"
    if not listening.seconds:
        return "no audio yet"
    parts = [seconds_label(listening.seconds)]
    if len(listening.answers) > 1:
        parts.append(f"longest {seconds_label(listening.longest)}")
    if listening.unvoiced:
        parts.append(f"{listening.unvoiced} without audio")
    return " · ".join(parts)


def summary(node: Node, listening: Listening | None) -> str:
    """Size and listening time of a node, for its box."""
    parts = []
    if node.steps:
        parts.append(f"{len(node.steps)} steps")
    if node.options:
        parts.append(f"{len(node.options)} options")
    if listening is not None:
        parts.append(heard_label(listening))
    return " · ".join(parts)


def over_budget(node: Node, listening: Listening | None, budgets: Mapping[str, float]) -> str | None:
    """'over 30 s' when the node's longest answer passes its kind's budget."""
    budget = budgets.get(node.kind, budgets.get("*"))
    if listening is None or budget is None or listening.longest <= budget:
        return None
    return f"over {budget:g} s"


ACTION_LABELS = {"transfer": "transfer to the CCC", "sms": "text message"}


def draw(tree: Tree, actions: frozenset[str], words: Callable[[Node], str],
         listening: Mapping[str, Listening], budgets: Mapping[str, float]) -> Drawing:
    """Lay the tree out from where a call starts, then every node no menu leads to (help: key 0)."""
    drawing = Drawing()
    placed: set[str] = set()
    cursor = MARGIN

    def row(height: int) -> int:
        nonlocal cursor
        top = cursor
        cursor += height + GAP
        return top

    def visit(name: str, depth: int, key_in: str | None) -> Box:
        node = tree.nodes[name]
        placed.add(name)
        text = words(node)
        box = Box(name, node.kind, MARGIN + depth * INDENT, row(BOX_HEIGHT), key_in, shorten(text),
                  summary(node, listening.get(name)), over_budget(node, listening.get(name), budgets),
                  is_rtl(text))
        drawing.boxes.append(box)
        for way in exits(node, actions):
            child_x = MARGIN + (depth + 1) * INDENT
            if way.target and way.target not in placed and tree.nodes[way.target].parent == name:
                child = visit(way.target, depth + 1, way.key)
                wire(box, child.y + BOX_HEIGHT // 2, child_x, way.key)
                continue
            label = ACTION_LABELS.get(way.action or "", way.action or "") if way.action else f"→ {way.target}"
            if way.key is None:
                label += " (switched off)"
            link = Link(child_x, row(LINK_HEIGHT), way.key, label, way.target)
            drawing.links.append(link)
            wire(box, link.y + LINK_HEIGHT // 2, child_x, way.key)
        # Nodes below this one that no key leads to (a returning caller's menu, under the language menu).
        for other, below in tree.nodes.items():
            if below.parent == name and other not in placed:
                child = visit(other, depth + 1, None)
                wire(box, child.y + BOX_HEIGHT // 2, MARGIN + (depth + 1) * INDENT, None)
        return box

    def wire(parent: Box, y: int, x: int, key: str | None) -> None:
        trunk = parent.x + INDENT // 2
        drawing.wires.append(Wire(f"M{trunk},{parent.y + parent.height} V{y} H{x}", key, trunk, y))

    roots = [tree.entry, tree.start] + [name for name, node in tree.nodes.items() if node.parent is None]
    for name in roots:
        if name not in placed:
            visit(name, 0, HELP if name == tree.help else None)
    drawing.width = max([box.x + box.width for box in drawing.boxes]
                        + [link.x + LINK_WIDTH for link in drawing.links] + [0]) + MARGIN
    drawing.height = cursor - GAP + MARGIN
    return drawing
