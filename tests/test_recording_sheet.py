"""The recording sheet lists every spoken prompt, with the French beside it."""

from __future__ import annotations

import html
from pathlib import Path

import pytest

from ivr.content import load_catalog
from scripts.recording_sheet import render

from .conftest import LANGUAGES

CATALOG = load_catalog()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_spoken_prompt_is_listed_once(lang: str, tmp_path: Path) -> None:
    page = render(CATALOG, lang, tmp_path)
    for key in CATALOG.languages[lang].spoken_keys():
        assert page.count(f"<code>{key}.wav</code>") == 1
    assert "<code>sms.body.wav</code>" not in page


def test_recorded_prompts_are_marked(tmp_path: Path) -> None:
    (tmp_path / "fr").mkdir()
    (tmp_path / "fr" / "welcome.mp3").write_bytes(b"ID3")
    page = render(CATALOG, "fr", tmp_path)
    total = len(CATALOG.reference.spoken_keys())
    assert f"{total - 1} prompts to record, 1 already recorded" in page
    assert '<code>welcome.wav</code> ✓ recorded' in page


def test_french_words_inside_another_language_are_set_apart() -> None:
    catalog = load_catalog()
    page = render(catalog, "ar")
    spans = catalog.languages["ar"].prompts["create.2"].spans
    french = next(span.text for span in spans if span.lang == "fr")
    assert f'<span class="other" lang="fr">{html.escape(french)}</span>' in page
    assert "&lt;fr&gt;" not in page  # the markup itself is not shown
