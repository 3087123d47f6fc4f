"""The text message: GSM-7 or UCS-2, its segment count, and every language's text within 3 segments."""

from __future__ import annotations

import pytest

from ivr.content import load_catalog
from ivr.sms_text import FICHE_URL, GSM7, MAX_SEGMENTS, SMS_BODY, UCS2, sms_message, sms_segments

from .conftest import LANGUAGES

CATALOG = load_catalog()
ANEF = "https://administration-etrangers-en-france.interieur.gouv.fr"
# Scripts GSM-7 cannot carry: the whole text then goes as UCS-2.
NON_LATIN = {"ar", "fa", "ps", "ti", "ru", "uk"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", (GSM7, 0)),
        ("Bonjour. Créer votre compte à l'ANEF : Étrangers, problème, numéro.", (GSM7, 1)),
        ("a" * 160, (GSM7, 1)),
        ("a" * 161, (GSM7, 2)),
        ("a" * 306, (GSM7, 2)),
        ("a" * 307, (GSM7, 3)),
        ("€" * 80, (GSM7, 1)),  # the extension table costs two septets each: 160
        ("€" * 81, (GSM7, 2)),
        ("a" * 152 + "€" + "a" * 152, (GSM7, 3)),  # 306 septets, but the escape pair is not cut
        ("ж" * 70, (UCS2, 1)),
        ("ж" * 71, (UCS2, 2)),
        ("ж" * 134, (UCS2, 2)),
        ("ж" * 135, (UCS2, 3)),
        ("a" * 70 + "ê", (UCS2, 2)),  # one letter outside GSM-7 turns the whole text to UCS-2
        ("a" * 70 + "’", (UCS2, 2)),  # so does a typographic apostrophe
        ("😀" * 35, (UCS2, 1)),  # past U+FFFF: two UTF-16 units each
        ("a" * 66 + "😀" + "a" * 66, (UCS2, 3)),  # 134 units, but the surrogate pair is not cut
    ],
)
def test_segments(text: str, expected: tuple[str, int]) -> None:
    assert sms_segments(text) == expected


def test_the_french_message_in_full() -> None:
    text = sms_message(CATALOG.languages["fr"])
    assert text == (
        "Bonjour. Créer votre compte sur le site Étrangers en France (ANEF) : "
        f"{ANEF} Problème technique : centre de contact citoyens (CCC), 0 806 001 620, numéro gratuit. "
        "La fiche Réfugiés.info : https://refugies.info/fr/demarche/63401d8783f485a025e88388"
    )
    assert sms_segments(text) == (GSM7, 2)


def test_the_link_follows_the_template() -> None:
    text = sms_message(CATALOG.languages["fr"], "https://example.org/{lang}/x")
    assert text.endswith("La fiche Réfugiés.info : https://example.org/fr/x")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_fits_three_segments(lang: str) -> None:
    language = CATALOG.languages[lang]
    assert language.prompts[SMS_BODY].channel == "sms"
    assert language.words(SMS_BODY).count("{link}") == 1
    text = sms_message(language)
    assert FICHE_URL.replace("{lang}", lang) in text
    assert ANEF in text
    assert "806" in text and "620" in text  # the CCC number, written as digits
    encoding, segments = sms_segments(text)
    assert segments <= MAX_SEGMENTS, f"{lang}: {segments} segments ({encoding}), {len(text)} characters"
    if lang in NON_LATIN:
        assert encoding == UCS2

