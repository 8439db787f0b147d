"""Stripe-style webhook signatures: ``Deskpilot-Signature: t=<unix>,v1=<hex>[,v1=<hex>...]``.

``v1 = HMAC_SHA256(secret, f"{t}.{raw_body}")``. Any active secret matching any ``v1``
passes (secret rotation); comparisons are constant-time; old timestamps are rejected.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Iterable

from deskpilot.exceptions import AuthError

HEADER = "Deskpilot-Signature"


def compute(secret: str, timestamp: int, body: bytes) -> str:
    msg = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), msg, hashlib.sha256).hexdigest()


def sign(secrets: Iterable[str], body: bytes, *, timestamp: int | None = None) -> str:
    """The header value for ``body`` signed with every secret in ``secrets``."""
    t = int(time.time()) if timestamp is None else timestamp
    return ",".join([f"t={t}", *(f"v1={compute(s, t, body)}" for s in secrets)])


def parse(header: str | None) -> tuple[int, list[str]]:
    if not header:
        raise AuthError(f"missing {HEADER} header", code="invalid_signature")
    timestamp: int | None = None
    sigs: list[str] = []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t":
            try:
                timestamp = int(value)
            except ValueError:
                raise AuthError("malformed signature timestamp", code="invalid_signature") from None
        elif key == "v1" and value:
            sigs.append(value.strip().lower())
    if timestamp is None or not sigs:
        raise AuthError(f"malformed {HEADER} header: need t= and v1=", code="invalid_signature")
    return timestamp, sigs


def verify(
    header: str | None, body: bytes, secrets: Iterable[str], *, tolerance_s: int, now: float | None = None
) -> int:
    """Return the signed timestamp, or raise :class:`AuthError` (401)."""
    timestamp, sigs = parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance_s:
        raise AuthError("signature timestamp outside the tolerance window", code="invalid_signature")
    ok = False
    for secret in secrets:
        expected = compute(secret, timestamp, body)
        for sig in sigs:
            # no early exit: every pair is compared in constant time
            ok |= hmac.compare_digest(expected, sig)
    if not ok:
        raise AuthError("signature does not match", code="invalid_signature")
    return timestamp
