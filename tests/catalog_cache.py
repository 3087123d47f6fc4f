"""The tests' content loader: the line's own, run once per distinct set of content files in a process.

Nearly every test builds an app, and every app reads and checks the nine content files (YAML parsing is
most of an app's start). The loader is a function of the files' bytes and the folder's name only, and a
Catalog is never changed once made, so a second load of the same bytes gets the first one's result,
re-homed to the folder asked for. A folder whose files differ in any byte (a test's broken copy, a studio
edit) is read by the real loader; a refusal is never remembered, so every ContentError is the loader's own.
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

from ivr import content
from ivr.content import CONTENT_DIR, Catalog

load_catalog_uncached = content.load_catalog
_loaded: dict[tuple[tuple[str, bytes], ...], Catalog] = {}


def _files(folder: Path) -> tuple[tuple[str, bytes], ...] | None:
    """The folder's content files as the loader finds them, name and bytes; None if one cannot be read."""
    try:
        return tuple((path.name, path.read_bytes()) for path in sorted(folder.glob("*.yaml")))
    except OSError:
        return None


def load_catalog(folder: Path = CONTENT_DIR) -> Catalog:
    """What ivr.content.load_catalog(folder) returns, parsed once per distinct set of files."""
    files = _files(folder) if isinstance(folder, Path) else None
    if files is None:
        return load_catalog_uncached(folder)
    known = _loaded.get(files)
    if known is None:
        known = _loaded[files] = load_catalog_uncached(folder)
    if known.folder == folder:
        return known
    languages = {code: replace(language, path=folder / language.path.name)
                 for code, language in known.languages.items()}
    return replace(known, folder=folder, languages=languages)


def install() -> None:
    """Make every module of the line and its scripts, loaded now or later, call this loader."""
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] in ("ivr", "scripts") and getattr(module, "load_catalog", None) is \
                load_catalog_uncached:
            module.load_catalog = load_catalog
