"""Signing CTI requests: HMAC-SHA256 over "<timestamp>.<body>" with the PBX source's shared secret.

Headers: `X-Hotline-Key` (the source's key), `X-Hotline-Timestamp` (Unix seconds) and
`X-Hotline-Signature: sha256=<hex>`. The timestamp must be within `SIGNATURE_SKEW_SECONDS` of the
server clock (replays of old requests are refused; repeated events are harmless anyway: idempotent).
"""

from __future__ import annotations

import hashlib
import hmac
import os

from hotline.calls.constants import setting
from hotline.calls.exceptions import SignatureError
from hotline.calls.models import PbxSource
from hotline.core import clock

KEY_HEADER = "X-Hotline-Key"
TIMESTAMP_HEADER = "X-Hotline-Timestamp"
SIGNATURE_HEADER = "X-Hotline-Signature"
#: Unix seconds have 10 digits until the year 2286: a longer timestamp is refused before it is converted
#: (a number of thousands of digits would overflow the subtraction, or make int() refuse it: a 500).
MAX_TIMESTAMP_DIGITS = 12
#: A source may also be configured from the environment: HOTLINE_CTI_KEY + HOTLINE_CTI_SECRET.
ENV_KEY, ENV_SECRET = "HOTLINE_CTI_KEY", "HOTLINE_CTI_SECRET"  # noqa: S105 - names, not secrets


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The header value for a body sent at `timestamp`."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def signed_headers(key: str, secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    """The three headers a PBX sends (as plain HTTP header names)."""
    ts = str(int(clock.now().timestamp()) if timestamp is None else timestamp)
    return {KEY_HEADER: key, TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: signature(secret, ts, body)}


def env_source() -> PbxSource | None:
    """The source configured by environment variables, created on first use."""
    key, secret = os.environ.get(ENV_KEY, ""), os.environ.get(ENV_SECRET, "")
    if not key or not secret:
        return None
    source, _ = PbxSource.objects.get_or_create(key=key, defaults={"name": key, "secret": secret})
    if source.secret != secret:
        source.secret = secret
        source.save(update_fields=["secret"])
    return source


def verify(headers: dict[str, str] | object, body: bytes) -> PbxSource:
    """The PBX source that signed this request, or SignatureError (401; 403 for a disabled source)."""
    get = headers.get  # type: ignore[attr-defined]
    key, ts, sig = get(KEY_HEADER, ""), get(TIMESTAMP_HEADER, ""), get(SIGNATURE_HEADER, "")
    if not key or not ts or not sig:
        raise SignatureError(f"missing {KEY_HEADER}, {TIMESTAMP_HEADER} or {SIGNATURE_HEADER} header")
    source = PbxSource.objects.filter(key=key).first()
    if source is None and key == os.environ.get(ENV_KEY):
        source = env_source()
    if source is None:
        raise SignatureError("unknown PBX source key")
    if not (ts.isascii() and ts.isdecimal() and len(ts) <= MAX_TIMESTAMP_DIGITS):
        raise SignatureError("the timestamp must be Unix seconds")
    skew = abs(clock.now().timestamp() - int(ts))
    if skew > setting("SIGNATURE_SKEW_SECONDS"):
        raise SignatureError(f"timestamp outside the allowed window ({int(skew)} s off)")
    if not sig.isascii() or not hmac.compare_digest(signature(source.secret, ts, body), sig):
        raise SignatureError("bad signature")
    if not source.is_active:
        raise SignatureError("this PBX source is disabled", status=403)
    return source
