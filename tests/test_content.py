"""The loader refuses broken content, naming the file and the key; every language is complete."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from flask import Flask

from ivr.content import CONTENT_DIR, ContentError, load_catalog, source_hash

from . import catalog_cache
from .conftest import LANGUAGES

CATALOG = load_catalog()
REFERENCE = CATALOG.reference
CCC_SPOKEN = "0, 8, 0, 6, 0, 0, 1, 6, 2, 0"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A private copy of the content, to break."""
    folder = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, folder)
    return folder


def edit(path: Path, change: Callable[[dict[str, object]], None]) -> None:
    """Load a YAML file, change it, write it back."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


def other_language() -> str:
    """A non-reference language on disk, or French itself when it is alone."""
    return next((code for code in LANGUAGES if code != "fr"), "fr")


def test_the_suites_cached_loader_answers_as_the_line_loader(content: Path) -> None:
    for folder in (CONTENT_DIR, content):
        assert catalog_cache.load_catalog(folder) == catalog_cache.load_catalog_uncached(folder)
    assert catalog_cache.load_catalog(content).languages["fr"].path == content / "fr.yaml"
    edit(content / "fr.yaml", lambda data: data["prompts"].pop("welcome"))  # type: ignore[attr-defined]
    with pytest.raises(ContentError, match=r"key 'prompts\.welcome'"):
        catalog_cache.load_catalog(content)


def test_a_missing_key_names_the_file_and_the_key(content: Path) -> None:
    lang = other_language()
    edit(content / f"{lang}.yaml", lambda data: data["prompts"].pop("help.number"))  # type: ignore[attr-defined]
    with pytest.raises(ContentError) as error:
        load_catalog(content)
    assert str(error.value).startswith(f"{content / f'{lang}.yaml'}: key 'prompts.help.number'")


def test_an_extra_key_is_refused(content: Path) -> None:
    lang = other_language()
    if lang == "fr":
        pytest.skip("needs a second language")
    edit(content / f"{lang}.yaml", lambda data: data["prompts"].update({"stray": {"text": "x"}}))  # type: ignore[attr-defined]
    with pytest.raises(ContentError, match=r"key 'prompts\.stray': unknown"):
        load_catalog(content)


def test_a_menu_option_to_an_unknown_node(content: Path) -> None:
    edit(content / "menu.yaml", lambda data: data["nodes"]["main"]["options"][1].update({"go": "nowhere"}))  # type: ignore[index]
    with pytest.raises(ContentError) as error:
        load_catalog(content)
    assert (
        str(error.value)
        == f"{content / 'menu.yaml'}: key 'nodes.main.options[1].go': points to unknown node 'nowhere'"
    )


def test_a_tree_key_french_lacks(content: Path) -> None:
    edit(content / "menu.yaml", lambda data: data["nodes"]["about"]["steps"].append("about.99"))  # type: ignore[index]
    with pytest.raises(ContentError, match=r"fr\.yaml: key 'prompts\.about\.99': missing"):
        load_catalog(content)


def test_a_file_named_for_another_language(content: Path) -> None:
    edit(content / "fr.yaml", lambda data: data.update({"language": "en"}))
    with pytest.raises(ContentError, match=r"fr\.yaml: key 'language': says 'en'"):
        load_catalog(content)


def test_an_empty_prompt(content: Path) -> None:
    edit(content / "fr.yaml", lambda data: data["prompts"]["welcome"].update({"text": "  "}))  # type: ignore[index]
    with pytest.raises(ContentError, match=r"fr\.yaml: key 'prompts\.welcome': has no text"):
        load_catalog(content)


def test_unparsable_yaml(content: Path) -> None:
    (content / "fr.yaml").write_text("prompts: [unclosed", encoding="utf-8")
    with pytest.raises(ContentError, match=r"fr\.yaml: key '-': cannot be read"):
        load_catalog(content)


def test_the_app_refuses_to_start_on_broken_content(content: Path, make_app: Callable[..., Flask]) -> None:
    edit(content / "menu.yaml", lambda data: data.update({"start": "lost"}))
    with pytest.raises(ContentError, match=r"menu\.yaml: key 'start': points to unknown node 'lost'"):
        make_app(CONTENT_DIR=str(content))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_same_keys_as_french(lang: str) -> None:
    # Read the files themselves, not through the loader, so this holds even if the loader's check broke.
    def keys(code: str) -> set[str]:
        return set(yaml.safe_load((CONTENT_DIR / f"{code}.yaml").read_text(encoding="utf-8"))["prompts"])

    assert keys(lang) == keys("fr")


def test_an_action_the_line_cannot_carry_out_stops_it(content: Path, make_app: Callable[..., Flask]) -> None:
    edit(content / "menu.yaml",
         lambda data: data["nodes"]["help"]["options"][0].update({"action": "fax"}))  # type: ignore[index]
    with pytest.raises(ContentError) as error:
        make_app(CONTENT_DIR=str(content))
    assert str(error.value).startswith(
        f"{content / 'menu.yaml'}: key 'nodes.help.options[0].action': unknown action 'fax'")


def test_the_entry_must_be_the_language_menu(content: Path) -> None:
    edit(content / "menu.yaml", lambda data: data.update({"entry": "main"}))
    with pytest.raises(ContentError, match=r"menu\.yaml: key 'entry': must name the node of kind 'languag"):
        load_catalog(content)


@pytest.mark.parametrize("text, problem", [
    ("Cliquez sur <fr>SE CONNECTER", "not closed"),
    ("Cliquez sur <xx>SE CONNECTER</xx>", "'xx', which has no content file"),
])
def test_span_markup_is_checked(content: Path, text: str, problem: str) -> None:
    edit(content / "en.yaml", lambda data: data["prompts"]["create.2"].update({"text": text}))  # type: ignore[index]
    with pytest.raises(ContentError) as error:
        load_catalog(content)
    assert "en.yaml: key 'prompts.create.2" in str(error.value) and problem in str(error.value)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_same_placeholders_as_french(lang: str) -> None:
    for key, prompt in REFERENCE.prompts.items():
        theirs = CATALOG.languages[lang].words(key)
        assert sorted(re.findall(r"\{\w+\}", theirs)) == sorted(re.findall(r"\{\w+\}", prompt.text)), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_ccc_number_is_wherever_french_has_it(lang: str) -> None:
    for key, prompt in REFERENCE.prompts.items():
        if CCC_SPOKEN in prompt.text:
            assert CCC_SPOKEN in CATALOG.languages[lang].words(key), key


@pytest.mark.parametrize("lang", LANGUAGES)
def test_translations_say_where_they_come_from(lang: str) -> None:
    language = CATALOG.languages[lang]
    for key, prompt in language.prompts.items():
        if lang == "fr":
            assert prompt.review == "source"
        else:
            assert prompt.review in ("machine", "native"), key
            assert prompt.source is not None and re.fullmatch(r"[0-9a-f]{12}", prompt.source), key


def test_source_hash_is_stable() -> None:
    assert source_hash("Bonjour.") == source_hash("Bonjour.")
    assert source_hash("Bonjour.") != source_hash("Bonjour !")
