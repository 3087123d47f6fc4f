"""What the stats page says, for all languages or one: from a tally, the menu tree and the words."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from ..content import Catalog, Language, Tree
from ..tracking import END_KINDS, LENGTH_BUCKETS, NO_LANGUAGE, TRANSFER_OUTCOMES, UNKNOWN, Event
from .charts import BarChart, ColumnChart, Row, Series, bar_chart, column_chart
from .tally import Tally

ALL = "all"
TOP = 10  # places listed in "where calls end" and "steps callers repeat"
WORDS = 60  # characters of a prompt shown beside its place
MAX_DAYS = 92  # days the chart over time draws at most, the latest
END_LABELS = {
    "in_menu": "hung up in a menu",
    "in_step": "hung up during a step",
    "after_last_step": "hung up at the last step of a topic",
    "transferred": "put through to the CCC",
    "by_line": "the line hung up (no key pressed)",
    UNKNOWN: "not known (no note of the call)",
}
LENGTH_LABELS = {"30": "up to 30 s", "60": "30 s to 1 min", "120": "1 to 2 min", "180": "2 to 3 min",
                 "300": "3 to 5 min", "600": "5 to 10 min", "900": "10 to 15 min", "1800": "15 to 30 min",
                 "more": f"over {LENGTH_BUCKETS[-1] // 60} min"}
TRANSFER_LABELS = {"connected": "connected", "busy": "busy", "no_answer": "no answer", "failed": "failed",
                   "closed": "outside opening hours"}


@dataclass(frozen=True)
class Place:
    """A place of the call as the page names it: node and step, and the words the caller hears there."""

    node: str
    step: int
    label: str
    words: str

    @property
    def key(self) -> str:
        """'create:3', as the log lines and URLs name a place."""
        return f"{self.node}:{self.step}"


@dataclass(frozen=True)
class PlaceCounts:
    """Everything counted at one place."""

    place: Place
    reached: int
    repeated: int
    back: int
    help: int
    ended: int


@dataclass(frozen=True)
class Figure:
    """A headline number."""

    name: str
    label: str
    value: int
    note: str = ""


@dataclass(frozen=True)
class View:
    """The page for all languages (code 'all') or for one."""

    code: str
    title: str
    lang: str | None  # the language of the words shown (None: French, for all languages)
    figures: list[Figure]
    unreported: int  # calls answered whose end Twilio has not reported (all languages only)
    funnel_title: str
    funnel: list[PlaceCounts]
    funnel_chart: BarChart
    ends: BarChart
    end_kinds: BarChart
    repeated: BarChart
    languages: BarChart | None
    over_time: ColumnChart
    transfers: BarChart
    lengths: BarChart
    places: list[PlaceCounts]


def funnel_places(tree: Tree, start: str) -> list[tuple[str, int]]:
    """The places of a topic in the order a caller meets them: its steps, what follows, the branches."""
    found: list[tuple[str, int]] = []
    seen: set[str] = set()

    def walk(name: str | None) -> None:
        if name is None or name in seen or name not in tree.nodes or name in (tree.help, tree.start):
            return
        seen.add(name)
        node = tree.nodes[name]
        found.extend((name, step) for step in range(max(len(node.steps), 1)))
        walk(node.then)
        for option in node.options:
            walk(option.go)

    walk(start)
    return found


def finishing_places(tree: Tree, places: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The last steps of the topic's sequences that lead nowhere further in it: reaching one is finishing."""
    names = {name for name, _ in places}
    return [(name, step) for name, step in places
            if tree.nodes[name].kind == "steps" and step == len(tree.nodes[name].steps) - 1
            and tree.nodes[name].then not in names]


class Summariser:
    """Turns a tally into the page's views, naming places with the tree and the words of a language."""

    def __init__(self, catalog: Catalog, tree: Tree, funnel: str) -> None:
        self.catalog = catalog
        self.tree = tree
        self.funnel = funnel if funnel in tree.nodes else tree.start

    def views(self, tally: Tally, codes: list[str] | None = None) -> list[View]:
        """All languages, then each language asked for (by default every one that has content)."""
        wanted = list(self.catalog.languages) if codes is None else codes
        return [self.view(tally, ALL), *(self.view(tally, code) for code in wanted)]

    def place(self, node: str, step: int, language: Language) -> Place:
        """How the page names a place, with the first words said there."""
        if node == UNKNOWN:
            return Place(node, step, "not known", "")
        found = self.tree.nodes[node]
        if found.kind == "steps":
            label = f"{node} · step {step + 1} of {len(found.steps)}"
            key = found.steps[step]
        else:
            label = "choice of language" if node == self.tree.entry else f"{node} menu"
            key = next(iter([*found.intro, *(option.label for option in found.options)]), "")
        words = language.words(key) if key in language.prompts else ""
        if len(words) > WORDS:
            words = words[:WORDS].rsplit(" ", 1)[0] + "…"
        return Place(node, step, label, words)

    def view(self, tally: Tally, code: str) -> View:
        """The page for one language, or for all ('all')."""
        every = code == ALL
        language = self.catalog.reference if every else self.catalog.languages[code]
        total = tally.total()

        def mine(event: Event) -> bool:
            return every or (len(event) > 1 and event[1] == code)

        def at(kind: str) -> Counter[tuple[str, int]]:
            found: Counter[tuple[str, int]] = Counter()
            for event, count in total.items():
                if event[0] == kind and len(event) >= 4 and mine(event) and event[3].isdigit():
                    found[(event[2], int(event[3]))] += count
            return found

        reached, repeated, back, help_, ended = (at(kind) for kind in ("reached", "repeated", "back", "help",
                                                                        "ended"))

        def counts(node: str, step: int) -> PlaceCounts:
            where = (node, step)
            return PlaceCounts(self.place(node, step, language), reached[where], repeated[where], back[where],
                               help_[where], ended[where])

        def summed(kind: str, *labels: str) -> int:
            return sum(count for event, count in total.items()
                       if event[0] == kind and mine(event) and event[2:2 + len(labels)] == labels)

        funnel = [counts(*where) for where in funnel_places(self.tree, self.funnel)]
        finishing = set(finishing_places(self.tree, [(p.place.node, p.place.step) for p in funnel]))
        finished = sum(row.reached for row in funnel if (row.place.node, row.place.step) in finishing)
        calls_ended = sum(ended.values())
        answered = total[("answered",)]
        started = funnel[0].reached if funnel else 0
        figures = [
            *([Figure("answered", "calls answered", answered), Figure("ended", "calls ended", calls_ended)]
              if every else [Figure("calls", "calls that ended in this language", calls_ended)]),
            Figure("started", f"started “{self.funnel}”", started),
            Figure("finished", f"reached the end of “{self.funnel}”", finished, _share(finished, started)),
            Figure("help", "asked for help", sum(help_.values())),
            Figure("transfers", "asked to be put through to the CCC", summed("transfer")),
            Figure("connected", "transfers that connected", summed("transfer_end", "connected"),
                   _share(summed("transfer_end", "connected"), summed("transfer"))),
            Figure("sms_sent", "text messages sent", summed("sms", "sent")),
            Figure("sms_failed", "text messages that failed", summed("sms", "failed")),
        ]
        places = [counts(node, step) for node, step in self.every_place()
                  if reached[(node, step)] or repeated[(node, step)] or back[(node, step)]
                  or help_[(node, step)] or ended[(node, step)]]
        if ended[(UNKNOWN, 0)]:
            places.append(counts(UNKNOWN, 0))
        return View(
            code=code,
            title="All languages" if every else f"{language.name} ({code})",
            lang=None if every else code,
            figures=figures,
            unreported=max(answered - calls_ended, 0) if every else 0,
            funnel_title=self.funnel,
            funnel=funnel,
            funnel_chart=bar_chart([Row(row.place.label, row.reached, _share(row.reached, started),
                                        key=row.place.key) for row in funnel]),
            ends=bar_chart([Row(row.place.label, row.ended, _share(row.ended, calls_ended), key=row.place.key)
                            for row in sorted(places, key=lambda row: -row.ended)[:TOP] if row.ended]),
            end_kinds=bar_chart([Row(END_LABELS[kind], self._ended_by(total, mine, kind), kind=kind, key=kind)
                                 for kind in END_KINDS]),
            repeated=bar_chart(self._repeated(places)),
            languages=self._languages(total) if every else None,
            over_time=self._over_time(tally, mine, every),
            transfers=bar_chart([Row("asked for", summed("transfer"), key="asked"), *(
                Row(TRANSFER_LABELS[outcome], summed("transfer_end", outcome), key=outcome)
                for outcome in TRANSFER_OUTCOMES)]),
            lengths=bar_chart(_trimmed([Row(label, summed("length", bound), key=bound)
                                        for bound, label in LENGTH_LABELS.items()])),
            places=places,
        )

    def every_place(self) -> list[tuple[str, int]]:
        """Every place of the tree, in the tree's order."""
        return [(name, step) for name, node in self.tree.nodes.items()
                for step in range(max(len(node.steps), 1))]

    @staticmethod
    def _ended_by(total: Counter[Event], mine: Callable[[Event], bool], kind: str) -> int:
        return sum(count for event, count in total.items()
                   if event[0] == "ended" and len(event) == 5 and event[4] == kind and mine(event))

    @staticmethod
    def _repeated(places: list[PlaceCounts]) -> list[Row]:
        """Places callers asked to hear again or went back from most, with how often per arrival."""
        confusing = sorted((row for row in places if row.repeated + row.back),
                           key=lambda row: (-(row.repeated + row.back), row.place.key))[:TOP]
        rows = []
        for row in confusing:
            note = f"{row.repeated} again, {row.back} back, {row.reached} arrivals"
            rows.append(Row(row.place.label, row.repeated + row.back, note, key=row.place.key))
        return rows

    def _languages(self, total: Counter[Event]) -> BarChart:
        """Calls by the language they ended in (before any choice: none)."""
        by_language: Counter[str] = Counter()
        for event, count in total.items():
            if event[0] == "ended" and len(event) > 1:
                by_language[event[1]] += count
        calls = sum(by_language.values())
        rows = [Row(f"{language.name} ({language.code})", by_language[language.code],
                    _share(by_language[language.code], calls), key=language.code)
                for language in self.catalog.ordered()]
        rows.append(Row("before choosing a language", by_language[NO_LANGUAGE],
                        _share(by_language[NO_LANGUAGE], calls), key=NO_LANGUAGE))
        return bar_chart(rows)

    @staticmethod
    def _over_time(tally: Tally, mine: Callable[[Event], bool], every: bool) -> ColumnChart:
        """Calls, help and transfers per day."""
        days = list(tally.days)[-MAX_DAYS:]

        def per_day(test: Callable[[Event], bool]) -> list[int]:
            return [sum(count for event, count in tally.days[day].items() if test(event)) for day in days]

        calls = per_day(lambda e: e == ("answered",)) if every else per_day(
            lambda e: e[0] == "ended" and mine(e))
        return column_chart(days, [
            Series("calls answered" if every else "calls", "calls", calls),
            Series("asked for help", "help", per_day(lambda e: e[0] == "help" and mine(e))),
            Series("put through to the CCC", "transfer", per_day(lambda e: e[0] == "transfer" and mine(e))),
        ])


def _trimmed(rows: list[Row]) -> list[Row]:
    """The rows from the first to the last that counts something (all of them when none does)."""
    counted = [index for index, row in enumerate(rows) if row.value]
    return rows[counted[0]:counted[-1] + 1] if counted else rows


def _share(part: int, whole: int) -> str:
    """'42 %' of a whole, or nothing when there is no whole."""
    return f"{round(100 * part / whole)} %" if whole else ""
