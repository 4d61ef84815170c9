"""/metrics (Prometheus) and /healthz/ready."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings
from prometheus_client.parser import text_string_to_metric_families

from hotline.calls.choices import CallbackStatus
from hotline.calls.models import Callback
from hotline.core import clock
from hotline.ops import views
from hotline.sla.choices import Light
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, DeliveryAttempt, Subscription

pytestmark = pytest.mark.django_db


def _samples(text: str) -> dict[tuple[str, tuple], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def _delivery(sub: Subscription, n: int, status: str) -> Delivery:
    return Delivery.objects.create(subscription=sub, event_id=f"e{n}", event_type="order.created", payload={},
                                   status=status, created_at=clock.now())


def test_metrics_expose_latency_queues_breaches_and_webhook_failures(client, frozen_now) -> None:
    cast = Cast.build()
    make_ticket(Status.REGISTERED, cast=cast)
    late = make_ticket(Status.IN_PROGRESS, cast=cast)
    make_ticket(Status.IN_PROGRESS, cast=cast)
    make_ticket(Status.CLOSED, cast=cast)
    Ticket.objects.filter(pk=late.pk).update(light=Light.RED, close_overdue=True)  # as the SLA sweep would
    sub = Subscription.objects.create(name="district", url="https://example.invalid/hook")
    pending, failed = _delivery(sub, 1, DeliveryStatus.PENDING), _delivery(sub, 2, DeliveryStatus.FAILED)
    DeliveryAttempt.objects.create(delivery=failed, number=1, at=clock.now(), status_code=500)
    DeliveryAttempt.objects.create(delivery=failed, number=2, at=clock.now(), error="timeout")
    DeliveryAttempt.objects.create(delivery=pending, number=1, at=clock.now(), status_code=204)
    Callback.objects.create(phone="13800000000", status=CallbackStatus.OPEN, first_missed_at=clock.now(),
                            last_missed_at=clock.now(), due_at=clock.now() + timedelta(hours=1))

    client.get("/accounts/login/")
    response = client.get("/metrics")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/plain")
    s = _samples(response.content.decode())
    assert s[("hotline_orders_open", (("status", "in_progress"),))] == 2
    assert s[("hotline_orders_open", (("status", "registered"),))] == 1
    assert ("hotline_orders_open", (("status", "closed"),)) not in s
    assert s[("hotline_sla_red_orders", ())] == 1 and s[("hotline_sla_overdue_orders", ())] == 1
    assert s[("hotline_webhook_deliveries", (("status", "pending"),))] == 1
    assert s[("hotline_webhook_deliveries", (("status", "failed"),))] == 1
    assert s[("hotline_webhook_attempt_failures_total", ())] == 2
    assert s[("hotline_callbacks_waiting", (("status", "open"),))] == 1
    login = (("method", "GET"), ("status", "200"), ("view", "login"))
    assert s[("hotline_http_request_duration_seconds_count", login)] >= 1


def test_metrics_are_refused_to_remote_and_proxied_clients_without_a_token(client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="10.0.0.5").status_code == 403
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403


@override_settings(HOTLINE_METRICS_TOKEN="s3cret-token-for-prometheus")
def test_with_a_token_only_the_bearer_may_scrape(client) -> None:
    assert client.get("/metrics").status_code == 403  # loopback is not enough any more
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    ok = client.get("/metrics", REMOTE_ADDR="10.0.0.5", HTTP_AUTHORIZATION="Bearer s3cret-token-for-prometheus")
    assert ok.status_code == 200


def test_ready_is_ok_with_database_media_and_the_broker_when_there_is_one(client, settings) -> None:
    body = client.get("/healthz/ready").json()
    assert body["status"] == "ok" and body["failed"] == []
    broker = {"broker"} if settings.REDIS_URL else set()  # the embedded profile has none
    assert set(body["checks"]) == {"database", "media"} | broker


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_an_unreachable_broker_makes_ready_fail_and_names_it(client) -> None:
    response = client.get("/healthz/ready")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "fail" and body["failed"] == ["broker"]
    assert body["checks"]["database"]["ok"] is True and "Error" in body["checks"]["broker"]["error"]


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_an_outside_caller_is_not_told_the_error_text(client) -> None:
    outside = client.get("/healthz/ready", REMOTE_ADDR="203.0.113.9")
    assert outside.status_code == 503 and outside.json()["failed"] == ["broker"]
    assert outside.json()["checks"]["broker"] == {"ok": False}
    proxied = client.get("/healthz/ready", HTTP_X_FORWARDED_FOR="203.0.113.9")  # through nginx on the host
    assert "error" not in proxied.json()["checks"]["broker"]


def test_a_failing_database_is_named(client, monkeypatch) -> None:
    def broken() -> None:
        raise RuntimeError("database is locked")

    monkeypatch.setattr(views, "check_database", broken)
    response = client.get("/healthz/ready")
    assert response.status_code == 503 and response.json()["failed"] == ["database"]


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_metrics_report_the_broker_down(client) -> None:
    s = _samples(client.get("/metrics").content.decode())
    assert s[("hotline_broker_up", ())] == 0


OBSERVE = ("import django; django.setup(); from hotline.ops import metrics; "
           "metrics.observe_request('orders', 'GET', 200, 0.02)")
EXPOSE = ("import django; django.setup(); from hotline.ops import metrics; "
          "import sys; "
          "from prometheus_client import CollectorRegistry, generate_latest; "
          "from prometheus_client.multiprocess import MultiProcessCollector; r = CollectorRegistry(); "
          "MultiProcessCollector(r); sys.stdout.write(generate_latest(r).decode())")


def test_several_worker_processes_add_up_in_multiprocess_mode(tmp_path) -> None:
    """Two 'workers' each count one request; the scrape (a third process) sees both."""
    import os
    import subprocess
    import sys

    from hotline.ops import gunicorn_conf

    directory = tmp_path / "prom"
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(directory), "DJANGO_SETTINGS_MODULE": "hotline.settings"}
    (directory).mkdir()
    (directory / "histogram_999.db").write_bytes(b"stale")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
    try:
        gunicorn_conf.on_starting(None)  # wipes the stale file
    finally:
        del os.environ["PROMETHEUS_MULTIPROC_DIR"]
    assert not (directory / "histogram_999.db").exists()
    for _ in range(2):
        subprocess.run([sys.executable, "-c", OBSERVE], env=env, check=True, timeout=120)  # noqa: S603
    out = subprocess.run([sys.executable, "-c", EXPOSE], env=env, check=True, timeout=120,  # noqa: S603
                         capture_output=True, text=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("hotline_http_request_duration_seconds_count"))
    assert 'view="orders"' in line and line.endswith(" 2.0")


def test_a_fresh_site_without_the_attachments_directory_is_ready(client, settings, tmp_path) -> None:
    """The first upload creates MEDIA_ROOT; until then a writable parent is enough."""
    settings.MEDIA_ROOT = str(tmp_path / "var" / "media")
    response = client.get("/healthz/ready")
    assert response.status_code == 200 and response.json()["checks"]["media"]["ok"] is True


def test_an_attachments_directory_that_cannot_be_created_fails_ready(client, settings, tmp_path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    settings.MEDIA_ROOT = str(blocker / "media")
    response = client.get("/healthz/ready")
    assert response.status_code == 503 and response.json()["failed"] == ["media"]
