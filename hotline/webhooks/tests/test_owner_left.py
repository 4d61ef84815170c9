"""A person's subscription (owner set in the admin) hears nothing more once the person left: events queued before
the owner's account was deactivated stay unsent (`deliverer.sendable`), and an order's event whose owner may no
longer read the order (moved out of the unit) is given up at its next attempt or replay, the reason in its log."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any

import pytest

from hotline.accounts.models import Membership
from hotline.tasks.tasks import deliver_webhook
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks import deliverer, services
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks: Any) -> Callable[[], AbstractContextManager[Any]]:
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def posted(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What the deliverer sends (each URL), every receiver answering 200."""
    sent: list[str] = []

    def post(url: str, *args: object, **kwargs: object) -> deliverer.Answer:
        sent.append(url)
        return deliverer.Answer(200, b"", "", 1)

    monkeypatch.setattr(deliverer, "post", post)
    return sent


def _queued(on_commit: Callable[[], AbstractContextManager[Any]]) -> tuple[Cast, list[Delivery]]:
    """The lead street's handler subscribed in the admin; an order dispatched to the street: its events queued
    (every step so far: they are queued once the order is the street's)."""
    cast = Cast.build()
    subscription = Subscription.objects.create(name="街道值班", url="https://example.com/hook",
                                               owner=cast.lead_handler)
    with on_commit():
        ticket = make_ticket(Status.DISPATCHED, cast=cast)
    queued = list(Delivery.objects.filter(subscription=subscription, ticket=ticket).order_by("id"))
    assert {d.status for d in queued} == {DeliveryStatus.PENDING}
    return cast, queued


def _log(delivery: Delivery) -> list[tuple[int | None, str]]:
    return [(a.status_code, a.error) for a in delivery.attempt_log.all()]


def test_queued_events_are_not_sent_after_the_owner_is_deactivated(on_commit, posted, frozen_now: datetime) -> None:  # noqa: ANN001
    cast, queued = _queued(on_commit)
    cast.lead_handler.is_active = False  # the handler left the job
    cast.lead_handler.save(update_fields=["is_active"])
    assert not deliverer.sendable(Delivery.objects.filter(pk__in=[d.pk for d in queued])).exists()
    assert deliverer.deliver_due() == 0 and posted == []
    assert deliver_webhook(queued[0].pk) is False and posted == []  # the task that sends one delivery: the same
    assert set(Delivery.objects.filter(pk__in=[d.pk for d in queued]).values_list("status", "attempts")) == {
        (DeliveryStatus.PENDING, 0)}


def test_an_event_queued_before_the_owner_left_the_unit_is_given_up_unsent(on_commit, posted, frozen_now: datetime) -> None:  # noqa: ANN001, E501
    cast, queued = _queued(on_commit)
    Membership.objects.filter(user=cast.lead_handler, unit=cast.lead).delete()  # moved to another unit
    assert deliverer.deliver_due() == len(queued)
    assert posted == [], "the old unit's order events still went to the person who moved away"
    for delivery in queued:
        delivery.refresh_from_db()
        assert delivery.status == DeliveryStatus.FAILED and delivery.next_attempt_at is None
        assert _log(delivery) == [(None, deliverer.OWNER_MAY_NOT_SEE)]
    assert deliverer.deliver_due() == 0  # given up: never tried again


def test_the_task_that_sends_one_delivery_gives_it_up_too(on_commit, posted, frozen_now: datetime) -> None:  # noqa: ANN001
    cast, [delivery, *_] = _queued(on_commit)
    Membership.objects.filter(user=cast.lead_handler, unit=cast.lead).delete()
    assert deliver_webhook(delivery.pk) is True and posted == []
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.FAILED and _log(delivery) == [(None, deliverer.OWNER_MAY_NOT_SEE)]


def test_a_replay_after_the_owner_left_the_unit_is_given_up_unsent(on_commit, posted, frozen_now: datetime) -> None:  # noqa: ANN001
    cast, queued = _queued(on_commit)
    assert deliverer.deliver_due() == len(queued) and len(posted) == len(queued)  # sent while still there
    Membership.objects.filter(user=cast.lead_handler, unit=cast.lead).delete()
    delivery = Delivery.objects.get(pk=queued[0].pk)
    assert delivery.status == DeliveryStatus.DELIVERED
    replayed = services.replay(delivery)
    assert deliverer.deliver_due() == 1 and len(posted) == len(queued)  # not sent a second time
    replayed.refresh_from_db()
    assert replayed.status == DeliveryStatus.FAILED and _log(replayed) == [(None, deliverer.OWNER_MAY_NOT_SEE)]


def test_an_owner_still_in_the_unit_and_the_centres_own_subscription_are_sent_as_before(
        on_commit, posted, frozen_now: datetime) -> None:  # noqa: ANN001
    centre = Subscription.objects.create(name="中心订阅", url="https://example.com/centre")
    cast, queued = _queued(on_commit)
    to_centre = Delivery.objects.filter(subscription=centre).count()
    assert deliverer.deliver_due() == len(queued) + to_centre
    assert posted.count("https://example.com/hook") == len(queued)
    assert posted.count("https://example.com/centre") == to_centre > 0
    assert {d.status for d in Delivery.objects.all()} == {DeliveryStatus.DELIVERED}
