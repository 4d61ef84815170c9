"""Switching a partner off (停用) reaches the same state whichever way an administrator does it — the admin's
form, the list's action, `hotline interop disable`, even a plain save or a bulk update: its key is refused, its
endpoint is off, what is queued for it is not delivered, nothing new is queued; and the change is recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.ops.models import AdminAction, AdminChange
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket
from hotline.webhooks import deliverer
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

TRANSFER = {"reference": "JQ-OFF-1", "content": "群众报警称小区噪音扰民，转12345处理"}


@pytest.fixture
def police(db: None, django_capture_on_commit_callbacks, frozen_now) -> tuple[Partner, str]:  # noqa: ANN001
    """110 with its endpoint, and one transfer out queued for it (not yet delivered)."""
    partner, raw = services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    services.set_endpoint(partner, "https://partner.test/hook", secret="whsec_110")
    cast = Cast.build()
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(make_ticket(cast=cast), actor=cast.intake, to=EmergencyService.POLICE, note="一键转110")
    assert Delivery.objects.filter(status=DeliveryStatus.PENDING).count() == 1
    return Partner.objects.get(pk=partner.pk), raw


def _transfer_in(client: Client, raw: str) -> int:
    return client.post("/interop/v1/transfers", json.dumps(TRANSFER), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {raw}").status_code


def _assert_cut_off(client: Client, partner: Partner, raw: str, capture) -> None:  # noqa: ANN001
    """The state docs/interop.md calls switched off."""
    partner.refresh_from_db()
    assert partner.is_active is False
    assert Subscription.objects.get(pk=partner.endpoint_id).is_active is False
    assert deliverer.deliver_due() == 0  # what was queued is not delivered
    assert Delivery.objects.get().status == DeliveryStatus.PENDING
    assert _transfer_in(client, raw) == 403  # the key is refused
    assert client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {raw}").json()["count"] == 0
    cast = Cast.build()
    with capture(execute=True):
        tickets.transfer(make_ticket(cast=cast), actor=cast.intake, to=EmergencyService.POLICE, note="再转110")
    assert Delivery.objects.count() == 1  # nothing new queued


def _changes(model: str, pk: int) -> list[dict]:
    return [c.changes for c in AdminChange.objects.filter(model=model, object_pk=str(pk), action=AdminAction.CHANGE)]


def _form(partner: Partner, **changes: str) -> dict[str, str]:
    data = {"code": partner.code, "name": partner.name, "kind": partner.kind,
            "emergency_service": partner.emergency_service, "api_key": str(partner.api_key_id),
            "endpoint_url": "https://partner.test/hook", "_save": "1"}  # "is_active" left out: switched off
    data.update(changes)
    return data


def test_the_admin_form_switches_the_partner_off(admin_client: Client, client: Client, police,  # noqa: ANN001
                                                 django_capture_on_commit_callbacks) -> None:
    partner, raw = police
    response = admin_client.post(f"/admin/interop/partner/{partner.pk}/change/", _form(partner))
    assert response.status_code == 302, response.content.decode()[:2000]
    _assert_cut_off(client, partner, raw, django_capture_on_commit_callbacks)
    assert {"is_active": ["True", "False"]} in _changes("interop.partner", partner.pk)
    assert {"is_active": ["True", "False"]} in _changes("webhooks.subscription", partner.endpoint_id)
    assert LogEntry.objects.filter(object_id=str(partner.pk)).exists()


def test_the_list_action_switches_the_selected_partners_off(admin_client: Client, client: Client, police,  # noqa: ANN001
                                                            django_capture_on_commit_callbacks) -> None:
    partner, raw = police
    other, _ = services.add_partner(code="119", name="119 消防", kind=PartnerKind.EMERGENCY,
                                    emergency_service=EmergencyService.FIRE)
    response = admin_client.post("/admin/interop/partner/", {"action": "switch_off", "_selected_action": [partner.pk]},
                                 follow=True)
    assert response.status_code == 200 and "已停用 1 个对接平台" in response.content.decode()
    _assert_cut_off(client, partner, raw, django_capture_on_commit_callbacks)
    assert Partner.objects.get(pk=other.pk).is_active is True  # not selected
    assert _changes("interop.partner", partner.pk) == [{"is_active": ["True", "False"]}]
    assert _changes("webhooks.subscription", partner.endpoint_id) == [{"is_active": ["True", "False"]}]
    entry = LogEntry.objects.get(object_id=str(partner.pk))
    assert "停用对接平台" in entry.get_change_message()
    # Switched off twice: nothing changes, nothing more is recorded.
    admin_client.post("/admin/interop/partner/", {"action": "switch_off", "_selected_action": [partner.pk]})
    assert LogEntry.objects.filter(object_id=str(partner.pk)).count() == 1
    assert len(_changes("interop.partner", partner.pk)) == 1


def test_the_command_switches_the_partner_off_and_records_it(client: Client, police,  # noqa: ANN001
                                                             django_capture_on_commit_callbacks) -> None:
    partner, raw = police
    admin = UserFactory(username="ops-admin", is_staff=True, is_superuser=True)
    out = StringIO()
    call_command("interop", "disable", "110", "--actor", "ops-admin", stdout=out)
    assert "partner 110 switched off" in out.getvalue()
    _assert_cut_off(client, partner, raw, django_capture_on_commit_callbacks)
    recorded = AdminChange.objects.filter(user_id=admin.pk, username="ops-admin", action=AdminAction.CHANGE)
    assert {(c.model, json.dumps(c.changes)) for c in recorded} == {
        ("interop.partner", json.dumps({"is_active": ["True", "False"]})),
        ("webhooks.subscription", json.dumps({"is_active": ["True", "False"]}))}
    call_command("interop", "disable", "110", stdout=out)
    assert "partner 110 was already off" in out.getvalue() and AdminChange.objects.count() == 2
    call_command("interop", "list", stdout=out)
    assert "https://partner.test/hook (off)\toff" in out.getvalue()


def test_the_command_without_an_actor_records_the_command_line(police) -> None:  # noqa: ANN001
    partner, _ = police
    call_command("interop", "disable", "110", stdout=StringIO())
    change = AdminChange.objects.get(model="interop.partner")
    assert change.user_id is None and change.username.startswith("命令行")


@pytest.mark.parametrize("args", [["disable", "999"], ["disable", "110", "--actor", "nobody"]])
def test_the_command_refuses_an_unknown_partner_or_actor(police, args: list[str]) -> None:  # noqa: ANN001
    with pytest.raises(CommandError):
        call_command("interop", *args, stdout=StringIO())
    assert Partner.objects.get(code="110").is_active is True and not AdminChange.objects.exists()


@pytest.mark.parametrize("switch_off", [
    pytest.param(lambda p: (setattr(p, "is_active", False), p.save()), id="plain save"),
    pytest.param(lambda p: Partner.objects.filter(pk=p.pk).update(is_active=False), id="bulk update"),
])
def test_a_plain_save_or_bulk_update_switches_the_endpoint_off_too(
        client: Client, police, django_capture_on_commit_callbacks, switch_off: Callable[[Partner], object]  # noqa: ANN001
) -> None:
    partner, raw = police
    switch_off(partner)
    _assert_cut_off(client, partner, raw, django_capture_on_commit_callbacks)


def test_switched_on_again_the_key_works_and_the_endpoint_waits_for_its_address(
        admin_client: Client, client: Client, police) -> None:  # noqa: ANN001
    partner, raw = police
    call_command("interop", "disable", "110", stdout=StringIO())
    services.set_endpoint(partner, "https://partner.test/v2")  # an address entered while off: still off
    assert Subscription.objects.get(pk=partner.endpoint_id).is_active is False
    response = admin_client.post("/admin/interop/partner/", {"action": "switch_on", "_selected_action": [partner.pk]},
                                 follow=True)
    assert "已启用 1 个对接平台" in response.content.decode()
    partner.refresh_from_db()
    assert partner.is_active is True and Subscription.objects.get(pk=partner.endpoint_id).is_active is False
    assert _transfer_in(client, raw) == 201
    assert "启用对接平台" in LogEntry.objects.filter(object_id=str(partner.pk)).first().get_change_message()
    services.set_endpoint(partner, "https://partner.test/v3")  # the address entered again
    assert Subscription.objects.get(pk=partner.endpoint_id).is_active is True


def test_switching_off_again_switches_off_an_endpoint_switched_on_since(police) -> None:  # noqa: ANN001
    partner, _ = police
    assert services.switch_off(partner) is True
    Subscription.objects.filter(pk=partner.endpoint_id).update(is_active=True)  # e.g. in the webhooks admin
    assert services.switch_off(partner) is False
    assert Subscription.objects.get(pk=partner.endpoint_id).is_active is False
