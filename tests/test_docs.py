"""The docs keep up with the code: every setting in the table, a README of a page, no link to nowhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.config import DEFAULTS

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
MARKDOWN = [README, *sorted(DOCS.glob("*.md"))]
MAX_README_LINES = 150

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$", re.MULTILINE)
# Names gunicorn.conf.py and the Azure engine read from the environment, as written in their source.
ENVIRONMENT_NAME = re.compile(r'"([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)"')


def settings_table() -> list[str]:
    """The first cell of each row of the table under "## Settings" in docs/deploying.md."""
    text = (DOCS / "deploying.md").read_text(encoding="utf-8")
    _, found, section = text.partition("\n## Settings\n")
    assert found, "docs/deploying.md has no '## Settings' section"
    rows = [line for line in section.split("\n## ")[0].splitlines() if line.startswith("| `")]
    return [row.split("|")[1] for row in rows]


def named(cells: list[str]) -> set[str]:
    """The names in backticks in the table's first column."""
    return {name for cell in cells for name in re.findall(r"`([^`]+)`", cell)}


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_setting_has_a_row_under_its_environment_name(key: str) -> None:
    assert f"IVR_{key}" in named(settings_table())


@pytest.mark.parametrize("source", ["gunicorn.conf.py", "ivr/audio/engines.py"])
def test_the_environment_gunicorn_and_azure_read_is_in_the_table(source: str) -> None:
    text = (ROOT / source).read_text(encoding="utf-8")
    names = set(ENVIRONMENT_NAME.findall(text))
    assert names, f"{source}: no environment name found; the pattern no longer fits the source"
    assert names - named(settings_table()) == set()


def test_readme_fits_on_a_page() -> None:
    # Counted as `wc -l` counts: newlines.
    assert README.read_text(encoding="utf-8").count("\n") <= MAX_README_LINES


def slug(heading: str) -> str:
    """A heading's anchor as GitHub makes it: lower case, punctuation dropped, spaces as hyphens."""
    words = re.sub(r"[^\w\- ]", "", heading.replace("`", "").strip().lower())
    return words.replace(" ", "-")


def links(path: Path) -> list[str]:
    """The relative targets of links and images in a Markdown file, code blocks left out."""
    text = FENCE.sub("", path.read_text(encoding="utf-8"))
    return [target for target in LINK.findall(text) if not re.match(r"[a-z][a-z0-9+.-]*:", target)]


@pytest.mark.parametrize("page", MARKDOWN, ids=lambda path: str(path.relative_to(ROOT)))
def test_relative_links_and_images_lead_somewhere(page: Path) -> None:
    broken = []
    for target in links(page):
        name, _, anchor = target.partition("#")
        path = (page.parent / name).resolve() if name else page
        if not path.exists():
            broken.append(f"{target}: no such file")
            continue
        if anchor and path.suffix == ".md":
            anchors = {slug(heading) for heading in HEADING.findall(FENCE.sub("", path.read_text("utf-8")))}
            if anchor not in anchors:
                broken.append(f"{target}: no heading with this anchor")
    assert broken == []


def test_the_link_checker_sees_links_images_and_anchors() -> None:
    # The checker must find what the pages hold, or the test above passes on nothing.
    assert "docs/img/studio-map.png" in links(README)
    assert "deploying.md#audio-from-one-place" in links(DOCS / "operating.md")
    assert slug("Redis: what is kept, and for how long") == "redis-what-is-kept-and-for-how-long"
