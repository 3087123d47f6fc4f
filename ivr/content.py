"""Load and validate what the line says: the menu tree and one prompt file per language."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

CONTENT_DIR = Path(__file__).parent / "content"
MENU_FILE = "menu.yaml"
REFERENCE_LANGUAGE = "fr"
# libyaml's safe loader is several times faster than the pure-Python one; both refuse arbitrary objects.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# Keys 1..8 carry options; 9, 0, * and # are reserved (repeat, help, back, next).
MAX_OPTIONS = 8
KINDS = ("menu", "steps", "languages")
REVIEW_STATES = frozenset({"source", "machine", "native"})
CHANNELS = frozenset({"voice", "sms"})

# Prompts the code says by key, beyond those the menu tree names.
SYSTEM_KEYS = (
    "welcome",
    "language.option",
    *(f"press.{n}" for n in range(1, MAX_OPTIONS + 1)),
    "hint.repeat",
    "hint.back",
    "hint.previous",
    "hint.help",
    "step.next",
    "step.continue",
    "step.done",
    "cue.next",
    "notice.noinput",
    "notice.wrong",
    "notice.offer_help",
    "goodbye.noinput",
    "error.apology",
    "transfer.connecting",
    "transfer.ended",
    "transfer.closed",
    "callback.intro",
    "sms.sent",
    "sms.failed",
    "sms.body",
)


class ContentError(Exception):
    """A content file is broken; the message names the file and the key."""

    def __init__(self, path: Path, key: str, problem: str) -> None:
        super().__init__(f"{path}: key '{key}': {problem}")
        self.path = path
        self.key = key


# A span of another language inside a prompt, e.g. a French button label in an Arabic sentence:
# "<fr>SE CONNECTER</fr>". The audio builder speaks each span with that language's voice.
SPAN = re.compile(r"<([a-z]{2,3})>(.*?)</\1>", re.DOTALL)
TAG = re.compile(r"</?[a-z]{2,3}>")


@dataclass(frozen=True)
class Span:
    """A run of a prompt's words in one language."""

    lang: str
    text: str


def split_spans(text: str, lang: str) -> tuple[Span, ...]:
    """The prompt's words as runs of one language each; unmarked words are in the file's language."""
    spans: list[Span] = []
    position = 0
    for match in SPAN.finditer(text):
        spans.append(Span(lang, text[position:match.start()]))
        spans.append(Span(match.group(1), match.group(2)))
        position = match.end()
    spans.append(Span(lang, text[position:]))
    return tuple(span for span in spans if span.text.strip())


def plain_text(text: str) -> str:
    """The words without span markup: what a reader sees, and what a text message carries."""
    return SPAN.sub(lambda match: match.group(2), text)


def source_hash(text: str) -> str:
    """Fingerprint of a reference text, so a translation knows when it went stale."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Prompt:
    """One thing the caller hears, with where its words came from."""

    text: str
    review: str
    source: str | None = None
    channel: str = "voice"  # "sms" prompts are written, never spoken or turned into audio
    spans: tuple[Span, ...] = ()  # the words by language; one span when the prompt has no markup

    @property
    def plain(self) -> str:
        """The words without span markup."""
        return plain_text(self.text)


@dataclass(frozen=True)
class Language:
    """One language file: its prompts and how Twilio's <Say> speaks it."""

    code: str
    name: str
    menu_order: int
    say_language: str | None
    say_voice: str | None
    prompts: dict[str, Prompt]
    path: Path

    def text(self, key: str) -> str:
        """The text of one prompt as written, span markup included (what builds its audio)."""
        return self.prompts[key].text

    def words(self, key: str) -> str:
        """The words of one prompt as a listener hears them: no span markup."""
        return self.prompts[key].plain

    def spoken_keys(self) -> list[str]:
        """Keys of the prompts a caller hears (text messages excluded)."""
        return [key for key, prompt in self.prompts.items() if prompt.channel == "voice"]


@dataclass(frozen=True)
class Option:
    """A numbered choice in a menu: it leads to a node or triggers an action."""

    label: str
    go: str | None = None
    action: str | None = None
    lang: str | None = None  # on the language menu: the language the option is said in, and chooses
    first: bool = False  # said before the menu's intro (help leads with the transfer)


@dataclass(frozen=True)
class Node:
    """A place in the call: a menu of options, a sequence of steps, or the choice of language."""

    name: str
    kind: str
    intro: tuple[str, ...] = ()
    options: tuple[Option, ...] = ()
    steps: tuple[str, ...] = ()
    then: str | None = None  # after the last step, or (language menu) where a chosen language leads
    resume: str | None = None  # steps: the prompt offering a returning caller to continue here
    parent: str | None = None


@dataclass(frozen=True)
class Tree:
    """The menu tree shared by every language."""

    entry: str  # where a new call starts: the choice of language
    start: str  # the main menu
    help: str
    nodes: dict[str, Node]
    resume: str | None = None  # a returning caller's first menu: continue where the last call ended
    unanswered: str | None = None  # after a transfer that did not connect, or outside the CCC's hours

    def with_languages(self, codes: list[str] | tuple[str, ...]) -> Tree:
        """The tree whose language menu offers these languages, in this order."""
        menu = self.nodes[self.entry]
        options = tuple(Option(label="language.option", go=menu.then, lang=code) for code in codes)
        nodes = {**self.nodes, menu.name: replace(menu, options=options)}
        return replace(self, nodes=nodes)

    def actions(self) -> list[tuple[str, str]]:
        """Every action the tree names, with where: ("nodes.help.options[0].action", "transfer")."""
        return [(f"nodes.{node.name}.options[{index}].action", option.action)
                for node in self.nodes.values() for index, option in enumerate(node.options)
                if option.action]

    def prompt_keys(self) -> set[str]:
        """Every prompt key the tree refers to."""
        keys: set[str] = set()
        for node in self.nodes.values():
            keys.update(node.intro, node.steps, (option.label for option in node.options))
            keys.update([node.resume] if node.resume else [])
        return keys


@dataclass(frozen=True)
class Catalog:
    """Everything the line can say, validated."""

    tree: Tree
    languages: dict[str, Language]
    folder: Path = field(default=CONTENT_DIR)

    @property
    def reference(self) -> Language:
        """The language every other one is checked against."""
        return self.languages[REFERENCE_LANGUAGE]

    def ordered(self) -> list[Language]:
        """Languages in the order the language menu offers them."""
        return sorted(self.languages.values(), key=lambda lang: (lang.menu_order, lang.code))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise ContentError(path, "-", f"cannot be read: {exc}") from exc
    if not isinstance(data, dict):
        raise ContentError(path, "-", "must be a mapping")
    return data


def _require(data: dict[str, Any], key: str, kind: type, path: Path, where: str = "") -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (isinstance(value, str | list | dict) and not value):
        name = f"{where}.{key}" if where else key
        raise ContentError(path, name, f"missing or not a non-empty {kind.__name__}")
    return value


def _load_tree(path: Path) -> Tree:
    data = _read_yaml(path)
    raw_nodes = _require(data, "nodes", dict, path)
    nodes: dict[str, Node] = {}
    for name, raw in raw_nodes.items():
        if not isinstance(raw, dict):
            raise ContentError(path, f"nodes.{name}", "must be a mapping")
        nodes[name] = _load_node(path, str(name), raw)
    tree = Tree(
        entry=_require(data, "entry", str, path),
        start=_require(data, "start", str, path),
        help=_require(data, "help", str, path),
        nodes=nodes,
        resume=data.get("resume"),
        unanswered=data.get("unanswered"),
    )
    for key in ("entry", "start", "help", "resume", "unanswered"):
        if getattr(tree, key) is not None and getattr(tree, key) not in nodes:
            raise ContentError(path, key, f"points to unknown node '{getattr(tree, key)}'")
    if nodes[tree.entry].kind != "languages":
        raise ContentError(path, "entry", "must name the node of kind 'languages'")
    return _with_parents(path, tree)


def _load_node(path: Path, name: str, raw: dict[str, Any]) -> Node:
    where = f"nodes.{name}"
    kind = _require(raw, "kind", str, path, where)
    if kind == "menu":
        options = []
        for index, item in enumerate(raw.get("options") or []):
            spot = f"{where}.options[{index}]"
            if not isinstance(item, dict) or "label" not in item:
                raise ContentError(path, spot, "needs a label")
            if ("go" in item) == ("action" in item):
                raise ContentError(path, spot, "needs exactly one of 'go' or 'action'")
            options.append(Option(label=item["label"], go=item.get("go"), action=item.get("action"),
                                  first=bool(item.get("first", False))))
        if len(options) > MAX_OPTIONS:
            raise ContentError(path, f"{where}.options", f"more than {MAX_OPTIONS} options")
        intro = tuple(_require(raw, "intro", list, path, where))
        return Node(name=name, kind=kind, intro=intro, options=tuple(options))
    if kind == "steps":
        steps = tuple(_require(raw, "steps", list, path, where))
        return Node(name=name, kind=kind, steps=steps, then=raw.get("then"), resume=raw.get("resume"))
    if kind == "languages":
        # Its options are the languages callers can be served in, known once the app has its audio.
        intro = tuple(_require(raw, "intro", list, path, where))
        return Node(name=name, kind=kind, intro=intro, then=_require(raw, "then", str, path, where))
    raise ContentError(path, f"{where}.kind", f"unknown kind '{kind}' ({', '.join(KINDS)})")


def _with_parents(path: Path, tree: Tree) -> Tree:
    """Check every link and record, for each node, the node '*' goes back to."""
    parents: dict[str, str] = {}
    for node in tree.nodes.values():
        links = [(f"nodes.{node.name}.then", node.then)] if node.then else []
        links += [
            (f"nodes.{node.name}.options[{i}].go", option.go)
            for i, option in enumerate(node.options)
            if option.go
        ]
        for spot, target in links:
            if target not in tree.nodes:
                raise ContentError(path, spot, f"points to unknown node '{target}'")
            # The help node is reached from everywhere; '*' there returns to the caller's origin.
            if target != tree.help:
                parents.setdefault(target, node.name)
    if tree.resume:
        parents[tree.resume] = tree.entry  # '*' on the returning caller's menu: choose another language
    if tree.unanswered:
        parents[tree.unanswered] = tree.help  # a transfer is asked for from help
    for name in tree.nodes:
        if name not in (tree.entry, tree.start, tree.help) and name not in parents:
            raise ContentError(path, f"nodes.{name}", "no menu leads to this node")
    nodes = {
        name: Node(**{**node.__dict__, "parent": parents.get(name)})
        for name, node in tree.nodes.items()
    }
    return replace(tree, nodes=nodes)


def _load_language(path: Path) -> Language:
    data = _read_yaml(path)
    code = _require(data, "language", str, path)
    if code != path.stem:
        raise ContentError(path, "language", f"says '{code}' but the file is named '{path.stem}'")
    raw_prompts = _require(data, "prompts", dict, path)
    prompts: dict[str, Prompt] = {}
    for key, raw in raw_prompts.items():
        if not isinstance(raw, dict):
            raise ContentError(path, f"prompts.{key}", "must be a mapping with 'text'")
        text = raw.get("text")
        if not isinstance(text, str) or not text.strip():
            raise ContentError(path, f"prompts.{key}", "has no text")
        default_review = "source" if code == REFERENCE_LANGUAGE else "machine"
        review = raw.get("review", default_review)
        if review not in REVIEW_STATES:
            raise ContentError(path, f"prompts.{key}.review", f"unknown review state '{review}'")
        channel = raw.get("channel", "voice")
        if channel not in CHANNELS:
            raise ContentError(path, f"prompts.{key}.channel", f"unknown channel '{channel}'")
        text = text.strip()
        if TAG.search(SPAN.sub("", text)):
            raise ContentError(path, f"prompts.{key}.text", "has a language tag that is not closed, "
                               "or nested: write <fr>words</fr>")
        prompts[str(key)] = Prompt(text=text, review=review, source=raw.get("source"), channel=channel,
                                   spans=split_spans(text, code))
    say = data.get("say") or {}
    return Language(
        code=code,
        name=_require(data, "name", str, path),
        menu_order=int(data.get("menu_order", 99)),
        say_language=say.get("language"),
        say_voice=say.get("voice"),
        prompts=prompts,
        path=path,
    )


def load_catalog(folder: Path = CONTENT_DIR) -> Catalog:
    """Read the tree and every language found on disk; raise ContentError on any flaw."""
    tree = _load_tree(folder / MENU_FILE)
    languages = {
        path.stem: _load_language(path)
        for path in sorted(folder.glob("*.yaml"))
        if path.name != MENU_FILE
    }
    reference_path = folder / f"{REFERENCE_LANGUAGE}.yaml"
    if REFERENCE_LANGUAGE not in languages:
        raise ContentError(reference_path, "-", "the reference language file is missing")
    reference = languages[REFERENCE_LANGUAGE]
    for key in sorted(set(SYSTEM_KEYS) | tree.prompt_keys()):
        if key not in reference.prompts:
            raise ContentError(reference.path, f"prompts.{key}", "missing")
    expected = set(reference.prompts)
    for language in languages.values():
        for key, prompt in language.prompts.items():
            for span in prompt.spans:
                if span.lang not in languages:
                    raise ContentError(language.path, f"prompts.{key}.text",
                                       f"marks a span in '{span.lang}', which has no content file")
        keys = set(language.prompts)
        for key in sorted(expected - keys):
            raise ContentError(language.path, f"prompts.{key}", "missing (French has it)")
        for key in sorted(keys - expected):
            raise ContentError(language.path, f"prompts.{key}", "unknown (French does not have it)")
    return Catalog(tree=tree, languages=languages, folder=folder)
