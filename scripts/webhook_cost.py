"""CPU time of one webhook in one process: the line against the bare app, and the work after each answer.

`make bench` measures latency under gunicorn and load; this says where the line's CPU goes, with no
server in between: calls recorded from the line replayed straight into each WSGI app, hot, the fastest of
several rounds; then each kind of work the line does once an answer has gone out, timed on its own.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="ivr-cost-"))  # as under gunicorn

from twilio.request_validator import RequestValidator  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402
from werkzeug.wrappers import Response  # noqa: E402

from ivr import create_app  # noqa: E402
from ivr.phone import AppTransport  # noqa: E402
from scripts.bare_app import create_app as create_bare_app  # noqa: E402
from scripts.bench import TOKEN, record_paths  # noqa: E402

Prepared = tuple[dict[str, Any], bytes]
BASE = "http://localhost"  # the test client's host


def recorded_requests(app: Any, calls: int, rng: random.Random) -> list[Prepared]:
    """WSGI environs of `calls` calls placed on the line with random keys, each signed for a new CallSid."""
    validator, prepared = RequestValidator(TOKEN), []
    paths = record_paths(BASE, calls, rng, lambda: AppTransport(app.test_client()))
    for target, recorded in (request for path in paths for request in path):
        form = {**recorded, "CallSid": "CA" + secrets.token_hex(16)}
        path, _, query = target.partition("?")
        signature = validator.compute_signature(BASE + target, form)
        builder = EnvironBuilder(path=path, query_string=query, method="POST", data=form,
                                 headers={"X-Twilio-Signature": signature})
        environ = builder.get_environ()
        environ["RAW_URI"] = target
        prepared.append((environ, environ["wsgi.input"].read()))
    return prepared


def replay(app: Callable[..., Any], prepared: list[Prepared]) -> None:
    """Every request once, straight into the WSGI app, its answer read and closed as a server would."""
    for base, body in prepared:
        environ = dict(base)
        environ["wsgi.input"] = io.BytesIO(body)
        answer = app(environ, lambda status, headers, exc_info=None: None)
        b"".join(answer)
        answer.close()


def cpu_per_request(apps: dict[str, Callable[..., Any]], prepared: list[Prepared],
                    rounds: int) -> dict[str, float]:
    """The fastest round of each app, in CPU microseconds per request; the apps alternate round by round."""
    best = dict.fromkeys(apps, float("inf"))
    for _ in range(rounds):
        for name, app in apps.items():
            start = time.process_time()
            replay(app, prepared)
            best[name] = min(best[name], time.process_time() - start)
    return {name: seconds / len(prepared) * 1e6 for name, seconds in best.items()}


def after_answer_work(app: Callable[..., Any], prepared: list[Prepared],
                      rounds: int) -> dict[str, tuple[int, float]]:
    """Each kind of work left for after the answer: how often a request leaves it, and its microseconds."""
    kept: dict[str, list[Callable[[], Any]]] = defaultdict(list)
    original = Response.call_on_close

    def keep(self: Response, work: Callable[[], Any]) -> Callable[[], Any]:
        inner = getattr(work, "func", work)  # functools.partial: name what it calls
        name = getattr(inner, "__qualname__", "?")
        kept[name].append(work)
        return work

    Response.call_on_close = keep  # type: ignore[method-assign]
    try:
        replay(app, prepared)
    finally:
        Response.call_on_close = original  # type: ignore[method-assign]
    costs = {}
    for name, works in kept.items():
        best = float("inf")
        for _ in range(rounds):
            start = time.process_time()
            for work in works:
                work()
            best = min(best, (time.process_time() - start) / len(works))
        costs[name] = (len(works), best * 1e6)
    return costs


def main(argv: list[str] | None = None) -> int:
    """Print CPU microseconds per request of the line and the bare app, then of the after-answer work."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=60, help="calls recorded (60)")
    parser.add_argument("--rounds", type=int, default=30, help="rounds; the fastest counts (30)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the recorded calls (1)")
    args = parser.parse_args(argv)
    line = create_app({"TWILIO_AUTH_TOKEN": TOKEN})
    sys.stderr = open(os.devnull, "w")  # the line's log lines: written, as under gunicorn, but not shown
    prepared = recorded_requests(line, args.calls, random.Random(args.seed))
    apps = {"line": line.wsgi_app, "bare Flask": create_bare_app().wsgi_app}
    replay(line.wsgi_app, prepared)  # warm, as the bench's recording warms the line
    cost = cpu_per_request(apps, prepared, args.rounds)
    print(f"{len(prepared)} requests of {args.calls} recorded calls, in one process, hot; the fastest of "
          f"{args.rounds} rounds")
    print("CPU per request: " + ", ".join(f"{name} {us:.0f} µs" for name, us in cost.items())
          + f"; line - bare {cost['line'] - cost['bare Flask']:.0f} µs")
    print("after the answer, per request that leaves it:")
    work = after_answer_work(line.wsgi_app, prepared, 5)
    for name, (count, us) in sorted(work.items(), key=lambda kv: -kv[1][1]):
        print(f"  {name:<24} {count:>5} times  {us:6.1f} µs")
    return 0


if __name__ == "__main__":
    sys.exit(main())
