"""Webhook signature scheme: pure functions, no app."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deskpilot.exceptions import AuthError
from tickets.signing import compute, parse, sign, verify

BODY = b'{"id":"evt_1"}'


def test_sign_then_verify_roundtrip_and_hmac_is_over_timestamp_dot_body() -> None:
    header = sign(["s1"], BODY, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=")
    assert header.split("v1=")[1] == compute("s1", 1_700_000_000, BODY)
    assert compute("s1", 1_700_000_000, BODY) != compute("s1", 1_700_000_001, BODY)
    assert verify(header, BODY, ["s1"], tolerance_s=300, now=1_700_000_100) == 1_700_000_000


@pytest.mark.parametrize(
    "header",
    [None, "", "v1=abc", "t=123", "t=abc,v1=00", "garbage"],
)
def test_malformed_headers_are_rejected(header: str | None) -> None:
    with pytest.raises(AuthError):
        verify(header, BODY, ["s1"], tolerance_s=300)


def test_tampered_body_wrong_secret_and_stale_timestamp_fail() -> None:
    now = int(time.time())
    header = sign(["s1"], BODY, timestamp=now)
    with pytest.raises(AuthError, match="does not match"):
        verify(header, BODY + b" ", ["s1"], tolerance_s=300)
    with pytest.raises(AuthError, match="does not match"):
        verify(header, BODY, ["other"], tolerance_s=300)
    old = sign(["s1"], BODY, timestamp=now - 301)
    with pytest.raises(AuthError, match="tolerance"):
        verify(old, BODY, ["s1"], tolerance_s=300)
    future = sign(["s1"], BODY, timestamp=now + 301)
    with pytest.raises(AuthError, match="tolerance"):
        verify(future, BODY, ["s1"], tolerance_s=300)


def test_rotation_any_secret_matching_any_signature_passes() -> None:
    header = sign(["old", "new"], BODY)
    assert len(parse(header)[1]) == 2
    assert verify(header, BODY, ["new"], tolerance_s=300)
    assert verify(sign(["old"], BODY), BODY, ["new", "old"], tolerance_s=300)


@settings(max_examples=300, deadline=None)
@given(
    body=st.binary(max_size=256),
    secret=st.text(min_size=8, max_size=40),
    forger=st.text(min_size=8, max_size=40),
    flip=st.integers(min_value=0, max_value=255),
    skew=st.integers(min_value=301, max_value=10**7),
)
def test_forged_tampered_or_expired_signatures_are_always_rejected(
    body: bytes, secret: str, forger: str, flip: int, skew: int
) -> None:
    """Every forgery class fails, for any body and secret: a guessed secret, one flipped body
    byte, a re-used signature with a new timestamp, and a timestamp outside the window."""
    now = 1_800_000_000
    good = sign([secret], body, timestamp=now)
    assert verify(good, body, [secret], tolerance_s=300, now=now) == now
    forgeries = [
        (sign([forger], body, timestamp=now), body, now) if forger != secret else None,
        (good, body[:-1] + bytes([body[-1] ^ (flip or 1)]), now) if body else None,
        (good.replace(f"t={now}", f"t={now + 1}"), body, now),
        (sign([secret], body, timestamp=now - skew), body, now),
        (sign([secret], body, timestamp=now + skew), body, now),
    ]
    for forged in filter(None, forgeries):
        header, payload, at = forged
        with pytest.raises(AuthError):
            verify(header, payload, [secret], tolerance_s=300, now=at)
