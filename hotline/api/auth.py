"""Authentication of API calls: an API key (Bearer or X-API-Key) for integrations, the session for the browser.

A presented key that is unknown or revoked is a 401 at once (no fall-back to the session); repeated
failures from one address are limited (429). Session calls that change something need the CSRF token.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import APIKeyHeader, HttpBearer, SessionAuth
from ninja.utils import check_csrf

from hotline.api import keys
from hotline.api.constants import rate_limits
from hotline.api.errors import ApiError
from hotline.api.principal import Principal
from hotline.core.ratelimit import RateLimit, client_ip


def failure_limit() -> RateLimit:
    hits, seconds = rate_limits()["auth_failure"]
    return RateLimit("api-auth-failure", hits, seconds)


def _principal_for(request: HttpRequest, raw: str) -> Principal:
    """The principal of a presented key, or a 401 (counted against the caller's address)."""
    limit, ip = failure_limit(), client_ip(request)
    verdict = limit.peek(ip)
    if not verdict.allowed:
        raise ApiError(429, "rate_limited", _("认证失败次数过多，请稍后再试"),
                       headers={"Retry-After": str(verdict.retry_after)})
    key = keys.authenticate(raw)
    if key is None:
        limit.hit(ip)
        raise ApiError(401, "invalid_api_key", _("接口密钥无效或已吊销"),
                       headers={"WWW-Authenticate": 'Bearer realm="hotline", error="invalid_token"'})
    return Principal(user=key.user, key=key)


class KeyHeader(APIKeyHeader):
    """`X-API-Key: hk_…`"""

    param_name = "X-API-Key"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not key:
            return None
        return _principal_for(request, key)


class KeyBearer(HttpBearer):
    """`Authorization: Bearer hk_…`"""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        if not token:
            return None
        return _principal_for(request, token)


class Session(SessionAuth):
    """The browser's signed-in session; unsafe methods need the CSRF token. Ignored when a key is presented."""

    def __init__(self) -> None:
        super().__init__(csrf=False)  # checked below, to answer with the API's own error

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if keys.raw_key_from_request(request):
            return None
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        if request.method not in ("GET", "HEAD", "OPTIONS", "TRACE") and check_csrf(request) is not None:
            raise ApiError(403, "csrf_failed", _("CSRF 校验失败：请携带 CSRF 令牌"))
        return Principal(user=user)


AUTH = [KeyBearer(), KeyHeader(), Session()]
