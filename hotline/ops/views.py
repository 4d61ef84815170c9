"""The machine endpoints: `/metrics` (Prometheus) and `/healthz/ready` (database, broker, attachments)."""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST

from hotline.ops import metrics

log = logging.getLogger("hotline.ops")

LOOPBACK = frozenset({"127.0.0.1", "::1"})


def metrics_allowed(request: HttpRequest) -> bool:
    """With HOTLINE_METRICS_TOKEN: the right bearer token. Without: a direct loopback client only
    (no X-Forwarded-For, so a reverse proxy on the same host does not open it to the world)."""
    token = getattr(settings, "HOTLINE_METRICS_TOKEN", "")
    if token:
        given = request.META.get("HTTP_AUTHORIZATION", "")
        return given.startswith("Bearer ") and hmac.compare_digest(given[7:].strip().encode(), token.encode())
    return request.META.get("REMOTE_ADDR") in LOOPBACK and "HTTP_X_FORWARDED_FOR" not in request.META


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    """All metrics in Prometheus' text exposition format."""
    if not metrics_allowed(request):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def check_broker() -> None:
    import redis

    redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()


def check_media() -> None:
    """The attachments directory is writable, or does not exist yet (a fresh site) but can be created:
    the first upload creates it (Django's FileSystemStorage makes missing directories)."""
    root = os.path.abspath(settings.MEDIA_ROOT)
    nearest = root
    while not os.path.exists(nearest) and os.path.dirname(nearest) != nearest:
        nearest = os.path.dirname(nearest)
    if not os.path.isdir(nearest) or not os.access(nearest, os.W_OK | os.X_OK):
        raise OSError(f"attachments directory {root} is not writable (nor creatable under {nearest})")


def checks() -> dict[str, Callable[[], None]]:
    """The readiness checks of this deployment (the broker only when one is configured)."""
    found: dict[str, Callable[[], None]] = {"database": check_database, "media": check_media}
    if getattr(settings, "REDIS_URL", ""):
        found["broker"] = check_broker
    return found


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    """200 when every check passes, else 503 naming the failed ones: {"status": "fail", "failed": [...]}.

    The error text (it may name hosts, users and paths) goes to the log, and into the answer only for a
    caller that may read the metrics (the token, or a direct loopback client).
    """
    detailed = metrics_allowed(request)
    results: dict[str, dict[str, object]] = {}
    for name, check in checks().items():
        started = time.perf_counter()
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - any failure of a dependency is reported, not raised
            log.warning("health check %s failed: %s", name, exc)
            results[name] = {"ok": False, **({"error": f"{type(exc).__name__}: {exc}"[:300]} if detailed else {})}
        else:
            results[name] = {"ok": True, "ms": round((time.perf_counter() - started) * 1000, 1)}
    failed = [name for name, result in results.items() if not result["ok"]]
    body = {"status": "fail" if failed else "ok", "failed": failed, "checks": results}
    return JsonResponse(body, status=503 if failed else 200)
