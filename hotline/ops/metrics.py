"""Prometheus metrics (`/metrics`): request latency, queue depths, SLA breaches, webhook failures.

Two kinds of figures:

- per process, counted as requests pass (`hotline_http_request_duration_seconds`, `hotline_rate_limited_total`).
  With several gunicorn workers, set PROMETHEUS_MULTIPROC_DIR to an empty directory (wiped at each start)
  and every worker writes its counts there; the endpoint then adds them up (prometheus_client's
  multiprocess mode; see docs/operations.md);
- read from the database (and the broker) at each scrape, so they are the same whichever worker answers:
  open orders by status, red / overdue orders, webhook deliveries by status and failed attempts,
  callbacks waiting, the Celery queue's length.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger("hotline.ops")

REQUEST_LATENCY = Histogram(
    "hotline_http_request_duration_seconds", "Time to answer one HTTP request, by view, method and status.",
    ["view", "method", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)
RATE_LIMITED = Counter("hotline_rate_limited_total", "Requests refused by a public rate limit.", ["limit"])


#: The histogram's child per (view, method, status), looked up once per process (`labels()` costs a lock and
#: a validation per request).
_latency_of: dict[tuple[str, str, int], Any] = {}


#: The HTTP methods that get a `method` label of their own (RFC 9110 and PATCH); any other is "other", so that
#: made-up methods sent by anyone cannot add time series without bound.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT"})


def method_label(method: str | None) -> str:
    """The request's method as the histogram labels it: a standard method as sent, anything else "other"."""
    return method if method in METHODS else "other"


def observe_request(view: str, method: str, status: int, seconds: float) -> None:
    """Count one request's latency; `method` is taken through `method_label` (bounded label values)."""
    method = method_label(method)
    child = _latency_of.get((view, method, status))
    if child is None:
        child = _latency_of[(view, method, status)] = REQUEST_LATENCY.labels(view, method, str(status))
    child.observe(seconds)


class DatabaseCollector(Collector):
    """Queue depths and breaches, counted in the database at scrape time."""

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        from django.db.models import Count, Q

        from hotline.calls.choices import UNFINISHED
        from hotline.calls.models import Callback
        from hotline.sla.choices import Light
        from hotline.tickets.choices import FINISHED
        from hotline.tickets.models import Ticket
        from hotline.webhooks.models import Delivery, DeliveryAttempt

        running = Ticket.objects.exclude(status__in=FINISHED)
        by_status = GaugeMetricFamily("hotline_orders_open", "Orders not finished, by status.", labels=["status"])
        for row in running.order_by().values("status").annotate(n=Count("id")):
            by_status.add_metric([row["status"]], row["n"])
        yield by_status
        breaches = running.aggregate(red=Count("id", filter=Q(light=Light.RED)),
                                     overdue=Count("id", filter=Q(close_overdue=True)))
        yield GaugeMetricFamily("hotline_sla_red_orders", "Running orders whose current deadline has passed (red light).",
                                value=breaches["red"])
        yield GaugeMetricFamily("hotline_sla_overdue_orders", "Running orders past the centre's closing deadline.",
                                value=breaches["overdue"])
        deliveries = GaugeMetricFamily("hotline_webhook_deliveries", "Webhook deliveries by status "
                                       "(pending = the queue, failed = given up).", labels=["status"])
        for row in Delivery.objects.order_by().values("status").annotate(n=Count("id")):
            deliveries.add_metric([row["status"]], row["n"])
        yield deliveries
        failed = DeliveryAttempt.objects.exclude(status_code__gte=200, status_code__lt=300).count()
        yield CounterMetricFamily("hotline_webhook_attempt_failures", "Webhook HTTP attempts that failed "
                                  "(error or non-2xx answer), ever.", value=failed)
        callbacks = GaugeMetricFamily("hotline_callbacks_waiting", "Missed calls waiting to be called back.",
                                      labels=["status"])
        for row in (Callback.objects.filter(status__in=UNFINISHED).order_by().values("status")
                    .annotate(n=Count("id"))):
            callbacks.add_metric([row["status"]], row["n"])
        yield callbacks


class BrokerCollector(Collector):
    """The Celery queue's length in Redis (when HOTLINE_REDIS_URL is set) and whether the broker answers."""

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from django.conf import settings

        url = getattr(settings, "REDIS_URL", "")
        if not url:
            return
        up, length = 0, None
        try:
            import redis

            client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
            length = client.llen(settings.CELERY_TASK_DEFAULT_QUEUE)
            up = 1
        except Exception:  # noqa: BLE001 - any failure means "broker down" for the scrape
            log.warning("metrics: the broker did not answer", exc_info=True)
        yield GaugeMetricFamily("hotline_broker_up", "1 when the Celery broker (Redis) answered.", value=up)
        if length is not None:
            yield GaugeMetricFamily("hotline_celery_queue_length", "Tasks waiting in the Celery queue.",
                                    value=length)


def exposition() -> bytes:
    """Everything in Prometheus' text format."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        process = CollectorRegistry()
        MultiProcessCollector(process)
    else:
        process = REGISTRY
    live = CollectorRegistry()
    live.register(DatabaseCollector())
    live.register(BrokerCollector())
    return generate_latest(process) + generate_latest(live)
