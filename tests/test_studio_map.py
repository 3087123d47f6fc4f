"""The call map: what each node plays (asked of the line), its seconds, its keys, and the drawing."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.audio.manifest import load, manifest_path
from ivr.content import Node, Option, Tree, load_catalog
from ivr.studio.drawing import draw, exits, heard_label, is_rtl, seconds_label, shorten
from ivr.studio.listening import Listening, listen
from ivr.studio.workspace import current_workspace

from .conftest import LANGUAGES

TREE = load_catalog().tree


def listening_of(studio: Flask, lang: str, node: str) -> Listening:
    with studio.test_request_context():
        return listen(current_workspace(), "http://localhost/", lang, node)


def test_a_menu_plays_its_intro_options_keys_and_hints_in_order(shared_studio: Flask) -> None:
    heard = listening_of(shared_studio, "fr", "main")
    keys = [sound.key for sound in heard.answers[0].sounds]
    assert keys == ["main.intro", "main.option.about", "press.1", "main.option.create", "press.2",
                    "main.option.after", "press.3", "main.option.password", "press.4", "main.option.problem",
                    "press.5", "hint.repeat", "hint.back", "hint.help"]


def test_seconds_are_the_manifest_durations_of_the_files_played(shared_studio: Flask,
                                                                shared_dirs: tuple[Path, Path]) -> None:
    manifest = load(manifest_path(shared_dirs[1]))
    heard = listening_of(shared_studio, "fr", "create")
    assert len(heard.answers) == len(TREE.nodes["create"].steps)
    expected = sum(manifest.languages["fr"][sound.key].duration_ms
                   for answer in heard.answers for sound in answer.sounds if sound.key) / 1000
    assert heard.seconds == pytest.approx(expected)
    assert heard.longest == max(answer.seconds for answer in heard.answers)
    assert heard.unvoiced == 0
    assert heard_label(heard) == f"{seconds_label(heard.seconds)} · longest {seconds_label(heard.longest)}"


def test_prompts_without_audio_are_counted_not_timed(shared_studio: Flask) -> None:
    heard = listening_of(shared_studio, "ps", "main")  # the test build speaks French and Tigrinya only
    assert heard.seconds == 0
    assert heard.unvoiced == len(heard.answers[0].sounds)
    assert heard_label(heard) == "no audio yet"
    assert heard.answers[0].sounds[0].words == load_catalog().languages["ps"].prompts["main.intro"].plain


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_map_draws_every_node_in_every_language(viewer: FlaskClient, lang: str) -> None:
    page = viewer.get(f"/map/{lang}")
    assert page.status_code == 200
    drawn = re.findall(r'class="node[^"]*" data-node="([^"]+)"', page.get_data(as_text=True))
    assert sorted(drawn) == sorted(TREE.nodes)
    for name in TREE.nodes:
        assert f'id="hear-{name}"' in page.get_data(as_text=True)


def test_a_node_over_its_budget_is_marked(make_studio: Callable[..., Flask]) -> None:
    studio = make_studio(STUDIO_BUDGETS={"menu": 5, "steps": 1000})
    page = studio.test_client().get("/map/fr").get_data(as_text=True)
    over = set(re.findall(r'class="node over" data-node="([^"]+)"', page))
    assert over == {name for name, node in TREE.nodes.items() if node.kind == "menu"}
    assert "⚠ over 5 s" in page


def test_the_map_of_an_unknown_language_is_404(viewer: FlaskClient) -> None:
    assert viewer.get("/map/xx").status_code == 404


def test_the_home_page_is_the_french_map(viewer: FlaskClient) -> None:
    assert viewer.get("/").headers["Location"] == "/map/fr"


def test_exits_number_the_options_the_line_offers() -> None:
    main = TREE.nodes["main"]
    ways = exits(main, frozenset({"transfer"}))
    assert [(way.key, way.target or way.action) for way in ways] == [
        ("1", "about"), ("2", "create"), ("3", "after"), ("4", "password"), ("5", "help"), (None, "sms")]
    after_steps = exits(TREE.nodes["create"], frozenset())
    assert [(way.key, way.target) for way in after_steps] == [("1", "create_path")]


def test_a_node_of_a_new_kind_draws_as_a_box_with_its_prompts_and_ways_out() -> None:
    tree = Tree(entry="language", start="language", help="help", nodes={
        "language": Node("language", "languages", intro=("welcome",),
                         options=(Option("language.option", go="main"),), parent=None),
        "main": Node("main", "menu", intro=("main.intro",), parent="language"),
        "help": Node("help", "menu", intro=("help.intro",)),
    })
    drawing = draw(tree, frozenset(), lambda node: node.intro[0], {}, {"*": 30})
    assert [(box.name, box.kind, box.key_in) for box in drawing.boxes] == [
        ("language", "languages", None), ("main", "menu", "1"), ("help", "menu", "0")]
    assert drawing.boxes[0].words == "welcome"
    assert [wire.key for wire in drawing.wires] == ["1"]


def test_the_drawing_places_rows_one_under_another_inside_its_size() -> None:
    drawing = draw(TREE, frozenset({"transfer"}), lambda node: node.name, {}, {"*": 30})
    tops = sorted([box.y for box in drawing.boxes] + [link.y for link in drawing.links])
    assert len(set(tops)) == len(tops)
    assert all(box.x + box.width <= drawing.width and box.y + box.height <= drawing.height
               for box in drawing.boxes)
    labels = [link.label for link in drawing.links]
    assert "→ help" in labels and "transfer to the CCC" in labels and "text message (switched off)" in labels


@pytest.mark.parametrize(("text", "expected"), [("سلام", True), ("ትግርኛ", False), ("«Français»", False),
                                                ("123 دری", True), ("", False)])
def test_direction_follows_the_first_strong_letter(text: str, expected: bool) -> None:
    assert is_rtl(text) is expected


def test_labels() -> None:
    assert seconds_label(12.34) == "12.3 s"
    assert seconds_label(125) == "2 min 05 s"
    assert shorten("un deux trois quatre", 12) == "un deux…"


def test_a_node_the_line_refuses_is_drawn_with_its_complaint(make_studio: Callable[..., Flask]) -> None:
    studio = make_studio()
    workspace = studio.extensions["studio"]
    workspace.line()
    workspace.token = "not the line's token"  # the phones sign wrongly: the line answers 403
    heard = listening_of(studio, "fr", "main")
    assert heard.answers == () and heard.problem is not None and "answered HTTP 403" in heard.problem
    page = studio.test_client().get("/map/fr").get_data(as_text=True)
    assert "the line does not answer here" in page and "answered HTTP 403" in page
