"""Who may use the studio: this machine freely; anyone else only with its token; no cross-site writes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from ivr.studio import create_app, main

from .studio_support import studio_config

TOKEN = "studio-secret"
AWAY = {"REMOTE_ADDR": "192.0.2.7"}  # an address of the documentation range: some other machine


@pytest.fixture(scope="module")
def opened(shared_dirs: tuple[Path, Path]) -> Flask:
    """A studio opened to others with a token (it only looks, like the tests below)."""
    return create_app(studio_config(*shared_dirs, STUDIO_TOKEN=TOKEN))


@pytest.fixture
def shared(opened: Flask) -> FlaskClient:
    """A client of that studio."""
    return opened.test_client()


@pytest.mark.parametrize("url", ["/map/fr", "/phone", "/review/ti", "/record/ti"])
def test_every_page_answers_on_this_machine(viewer: FlaskClient, url: str) -> None:
    response = viewer.get(url)
    assert response.status_code == 200 and response.mimetype == "text/html"


@pytest.mark.parametrize(("environ", "headers"), [
    (AWAY, {}),
    ({}, {"X-Forwarded-For": "192.0.2.7"}),  # a proxy on this machine passing on someone else's request
    ({}, {"Host": "studio.example.org"}),  # a page of another site that made its name point here
])
def test_without_a_token_only_this_machine_is_served(viewer: FlaskClient, environ: dict[str, str],
                                                     headers: dict[str, str]) -> None:
    response = viewer.get("/review/ti", environ_base=environ, headers=headers)
    assert response.status_code == 403
    assert "set IVR_STUDIO_TOKEN" in response.get_data(as_text=True)


def test_with_a_token_set_others_must_present_it(shared: FlaskClient) -> None:
    assert shared.get("/review/ti", environ_base=AWAY).status_code == 401
    assert shared.get("/review/ti?token=wrong", environ_base=AWAY).status_code == 401
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    assert shared.get("/review/ti", environ_base=AWAY, headers=bearer).status_code == 200


def test_a_token_in_a_link_becomes_a_cookie_and_leaves_the_address(shared: FlaskClient) -> None:
    response = shared.get(f"/review/ti?show=todo&token={TOKEN}", environ_base=AWAY)
    assert response.status_code == 302 and response.headers["Location"] == "/review/ti?show=todo"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"studio_token={TOKEN};")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert shared.get("/review/ti", environ_base=AWAY).status_code == 200  # the cookie carries it now
    assert shared.get("/audio/../content/ti.yaml", environ_base=AWAY).status_code == 404


def test_this_machine_needs_no_token_even_when_one_is_set(shared: FlaskClient) -> None:
    assert shared.get("/review/ti").status_code == 200


@pytest.mark.parametrize("headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "http://evil.example"}])
def test_a_write_from_another_site_is_refused(viewer: FlaskClient, headers: dict[str, str]) -> None:
    response = viewer.post("/review/ti/welcome", data={"do": "approve"}, headers=headers)
    assert response.status_code == 403


def test_a_write_from_the_studios_own_page_is_accepted(studio_client: FlaskClient) -> None:
    headers = {"Sec-Fetch-Site": "same-origin", "Origin": "http://localhost"}
    response = studio_client.post("/review/ti/welcome", data={"do": "approve"}, headers=headers)
    assert response.status_code == 302


@pytest.mark.parametrize("url", ["/audio/../content/fr.yaml", "/audio/fr/../../content/fr.yaml",
                                 "/audio/%2e%2e/%2e%2e/ivr/content/fr.yaml", "/audio/build/manifest.json",
                                 "/audio/manifest.json", "/static/../__init__.py", "/map/..%2Ffr",
                                 "/review/..", "/record/%2e%2e"])
def test_paths_out_of_the_served_folders_are_refused(viewer: FlaskClient, url: str) -> None:
    assert viewer.get(url).status_code == 404


def test_the_studio_will_not_listen_beyond_this_machine_without_a_token(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.delenv("IVR_STUDIO_TOKEN", raising=False)
    monkeypatch.setattr(Flask, "run", lambda *args, **kwargs: pytest.fail("the studio started"))
    assert main(["--host", "0.0.0.0"]) == 2
    assert "set IVR_STUDIO_TOKEN" in capsys.readouterr().err


@pytest.mark.parametrize("url", ["/map/ar", "/phone", "/review/fa", "/record/ps", "/stats"])
def test_pages_need_nothing_from_elsewhere(viewer: FlaskClient, url: str) -> None:
    page = viewer.get(url).get_data(as_text=True)
    links = re.findall(r'(?:src|href)="([^"]*)"', page)
    assert links and all(link.startswith(("/", "#", "data:")) for link in links)
    for asset in (link for link in links if link.startswith("/static/")):
        assert viewer.get(asset).status_code == 200
