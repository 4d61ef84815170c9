"""Rate limits per client address on the portal's pages, on the shared fixed-window limiter.

Buckets (`constants.RATE_LIMITS`, setting HOTLINE_PORTAL_RATE_LIMITS): `submit` counts accepted
submissions (requests and praise), `submit-try` every post of the forms (so a rejected form does not use
up the citizen's submissions, yet a robot cannot post without end), `track`, `rate` and `chase` (催办 from
the tracking page) every try; a 催办 with a wrong number or query code counts in `track` too.
"""

from __future__ import annotations

from django.http import HttpRequest

from hotline.core.ratelimit import RateLimit, Verdict, client_ip
from hotline.portal.constants import rate_limit


def _limit(bucket: str) -> RateLimit:
    tries, seconds = rate_limit(bucket)
    return RateLimit(f"portal-{bucket}", limit=tries, window=seconds)


def hit(request: HttpRequest, bucket: str) -> Verdict:
    """Count one try of this client in the bucket; `allowed` is False once the window is used up."""
    return _limit(bucket).hit(client_ip(request))


def peek(request: HttpRequest, bucket: str) -> Verdict:
    """Whether this client may try once more in the bucket, without counting a try."""
    return _limit(bucket).peek(client_ip(request))
