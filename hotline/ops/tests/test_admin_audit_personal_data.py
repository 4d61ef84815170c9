"""The admin change trail (管理后台变更记录) keeps personal data masked as the rest of the platform shows it
(docs/security.md, admin audit): replaying a 110 transfer in the admin must not copy the caller's full number
and name into `AdminChange.changes`; phone fields, phone and identity card numbers in any text, and JSON values
are masked; the fields `CHANGED_ONLY` names are recorded as changed only. Values are still compared unmasked."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.ops import context
from hotline.ops.admin_audit import MASK, MASK_CHANGED
from hotline.ops.models import AdminAction, AdminChange
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.tests.factories import HandlingUnitFactory, make_ticket
from hotline.webhooks.models import Delivery, Subscription
from hotline.webhooks.tests.offline_dns import allow_private  # noqa: F401 (the fixture, for the receiver)
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
NAME = "孙七"
ID_CARD = "110101199003071234"


@pytest.fixture
def admin_request() -> Iterator[None]:
    """An admin POST being handled (what the request-id middleware opens for /admin/ changes)."""
    token = context.activate(context.RequestContext(request_id="p" * 32, path="/admin/", method="POST",
                                                    username="root", admin=True))
    yield
    context.deactivate(token)


@pytest.mark.usefixtures("frozen_now", "allow_private")
def test_replaying_a_transfer_keeps_no_full_number_or_name_in_the_admin_change_trail(
        admin_client: Client, django_capture_on_commit_callbacks: Any) -> None:
    partner, _raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    with receiver([(500, b"down")]) as endpoint:
        interop.set_endpoint(partner, endpoint.url, secret="whsec_" + "k" * 40)
        ticket = make_ticket(Status.REGISTERED, caller_name=NAME, caller_phone=PHONE,
                             description="有人持刀在街头闹事", address="景山前街 4 号")
        with django_capture_on_commit_callbacks(execute=True):
            tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE, note="一键转110")
    delivery = Delivery.objects.get()
    Delivery.objects.filter(pk=delivery.pk).update(status="failed")
    assert delivery.payload["order"]["caller"]["phone"] == PHONE

    response = admin_client.post("/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    assert Delivery.objects.count() == 2  # replayed

    trail = AdminChange.objects.filter(model="webhooks.delivery")
    added = trail.get(action=AdminAction.ADD)
    assert added.changes["payload"] == [None, MASK]  # recorded as set, not copied
    for change in trail:
        html = admin_client.get(f"/admin/ops/adminchange/{change.pk}/change/").content.decode()
        assert PHONE not in html and NAME not in html
    assert PHONE not in str(list(trail.values_list("changes", flat=True)))
    assert NAME not in str(list(trail.values_list("changes", flat=True)))


def test_phone_fields_and_numbers_in_any_text_are_recorded_masked(admin_request: None) -> None:
    unit = HandlingUnitFactory(name="景山街道", phone="010-64001234")
    added = AdminChange.objects.get(model="orgs.handlingunit", action=AdminAction.ADD)
    assert added.changes["phone"] == [None, "010*******34"]

    unit.phone = PHONE
    unit.name = f"景山街道（联系 {PHONE}，身份证 {ID_CARD}）"
    unit.save()
    changed = AdminChange.objects.get(model="orgs.handlingunit", action=AdminAction.CHANGE)
    assert changed.changes["phone"] == ["010*******34", "138****5678"]
    assert changed.changes["name"] == ["景山街道", "景山街道（联系 138****5678，身份证 110101********1234）"]
    assert PHONE not in changed.object_repr and ID_CARD not in changed.object_repr
    assert PHONE not in str(changed.changes) and ID_CARD not in str(changed.changes)


def test_a_phone_change_is_recorded_even_when_both_numbers_mask_alike(admin_request: None) -> None:
    """Values are compared unmasked: 138****5678 → 138****5678 is still a change of number."""
    unit = HandlingUnitFactory(phone=PHONE)
    unit.phone = "13899995678"
    unit.save()
    changed = AdminChange.objects.get(model="orgs.handlingunit", action=AdminAction.CHANGE)
    assert changed.changes["phone"] == ["138****5678", "138****5678"]


def test_json_values_are_masked_like_the_webhooks_admin_shows_them(admin_request: None) -> None:
    subscription = Subscription.objects.create(name="区平台", url="https://example.invalid/h", secret="s" * 20,
                                               event_types=[f"联系 {PHONE}"])
    added = AdminChange.objects.get(model="webhooks.subscription", object_pk=str(subscription.pk))
    assert added.changes["event_types"] == [None, ["联系 138****5678"]]


def test_changed_only_fields_show_that_they_changed_not_what_they_hold(admin_request: None) -> None:
    subscription = Subscription.objects.create(name="区平台", url="https://example.invalid/h", secret="s" * 20)
    delivery = Delivery.objects.create(subscription=subscription, event_type="ticket.transferred",
                                       event_id="evt-1", created_at=timezone.now(),
                                       payload={"order": {"caller": {"name": NAME, "phone": PHONE}}})
    delivery.payload = {"order": {"caller": {"name": "周八", "phone": "13900001111"}}}
    delivery.save()
    changed = AdminChange.objects.get(model="webhooks.delivery", action=AdminAction.CHANGE)
    assert changed.changes["payload"] == [MASK, MASK_CHANGED]
    assert PHONE not in str(changed.changes) and "周八" not in str(changed.changes)
