"""Retry-now against a delivery being sent, and signatures with non-ASCII text."""

from __future__ import annotations

from datetime import timedelta

import pytest

from hotline.webhooks import deliverer, services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.signing import sign, verify
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db


def test_retry_now_leaves_a_delivery_being_sent_alone(frozen_now, allow_private) -> None:
    with receiver() as endpoint:
        subscription = Subscription.objects.create(name="hook", url=endpoint.url)
        delivery = services.enqueue(subscription, event_id="evt_r1", event_type="order.created", payload={"x": 1})
        assert deliverer._claim(delivery) is True  # a deliverer holds it and is about to POST
        assert services.retry_now(delivery) is False  # 立即重试 meanwhile
        assert deliverer.deliver_due() == 0  # a second deliverer's round finds nothing due
        deliverer.attempt(delivery)  # the first deliverer's POST
        assert deliverer.deliver_due() == 0
        assert len(endpoint.received) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1


def test_retry_now_brings_a_backed_off_delivery_forward(traveller, allow_private) -> None:
    with receiver([(500, b"down")]) as endpoint:
        subscription = Subscription.objects.create(name="hook", url=endpoint.url)
        delivery = services.enqueue(subscription, event_id="evt_r2", event_type="order.created", payload={"x": 1})
        for _ in range(4):  # backoffs 30 s, 1, 2, 4 min: the next attempt is minutes away
            traveller.shift(timedelta(hours=1))
            deliverer.deliver_due()
        endpoint.answers[:] = [(200, b"ok")]
        assert services.retry_now(Delivery.objects.get(pk=delivery.pk)) is True
        assert deliverer.deliver_due() == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 5


def test_a_non_ascii_signature_does_not_match() -> None:
    body = b'{"a": 1}'
    assert not verify("s3cret", "1700000000", body, "sha256=é" + "0" * 63, now=1_700_000_000)
    assert not verify("s3cret", "1700000000", body, "签名", now=1_700_000_000)
    assert verify("s3cret", "1700000000", body, sign("s3cret", 1_700_000_000, body), now=1_700_000_000)
