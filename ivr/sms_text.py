"""The text message itself: its words in each language, and how many SMS segments it costs."""

from __future__ import annotations

from .content import Language

SMS_BODY = "sms.body"
# Réfugiés.info's fiche "Créer un compte ... (ANEF)"; its first path segment is the locale, our language code.
FICHE_URL = "https://refugies.info/{lang}/demarche/63401d8783f485a025e88388"
MAX_SEGMENTS = 3  # each segment is billed; tests/test_sms_text.py holds every language to this

GSM7, UCS2 = "GSM-7", "UCS-2"
# GSM 03.38: one septet each; the extension table costs two (an escape, then the character).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = frozenset("\f^{}\\[~]|€")
# (units in a lone segment, units per segment once split: the rest carries the concatenation header)
CAPACITY = {GSM7: (160, 153), UCS2: (70, 67)}


def sms_segments(text: str) -> tuple[str, int]:
    """How a text travels: its encoding (GSM-7, else UCS-2 for the whole text) and its segment count."""
    if all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text):
        encoding, units = GSM7, [2 if char in GSM7_EXTENDED else 1 for char in text]
    else:
        # UCS-2 as phones and Twilio count it: UTF-16 code units, so a character past U+FFFF takes two.
        encoding, units = UCS2, [len(char.encode("utf-16-le")) // 2 for char in text]
    single, part = CAPACITY[encoding]
    if sum(units) <= single:
        return encoding, 1 if units else 0
    # An escape pair or a surrogate pair is never cut between two segments, so pack character by character.
    segments, room = 1, part
    for size in units:
        if size > room:
            segments, room = segments + 1, part
        room -= size
    return encoding, segments


def sms_message(language: Language, fiche_url: str = FICHE_URL) -> str:
    """The text message in one language, with the link to the fiche in that language."""
    link = fiche_url.replace("{lang}", language.code)
    return language.prompts[SMS_BODY].plain.replace("{link}", link)



def main() -> None:
    """Print each language's text message: characters, encoding and segments (python -m ivr.sms_text)."""
    from .content import load_catalog

    for language in load_catalog().ordered():
        text = sms_message(language)
        encoding, segments = sms_segments(text)
        print(f"{language.code}  {len(text):>4} chars  {encoding:<6} {segments} segment(s)")


if __name__ == "__main__":
    main()
