"""Keep callers' phone numbers out of logs, metrics and files."""

from __future__ import annotations

import hmac
import re

_DIGITS = re.compile(r"\d")


def mask_number(number: str | None) -> str:
    """Hide all but the country prefix and the last two digits: '+33612345678' -> '+336******78'."""
    if not number:
        return "-"
    digits = _DIGITS.findall(number)
    if len(digits) < 6:
        return "*" * len(number)
    keep_head = 3 if number.startswith("+") else 2
    masked = "".join(digits[:keep_head]) + "*" * (len(digits) - keep_head - 2) + "".join(digits[-2:])
    return ("+" if number.startswith("+") else "") + masked


def keyed_hash(key: bytes, text: str) -> str:
    """A number (or what names one) as the store may keep it: HMAC-SHA256 with a secret, 32 hex digits."""
    # Without the key, the small space of phone numbers cannot be hashed back. hmac.digest is the one-shot
    # C HMAC: the digest of hmac.new, without building its objects.
    return hmac.digest(key, text.encode(), "sha256").hex()[:32]
