"""Where callers go and where their calls end: scripted calls through the real app, then the counts.

Each scripted call dials the line with the terminal phone, presses its keys, and ends with Twilio's signed
status callback; the counters, the store, the stats page and the report from the log lines must then show
exactly what the script did, and calls ended must add up to calls answered.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import CollectorRegistry
from werkzeug.serving import make_server

from ivr import tracking
from ivr.content import load_catalog
from ivr.navigation import State
from ivr.observability import JsonFormatter
from ivr.phone import Phone
from ivr.phone import main as phone_main
from ivr.stats import report
from ivr.stats.summary import LENGTH_LABELS, Summariser, funnel_places
from ivr.stats.tally import Tally
from ivr.store import MemoryStore, StoreUnavailable
from ivr.tracking import LENGTH_BUCKETS, Note, Tracker

from .conftest import TOKEN, serving, signed_post
from .stats_support import FUNNEL, KEYS, SCRIPTS, read_page, run_scripts

CATALOG = load_catalog()
def numbers_in(text: str) -> list[str]:
    """The scripted callers' numbers, or their last eight digits, found in a text."""
    numbers = [f"+3361000{number:04d}" for number in range(len(SCRIPTS))]
    return [number for number in numbers if number in text or number[-8:] in text]


def registry(app: Flask) -> CollectorRegistry:
    return app.extensions["ivr.metrics"].registry  # type: ignore[no-any-return]


def place(lang: str, node: str, step: int = 0) -> dict[str, str]:
    return {"language": lang, "node": node, "step": str(step)}


def sample_sum(app: Flask, name: str) -> float:
    """A counter's value summed over every label."""
    return sum(sample.value for family in registry(app).collect() for sample in family.samples
               if sample.name == name)


# What the scripts did, counted by hand (not by the code under test).
REACHED = {
    ("none", "language", 0): 8,
    ("fr", "main", 0): 3, ("en", "main", 0): 1, ("ar", "main", 0): 1, ("uk", "main", 0): 1,
    ("ru", "main", 0): 2,
    ("fr", "create", 0): 3, ("fr", "create", 1): 1, ("fr", "create", 2): 1, ("fr", "help", 0): 1,
    **{("en", "create", step): 1 for step in range(9)}, ("en", "create_path", 0): 1,
    **{("en", "create_card", step): 1 for step in range(4)},
    ("ar", "create", 0): 1, ("ar", "create", 1): 2,
    ("ru", "password", 0): 1, ("ru", "password", 1): 2, ("ru", "password", 2): 1, ("ru", "password", 3): 1,
}
ENDS = {
    ("fr", "create", 2, "in_step"): 1, ("fr", "create", 0, "in_step"): 1, ("fr", "help", 0, "transferred"): 1,
    ("en", "create_card", 3, "after_last_step"): 1, ("ar", "create", 1, "in_step"): 1,
    ("uk", "main", 0, "by_line"): 1, ("none", "language", 0, "in_menu"): 1, ("ru", "main", 0, "in_menu"): 1,
}
@pytest.fixture(params=["memory", "redis"])
def line(request: pytest.FixtureRequest, make_app: Callable[..., Flask]) -> Flask:
    """The line keeping its counts in memory, or in a real redis-server shared by instances."""
    if request.param == "memory":
        return make_app()
    request.getfixturevalue("redis_client")  # emptied
    return make_app(REDIS_URL=request.getfixturevalue("redis_url"), CALLER_HASH_KEY="k" * 32)


def test_the_counters_show_exactly_what_the_calls_did(line: Flask, make_phone: Callable[..., Phone]) -> None:
    run_scripts(line, make_phone)
    samples = registry(line).get_sample_value
    assert samples("ivr_calls_total") == len(SCRIPTS) == 8
    assert sample_sum(line, "ivr_call_ends_total") == samples("ivr_calls_total")  # every call ended once
    for (lang, node, step), count in REACHED.items():
        assert samples("ivr_reached_total", place(lang, node, step)) == count, (lang, node, step)
    assert sample_sum(line, "ivr_reached_total") == sum(REACHED.values())
    for (lang, node, step, end), count in ENDS.items():
        assert samples("ivr_call_ends_total", {**place(lang, node, step), "end": end}) == count
    assert samples("ivr_repeated_total", place("ar", "create", 1)) == 2
    assert sample_sum(line, "ivr_repeated_total") == 2
    assert samples("ivr_went_back_total", place("ar", "create", 1)) == 1
    assert samples("ivr_went_back_total", place("ru", "password", 1)) == 1
    assert sample_sum(line, "ivr_went_back_total") == 2
    assert samples("ivr_help_asked_total", place("fr", "create", 0)) == 1
    assert sample_sum(line, "ivr_help_asked_total") == 1
    assert samples("ivr_transfers_total", {"language": "fr"}) == 1
    assert samples("ivr_call_length_seconds_count", {"language": "fr"}) == 3
    assert samples("ivr_call_length_seconds_sum", {"language": "fr"}) == 95 + 60 + 700
    assert samples("ivr_call_length_seconds_count", {"language": "none"}) == 1


def test_the_store_keeps_the_days_counts_and_forgets_each_calls_note(
        line: Flask, make_phone: Callable[..., Phone]) -> None:
    phones = run_scripts(line, make_phone)
    tracker: Tracker = line.extensions["ivr.tracking"]
    (today, counts), = tracker.day_counts(1).items()
    assert counts["answered"] == 8
    assert {key: value for key, value in counts.items() if key.startswith("ended|")} == {
        f"ended|{lang}|{node}|{step}|{end}": count for (lang, node, step, end), count in ENDS.items()}
    assert {key: value for key, value in counts.items() if key.startswith("length|")} == {
        "length|fr|120": 1, "length|fr|60": 1, "length|fr|900": 1, "length|en|600": 1, "length|ar|180": 1,
        "length|uk|60": 1, "length|none|30": 1, "length|ru|300": 1}
    for phone in phones:  # each status callback took its call's note
        assert tracker.store.get(tracker.note_key(phone.call_sid)) is None
    if not isinstance(tracker.store, MemoryStore):
        client = redis.Redis.from_url(line.config["REDIS_URL"], decode_responses=True)
        keys = client.keys("*")
        day_key = f"ivr:stats:{today}"
        assert day_key in keys and not [key for key in keys if key.startswith("ivr:call:")]
        assert 7 * 86400 < client.ttl(day_key) <= 8 * 86400  # STATS_DAYS, and the day itself
        stored = json.dumps([keys, client.hgetall(day_key)])
        assert numbers_in(stored) == [] and "+33" not in stored


def test_the_page_shows_exactly_what_the_calls_did(line: Flask, make_phone: Callable[..., Phone]) -> None:
    run_scripts(line, make_phone)
    client = line.test_client()
    html = client.get("/ops/stats").get_data(as_text=True)
    every = read_page(html)["all"]
    assert every.figures == {"answered": 8, "ended": 8, "started": 5, "finished": 1, "help": 1,
                             "transfers": 1, "connected": 1, "sms_sent": 0, "sms_failed": 0}
    assert every.unreported == 0
    funnel = every.tables["funnel"]
    assert {name: row["reached"] for name, row in funnel.items()} == FUNNEL
    assert funnel["create:1"] == {"reached": 4, "repeated": 2, "back": 1, "help": 0, "ended": 1}
    assert funnel["create:0"] == {"reached": 5, "repeated": 0, "back": 0, "help": 1, "ended": 1}
    assert every.charts["Callers reaching each step of create"] == FUNNEL
    assert every.charts["How calls ended"] == {
        "in_menu": 2, "in_step": 3, "after_last_step": 1, "transferred": 1, "by_line": 1, "unknown": 0}
    assert every.charts["Places where calls ended"] == {
        "main:0": 2, "create:0": 1, "create:1": 1, "create:2": 1, "create_card:3": 1, "help:0": 1,
        "language:0": 1}
    assert every.charts["Calls by language"] == {
        "fr": 3, "en": 1, "ar": 1, "fa": 0, "ps": 0, "ti": 0, "ru": 1, "uk": 1, "none": 1}
    assert every.charts["Steps repeated or left backwards most"] == {"create:1": 3, "password:1": 1}
    assert every.charts["Transfers asked for, and how they ended"] == {
        "asked": 1, "connected": 1, "busy": 0, "no_answer": 0, "failed": 0, "closed": 0}
    assert every.charts["Calls by length"] == {
        "30": 1, "60": 2, "120": 1, "180": 1, "300": 1, "600": 1, "900": 1}
    (today, day), = [(name, row) for name, row in every.days.items() if any(row.values())]
    assert day == {"calls": 8, "help": 1, "transfer": 1} and len(every.days) == 7
    places = every.tables["places"]
    assert places["password:1"] == {"reached": 2, "repeated": 0, "back": 1, "help": 0, "ended": 0}
    assert sum(row["ended"] for row in places.values()) == 8
    # One language: Arabic alone.
    arabic = read_page(client.get("/ops/stats?lang=ar").get_data(as_text=True))["ar"]
    assert arabic.figures["calls"] == 1 and arabic.figures["started"] == 1 and arabic.figures["finished"] == 0
    assert arabic.tables["funnel"]["create:1"] == {
        "reached": 2, "repeated": 2, "back": 1, "help": 0, "ended": 1}
    assert arabic.tables["funnel"]["create:2"]["reached"] == 0
    assert numbers_in(html) == [] and numbers_in(client.get("/metrics").get_data(as_text=True)) == []


@pytest.mark.parametrize("lang", sorted(CATALOG.languages))
def test_each_language_view_counts_only_its_calls(app: Flask, make_phone: Callable[..., Phone],
                                                  lang: str) -> None:
    run_scripts(app, make_phone)
    view = read_page(app.test_client().get(f"/ops/stats?lang={lang}").get_data(as_text=True))[lang]
    ended = {key: count for key, count in ENDS.items() if key[0] == lang}
    assert view.figures["calls"] == sum(ended.values())
    reached = {(node, step): count for (code, node, step), count in REACHED.items() if code == lang}
    for name, row in view.tables["places"].items():
        node, _, step = name.partition(":")
        assert row["reached"] == reached.get((node, int(step)), 0)
    assert len(view.tables["places"]) == len({(n, s) for (c, n, s, _) in ENDS if c == lang} | set(reached))


def test_the_report_from_the_log_lines_shows_the_same_numbers(
        app: Flask, make_phone: Callable[..., Phone], caplog: pytest.LogCaptureFixture,
        tmp_path: Path) -> None:
    caplog.set_level(logging.INFO)
    run_scripts(app, make_phone)
    formatter = JsonFormatter()
    lines = [formatter.format(record) for record in caplog.records if record.name == "ivr.requests"]
    logs = tmp_path / "line.log"
    # gunicorn's own lines and a line cut short sit among the JSON lines of a real log.
    logs.write_text("\n".join(["[INFO] Booting worker with pid: 12", *lines, '{"time": "2026-'[:9]]) + "\n")
    html, tally, read = report.build(str(logs))
    assert read == len(lines) + 2
    from_logs = read_page(html)
    assert set(from_logs) == {"all", "fr", "en", "ar", "ru", "uk"}  # the languages used, and all of them
    on_the_line = read_page(app.test_client().get("/ops/stats").get_data(as_text=True))["all"]
    assert from_logs["all"].figures == on_the_line.figures
    assert from_logs["all"].tables == on_the_line.tables
    assert {name: chart for name, chart in from_logs["all"].charts.items()} == on_the_line.charts
    for code in ("fr", "ar"):
        line_view = read_page(app.test_client().get(f"/ops/stats?lang={code}").get_data(as_text=True))[code]
        assert from_logs[code].tables == line_view.tables
    assert numbers_in(html) == [] and "+33" not in html and "*" * 6 not in html


def test_make_report_writes_the_page_and_says_what_it_read(
        app: Flask, make_phone: Callable[..., Phone], caplog: pytest.LogCaptureFixture, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    caplog.set_level(logging.INFO)
    run_scripts(app, make_phone)
    formatter = JsonFormatter()
    logs = tmp_path / "line.log"
    logs.write_text("".join(formatter.format(record) + "\n" for record in caplog.records
                            if record.name == "ivr.requests"))
    output = tmp_path / "report.html"
    assert report.main([str(logs), "--output", str(output)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith(f"{output}: ") and "8 calls answered, 8 ended" in printed
    html = output.read_text()
    assert read_page(html)["all"].figures["finished"] == 1
    assert "<script" not in html and "src=" not in html and 'href="http' not in html  # mailable as it is
    assert report.main([str(tmp_path / "missing.log")]) == 1


def test_a_status_callback_with_no_note_counts_as_not_known(app: Flask, client: FlaskClient) -> None:
    signed_post(client, "/twilio/status", {"CallSid": "CA-never-seen", "CallStatus": "completed",
                                           "CallDuration": "5"})
    signed_post(client, "/twilio/status", {"CallSid": "CA-never-seen", "CallStatus": "ringing"})
    samples = registry(app).get_sample_value
    labels = {"language": "none", "node": "unknown", "step": "0", "end": "unknown"}
    assert samples("ivr_call_ends_total", labels) == 1  # a status that is not final changes nothing
    view = read_page(client.get("/ops/stats").get_data(as_text=True))["all"]
    assert view.charts["How calls ended"]["unknown"] == 1
    assert view.tables["places"]["unknown:0"]["ended"] == 1


def test_calls_without_an_end_reported_are_pointed_out(app: Flask, make_phone: Callable[..., Phone]) -> None:
    for number in range(2):
        make_phone(app, caller=f"+3361000{number:04d}").dial()
    view = read_page(app.test_client().get("/ops/stats").get_data(as_text=True))["all"]
    assert view.figures["answered"] == 2 and view.figures["ended"] == 0 and view.unreported == 2


def test_a_returning_caller_who_goes_on_reaches_the_step_again(
        app: Flask, make_phone: Callable[..., Phone]) -> None:
    first = make_phone(app)
    first.dial()
    for key in (KEYS["en"], "2", "1"):
        first.press(key)
    again = make_phone(app)  # the same number
    again.dial()  # the resume menu
    again.press("1")  # go on where the last call ended
    samples = registry(app).get_sample_value
    assert samples("ivr_reached_total", place("en", "resume")) == 1
    assert samples("ivr_reached_total", place("en", "create", 1)) == 2
    assert again.hang_up(seconds=30) == 204
    assert samples("ivr_call_ends_total", {**place("en", "create", 1), "end": "in_step"}) == 1


def test_transfer_outcomes_are_counted_and_kept(app: Flask) -> None:
    tracker: Tracker = app.extensions["ivr.tracking"]
    outcomes = ["connected", "connected", "busy", "no_answer", "failed", "closed"]
    for outcome in outcomes:
        with app.test_request_context("/voice/fr/dialled", method="POST", data={"CallSid": "CA1"}):
            tracking.transfer_ended("fr", outcome)
            response = app.process_response(app.response_class(status=200))
        response.close()  # the server, once the answer is sent: the store is written then
    samples = registry(app).get_sample_value
    assert samples("ivr_transfer_outcomes_total", {"language": "fr", "outcome": "connected"}) == 2
    for outcome in ("busy", "no_answer", "failed", "closed"):
        assert samples("ivr_transfer_outcomes_total", {"language": "fr", "outcome": outcome}) == 1
    assert samples("ivr_transfer_outcomes_total", {"language": "en", "outcome": "busy"}) == 0
    (_, counts), = tracker.day_counts(1).items()
    others = ("busy", "no_answer", "failed", "closed")
    assert counts == {"transfer_end|fr|connected": 2, **{f"transfer_end|fr|{name}": 1 for name in others}}
    view = read_page(app.test_client().get("/ops/stats?lang=fr").get_data(as_text=True))["fr"]
    assert view.charts["Transfers asked for, and how they ended"]["connected"] == 2
    with app.test_request_context("/voice/fr/dialled", method="POST"):
        with pytest.raises(ValueError, match="busy"):
            tracking.transfer_ended("fr", "engaged")
    assert tracking.TRANSFER_OUTCOMES == ("connected", "busy", "no_answer", "failed", "closed")


@pytest.mark.parametrize("outcome, end", [("connected", "transferred"), ("busy", "in_menu")])
def test_a_transfer_that_did_not_connect_ends_where_the_caller_is_back(
        app: Flask, make_phone: Callable[..., Phone], outcome: str, end: str) -> None:
    phone = make_phone(app)
    phone.dial()
    for key in (KEYS["fr"], "0", "1"):  # help, then put through
        phone.press(key)
    # What the dial-outcome webhook of issue 12 will do: the CCC was busy, the caller is back in help.
    with app.test_request_context("/voice/fr/dialled", method="POST", data={"CallSid": phone.call_sid}):
        tracking.transfer_ended("fr", outcome, back_at=State("fr", "help", origin="main:0"))
        response = app.process_response(app.response_class(status=200))
    response.close()
    assert phone.hang_up(seconds=90) == 204
    labels = {**place("fr", "help"), "end": end}
    assert registry(app).get_sample_value("ivr_call_ends_total", labels) == 1


def test_the_store_is_written_only_once_the_answer_has_gone_out(app: Flask, make_phone: Callable[..., Phone],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    tracker: Tracker = app.extensions["ivr.tracking"]
    written: list[str] = []
    monkeypatch.setattr(tracker, "keep",
                        lambda sid, note, events: written.append(note.value() if note else ""))
    phone = make_phone(app)
    phone.dial()
    assert written == ["none|language|0|"]
    response = signed_post(app.test_client(), "/voice/fr/language", {
        "CallSid": phone.call_sid, "From": phone.caller, "Digits": "1"}, buffered=False)
    assert written == ["none|language|0|"]  # the answer is there, the server has not closed it yet
    response.close()
    assert written == ["none|language|0|", "fr|main|0|"]


def test_a_store_that_fails_costs_the_caller_nothing(app: Flask, make_phone: Callable[..., Phone],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    tracker: Tracker = app.extensions["ivr.tracking"]

    def unavailable(*args: Any) -> Any:
        raise StoreUnavailable("redis: TimeoutError")

    for name in ("put", "take", "tally", "tallies"):
        monkeypatch.setattr(tracker.store, name, unavailable)
    phone = make_phone(app)
    phone.dial()
    assert phone.press(KEYS["fr"])[0].text == CATALOG.languages["fr"].words("main.intro")
    assert phone.hang_up(seconds=12) == 204
    samples = registry(app).get_sample_value
    assert samples("ivr_reached_total", place("fr", "main")) == 1  # counted all the same
    unknown = {"language": "none", "node": "unknown", "step": "0", "end": "unknown"}
    assert samples("ivr_call_ends_total", unknown) == 1
    page = app.test_client().get("/ops/stats")
    assert page.status_code == 503 and "try again" in page.get_data(as_text=True)


@pytest.mark.parametrize("value", ["", "fr", "fr|gone|0|", "xx|main|0|", "fr|create|99|", "fr|main|x|",
                                   "fr|main|0|stolen", "fr|create|2|in_step|more"])
def test_a_note_that_names_what_is_gone_is_not_known(app: Flask, value: str) -> None:
    tracker: Tracker = app.extensions["ivr.tracking"]
    assert tracker.read_note(value) is None
    assert tracker.ended(tracker.read_note(value), None) == [("ended", "none", "unknown", "0", "unknown")]


def test_a_kept_note_reads_back_as_it_was_noted(app: Flask) -> None:
    tracker: Tracker = app.extensions["ivr.tracking"]
    for note in (Note("none", "language", 0), Note("fr", "create", 8), Note("ar", "help", 0, "transferred")):
        assert tracker.read_note(note.value()) == note
    assert tracker.note(State("fr", "language")) == Note("none", "language", 0)
    assert tracker.end_kind(Note("fr", "create", 8)) == "after_last_step"  # the last step, `then` or not


def test_the_calls_note_is_kept_under_a_keyed_hash_of_its_sid(make_app: Callable[..., Flask]) -> None:
    one = make_app(CALLER_HASH_KEY="one")
    two = make_app(CALLER_HASH_KEY="two")
    key_one = one.extensions["ivr.tracking"].note_key("CA123")
    assert key_one.startswith("ivr:call:") and "CA123" not in key_one
    assert len(key_one) == len("ivr:call:") + 32
    assert key_one != two.extensions["ivr.tracking"].note_key("CA123")


def test_the_length_labels_follow_the_buckets() -> None:
    assert list(LENGTH_LABELS) == [*(str(bound) for bound in LENGTH_BUCKETS), "more"]
    buckets = [tracking.length_bucket(seconds) for seconds in (0, 30, 31, 1800, 1801)]
    assert buckets == ["30", "30", "60", "1800", "more"]


def test_the_funnel_follows_the_topic_then_its_branches() -> None:
    places = funnel_places(CATALOG.tree, "create")
    assert places == [*(("create", step) for step in range(9)), ("create_path", 0),
                      *(("create_card", step) for step in range(4)),
                      *(("create_visa", step) for step in range(3))]
    assert Summariser(CATALOG, CATALOG.tree, "nowhere").funnel == "main"  # a bad setting falls back


def test_counts_from_the_store_and_from_the_logs_read_the_same() -> None:
    fields = {"answered": 2, "reached|fr|create|0": 2, "ended|fr|create|0|in_step": 2}
    from_store = Tally.from_fields({"2026-11-29": {}, "2026-11-30": fields})
    morning = "2026-11-30T10:00:00.000+00:00"
    lines = [json.dumps({"time": morning, "stats": ["answered", "reached|fr|create|0"]}),
             json.dumps({"time": morning, "stats": ["ended|fr|create|0|in_step"]})] * 2
    from_logs = Tally.from_log(["garbage", "[1, 2]", *lines])
    assert from_store.total() == from_logs.total()
    gap = Tally.from_log([lines[0].replace("2026-11-30", "2026-11-27"), lines[0]])
    assert list(gap.days) == ["2026-11-27", "2026-11-28", "2026-11-29", "2026-11-30"]


@pytest.fixture
def guarded(make_app: Callable[..., Flask]) -> Iterator[FlaskClient]:
    yield make_app(METRICS_TOKEN="s3cret").test_client()


def test_the_page_is_behind_the_metrics_token(guarded: FlaskClient) -> None:
    assert guarded.get("/ops/stats").status_code == 401
    assert guarded.get("/ops/stats", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert guarded.get("/ops/stats?token=wrong").status_code == 401
    assert guarded.get("/ops/stats", headers={"Authorization": "Bearer s3cret"}).status_code == 200
    # A link with the token (for a phone's browser) puts it in a cookie and out of the address bar.
    answer = guarded.get("/ops/stats?lang=fr&token=s3cret")
    assert answer.status_code == 302 and answer.headers["Location"] == "/ops/stats?lang=fr"
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/ops/stats" in cookie
    page = guarded.get("/ops/stats?lang=fr")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"


def test_a_language_the_line_does_not_have_is_404(client: FlaskClient) -> None:
    assert client.get("/ops/stats?lang=xx").status_code == 404
    assert client.get("/ops/stats?days=3&lang=all").status_code == 200
    assert client.get("/ops/stats?days=-1").status_code == 200


def test_the_terminal_phone_tells_the_line_when_the_caller_hangs_up(
        app: Flask, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    keys = iter(["1", "2"])
    tracker: Tracker = app.extensions["ivr.tracking"]
    kept, keep = threading.Event(), tracker.keep

    def keep_and_say(sid: str, note: Note | None, events: list[tracking.Event]) -> None:
        keep(sid, note, events)
        if note is not None and note.node == "create":
            kept.set()

    def typed(prompt: str) -> str:
        for key in keys:
            return key
        # A real server closes (and notes) after sending; a caller takes longer to hang up than that.
        assert kept.wait(10)
        raise EOFError  # Ctrl-D: the caller hangs up

    monkeypatch.setattr(tracker, "keep", keep_and_say)
    monkeypatch.setattr("builtins.input", typed)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    with serving(server):
        url = f"http://127.0.0.1:{server.server_port}/voice"
        assert phone_main(["--url", url, "--token", TOKEN, "--caller", "+33610009999"]) == 0
    labels = {**place("fr", "create", 0), "end": "in_step"}
    assert registry(app).get_sample_value("ivr_call_ends_total", labels) == 1
    assert "+33610009999" not in capsys.readouterr().err
