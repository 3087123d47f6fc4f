"""Garbage in, never a 5xx out: every 200 is TwiML Twilio accepts, anything else a clean 4xx."""

from __future__ import annotations

import urllib.parse
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ivr import create_app
from ivr.audio.manifest import BUILD_DIR
from ivr.content import CONTENT_DIR, load_catalog
from ivr.webhook import current_webhook

from .conftest import SPEAK_ALL, TOKEN, sign
from .test_audio_serving import build_fake_audio

CATALOG = load_catalog()
NODES = sorted(CATALOG.tree.nodes)
BASE = "http://localhost"
FORM = {"CallSid": "CA" + "2" * 32, "AccountSid": "AC" + "0" * 32, "From": "+33612345678",
        "To": "+33100000000", "CallStatus": "in-progress", "Direction": "inbound"}
# Enough examples to find the odd input, few enough that the whole suite stays within seconds.
BOUNDED = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
GATHER_CHILDREN = {"Say", "Play", "Pause"}
TOP_LEVEL = GATHER_CHILDREN | {"Gather", "Redirect", "Dial", "Hangup"}


@pytest.fixture(scope="module")
def line(tmp_path_factory: pytest.TempPathFactory) -> Flask:
    """One app for all examples, with a few prompts built as audio so that <Play> URLs are checked too."""
    audio_dir = tmp_path_factory.mktemp("hardening") / "audio"
    build_fake_audio(audio_dir)
    return create_app({"TESTING": True, "TWILIO_AUTH_TOKEN": TOKEN, "CONTENT_DIR": str(CONTENT_DIR),
                       "AUDIO_DIR": str(audio_dir), "SAY_VOICES": SPEAK_ALL})


def faults(app: Flask) -> float:
    """How many exceptions the app has turned into the spoken apology so far."""
    return app.extensions["ivr.metrics"].registry.get_sample_value("ivr_errors_total", {"kind": "exception"})


def checked_url(app: Flask, path: str) -> str:
    """The URL the app checks the signature against, for a request the test client sends to `path`."""
    with app.test_request_context(path, base_url=BASE):
        return current_webhook().url


def post(app: Flask, path: str, form: dict[str, str]) -> tuple[int, str]:
    """POST a form signed for the URL the app will check, so that garbage gets past it to the views."""
    headers = {"X-Twilio-Signature": sign(checked_url(app, path), form)}
    response = app.test_client().post(path, data=form, headers=headers)
    return response.status_code, response.get_data(as_text=True)


def assert_twilio_accepts(app: Flask, body: str) -> None:
    """A <Response> of known verbs, Gathers holding only Say/Play/Pause, every URL leading somewhere real."""
    root = ET.fromstring(body)
    assert root.tag == "Response"
    routes = app.url_map.bind("localhost")
    for verb in root:
        assert verb.tag in TOP_LEVEL, verb.tag
        if verb.tag == "Gather":
            assert {child.tag for child in verb} <= GATHER_CHILDREN
            assert verb.get("method") == "POST" and verb.get("numDigits") == "1"
            assert_leads_to_a_webhook(app, routes, verb.get("action", ""))
        if verb.tag == "Redirect":
            assert_leads_to_a_webhook(app, routes, verb.text or "")
        if verb.tag == "Dial":
            assert verb.text == app.extensions["ivr"].ccc_number
        for inner in verb.iter():
            if inner.tag == "Say":
                assert (inner.text or "").strip()
            if inner.tag == "Play":
                endpoint, args = routes.match(urllib.parse.urlsplit(inner.text or "").path, method="GET")
                assert endpoint == "audio.file"
                assert (Path(app.config["AUDIO_DIR"]) / BUILD_DIR / args["name"]).is_file()


def assert_leads_to_a_webhook(app: Flask, routes: object, url: str) -> None:
    """The URL is one of the voice webhooks, for a language and node that exist."""
    parts = urllib.parse.urlsplit(url)
    endpoint, args = routes.match(parts.path, method="POST")  # type: ignore[attr-defined]
    assert endpoint in ("voice.incoming", "voice.step")
    if endpoint == "voice.step":
        assert args["lang"] in CATALOG.languages and args["node"] in CATALOG.tree.nodes


def assert_clean(app: Flask, status: int, body: str, faults_before: float) -> None:
    """The property itself."""
    assert status < 500
    assert faults(app) == faults_before, "a view raised and the caller got the apology"
    if status == 200:
        assert_twilio_accepts(app, body)
    else:
        assert 400 <= status < 500 and "Traceback" not in body


digits = st.one_of(
    st.text(max_size=30),
    st.text(alphabet="0123456789*#", max_size=12),
    st.sampled_from(["", "*", "#", "*#", "##", "0" * 5000, "١", "１", "²", " 1 ", "1\x00", "9" * 9]),
)
garbage = st.text(max_size=70)
form_fields = st.dictionaries(st.text(min_size=1, max_size=12), st.text(max_size=40), max_size=5)
dropped = st.sets(st.sampled_from(sorted(FORM)))


@BOUNDED
@given(lang=st.one_of(st.sampled_from(sorted(CATALOG.languages)), garbage),
       node=st.one_of(st.sampled_from(NODES), garbage),
       query=st.dictionaries(st.sampled_from(["step", "silent", "wrong", "from", "x"]), garbage, max_size=4),
       keys=digits, extra=form_fields, missing=dropped)
def test_any_menu_or_step_request(line: Flask, lang: str, node: str, query: dict[str, str], keys: str,
                                  extra: dict[str, str], missing: set[str]) -> None:
    form = {**{k: v for k, v in FORM.items() if k not in missing}, **extra, "Digits": keys}
    path = "/voice/" + urllib.parse.quote(lang, safe="") + "/" + urllib.parse.quote(node, safe="")
    path += "?" + urllib.parse.urlencode(query) if query else ""
    before = faults(line)
    assert_clean(line, *post(line, path, form), before)


@BOUNDED
@given(route=st.sampled_from(["/voice", "/voice/fr/language", "/voice/en/language"]),
       query=st.dictionaries(st.sampled_from(["silent", "wrong", "y"]), garbage, max_size=3),
       keys=digits, extra=form_fields, missing=dropped)
def test_any_new_call_or_language_choice(line: Flask, route: str, query: dict[str, str], keys: str,
                                         extra: dict[str, str], missing: set[str]) -> None:
    form = {**{k: v for k, v in FORM.items() if k not in missing}, **extra, "Digits": keys}
    path = route + ("?" + urllib.parse.urlencode(query) if query else "")
    before = faults(line)
    assert_clean(line, *post(line, path, form), before)


@BOUNDED
@given(path=st.lists(st.text(max_size=15), max_size=4).map(lambda parts: "/".join(parts)),
       method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"]),
       signed=st.booleans(), body=st.binary(max_size=300))
def test_any_path_and_method_under_the_webhook(line: Flask, path: str, method: str, signed: bool,
                                               body: bytes) -> None:
    url = "/voice/" + urllib.parse.quote(path, safe="/")
    signature = sign(checked_url(line, url), {})
    headers = {"X-Twilio-Signature": signature} if signed else {}
    before = faults(line)
    response = line.test_client().open(url, method=method, data=body, headers=headers)
    assert_clean(line, response.status_code, response.get_data(as_text=True), before)


@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD"])
@pytest.mark.parametrize("path", ["/voice", "/voice/fr/language", "/voice/fr/main", "/twilio/status"])
def test_webhooks_take_only_post(line: Flask, path: str, method: str) -> None:
    assert line.test_client().open(path, method=method).status_code == 405


@pytest.mark.parametrize("path, query, keys", [
    ("/voice/fr/create", {"step": "99999999999"}, "1"),
    ("/voice/fr/create", {"step": "-1", "silent": "１", "wrong": "٣"}, ""),
    ("/voice/fr/help", {"from": "create:1_0"}, "*"),
    ("/voice/fr/help", {"from": "help:0"}, "*"),
    ("/voice/fr/main", {}, "1\x00"),
    ("/voice/fr/language", {"silent": "2", "wrong": "x" * 100}, "١"),
])
def test_signed_garbage_reaches_the_views_and_is_answered(line: Flask, path: str, query: dict[str, str],
                                                          keys: str) -> None:
    before = faults(line)
    status, body = post(line, f"{path}?{urllib.parse.urlencode(query)}" if query else path,
                        {**FORM, "Digits": keys})
    assert status == 200
    assert_clean(line, status, body, before)


@pytest.mark.parametrize("path", ["/voice", "/voice/fr/main", "/twilio/status"])
def test_bodies_over_the_limit_are_refused_before_any_work(line: Flask, path: str) -> None:
    limit = line.config["MAX_CONTENT_LENGTH"]
    # Signed, so the signature check reads the form, which is where the size limit bites.
    response = line.test_client().post(path, data={**FORM, "Digits": "1" * limit},
                                       headers={"X-Twilio-Signature": "c2lnbmVk"})
    assert response.status_code == 413


def test_a_full_sized_twilio_request_is_still_answered(line: Flask) -> None:
    form = {**FORM, "Digits": "1", "Padding": "x" * (line.config["MAX_CONTENT_LENGTH"] - 400)}
    assert post(line, "/voice/fr/main", form)[0] == 200


def test_an_unreadable_body_is_logged_without_a_5xx(line: Flask, caplog: pytest.LogCaptureFixture) -> None:
    # The request log reads the form after the view; a body over the limit must not break that.
    response = line.test_client().post("/voice", data=b"x" * (line.config["MAX_CONTENT_LENGTH"] + 1),
                                       content_type="application/x-www-form-urlencoded",
                                       headers={"X-Twilio-Signature": "c2lnbmVk"})
    assert response.status_code == 413
    assert [record.fields["status"] for record in caplog.records if record.name == "ivr.requests"] == [413]


def test_http_exceptions_stay_4xx(line: Flask) -> None:
    # The apology handler must hand HTTP errors back untouched, not turn a 404 into a spoken 200.
    before = faults(line)
    status, _ = post(line, "/voice/xx/main", {**FORM, "Digits": "1"})
    assert (status, faults(line)) == (404, before)
