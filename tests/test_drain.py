"""On SIGTERM an instance says it is going (/healthz 503) and goes on serving, then stops by itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ivr.phone import HttpTransport, Phone

from .conftest import TOKEN, free_port

ROOT = Path(__file__).resolve().parent.parent


def status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return int(error.code)
    except OSError:
        return 0  # nothing listens


def wait_for(condition: object, limit: float = 30) -> None:
    """Poll until the condition holds; fail past the limit (a condition, never a length of time)."""
    deadline = time.monotonic() + limit
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            pytest.fail("the condition never held")
        time.sleep(0.02)


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """The line under gunicorn as the Procfile starts it, one worker, a drain of 0.8 s."""
    port = free_port()
    env = {**os.environ, "TWILIO_AUTH_TOKEN": TOKEN, "WEB_CONCURRENCY": "1", "IVR_DRAIN_SECONDS": "0.8",
           "IVR_AUDIO_DIR": json.dumps(str(tmp_path / "audio")), "TMPDIR": str(tmp_path)}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}",
                                "ivr:create_app()"], cwd=ROOT, env=env, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(lambda: status(f"{base}/healthz") == 200)
        yield process, base
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


@pytest.mark.parametrize("to_whom", ["master", "every process"])
def test_sigterm_drains_then_stops(server: tuple[subprocess.Popen[bytes], str], to_whom: str) -> None:
    process, base = server
    if to_whom == "master":
        process.send_signal(signal.SIGTERM)
    else:  # as Heroku and systemd do: the whole process group at once
        os.killpg(process.pid, signal.SIGTERM)
    wait_for(lambda: status(f"{base}/healthz") == 503)
    # Still serving while the balancer takes the instance out: a whole new call is answered.
    heard = Phone(HttpTransport(), f"{base}/voice", TOKEN).dial()
    assert heard and heard[0].verb == "say"
    wait_for(lambda: process.poll() is not None)
    assert process.returncode == 0
    assert status(f"{base}/healthz") == 0
