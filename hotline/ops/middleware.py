"""Middlewares of the ops app: request ids and log context, latency metrics, the Content-Security-Policy
and rate limits on the public machine endpoints.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from hotline.core.ratelimit import RateLimit, client_ip
from hotline.ops import access, context, metrics

log = logging.getLogger("hotline.request")

Handler = Callable[[HttpRequest], HttpResponse]
#: Paths logged at DEBUG instead of INFO (probes scraped every few seconds).
QUIET_PREFIXES = ("/healthz", "/metrics", "/static/")


def _ip(request: HttpRequest) -> str:
    raw = client_ip(request)
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return ""


class RequestContextMiddleware:
    """Give each request an id (a sane incoming X-Request-ID, or a new one), echo it in the response,
    make it and the person known to log lines and audit records, write the request's log line and its
    sensitive-view records."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self._admin_prefix: str | None = None

    @property
    def admin_prefix(self) -> str:
        if self._admin_prefix is None:
            try:
                self._admin_prefix = reverse("admin:index")
            except NoReverseMatch:
                self._admin_prefix = "/admin/"
        return self._admin_prefix

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = context.sane_request_id(request.META.get("HTTP_X_REQUEST_ID")) or context.new_request_id()
        # The path as log lines and access records keep it, numbers masked (`context.path_for_record`).
        ctx = context.RequestContext(request_id=request_id, ip=_ip(request),
                                     path=context.path_for_record(request.path), method=request.method or "")
        ctx.admin = request.method == "POST" and request.path.startswith(self.admin_prefix)
        request.request_id = request_id  # type: ignore[attr-defined]
        token = context.activate(ctx)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            self._who(request, ctx)
            if response.streaming and not getattr(response, "is_async", False):
                # Rows of a streamed export are rendered while it is sent: keep the context until then.
                response.streaming_content = self._streamed(response.streaming_content, ctx)
            else:
                access.flush(ctx)
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            response["X-Request-ID"] = request_id
            level = logging.DEBUG if request.path.startswith(QUIET_PREFIXES) else logging.INFO
            log.log(level, "%s %s %s", request.method, ctx.path, response.status_code,
                    extra={"status": response.status_code, "duration_ms": duration_ms})
            return response
        finally:
            context.deactivate(token)

    @staticmethod
    def _streamed(content: Iterator[bytes], ctx: context.RequestContext) -> Iterator[bytes]:
        token = context.activate(ctx)
        try:
            yield from content
        finally:
            access.flush(ctx)
            try:
                context.deactivate(token)
            except ValueError:  # closed from another context (e.g. by the garbage collector)
                pass

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        """Known only once authentication has run: the person, for the view's own log lines."""
        ctx = context.current()
        if ctx is not None:
            self._who(request, ctx)

    @staticmethod
    def _who(request: HttpRequest, ctx: context.RequestContext) -> None:
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            ctx.user_id, ctx.username = user.pk, user.get_username()


class MetricsMiddleware:
    """Observe each request's latency in `hotline_http_request_duration_seconds{view,method,status}`."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name if match else "") or "unresolved"
        # A made-up method is labelled "other" (`metrics.method_label`): the label values stay bounded.
        metrics.observe_request(view, request.method or "", response.status_code, time.perf_counter() - started)
        return response


class ContentSecurityPolicyMiddleware:
    """Send the Content-Security-Policy (HOTLINE_CSP), or a path's own policy (HOTLINE_CSP_PATHS)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response
        self.header = ("Content-Security-Policy-Report-Only" if settings.HOTLINE_CSP_REPORT_ONLY
                       else "Content-Security-Policy")

    def policy_for(self, path: str) -> str:
        for prefix, policy in settings.HOTLINE_CSP_PATHS:
            if path.startswith(prefix):
                return policy
        return settings.HOTLINE_CSP

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = self.policy_for(request.path)
        if policy and self.header not in response:
            response[self.header] = policy
        return response


class NulRefusalMiddleware:
    """Refuse a request whose path holds a NUL character with a 400 before any view runs: PostgreSQL cannot
    compare text holding NUL, so an order number like `2025%00…` would otherwise be a 500. The API answers in
    its error envelope; Open311 in the spec's form (its views check the query string too). A NUL in a query
    string is left to the pages' filter forms, which ignore or refuse such a value field by field."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if "\x00" in request.path and not request.path.startswith("/open311/"):
            message = _("请求地址含有空字符（NUL），无法处理")
            if request.path.startswith("/api/"):
                from hotline.api.errors import error_response

                return error_response(400, "bad_request", message)
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class PublicRateLimitMiddleware:
    """Per-client limits on the public machine endpoints that have none of their own (HOTLINE_PUBLIC_RATE_LIMITS:
    path prefix, methods, hits per window); over the limit: 429 with Retry-After."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if settings.HOTLINE_PUBLIC_RATE_LIMITS_ENABLED:
            for rule in settings.HOTLINE_PUBLIC_RATE_LIMITS:
                if request.path.startswith(rule["prefix"]) and (request.method or "") in rule["methods"]:
                    limit = RateLimit(rule["name"], int(rule["limit"]), int(rule["window"]))
                    verdict = limit.hit(client_ip(request))
                    if not verdict.allowed:
                        metrics.RATE_LIMITED.labels(limit.name).inc()
                        response = JsonResponse({"error": "rate_limited", "message": _("请求过于频繁，请稍后再试"),
                                                 "retry_after": verdict.retry_after}, status=429)
                        response["Retry-After"] = str(verdict.retry_after)
                        return response
                    break
        return self.get_response(request)
