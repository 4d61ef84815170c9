"""The partner log (PartnerMessage) is read-only in the admin (docs/interop.md), and a partner's order number
(ExternalReference) cannot be deleted there: without it, the partner's retry of the same transfer would create
a duplicate order."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from hotline.interop import services as interop
from hotline.interop.choices import Direction, MessageKind, PartnerKind
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def partner() -> Partner:
    made, _raw = interop.add_partner(code="119", name="119 消防", kind=PartnerKind.EMERGENCY,
                                     emergency_service=EmergencyService.FIRE)
    return made


def _cannot_delete(client: Client, model: str, pk: int) -> None:
    """Neither the object's delete page nor the list's delete action deletes it."""
    url = reverse(f"admin:interop_{model}_delete", args=[pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    changelist = reverse(f"admin:interop_{model}_changelist")
    assert "delete_selected" not in client.get(changelist).content.decode()
    client.post(changelist, {"action": "delete_selected", "_selected_action": [pk], "post": "yes"})


def test_the_partner_log_cannot_be_deleted_in_the_admin(admin_client: Client, partner: Partner) -> None:
    message = PartnerMessage.objects.create(partner=partner, direction=Direction.IN, kind=MessageKind.TRANSFER_IN,
                                            summary="转入", created_at=timezone.now())
    _cannot_delete(admin_client, "partnermessage", message.pk)
    assert PartnerMessage.objects.filter(pk=message.pk).exists()


@pytest.mark.usefixtures("frozen_now")
def test_a_partners_order_number_cannot_be_deleted_in_the_admin(admin_client: Client, partner: Partner) -> None:
    ticket = make_ticket(Status.REGISTERED)
    reference = ExternalReference.objects.create(partner=partner, direction=Direction.IN, external_id="F-20250304-1",
                                                 ticket=ticket, created_at=timezone.now())
    _cannot_delete(admin_client, "externalreference", reference.pk)
    assert ExternalReference.objects.filter(pk=reference.pk).exists()
    assert admin_client.get(reverse("admin:interop_externalreference_change", args=[reference.pk])).status_code == 200
