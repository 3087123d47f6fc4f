"""Text the caller the website, the CCC number and the fiche: who may get one, and sending it via Twilio."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .bounded import Bounded
from .caller import E164, Call, is_shown_number
from .content import Catalog
from .privacy import mask_number
from .sms_limits import Limiter
from .sms_text import FICHE_URL, sms_message
from .store import Store
from .twilio_api import attempt, rest_client

log = logging.getLogger("ivr.sms")


class SmsConfigError(RuntimeError):
    """Text messages are switched on but cannot work safely with these settings."""


@dataclass(frozen=True)
class Policy:
    """Which numbers may receive a text, and from which number it goes."""

    prefixes: tuple[str, ...]
    sender: str | None = None  # None: the number the caller dialled

    def recipient_ok(self, number: str) -> bool:
        """A real, shown number in an allowed country: never a withheld or malformed caller ID."""
        return is_shown_number(number) and number.startswith(self.prefixes)

    def sender_for(self, call: Call) -> str | None:
        """The configured sender, else the line's own number when Twilio gave a proper one."""
        if self.sender:
            return self.sender
        return call.line_number if E164.fullmatch(call.line_number) else None


class Sender:
    """Twilio's Messages API, waiting `timeout` seconds in all at most, a few texts at a time."""

    def __init__(self, account_sid: str, auth_token: str, timeout: float,
                 base_url: str | None = None, in_flight: int = 2) -> None:
        # The client's timeout ends a hung exchange's thread; `bounded` is how long the caller waits.
        self.client = rest_client(account_sid, auth_token, timeout, base_url)
        self.bounded = Bounded("sms", timeout, in_flight)

    def send(self, to: str, sender: str, body: str) -> bool:
        """Send one text; True only when Twilio accepted it, and never an exception."""
        message = attempt(self.bounded, log, "sms", to,
                          lambda: self.client.messages.create(to=to, from_=sender, body=body))
        if message is None:
            return False
        if message.status == "failed":
            log.warning("sms to %s failed at once (%s)", mask_number(to), message.sid)
            return False
        log.info("sms to %s accepted (%s)", mask_number(to), message.sid)
        return True


class TextMessages:
    """The 'receive this by text message' option: whether a call is offered it, and sending it."""

    def __init__(self, policy: Policy, limiter: Limiter, sender: Sender, catalog: Catalog,
                 fiche_url: str = FICHE_URL) -> None:
        self.policy = policy
        self.limiter = limiter
        self.sender = sender
        self.catalog = catalog
        self.fiche_url = fiche_url

    def offered(self, call: Call) -> bool:
        """Whether this call may be offered a text now."""
        return (
            bool(call.sid)
            and self.policy.recipient_ok(call.caller)
            and self.policy.sender_for(call) is not None
            and self.limiter.allows(call.sid, call.caller)
        )

    def send(self, call: Call, lang: str) -> bool:
        """Send the caller the text in their language, within the limits; True only if Twilio accepted it."""
        sender = self.policy.sender_for(call)
        if not self.offered(call) or sender is None or not self.limiter.claim(call.sid, call.caller):
            return False
        # The attempt counts even if Twilio then fails: after a timeout, the text may well have gone.
        body = sms_message(self.catalog.languages[lang], self.fiche_url)
        return self.sender.send(call.caller, sender, body)


def from_config(config: Mapping[str, Any], catalog: Catalog, store: Store,
                hash_key: bytes) -> TextMessages | None:
    """Build the option from the app's settings; None when switched off, SmsConfigError when unsafe."""
    if not config["SMS_ENABLED"]:
        return None
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    if not sid or not token:
        raise SmsConfigError("SMS_ENABLED needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN to use Twilio.")
    limit = int(config["SMS_DAILY_LIMIT"])
    timeout = float(config["SMS_TIMEOUT"])
    if limit < 1 or timeout <= 0:
        raise SmsConfigError("SMS_DAILY_LIMIT must be 1 or more and SMS_TIMEOUT above 0 seconds.")
    fiche_url = str(config["FICHE_URL"])
    if "{lang}" not in fiche_url:
        raise SmsConfigError("FICHE_URL must contain {lang}, where the fiche's language code goes.")
    sender = Sender(str(sid), str(token), timeout, config["TWILIO_API_BASE_URL"],
                    int(config.get("SMS_IN_FLIGHT", 2)))
    policy = Policy(allowed_prefixes(config["SMS_ALLOWED_PREFIXES"]), str(config["SMS_FROM"] or "") or None)
    return TextMessages(policy, Limiter(store, hash_key, limit), sender, catalog, fiche_url)


def allowed_prefixes(raw: Any) -> tuple[str, ...]:
    """Prefixes allowed texts and callbacks: a list, or a comma-separated string (from the environment)."""
    items = raw.split(",") if isinstance(raw, str) else list(raw or [])
    prefixes = tuple(str(item).strip() for item in items if str(item).strip())
    if not prefixes or not all(re.fullmatch(r"\+\d{1,6}", prefix) for prefix in prefixes):
        raise SmsConfigError(f"SMS_ALLOWED_PREFIXES must list prefixes such as '+33', not {raw!r}.")
    return prefixes
