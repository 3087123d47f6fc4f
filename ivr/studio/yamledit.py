"""Change one prompt in a language file, keeping its comments and order, only if the loader accepts it."""

from __future__ import annotations

import io
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap
from ruamel.yaml.scalarstring import DoubleQuotedScalarString

from ..content import REFERENCE_LANGUAGE, ContentError, load_catalog, source_hash

NATIVE = "native"


class EditRefused(Exception):
    """The change would break the content: the message is the loader's, naming the file and key."""


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long prompt onto several lines
    return yaml


def dump(document: Any) -> str:
    """A document back to text, as ruamel wrote it."""
    out = io.StringIO()
    _yaml().dump(document, out)
    return out.getvalue()


def one_line(text: str) -> str:
    """A prompt as typed in a text box: line breaks become spaces, the ends are trimmed."""
    return re.sub(r"\s*[\r\n]+\s*", " ", text).strip()


def changed(path: Path, key: str, *, text: str | None = None, approve: bool = False,
            french: str | None = None) -> str:
    """The file's new text with one prompt's words replaced and/or marked as reviewed by a native speaker."""
    document = _yaml().load(path.read_text(encoding="utf-8"))
    prompts = document.get("prompts") if isinstance(document, CommentedMap) else None
    prompt = prompts.get(key) if isinstance(prompts, CommentedMap) else None
    if not isinstance(prompt, CommentedMap):
        raise KeyError(key)
    if text is not None:
        prompt["text"] = DoubleQuotedScalarString(one_line(text))
    if approve:
        if french is None:
            raise ValueError("approving needs the French text the translation was checked against")
        _put_after(prompt, "text", "review", NATIVE)
        _put_after(prompt, "review", "source", source_hash(french))
    return dump(document)


def _put_after(mapping: CommentedMap, after: str, key: str, value: str) -> None:
    """Set a key, placed after another when it is new, so every prompt reads text, review, source."""
    if key in mapping:
        mapping[key] = value
    else:
        mapping.insert(list(mapping).index(after) + 1 if after in mapping else len(mapping), key, value)


def write_checked(folder: Path, name: str, text: str) -> None:
    """Write a content file's new text once the loader accepts the whole folder with it; else EditRefused."""
    with tempfile.TemporaryDirectory(prefix="studio-check-") as scratch:
        copy = Path(scratch)
        for path in folder.glob("*.yaml"):
            shutil.copyfile(path, copy / path.name)
        (copy / name).write_text(text, encoding="utf-8")
        try:
            load_catalog(copy)
        except ContentError as error:
            # The loader named the copy: name the file the person edits instead.
            raise EditRefused(str(error).replace(str(copy), str(folder))) from error
    target = folder / name
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=folder, suffix=".tmp",
                                     delete=False) as handle:
        handle.write(text)
    if target.exists():
        shutil.copymode(target, handle.name)  # a temporary file is private; the content file was not
    os.replace(handle.name, target)


def edit_prompt(folder: Path, lang: str, key: str, *, text: str | None = None, approve: bool = False,
                french: str | None = None) -> None:
    """Apply one prompt's change to <lang>.yaml, checked by the loader first."""
    if approve and lang == REFERENCE_LANGUAGE:
        raise EditRefused("French is the source text: there is no translation to approve.")
    path = folder / f"{lang}.yaml"
    write_checked(folder, path.name, changed(path, key, text=text, approve=approve, french=french))
