"""The state machine on its own, as a table: a state and a key in, a move out. No app, no TwiML."""

from __future__ import annotations

import pytest

from ivr.content import load_catalog
from ivr.navigation import Act, Goodbye, Move, Show, State, clamp_step, press

TREE = load_catalog().tree.with_languages(("fr", "en"))
BOTH = frozenset({"transfer", "sms"})
NO_SMS = frozenset({"transfer"})

S = State  # short, so that each case fits on a line

CASES: list[tuple[str, State, str, frozenset[str], Move]] = [
    # The choice of language: each key picks a language and leads to its main menu.
    ("first language", S("fr", "language"), "1", BOTH, Show(S("fr", "main"))),
    ("second language", S("fr", "language"), "2", BOTH, Show(S("en", "main"))),
    ("no such language", S("fr", "language"), "3", BOTH, Show(S("fr", "language", wrong=1), "wrong")),
    ("nothing before it", S("fr", "language"), "*", BOTH, Show(S("fr", "language", wrong=1), "wrong")),
    ("help before a choice", S("fr", "language"), "0", BOTH,
     Show(S("fr", "help", origin="language:0"))),
    ("silence on the language menu", S("fr", "language"), "", BOTH,
     Show(S("fr", "language", silent=1), "noinput")),
    ("third silence", S("fr", "language", silent=2), "", BOTH, Goodbye(S("fr", "language", silent=2))),
    # Menus.
    ("a topic", S("en", "main"), "2", BOTH, Show(S("en", "create"))),
    ("the problem option is help", S("en", "main"), "5", BOTH, Show(S("en", "help", origin="main:0"))),
    ("sms offered", S("en", "main"), "6", BOTH, Act("sms", S("en", "main"))),
    ("sms not offered", S("en", "main"), "6", NO_SMS, Show(S("en", "main", wrong=1), "wrong")),
    ("back from main", S("en", "main"), "*", BOTH, Show(S("en", "language"))),
    ("repeat resets the counts", S("en", "main", silent=1, wrong=2), "9", BOTH, Show(S("en", "main"))),
    ("third wrong key", S("en", "main", wrong=2), "7", BOTH, Show(S("en", "main", wrong=3), "offer_help")),
    ("two keys at once", S("en", "main"), "12", BOTH, Show(S("en", "main", wrong=1), "wrong")),
    ("arabic-indic digit", S("en", "main"), "١", BOTH, Show(S("en", "main", wrong=1), "wrong")),
    # Steps.
    ("next step", S("fr", "create", step=3), "1", BOTH, Show(S("fr", "create", step=4))),
    ("hash is next too", S("fr", "create", step=3), "#", BOTH, Show(S("fr", "create", step=4))),
    ("previous step", S("fr", "create", step=3), "*", BOTH, Show(S("fr", "create", step=2))),
    ("back from the first step", S("fr", "create"), "*", BOTH, Show(S("fr", "main"))),
    ("after the last step, then", S("fr", "create", step=8), "1", BOTH, Show(S("fr", "create_path"))),
    ("after the last step, parent", S("fr", "password", step=3), "1", BOTH, Show(S("fr", "main"))),
    ("back to the parent's last step", S("fr", "create_path"), "*", BOTH, Show(S("fr", "create", step=8))),
    ("a menu key in a step", S("fr", "create", step=1), "5", BOTH,
     Show(S("fr", "create", step=1, wrong=1), "wrong")),
    # Help, and back from it.
    ("help from a step", S("fr", "follow", step=4), "0", BOTH, Show(S("fr", "help", origin="follow:4"))),
    ("back from help", S("fr", "help", origin="follow:4"), "*", BOTH, Show(S("fr", "follow", step=4))),
    ("help again keeps the origin", S("fr", "help", origin="follow:4"), "0", BOTH,
     Show(S("fr", "help", origin="follow:4"))),
    ("back from help, forged origin", S("fr", "help", origin="nowhere:9"), "*", BOTH,
     Show(S("fr", "main"))),
    ("transfer", S("fr", "help", origin="main:0"), "1", BOTH, Act("transfer", S("fr", "help",
                                                                                        origin="main:0"))),
    ("transfers off, sms first", S("fr", "help"), "1", frozenset({"sms"}), Act("sms", S("fr", "help"))),
]


@pytest.mark.parametrize(("state", "digits", "actions", "expected"), [case[1:] for case in CASES],
                         ids=[case[0] for case in CASES])
def test_press(state: State, digits: str, actions: frozenset[str], expected: Move) -> None:
    assert press(TREE, state, digits, actions) == expected


@pytest.mark.parametrize(("raw", "expected"), [("3", 3), ("-1", 0), ("99", 0), ("x", 0), (None, 0), ("", 0)])
def test_steps_from_urls_stay_inside_the_node(raw: str | None, expected: int) -> None:
    assert clamp_step(TREE.nodes["create"], raw) == expected
