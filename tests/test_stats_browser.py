"""The stats page in a real browser (Debian's headless Chromium): in the studio, and on the line on a phone.

With STUDIO_SCREENSHOTS=1 these tests also write the pictures of docs/stats.md into docs/img/.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from ivr.content import load_catalog
from ivr.phone import Phone
from ivr.studio import create_app as create_studio

from .conftest import serving
from .stats_support import FUNNEL, run_scripts
from .studio_support import SCREENSHOTS, copy_project, screenshot, studio_config

FRENCH = load_catalog().reference
PHONE_SCREEN = {"width": 390, "height": 844}


def serve(app: Flask) -> Iterator[str]:
    """The app on a free loopback port while the test runs."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server):
        yield f"http://127.0.0.1:{server.server_port}"


@pytest.fixture
def studio_url(tmp_path: Path, built_audio: Path) -> Iterator[str]:
    """A studio of its own: the session's other browser tests make calls of theirs on the shared one."""
    yield from serve(create_studio(studio_config(*copy_project(tmp_path, built_audio))))


@pytest.fixture
def line_url(make_app: Callable[..., Flask], make_phone: Callable[..., Phone]) -> Iterator[str]:
    """The line behind a metrics token, after the scripted calls of the tracking tests."""
    app = make_app(METRICS_TOKEN="s3cret")
    run_scripts(app, make_phone)
    yield from serve(app)


def figure(page: Any, name: str) -> int:
    return int(page.locator(f'#view-all [data-figure="{name}"] .figure').inner_text())


def reached(page: Any, view: str, place: str) -> int:
    return int(page.locator(f'#view-{view} table[data-table="funnel"] tr[data-place="{place}"] '
                            'td[data-stat="reached"]').inner_text())


def test_calls_made_on_the_studio_phone_show_on_its_stats_page(page: Any, studio_url: str) -> None:
    page.goto(f"{studio_url}/phone")
    page.click("#call")
    page.wait_for_selector(f"#transcript >> text={FRENCH.text('welcome')}")
    for key, heard in (("1", "main.intro"), ("2", "create.1"), ("1", "create.2")):
        page.keyboard.press(key)
        page.wait_for_selector(f"#transcript >> text={FRENCH.words(heard)}")
    with page.expect_response(lambda response: response.url.endswith("/hangup")) as hung_up:
        page.click("#hangup")
    assert hung_up.value.status == 200
    # Two more calls the way the page makes them: one to the end of the card's steps, one silent.
    for keys in (["2", "2", *["1"] * 13], ["1", "", "", ""]):
        call = page.request.post(f"{studio_url}/phone/calls").json()["call"]
        for key in keys:
            page.request.post(f"{studio_url}/phone/calls/{call}/keys", form={"keys": key})
        page.request.post(f"{studio_url}/phone/calls/{call}/hangup")  # after the line hung up: 404
    page.goto(f"{studio_url}/stats")
    assert page.locator('header a[aria-current="page"]').inner_text() == "Stats"
    assert (figure(page, "answered"), figure(page, "ended"), figure(page, "started"),
            figure(page, "finished")) == (3, 3, 2, 1)
    assert reached(page, "all", "create:1") == 2 and reached(page, "all", "create_card:3") == 1
    ends = page.locator('svg[aria-label="How calls ended"] g.bar')
    assert {ends.nth(i).get_attribute("data-key"): int(ends.nth(i).get_attribute("data-value") or 0)
            for i in range(ends.count())} == {"in_menu": 0, "in_step": 1, "after_last_step": 1,
                                              "transferred": 0, "by_line": 1, "unknown": 0}
    screenshot(page, "stats", top=True)
    page.click("text=English (en)")  # one language's view
    assert page.url.endswith("/stats?lang=en&days=7")
    assert reached(page, "en", "create:1") == 1  # the French call is not counted here
    assert reached(page, "en", "create_card:3") == 1 and reached(page, "en", "create_visa:0") == 0


def test_the_line_shows_its_stats_on_a_phone_behind_the_token(page: Any, line_url: str) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.set_viewport_size(PHONE_SCREEN)
    page.goto(f"{line_url}/ops/stats?token=s3cret")  # a link sent to the operator's phone
    assert page.url == f"{line_url}/ops/stats"  # the token went into a cookie, out of the address bar
    assert (figure(page, "answered"), figure(page, "ended"), figure(page, "finished")) == (8, 8, 1)
    funnel = page.locator('#view-all svg[aria-label="Callers reaching each step of create"] g.bar')
    assert [int(funnel.nth(i).get_attribute("data-value") or 0) for i in range(funnel.count())] == list(
        FUNNEL.values())
    # Readable on a phone: nothing wider than the screen, chart text as large as 12 px at least.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE_SCREEN["width"]
    sizes = page.evaluate("Array.from(document.querySelectorAll('svg text'))"
                          ".map((text) => parseFloat(getComputedStyle(text).fontSize))")
    assert sizes and min(sizes) >= 12
    widest = page.evaluate("Math.max(...Array.from(document.querySelectorAll('svg'))"
                           ".map((svg) => svg.getBoundingClientRect().right))")
    assert widest <= PHONE_SCREEN["width"]
    assert all(url.startswith(line_url) for url in asked)  # nothing fetched from elsewhere
    if os.environ.get("STUDIO_SCREENSHOTS") == "1":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / "stats-phone.png"))
        page.locator("#view-all h3", has_text="Where calls end").scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / "stats-phone-ends.png"))
    page.context.clear_cookies()
    assert page.goto(f"{line_url}/ops/stats").status == 401
