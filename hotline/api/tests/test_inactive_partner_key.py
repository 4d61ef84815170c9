"""A switched-off partner's key (停用, `Partner.is_active` false) reads no order through /api/v1, as /interop/v1
refuses it: its orders, and the webhooks its accounts own, fall silent."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache

from hotline.api.principal import orders_for_key
from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.tickets.choices import EmergencyService
from hotline.tickets.models import Ticket
from hotline.webhooks.tests.offline_dns import _offline_dns  # noqa: F401 - fixture (the partner's endpoint)

pytestmark = pytest.mark.django_db


@pytest.fixture
def police(db: None) -> tuple[Partner, str]:
    cache.clear()
    partner, raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                       emergency_service=EmergencyService.POLICE)
    interop.set_endpoint(partner, "https://110.example.gov.cn/hotline")
    return partner, raw


def test_a_switched_off_partners_key_reads_no_orders(client, police) -> None:
    partner, raw = police
    answer = client.post("/interop/v1/transfers", json.dumps({"reference": "JQ7", "content": "小区噪音扰民"}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    number = answer.json()["number"]
    assert client.get(f"/api/v1/orders/{number}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    Partner.objects.filter(pk=partner.pk).update(is_active=False)
    assert client.get(f"/api/v1/orders/{number}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 404
    listed = client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert number not in listed.content.decode()
    key = Partner.objects.select_related("api_key").get(pk=partner.pk).api_key
    assert not orders_for_key(key).exists()
    assert not orders_for_key(key, one=True).filter(number=number).exists()
    # Switched on again, it reads them again.
    Partner.objects.filter(pk=partner.pk).update(is_active=True)
    assert client.get(f"/api/v1/orders/{number}", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    assert Ticket.objects.filter(number=number).exists()
