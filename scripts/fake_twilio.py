"""A stand-in for Twilio's Messages and Calls APIs on 127.0.0.1: checks requests as Twilio would, prints
the texts it gets and the calls it is asked to place (it places none)."""

from __future__ import annotations

import argparse
import base64
import hmac
import json
import os
import re
import secrets
import sys
import threading
import urllib.parse
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ivr.privacy import mask_number
from ivr.sms_text import sms_segments

E164 = re.compile(r"\+[1-9]\d{6,14}")
RESOURCE_PATH = re.compile(r"/2010-04-01/Accounts/(AC[0-9a-fA-F]{32})/(Messages|Calls)\.json")


class FakeTwilio(ThreadingHTTPServer):
    """Accepts POST /2010-04-01/Accounts/<sid>/Messages.json and Calls.json from one account, like Twilio."""

    daemon_threads = True

    def __init__(self, port: int, account_sid: str, auth_token: str,
                 show: Callable[[dict[str, str]], None] = lambda message: None) -> None:
        super().__init__(("127.0.0.1", port), Handler)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.show = show
        self.messages: list[dict[str, str]] = []  # every message accepted, as Twilio echoes it back
        self.calls: list[dict[str, str]] = []  # every call it was asked to place, with its URLs
        self.fail_with: int | None = None  # answer every request with this HTTP error, to rehearse a failure
        self.hold: threading.Event | None = None  # when set, every answer waits for it: a hung API
        self.received = 0  # requests that reached the handler, answered or not
        self.lock = threading.Lock()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up waiting (a hung API rehearsed) is expected: no traceback for it."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        """The base URL to give the twilio client instead of https://api.twilio.com."""
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


class Handler(BaseHTTPRequestHandler):
    """One request to the fake API."""

    server: FakeTwilio

    def do_POST(self) -> None:  # the name http.server calls
        """Check the account, the credentials and the fields, then accept the message or the call."""
        match = RESOURCE_PATH.fullmatch(urllib.parse.urlsplit(self.path).path)
        if not match or match.group(1) != self.server.account_sid:
            return self._error(404, 20404, "The requested resource was not found")
        if not self._authorised():
            return self._error(401, 20003, "Authenticate")
        with self.server.lock:
            self.server.received += 1
        if self.server.hold is not None:
            self.server.hold.wait()
        if self.server.fail_with:
            return self._error(self.server.fail_with, 20500, "Fake failure, as asked")
        length = int(self.headers.get("Content-Length") or 0)
        fields = urllib.parse.parse_qs(self.rfile.read(length).decode())
        form = {key: values[0] for key, values in fields.items()}
        if match.group(2) == "Calls":
            return self._call(form)
        to, sender, body = form.get("To", ""), form.get("From", ""), form.get("Body", "")
        if not E164.fullmatch(to):
            return self._error(400, 21211, "The 'To' number is not a valid phone number.")
        if not sender:
            return self._error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return self._error(400, 21602, "Message body is required.")
        encoding, segments = sms_segments(body)
        message = {
            "sid": "SM" + secrets.token_hex(16), "account_sid": self.server.account_sid, "to": to,
            "from": sender, "body": body, "status": "queued", "num_segments": str(segments),
            "direction": "outbound-api", "api_version": "2010-04-01", "encoding": encoding,
        }
        with self.server.lock:
            self.server.messages.append(message)
        self.server.show(message)
        self._send(201, message)

    def _call(self, form: dict[str, str]) -> None:
        """Accept a call to place, as Twilio's Calls API does: the numbers, and where to ask what to say."""
        to, sender, url = form.get("To", ""), form.get("From", ""), form.get("Url", "")
        if not E164.fullmatch(to):
            return self._error(400, 21211, "The 'To' number is not a valid phone number.")
        if not E164.fullmatch(sender):
            return self._error(400, 21212, "The 'From' number is not a valid phone number.")
        if not url.startswith(("http://", "https://")):
            return self._error(400, 21205, "Url is not a valid URL.")
        call = {
            "sid": "CA" + secrets.token_hex(16), "account_sid": self.server.account_sid, "to": to,
            "from": sender, "status": "queued", "direction": "outbound-api", "api_version": "2010-04-01",
            "url": url, "status_callback": form.get("StatusCallback", ""),
            "machine_detection": form.get("MachineDetection", ""),
        }
        with self.server.lock:
            self.server.calls.append(call)
        self.server.show({**call, "body": f"(a call back, its first webhook: {url})", "encoding": "-",
                          "num_segments": "-"})
        self._send(201, call)

    def _authorised(self) -> bool:
        """HTTP basic auth with the account SID and its auth token, as the twilio client sends it."""
        scheme, _, encoded = self.headers.get("Authorization", "").partition(" ")
        try:
            user, _, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return scheme == "Basic" and user == self.server.account_sid and hmac.compare_digest(
            password.encode(), self.server.auth_token.encode()
        )

    def _error(self, status: int, code: int, text: str) -> None:
        self._send(status, {"code": code, "message": text, "status": status,
                            "more_info": f"https://www.twilio.com/docs/errors/{code}"})

    def _send(self, status: int, payload: dict[str, Any]) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: Any) -> None:  # http.server's signature
        """Quiet: the messages themselves are what the demo shows."""


def show(message: dict[str, str]) -> None:
    """Print a message as the caller's phone would receive it (or a call the line asked for)."""
    kind = "SMS" if message["sid"].startswith("SM") else "CALL"
    print(f"\n{kind} {message['sid']} to {mask_number(message['to'])} from {message['from']} "
          f"({message['encoding']}, {message['num_segments']} segment(s)):\n{message['body']}\n", flush=True)


def main(argv: list[str] | None = None) -> int:
    """Serve the fake Messages API until interrupted."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, default=8099, help="port on 127.0.0.1 (default: 8099)")
    parser.add_argument("--account-sid", default=os.environ.get("TWILIO_ACCOUNT_SID", ""),
                        help="the only account accepted (default: $TWILIO_ACCOUNT_SID)")
    parser.add_argument("--auth-token", default=os.environ.get("TWILIO_AUTH_TOKEN", ""),
                        help="its auth token (default: $TWILIO_AUTH_TOKEN)")
    parser.add_argument("--fail", type=int, metavar="STATUS",
                        help="refuse every message with this HTTP status")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", args.account_sid) or not args.auth_token:
        parser.error("an account SID (AC + 32 hex digits) and an auth token are needed")
    server = FakeTwilio(args.port, args.account_sid, args.auth_token, show)
    server.fail_with = args.fail
    print(f"Fake Twilio Messages API on {server.url} for account {args.account_sid}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
