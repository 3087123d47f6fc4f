"""Numbers kept out of logs and stores: masking, and the keyed hash the stores use."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ivr.privacy import keyed_hash, mask_number


@given(key=st.binary(min_size=1, max_size=80), text=st.text(max_size=40))
def test_keyed_hash_is_the_hmac_the_stores_always_kept(key: bytes, text: str) -> None:
    # Keys written before (hmac.new, hex, 32 digits) must still be found after a deploy.
    assert keyed_hash(key, text) == hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def test_keyed_hash_depends_on_the_key() -> None:
    assert keyed_hash(b"one secret", "tel:+33612345678") != keyed_hash(b"another", "tel:+33612345678")
    assert "33612345678" not in keyed_hash(b"one secret", "tel:+33612345678")


@pytest.mark.parametrize(("number", "shown"), [
    ("+33612345678", "+336******78"),
    (None, "-"),
    ("12345", "*****"),
])
def test_mask_number(number: str | None, shown: str) -> None:
    assert mask_number(number) == shown
