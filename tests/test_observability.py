"""JSON request logs, /healthz, Prometheus metrics (one process and several), the status callback."""

from __future__ import annotations

import gc
import json
import logging
import os
import runpy
import signal
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import CollectorRegistry

from ivr.observability import JsonFormatter
from ivr.phone import Phone

from .conftest import TOKEN, signed_post

CALLER = "+33612345678"
ROOT = Path(__file__).resolve().parent.parent


def registry(app: Flask) -> CollectorRegistry:
    return app.extensions["ivr.metrics"].registry  # type: ignore[no-any-return]


def request_lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    """The request log as it is written: one JSON object per webhook request."""
    formatter = JsonFormatter()
    records = [record for record in caplog.records if record.name == "ivr.requests"]
    return [json.loads(formatter.format(record)) for record in records]


def test_one_json_line_per_webhook_request_with_the_number_masked(
    phone: Phone, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    phone.dial()
    phone.press("1")
    phone.press("7")
    lines = request_lines(caplog)
    assert [(line["endpoint"], line["state"], line["key"], line["status"]) for line in lines] == [
        ("voice.incoming", "new", "", 200),
        ("voice.step", "fr/language:0", "1", 200),
        ("voice.step", "fr/main:0", "7", 200),
    ]
    for line in lines:
        assert (line["call_sid"], line["caller"], line["level"]) == (phone.call_sid, "+336******78", "INFO")
        assert isinstance(line["latency_ms"], float) and set(line) >= {"time", "message"}
    assert CALLER not in caplog.text and CALLER not in json.dumps(lines)


def test_the_log_line_is_written_after_the_answer_has_gone_out(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    response = FlaskClient(app).post("/voice/fr/language", data={"From": CALLER, "Digits": "1"})
    assert response.status_code == 403 and request_lines(caplog) == []
    response.close()  # what the server does once the answer is sent
    assert [line["status"] for line in request_lines(caplog)] == [403]


def test_refused_requests_are_logged_as_warnings_with_their_path(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    client.post("/voice/fr/language", data={"From": CALLER, "Digits": "1"})
    client.get("/wp-login.php")
    assert [(line["level"], line["status"], line.get("path")) for line in request_lines(caplog)] == [
        ("WARNING", 403, None), ("WARNING", 404, "/wp-login.php")]


def test_health_names_what_was_loaded(client: FlaskClient, app: Flask) -> None:
    response = client.get("/healthz")
    line = app.extensions["ivr"]
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "languages": [language.code for language in line.languages],
        "nodes": len(line.tree.nodes),
        "prompts": sum(len(language.spoken_keys()) for language in line.languages),
        "prompts_with_audio": 0,
        "audio_version": line.audio.current().version,
    }


def test_metrics_follow_a_call_from_language_to_transfer(app: Flask, phone: Phone,
                                                         client: FlaskClient) -> None:
    phone.dial()
    phone.press("1")  # French
    phone.press("2")  # creating the account
    phone.press("0")  # help
    phone.press("1")  # put through to the CCC
    samples = registry(app).get_sample_value
    assert samples("ivr_calls_total") == 1
    assert samples("ivr_language_chosen_total", {"language": "fr"}) == 1
    assert samples("ivr_language_chosen_total", {"language": "en"}) == 0
    assert samples("ivr_menu_choices_total", {"node": "main", "choice": "create"}) == 1
    assert samples("ivr_menu_choices_total", {"node": "help", "choice": "transfer"}) == 1
    assert samples("ivr_help_requests_total", {"language": "fr"}) == 1
    assert samples("ivr_transfers_total", {"language": "fr"}) == 1
    for endpoint, count in (("voice.incoming", 1), ("voice.step", 4)):
        assert samples("ivr_request_duration_seconds_count", {"endpoint": endpoint}) == count
    assert samples("ivr_errors_total", {"kind": "exception"}) == 0
    text = client.get("/metrics").get_data(as_text=True)
    assert 'ivr_menu_choices_total{choice="transfer",node="help"} 1.0' in text
    assert CALLER not in text and "612345678" not in text


def test_help_from_the_language_menu_counts_once(app: Flask, phone: Phone) -> None:
    phone.dial()
    phone.press("0")
    phone.press("9")  # hearing the help again is not a new request for help
    assert registry(app).get_sample_value("ivr_help_requests_total", {"language": "fr"}) == 1


def test_refused_requests_are_counted_by_status(app: Flask, client: FlaskClient) -> None:
    client.post("/voice", data={"From": CALLER})
    client.post("/voice/fr/nowhere")
    assert registry(app).get_sample_value("ivr_rejected_requests_total", {"status": "403"}) == 2


def test_metrics_can_be_kept_behind_a_token(make_app: Callable[..., Flask]) -> None:
    client = make_app(METRICS_TOKEN="s3cret").test_client()
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200


@pytest.mark.parametrize("form, outcome, duration", [
    ({"CallStatus": "completed", "CallDuration": "42"}, "completed", 42.0),
    ({"CallStatus": "no-answer", "CallDuration": "0"}, "no-answer", None),
    ({"CallStatus": "ringing-forever", "CallDuration": "1e9"}, "other", None),
    ({"CallStatus": "completed", "CallDuration": "-5"}, "completed", None),
])
def test_status_callbacks_feed_outcome_and_duration(
    app: Flask, client: FlaskClient, form: dict[str, str], outcome: str, duration: float | None
) -> None:
    response = signed_post(client, "/twilio/status", {"CallSid": "CA1", "From": CALLER, **form})
    assert response.status_code == 204
    samples = registry(app).get_sample_value
    assert samples("ivr_calls_ended_total", {"outcome": outcome}) == 1
    assert samples("ivr_call_duration_seconds_sum") == (duration or 0.0)
    assert samples("ivr_call_duration_seconds_count") == (1 if duration else 0)


def test_unsigned_status_callbacks_are_refused_and_not_counted(app: Flask, client: FlaskClient) -> None:
    response = client.post("/twilio/status", data={"CallStatus": "completed", "CallDuration": "9"})
    assert response.status_code == 403
    assert registry(app).get_sample_value("ivr_calls_ended_total", {"outcome": "completed"}) == 0


# What a gunicorn worker does, in order: gunicorn.conf.py has set the metrics folder in the environment
# before the worker imports the app (and with it prometheus-client); the worker then builds the app.
WORKER = textwrap.dedent("""
    import os, sys
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = sys.argv[1]
    from ivr import create_app
    from twilio.request_validator import RequestValidator
    app = create_app({"TWILIO_AUTH_TOKEN": "%s"})
    form = {"CallSid": "CA1", "From": "+33612345678"}
    signature = RequestValidator("%s").compute_signature("http://localhost/voice", form)
    answer = app.test_client().post("/voice", data=form, headers={"X-Twilio-Signature": signature})
    assert answer.status_code == 200
    sys.stdout.write(app.test_client().get("/metrics").get_data(as_text=True))
""") % (TOKEN, TOKEN)


def test_metrics_are_summed_over_worker_processes(tmp_path: Path) -> None:
    env = {key: value for key, value in os.environ.items() if key != "PROMETHEUS_MULTIPROC_DIR"}
    outputs = []
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", WORKER, str(tmp_path)], cwd=ROOT, env=env,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.splitlines())
    assert "ivr_calls_total 1.0" in outputs[0] and "ivr_calls_total 2.0" in outputs[1]
    assert "+33612345678" not in "\n".join(outputs[1])


def gunicorn_settings() -> Any:
    """gunicorn.conf.py read as gunicorn reads it: a file of Python run on its own."""
    environment = dict(os.environ)
    try:
        return SimpleNamespace(**runpy.run_path(str(ROOT / "gunicorn.conf.py")))
    finally:  # what it sets is for gunicorn's processes, not for the tests that follow
        os.environ.clear()
        os.environ.update(environment)


def test_the_settings_file_loads_nothing_of_the_line() -> None:
    # prometheus-client must first be imported in each worker, after the metrics folder is set.
    probe = "import runpy, sys; runpy.run_path('gunicorn.conf.py'); print(sorted(m for m in sys.modules " \
            "if m.split('.')[0] in ('ivr', 'prometheus_client', 'flask')))"
    done = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_gunicorn_hooks_reset_and_tidy_the_metrics_folder(tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    conf = gunicorn_settings()
    (tmp_path / "counter_123.db").write_bytes(b"old run")
    (tmp_path / "gauge_livesum_456.db").write_bytes(b"dead worker")
    conf.on_starting(None)
    assert not (tmp_path / "counter_123.db").exists()
    (tmp_path / "gauge_livesum_456.db").write_bytes(b"dead worker")
    conf.child_exit(None, type("Worker", (), {"pid": 456})())
    assert not (tmp_path / "gauge_livesum_456.db").exists()
    conf.on_exit(None)
    assert tmp_path.is_dir()  # a folder the operator chose is never removed


def test_a_started_worker_keeps_what_it_loaded_out_of_garbage_collection(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))  # reading the settings must not set it
    conf = gunicorn_settings()
    handler = signal.getsignal(signal.SIGTERM)
    try:
        conf.post_worker_init(SimpleNamespace(handle_exit=lambda sig, frame: None))
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        signal.signal(signal.SIGTERM, handler)
