"""Shared fixtures: an app with a known auth token, and a phone that calls it in-process."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from ivr import create_app
from ivr.content import CONTENT_DIR, load_catalog
from ivr.phone import FlaskTransport, Phone

# The studio's fixtures (its folders, a live server, a browser) live beside the tests that use them.
pytest_plugins = ["tests.studio_support"]

TOKEN = "test-auth-token"
BASE = "http://localhost"
LANGUAGES = sorted(load_catalog().languages)
# Twilio has no <Say> voice for some languages; tests give every language one so each can be called.
SPEAK_ALL = {
    language.code: {"language": f"{language.code}-XX"}
    for language in load_catalog().languages.values()
    if not language.say_language
}


class ServerLikeClient(FlaskClient):
    """A test client that closes each response once read, as a WSGI server does after sending it."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Make the request, read the whole answer, then close it (the app logs and counts on close)."""
        response = super().open(*args, **kwargs)
        response.make_sequence()
        response.close()
        return response


@pytest.fixture(autouse=True)
def server_like_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every app's test client closes its responses, like gunicorn."""
    monkeypatch.setattr(Flask, "test_client_class", ServerLikeClient)


@pytest.fixture
def make_app(tmp_path: Any) -> Callable[..., Flask]:
    """Build an app with a test token; keyword arguments override the config."""

    def build(**overrides: Any) -> Flask:
        config = {"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "CONTENT_DIR": str(CONTENT_DIR),
                  "AUDIO_DIR": str(tmp_path / "audio"), "SAY_VOICES": SPEAK_ALL}
        config.update(overrides)
        return create_app(config)

    return build


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    """The line as deployed, signatures checked."""
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A raw HTTP client for the app."""
    return app.test_client()


@pytest.fixture
def make_phone(app: Flask) -> Callable[..., Phone]:
    """Phones that call the app in-process, signing like Twilio."""

    def build(flask_app: Flask | None = None, **kwargs: Any) -> Phone:
        target = flask_app or app
        return Phone(FlaskTransport(target.test_client()), f"{BASE}/voice", TOKEN, **kwargs)

    return build


@pytest.fixture
def phone(make_phone: Callable[..., Phone]) -> Phone:
    """A phone ready to dial the line."""
    return make_phone()
