"""A partner's log pager: page links go to the other pages of the same partner's log."""

from __future__ import annotations

import html

import pytest
from django.core.paginator import Paginator
from django.test import Client
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.interop import services, views
from hotline.interop.choices import Direction, MessageKind, PartnerKind
from hotline.interop.models import PartnerMessage
from hotline.tickets.choices import EmergencyService
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_page_two_link(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views, "Paginator", lambda rows, _size: Paginator(rows, 1))
    partner, _ = services.add_partner(code="119", name="119 消防", kind=PartnerKind.EMERGENCY,
                                      emergency_service=EmergencyService.FIRE)
    for n in range(2):
        PartnerMessage.objects.create(partner=partner, direction=Direction.IN, kind=MessageKind.TRANSFER_IN,
                                      summary=f"第{n}条", created_at=timezone.now())
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN))
    body = html.unescape(client.get("/interop/partners/119/").content.decode())
    assert 'href="?page=2" rel="next"' in body and "第 1 / 2 页" in body
    assert 'href="?page=1" rel="prev"' in html.unescape(client.get("/interop/partners/119/?page=2").content.decode())
