"""Twilio's REST API through its own client: each exchange bounded in time and in number, never raising."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from .bounded import Bounded, Busy, TooSlow
from .privacy import mask_number

T = TypeVar("T")


def rest_client(account_sid: str, auth_token: str, timeout: float, base_url: str | None = None) -> Client:
    """A client whose every connect and read gives up after `timeout` seconds."""
    client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
    if base_url:
        # A local stand-in for Twilio's API (tests, demos): the client builds every URL from this.
        client.api.base_url = base_url.rstrip("/")
    return client


def attempt(bounded: Bounded, log: logging.Logger, what: str, to: str, work: Callable[[], T]) -> T | None:
    """Run one exchange within its bounds; None, logged with the number masked, when it did not succeed."""
    try:
        return bounded.run(work)
    except Busy:
        log.warning("%s to %s not tried: too many under way in this process", what, mask_number(to))
    except TooSlow:
        log.warning("%s to %s: no answer from Twilio in time", what, mask_number(to))
    except TwilioRestException as error:
        # Twilio's message text may quote the number, so only its status and code are logged.
        log.warning("%s to %s refused: HTTP %s, Twilio error %s", what, mask_number(to), error.status,
                    error.code)
    except Exception as error:  # a timeout, or any other fault of the API, must not end the call
        log.warning("%s to %s failed: %s", what, mask_number(to), type(error).__name__)
    return None
