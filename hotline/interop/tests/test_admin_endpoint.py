"""The partner admin changes the endpoint only when its address is edited; clearing it switches it off."""

from __future__ import annotations

from typing import Any

import pytest

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.tickets.choices import EmergencyService
from hotline.webhooks.models import Subscription

pytestmark = pytest.mark.django_db


def _save(client, partner: Partner, **changes: Any) -> None:  # noqa: ANN001
    data = {"code": partner.code, "name": partner.name, "kind": partner.kind,
            "emergency_service": partner.emergency_service, "api_key": partner.api_key_id, "is_active": "on",
            "endpoint_url": client.get(f"/admin/interop/partner/{partner.pk}/change/").context["adminform"]
            .form.initial.get("endpoint_url") or ""}
    data.update(changes)
    response = client.post(f"/admin/interop/partner/{partner.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]


def _partner() -> Partner:
    partner, _ = services.add_partner(code="119", name="119 消防", kind=PartnerKind.EMERGENCY,
                                      emergency_service=EmergencyService.FIRE, url="https://119.example.gov.cn/in")
    return partner


def test_renaming_a_partner_leaves_a_switched_off_endpoint_off(admin_client) -> None:
    partner = _partner()
    Subscription.objects.filter(pk=partner.endpoint_id).update(is_active=False)  # switched off in the admin
    _save(admin_client, partner, name="119 消防救援")
    assert Partner.objects.get(pk=partner.pk).name == "119 消防救援"
    assert Subscription.objects.get(pk=partner.endpoint_id).is_active is False


def test_clearing_the_address_switches_the_endpoint_off_and_a_new_one_on(admin_client) -> None:
    partner = _partner()
    _save(admin_client, partner, endpoint_url="")
    endpoint = Subscription.objects.get(pk=partner.endpoint_id)
    assert endpoint.is_active is False
    _save(admin_client, partner, name="119 消防救援")  # the blank address stays blank: still off
    assert Subscription.objects.get(pk=partner.endpoint_id).is_active is False
    _save(admin_client, partner, endpoint_url="https://119.example.gov.cn/v2")
    endpoint.refresh_from_db()
    assert endpoint.is_active is True and endpoint.url == "https://119.example.gov.cn/v2"
