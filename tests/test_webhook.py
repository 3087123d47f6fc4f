"""The webhook's own form reader decodes what Twilio sends exactly as the standard library would."""

from __future__ import annotations

import urllib.parse

from hypothesis import given, settings
from hypothesis import strategies as st

from ivr.webhook import parse_form

PAIRS = st.lists(st.tuples(st.text(max_size=12), st.text(max_size=24)), max_size=8)


@settings(max_examples=200, deadline=None)
@given(PAIRS)
def test_reads_any_encoded_form_like_parse_qsl(pairs: list[tuple[str, str]]) -> None:
    body = urllib.parse.urlencode(pairs).encode()
    expected: dict[str, list[str]] = {}
    for name, value in urllib.parse.parse_qsl(body.decode(), keep_blank_values=True):
        expected.setdefault(name, []).append(value)
    assert parse_form(body) == expected


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=64))
def test_reads_garbage_like_parse_qsl(body: bytes) -> None:
    expected: dict[str, list[str]] = {}
    for name, value in urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True,
                                              errors="replace"):
        expected.setdefault(name, []).append(value)
    assert parse_form(body) == expected


def test_keeps_every_value_of_a_field_in_order() -> None:
    fields = parse_form(b"Digits=1&StirVerstat=a&StirVerstat=b+c&Empty=&Caller=%2B33612345678")
    assert fields.getall("StirVerstat") == ["a", "b c"]
    assert fields["Empty"] == [""] and fields["Caller"] == ["+33612345678"]
