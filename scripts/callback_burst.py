"""A burst of rings against the missed-call callback (make callback-burst): how many callbacks it creates.

Rings from a set of numbers arrive from several threads at once at the real app, in this process; the
callbacks are asked of the local stand-in for Twilio's Calls API (scripts/fake_twilio.py) through the real
twilio client. Once with the callbacks left under way, once with each one ending as soon as it is placed
(its status callback), so that both the cap on calls under way and the daily limit per number are met.
"""

from __future__ import annotations

import argparse
import sys
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from flask import Flask
from twilio.request_validator import RequestValidator

from ivr import create_app
from scripts.fake_twilio import FakeTwilio

TOKEN = "burst-token"
SID = "AC" + "b" * 32
LINE = "+33100000000"


@dataclass
class Figures:
    """What a burst did."""

    rings: int = 0
    callbacks: int = 0  # rings rejected because a callback was placed
    answered: int = 0  # rings answered as usual
    per_number: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)


def post(app: Flask, path: str, form: dict[str, str], token: str) -> str:
    """A webhook request signed as Twilio signs it; the answer's text."""
    signature = RequestValidator(token).compute_signature(f"http://localhost{path}", form)
    response = app.test_client().post(path, data=form, headers={"X-Twilio-Signature": signature})
    return str(response.get_data(as_text=True))


def burst(app: Flask, api: FakeTwilio, rings: int, numbers: int, end_each: bool, threads: int = 8,
          token: str | None = None) -> Figures:
    """`rings` rings from `numbers` numbers, `threads` at a time; with `end_each`, each callback then ends."""
    token = token or app.config["TWILIO_AUTH_TOKEN"]
    figures = Figures()

    def one(index: int) -> None:
        number = f"+3361{index % numbers:07d}"
        before = len(api.calls)
        answer = post(app, "/voice", {"CallSid": f"CA{index:032x}", "From": number, "To": LINE,
                                      "Direction": "inbound"}, token)
        placed = "<Reject" in answer
        with figures.lock:
            figures.rings += 1
            figures.callbacks += placed
            figures.answered += not placed
            figures.per_number[number] += placed
        if placed and end_each:
            call = next(call for call in api.calls[before:] if call["to"] == number)
            post(app, "/twilio/status", {"CallSid": call["sid"], "From": LINE, "To": number,
                                         "Direction": "outbound-api", "CallStatus": "completed"}, token)

    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(one, range(rings)))
    return figures


def main(argv: list[str] | None = None) -> int:
    """Run both bursts and print what they created."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rings", type=int, default=200)
    parser.add_argument("--numbers", type=int, default=50)
    parser.add_argument("--daily-limit", type=int, default=3)
    parser.add_argument("--in-flight", type=int, default=10)
    args = parser.parse_args(argv)
    api = FakeTwilio(0, SID, TOKEN)
    threading.Thread(target=api.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    try:
        for end_each in (False, True):
            api.calls.clear()
            app = create_app({"TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_ACCOUNT_SID": SID, "CALLBACK_ENABLED": True,
                              "TWILIO_API_BASE_URL": api.url, "CALLBACK_DAILY_LIMIT": args.daily_limit,
                              "CALLBACK_IN_FLIGHT": args.in_flight, "CALLER_HASH_KEY": "burst"})
            figures = burst(app, api, args.rings, args.numbers, end_each)
            how = "each callback ending at once" if end_each else "callbacks left under way"
            print(f"{figures.rings} rings from {args.numbers} numbers, {how}: {figures.callbacks} callbacks "
                  f"placed ({len(api.calls)} calls at the API), {figures.answered} rings answered as usual; "
                  f"most for one number {max(figures.per_number.values())} (limits: {args.daily_limit} a day "
                  f"per number, {args.in_flight} under way)")
    finally:
        api.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
