"""What every page shares: the list of pages, the language picker, and a language from the URL."""

from __future__ import annotations

from typing import Any

from flask import abort, g, request, url_for

from ..content import REFERENCE_LANGUAGE, Language
from .workspace import current_workspace

# The pages in the order the header lists them: (endpoint, label, whether it is per language).
# Another page is one more blueprint and one more line here.
PAGES: list[tuple[str, str, bool]] = [
    ("callmap.page", "Call map", True),
    ("phone.page", "Phone", False),
    ("review.page", "Review", True),
    ("record.page", "Record", True),
    ("stats.page", "Stats", False),
]


def known_language(code: str) -> Language:
    """The language a URL names, or 404."""
    language = current_workspace().catalog().languages.get(code)
    if language is None:
        abort(404, f"There is no content file for the language '{code}'.")
    g.lang = code
    return language


def navigation() -> dict[str, Any]:
    """The header's links: every page in the language being looked at, and that page in every language."""
    snapshot = current_workspace().snapshot()
    lang = g.get("lang") or request.args.get("lang") or REFERENCE_LANGUAGE
    # The page being shown is the one of this blueprint, whichever of its views answered (a refused edit).
    current = next((page for page in PAGES if page[0].partition(".")[0] == request.blueprint), None)
    # A page without a language keeps it as ?lang=, so the next page opens in the same one.
    pages = [(url_for(name, lang=lang), label, current is not None and name == current[0])
             for name, label, _ in PAGES]
    languages = []
    if snapshot.catalog is not None and current is not None and current[2]:
        kept: dict[str, Any] = _kept_args()
        languages = [(url_for(current[0], lang=language.code, **kept), language, language.code == lang)
                     for language in snapshot.catalog.ordered()]
    return {"pages": pages, "languages": languages, "studio_name": "ANEF line studio"}


def _kept_args() -> dict[str, str]:
    """Query arguments that survive a change of language (a review filter)."""
    return {name: value for name, value in request.args.items() if name in ("show",)}
