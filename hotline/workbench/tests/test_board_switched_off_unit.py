"""督办看板 of a switched-off (停用) unit: the unit keeps its open orders (docs/lifecycle.md), the board counts them,
and the list its numbers link to (/orders/?lead_unit=U&state=open) shows those orders, not every open order."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.orgs.models import HandlingUnit
from hotline.sla.sweep import sweep
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.workbench.queues.filtersets import OrderFilterSet

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    """The labels below are the Chinese ones, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_board_link_of_a_switched_off_unit_lists_its_orders_only(frozen_now: datetime) -> None:
    old, other = Cast.build(), Cast.build()
    held = make_ticket(Status.IN_PROGRESS, cast=old, at=frozen_now - timedelta(days=20))
    elsewhere = make_ticket(Status.IN_PROGRESS, cast=other)
    HandlingUnit.objects.filter(pk=old.lead.pk).update(is_active=False)  # 撤并: switched off, the order still held
    sweep(frozen_now)
    client = _client(old.supervisor)
    board = client.get(reverse("supervision")).context["board"]
    assert next(r for r in board if r["unit_id"] == old.lead.pk)["total"] == 1
    listed = client.get(reverse("orders"), {"lead_unit": old.lead.pk, "state": "open"})
    assert not listed.context["fs"].errors
    assert {t.number for t in listed.context["orders"]} == {held.number}
    assert elsewhere.number not in listed.content.decode()


def test_switched_off_units_come_last_in_the_select_marked(frozen_now: datetime) -> None:
    cast = Cast.build()
    closed = Cast.build().lead
    HandlingUnit.objects.filter(pk=closed.pk).update(is_active=False)
    form = OrderFilterSet(user=UserFactory(role=Role.SUPERVISOR))
    labels = [str(label) for value, label in form.fields["lead_unit"].choices if value]
    assert f"{closed.name}（已停用）" == labels[-1]
    assert cast.lead.name in labels and f"{cast.lead.name}（已停用）" not in labels
