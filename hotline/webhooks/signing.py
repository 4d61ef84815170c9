"""Signatures of webhook deliveries: HMAC-SHA256 of `<timestamp>.<body>` with the subscription's secret.

Receivers verify with `verify()` (or the ten lines of it in docs/webhooks.md) and refuse old timestamps.
"""

from __future__ import annotations

import hashlib
import hmac
import time

from hotline.webhooks.constants import TOLERANCE

PREFIX = "sha256="


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The `X-Hotline-Signature` header value."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return PREFIX + digest


def verify(secret: str, timestamp: str, body: bytes, signature: str, *, now: float | None = None,
           tolerance: int = TOLERANCE) -> bool:
    """True when the signature matches and the timestamp is recent."""
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    signature = signature or ""
    if not signature.isascii():  # compare_digest refuses non-ASCII text: such a header simply does not match
        return False
    return hmac.compare_digest(sign(secret, ts, body), signature)
