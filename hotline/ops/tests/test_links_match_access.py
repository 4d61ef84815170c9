"""A page links only where the person may go: the links on the order page and the partners' pages."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import UserFactory, make_ticket
from hotline.triage.models import Alert, AlertKind

pytestmark = pytest.mark.django_db


def _as(role: str) -> Client:
    client = Client()
    client.force_login(UserFactory(role=role))
    return client


def test_the_order_pages_alert_link_is_shown_only_to_those_who_may_open_alerts(frozen_now) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.PENDING_DISPATCH)
    alert = Alert.objects.create(kind=AlertKind.CLUSTER, title="同一地点多人来电：路灯", master=ticket,
                                 created_at=clock.now(), updated_at=clock.now())
    alert.tickets.add(ticket)
    link = f"/triage/alerts/{alert.pk}/"
    for role, linked in ((Role.DISPATCHER, True), (Role.SUPERVISOR, True), (Role.INTAKE, False),
                         (Role.INSPECTOR, False), (Role.LEADER, False)):
        client = _as(role)
        page = client.get(f"/orders/{ticket.number}/").content.decode()
        assert "同一地点多人来电：路灯" in page, role
        assert (link in page) is linked, role
        assert (client.get(link).status_code == 200) is linked, role


@pytest.mark.parametrize(("role", "status"), [(Role.DISPATCHER, 200), (Role.SUPERVISOR, 200), (Role.ADMIN, 200),
                                              (Role.INTAKE, 403), (Role.INSPECTOR, 403), (Role.LEADER, 403),
                                              (Role.UNIT_HANDLER, 403)])
def test_the_partners_pages_are_for_the_roles_the_navigation_shows_them_to(role: str, status: int) -> None:
    assert _as(role).get("/interop/partners/").status_code == status
