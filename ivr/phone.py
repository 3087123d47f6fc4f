"""A phone in the terminal: calls the line the way Twilio does and shows what the caller hears."""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from twilio.request_validator import RequestValidator

if TYPE_CHECKING:
    from flask.testing import FlaskClient


@dataclass(frozen=True)
class Heard:
    """One thing the caller hears or sees happen: say, play, pause, dial or hangup."""

    verb: str
    text: str
    url: str | None = None
    language: str | None = None


@dataclass
class PendingGather:
    """A <Gather> waiting for keys, and the verbs Twilio runs if none come."""

    action: str
    num_digits: int
    rest: list[ET.Element]
    base: str


class PhoneError(Exception):
    """The line answered something Twilio would not accept."""


class Transport(Protocol):
    """Sends one signed form POST and returns the status and body."""

    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """POST the form to the URL."""


class HttpTransport:
    """Talks to a running server over HTTP."""

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout

    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """POST with urllib, returning error statuses instead of raising."""
        body = urllib.parse.urlencode(form).encode()
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return int(response.status), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return int(error.code), error.read().decode("utf-8", "replace")


class AppTransport:
    """Talks to the line's app in this process, through its test client, as the tests and tools do."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def post(self, url: str, form: dict[str, str], headers: dict[str, str]) -> tuple[int, str]:
        """POST through the test client at the URL's own scheme and host."""
        parts = urllib.parse.urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        # Buffered: the answer is read whole and closed, as a server does once it is sent (the line
        # logs, counts and notes on close).
        response = self.client.post(path, data=form, headers=headers, buffered=True,
                                    base_url=f"{parts.scheme}://{parts.netloc}")
        return int(response.status_code), str(response.get_data(as_text=True))


@dataclass
class Phone:
    """One call to the line, driven key by key."""

    transport: Transport
    url: str
    auth_token: str
    caller: str = "+33612345678"
    line_number: str = "+33100000000"
    direction: str = "inbound"  # "outbound-api": the line called out (a callback); From is then the line
    describe: Callable[[str], str | None] = lambda url: None
    call_sid: str = field(default_factory=lambda: "CA" + secrets.token_hex(16))
    account_sid: str = "AC" + "0" * 32
    heard: list[Heard] = field(default_factory=list)
    pending: PendingGather | None = None
    ended: bool = False
    requests: int = 0
    started: float | None = None  # when the line answered (monotonic seconds), for the call's length
    status_path: str = "/twilio/status"  # where the line hears of a call's end (Twilio's status callback)

    def dial(self) -> list[Heard]:
        """Place the call: Twilio's first webhook request."""
        self.started = time.monotonic()
        return self._turn(lambda: self._fetch(self.url, {}))

    def hang_up(self, status: str = "completed", seconds: int | None = None) -> int:
        """End the call as Twilio reports it: its status callback, signed; the line's HTTP status.

        The call lasted `seconds`, or by default as long as it has been since it was dialled.
        """
        if seconds is None:
            seconds = round(time.monotonic() - self.started) if self.started is not None else 0
        url = urllib.parse.urljoin(self.url, self.status_path)
        form = {**self._params({}), "CallStatus": status, "CallDuration": str(seconds)}
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
        self.pending, self.ended = None, True
        answer, _ = self.transport.post(url, form, headers)
        return answer

    def press(self, keys: str) -> list[Heard]:
        """Press keys at the waiting <Gather>; an empty string means the caller pressed nothing."""
        gather = self.pending
        if gather is None:
            raise PhoneError("nothing is waiting for a key: the call has ended")
        self.pending = None
        if not keys:
            return self._turn(lambda: self._run(gather.rest, gather.base))
        digits = keys[: gather.num_digits]
        return self._turn(lambda: self._fetch(gather.action, {"Digits": digits}))

    def press_at(self, url: str, keys: str, form: dict[str, str] | None = None) -> list[Heard]:
        """Post to any webhook URL as Twilio would, with keys and other fields (tools, tests)."""
        self.pending = None
        fields = {**({"Digits": keys} if keys else {}), **(form or {})}
        return self._turn(lambda: self._fetch(url, fields))

    def _turn(self, step: Callable[[], None]) -> list[Heard]:
        start = len(self.heard)
        step()
        return self.heard[start:]

    def _params(self, extra: dict[str, str]) -> dict[str, str]:
        return {
            "CallSid": self.call_sid,
            "AccountSid": self.account_sid,
            "From": self.caller,
            "To": self.line_number,
            "CallStatus": "in-progress" if self.requests else "ringing",
            "Direction": self.direction,
            "ApiVersion": "2010-04-01",
            **extra,
        }

    def _fetch(self, url: str, extra: dict[str, str]) -> None:
        form = self._params(extra)
        signature = RequestValidator(self.auth_token).compute_signature(url, form)
        headers = {"X-Twilio-Signature": signature, "Content-Type": "application/x-www-form-urlencoded"}
        self.requests += 1
        status, body = self.transport.post(url, form, headers)
        if status != 200:
            raise PhoneError(f"{url} answered HTTP {status}: Twilio would say 'an application error'")
        try:
            root = ET.fromstring(body)
        except ET.ParseError as error:
            raise PhoneError(f"{url} answered something that is not XML: {error}") from error
        if root.tag != "Response":
            raise PhoneError(f"{url} answered <{root.tag}>, not <Response>")
        self._run(list(root), url)

    def _run(self, verbs: list[ET.Element], base: str) -> None:
        for index, verb in enumerate(verbs):
            if verb.tag == "Gather":
                for inner in verb:
                    self._hear(inner, base)
                action = urllib.parse.urljoin(base, verb.get("action") or base)
                digits = int(verb.get("numDigits", "1"))
                self.pending = PendingGather(action, digits, verbs[index + 1 :], base)
                return
            if verb.tag == "Redirect":
                self._fetch(urllib.parse.urljoin(base, (verb.text or "").strip()), {})
                return
            if verb.tag == "Dial":
                self.heard.append(Heard("dial", (verb.text or "").strip()))
                if verb.get("action"):
                    after = urllib.parse.urljoin(base, verb.get("action", ""))
                    self._fetch(after, {"DialCallStatus": "completed"})
                    return
                continue
            if verb.tag == "Reject":  # not picked up: a callback follows, when the line placed one
                self.heard.append(Heard("reject", verb.get("reason", "")))
                self.ended = True
                return
            if verb.tag == "Hangup":
                break
            self._hear(verb, base)
        self.heard.append(Heard("hangup", ""))
        self.ended = True

    def _hear(self, verb: ET.Element, base: str) -> None:
        text = "".join(verb.itertext()).strip()  # SSML inside a <Say> (another language, a slower rate)
        if verb.tag == "Say":
            self.heard.append(Heard("say", text, language=verb.get("language")))
        elif verb.tag == "Play":
            url = urllib.parse.urljoin(base, text)
            self.heard.append(Heard("play", self.describe(url) or "", url=url))
        elif verb.tag == "Pause":
            self.heard.append(Heard("pause", verb.get("length", "1")))
        else:
            raise PhoneError(f"<{verb.tag}> is not a verb this phone (or a Gather) can play")


def show(heard: list[Heard]) -> None:
    """Print what the caller hears, one line each."""
    for item in heard:
        if item.verb == "say":
            print(f"  SAY  [{item.language or '-'}] {item.text}")
        elif item.verb == "play":
            print(f"  PLAY {item.url}" + (f"\n       « {item.text} »" if item.text else ""))
        elif item.verb == "pause":
            print(f"  (pause {item.text} s)")
        elif item.verb == "dial":
            print(f"  DIAL {item.text}   (the call is transferred)")
        elif item.verb == "reject":
            print(f"  [the line does not pick up ({item.text}): it calls you back, free of charge]")
        else:
            print("  [the line hangs up]")


def main(argv: list[str] | None = None) -> int:
    """Call a running line from the keyboard."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://127.0.0.1:5000/voice", help="the line's voice webhook")
    parser.add_argument("--token", default=os.environ.get("TWILIO_AUTH_TOKEN", ""),
                        help="auth token that signs requests (default: $TWILIO_AUTH_TOKEN)")
    parser.add_argument("--caller", default="+33612345678", help="the caller's number (From)")
    args = parser.parse_args(argv)
    # The words of each played file, through the audio manifest of IVR_AUDIO_DIR (or the default folder).
    from .audio.index import describer

    phone = Phone(HttpTransport(), args.url, args.token, caller=args.caller, describe=describer())
    try:
        show(phone.dial())
        if phone.heard and phone.heard[-1].verb == "reject":
            # Twilio would now call back; here the phone plays its part and answers the line's call.
            print("  (the callback rings: answering it)")
            phone = Phone(HttpTransport(), args.url.rstrip("/") + "/callback", args.token,
                          caller=phone.line_number, line_number=args.caller, direction="outbound-api",
                          describe=describer())
            show(phone.dial())
        while not phone.ended:
            try:
                keys = input("Keys (0-9, *, #; Enter alone = press nothing) > ").strip()
            except EOFError:
                print()
                break
            show(phone.press(keys))
        phone.hang_up()  # as Twilio does once a call ends: the line counts where it ended
    except (PhoneError, OSError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
