"""The 待审批 queue: units' extension, unreasonable-claim and appeal requests waiting for the centre."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.timezone import localtime

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core import clock
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.workbench.queues import selectors
from hotline.workbench.queues.filtersets import OrderFilterSet

pytestmark = pytest.mark.django_db


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _numbers(response: Any) -> list[str]:
    return [t.number for t in response.context["orders"]]


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _extension(cast: Cast, at: datetime) -> Ticket:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, at=at - timedelta(hours=1))
    with clock.frozen(at):
        return services.request_extension(ticket, actor=cast.lead_handler, days=3, reason="需协调多个部门")


def _claim(cast: Cast, at: datetime) -> Ticket:
    ticket = make_ticket(Status.REPLIED, cast=cast, at=at - timedelta(hours=1))
    with clock.frozen(at):
        return services.apply_unreasonable(ticket, actor=cast.lead_handler, reason="诉求超出政策范围")


def _appeal(cast: Cast, at: datetime) -> Ticket:
    ticket = make_ticket(Status.CLOSED, cast=cast, at=at - timedelta(hours=1))
    with clock.frozen(at):
        return services.appeal(ticket, actor=cast.lead_handler, reason="已按时答复，考核有误")


@pytest.fixture
def pending(cast: Cast, frozen_now: datetime) -> dict[str, Ticket]:
    """One order per kind of request (the appeal the oldest, the claim the newest) and one with none."""
    return {
        "appeal": _appeal(cast, frozen_now - timedelta(days=3)),
        "extension": _extension(cast, frozen_now - timedelta(days=2)),
        "claim": _claim(cast, frozen_now - timedelta(hours=5)),
        "none": make_ticket(Status.IN_PROGRESS, cast=cast),
    }


def test_supervisor_sees_every_kind_oldest_request_first(cast: Cast, pending: dict[str, Ticket]) -> None:
    """Each order with an undecided request, the longest-waiting first, with what, who, when and the deadline."""
    response = _client(cast.supervisor).get(reverse("queue-approvals"))
    assert response.status_code == 200
    assert _numbers(response) == [pending["appeal"].number, pending["extension"].number, pending["claim"].number]
    body = response.content.decode()
    assert reverse("order-detail", args=[pending["extension"].number]) in body
    assert "延期 3 个工作日" in body and "不合理诉求" in body and "申诉" in body
    assert cast.lead.name in body
    assert "已等待 3" in body  # 3 days (timesince)
    reply_due = pending["extension"].assignments.get().reply_due
    assert f"答复时限 <time class=\"time\" datetime=\"{localtime(reply_due).isoformat()}\">" in body


def test_dispatcher_sees_only_the_extensions_it_may_decide(cast: Cast, pending: dict[str, Ticket]) -> None:
    """A dispatcher decides extensions, not claims or appeals (督办员's): only those orders are listed."""
    response = _client(cast.dispatcher).get(reverse("queue-approvals"))
    assert _numbers(response) == [pending["extension"].number]


def test_a_decided_request_leaves_the_queue(cast: Cast, pending: dict[str, Ticket]) -> None:
    services.deny_extension(pending["extension"], actor=cast.dispatcher, note="请按原时限办理")
    services.decide_appeal(pending["appeal"], actor=cast.supervisor, uphold=False, note="考核无误")
    response = _client(cast.supervisor).get(reverse("queue-approvals"))
    assert _numbers(response) == [pending["claim"].number]


@pytest.mark.parametrize("role", list(Role))
def test_only_the_deciding_roles_may_open_it(cast: Cast, role: str) -> None:
    """Dispatcher, supervisor and admin open it and see the link; every other role gets 403 and no link."""
    allowed = role in {Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN}
    user = UserFactory(role=role, units=[cast.lead] if role in {Role.UNIT_HANDLER, Role.UNIT_ADMIN} else [])
    client = _client(user)
    assert client.get(reverse("queue-approvals")).status_code == (200 if allowed else 403)
    body = client.get(reverse("orders")).content.decode()
    nav = body[body.index('aria-label="主导航"'):body.index("</nav>")]
    assert (f'href="{reverse("queue-approvals")}"' in nav) == allowed


def test_orders_the_person_may_not_see_are_not_listed(cast: Cast, frozen_now: datetime) -> None:
    """The queue and the `pending` filter start from `visible_to`: another unit's order is left out."""
    mine = _extension(cast, frozen_now - timedelta(hours=3))
    _extension(Cast.build(), frozen_now - timedelta(hours=5))  # another unit's
    handler = cast.lead_handler
    visible = Ticket.objects.visible_to(handler)
    assert [t.number for t in selectors.awaiting_decision(visible, ["extension"])] == [mine.number]
    response = _client(handler).get(reverse("orders"), {"pending": "extension"})
    assert _numbers(response) == [mine.number]


def test_pending_filter(cast: Cast, pending: dict[str, Ticket]) -> None:
    """`pending=` keeps the orders with an undecided request of that kind (`any`: of any kind)."""
    user = cast.supervisor

    def listed(value: str) -> set[str]:
        fs = OrderFilterSet({"pending": value}, user=user)
        return set(fs.filter_queryset(Ticket.objects.visible_to(user)).values_list("number", flat=True))

    assert listed("extension") == {pending["extension"].number}
    assert listed("unreasonable") == {pending["claim"].number}
    assert listed("appeal") == {pending["appeal"].number}
    assert listed("any") == {pending[k].number for k in ("extension", "claim", "appeal")}


def test_queries_do_not_grow_with_orders(cast: Cast, frozen_now: datetime, django_assert_num_queries: Any) -> None:
    """The queue runs the same number of queries for 3 orders as for 12 (no N+1)."""
    client = _client(cast.supervisor)

    def make(n: int) -> None:
        for i in range(n):
            _extension(cast, frozen_now - timedelta(hours=i + 1))
            _claim(cast, frozen_now - timedelta(hours=i + 1))
            _appeal(cast, frozen_now - timedelta(hours=i + 1))

    make(1)
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("queue-approvals")).status_code == 200
    make(3)
    with django_assert_num_queries(len(few.captured_queries)):
        response = client.get(reverse("queue-approvals"))
    assert len(response.context["orders"]) == 12
