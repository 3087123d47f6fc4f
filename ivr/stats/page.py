"""The stats page as HTML: the same body for the line (/ops/stats), the studio and `make report`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from .summary import View

ENVIRONMENT = Environment(loader=PackageLoader("ivr.stats", "templates"), autoescape=select_autoescape(),
                          trim_blocks=True, lstrip_blocks=True)


@dataclass(frozen=True)
class Choice:
    """A link to one view of the page: all languages, or one."""

    href: str
    label: str
    current: bool


def body(views: Sequence[View], choices: Sequence[Choice], source: str,
         period: str | Markup) -> Markup:
    """The page's content, to place inside a document (the studio's) or to wrap in one (document)."""
    template = ENVIRONMENT.get_template("stats_body.html")
    return Markup(template.render(views=views, choices=choices, source=source, period=period))


def document(title: str, content: Markup) -> str:
    """A whole HTML page around the content: nothing fetched from elsewhere, readable on a phone."""
    return ENVIRONMENT.get_template("stats_page.html").render(title=title, content=content)
