"""The API's errors: one JSON shape, a stable code per kind of failure, never a stack trace.

    {"error": {"code": "invalid_transition", "message": "…", "details": …}}
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.core.outage import RETRY_AFTER_SECONDS, is_database_unavailable
from hotline.tickets.exceptions import (
    ConflictError,
    DomainError,
    InvalidTransition,
    NotPermitted,
    RuleViolation,
    TransitionRefused,
)

logger = logging.getLogger("hotline.api")

#: django-ninja's own refusals (English, whatever the caller's language) → ours. Matched on their start:
#: under DEBUG ninja appends the parser's exception.
LIBRARY_MESSAGES = {
    "Cannot parse request body": gettext_lazy("请求体无法解析：须为有效的 JSON（UTF-8 编码）"),
    "CSRF check Failed": gettext_lazy("CSRF 校验失败：请携带 CSRF 令牌"),
}


def library_message(message: str) -> str:
    """The caller's-language text for a message django-ninja wrote in English; any other message as is."""
    for english, ours in LIBRARY_MESSAGES.items():
        if message.startswith(english):
            return str(ours)
    return message


class ApiError(Exception):
    """A refusal the API reports as is: HTTP status, stable code, message, optional details."""

    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details
        self.headers = headers or {}


def error_response(status: int, code: str, message: str, details: Any = None,
                   headers: dict[str, str] | None = None) -> HttpResponse:
    """The JSON body every error of the API has (django-ninja's English messages in the caller's language)."""
    response = JsonResponse({"error": {"code": code, "message": library_message(str(message)), "details": details}},
                            status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def from_api_error(exc: ApiError) -> HttpResponse:
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


def domain_status(exc: DomainError) -> int:
    """How a refused step maps to HTTP: 403 not permitted, 409 conflicting transition, 400 bad arguments."""
    if isinstance(exc, NotPermitted):
        return 403
    if isinstance(exc, InvalidTransition | ConflictError | TransitionRefused):
        return 409
    if isinstance(exc, RuleViolation):
        return 400
    return 400


def from_domain_error(exc: DomainError) -> HttpResponse:
    return error_response(domain_status(exc), exc.code, exc.message)


def service_unavailable() -> HttpResponse:
    """The database cannot be reached for a moment: 503 with Retry-After, so that the caller retries."""
    return error_response(503, "service_unavailable", _("服务暂时不可用（数据库连接中断），请稍后重试"),
                          headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def internal_error(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """An unexpected failure: logged with its traceback, answered with a plain JSON 500 — or a 503 with
    Retry-After when the database is unreachable for a moment (`hotline.core.outage`)."""
    if is_database_unavailable(exc):
        logger.warning("API %s %s: database unavailable (%s: %s)", request.method, request.path,
                       type(exc).__name__, str(exc).strip()[:200])
        return service_unavailable()
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return error_response(500, "internal_error", _("服务器内部错误，请稍后重试"))
