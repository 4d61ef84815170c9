"""The admin pages of Open311, webhooks and interop render, and the admin actions work."""

from __future__ import annotations

import pytest

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.tickets.choices import EmergencyService
from hotline.webhooks.choices import DeliveryStatus
from hotline.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", [
    "/admin/open311/submittedrequest/", "/admin/webhooks/subscription/", "/admin/webhooks/subscription/add/",
    "/admin/webhooks/delivery/", "/admin/interop/partner/", "/admin/interop/partner/add/",
    "/admin/interop/externalreference/", "/admin/interop/partnermessage/",
])
def test_admin_pages_render(admin_client, path) -> None:
    assert admin_client.get(path).status_code == 200


def test_subscription_created_in_the_admin_with_event_types(admin_client) -> None:
    response = admin_client.post("/admin/webhooks/subscription/add/", {
        "name": "督办系统", "url": "https://example.com/hook", "secret": "whsec_x",
        "event_types": ["order.closed", "order.dispatched"], "is_active": "on"})
    assert response.status_code == 302, response.content.decode()[:2000]
    subscription = Subscription.objects.get()
    assert subscription.event_types == ["order.closed", "order.dispatched"]
    assert subscription.wants("order.closed") and not subscription.wants("order.signed")


def test_replay_action_and_delivery_page(admin_client) -> None:
    from hotline.webhooks import services as webhooks

    subscription = Subscription.objects.create(name="hook", url="https://example.com/hook")
    delivery = webhooks.enqueue(subscription, event_id="evt_9", event_type="order.created", payload={"a": 1})
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.FAILED)
    assert admin_client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").status_code == 200
    admin_client.post("/admin/webhooks/delivery/", {"action": "replay", "_selected_action": [delivery.pk]})
    assert Delivery.objects.filter(replay_of=delivery, status=DeliveryStatus.PENDING).count() == 1


def test_partner_endpoint_set_in_the_admin(admin_client) -> None:
    partner, _ = services.add_partner(code="119", name="119 消防", kind=PartnerKind.EMERGENCY,
                                      emergency_service=EmergencyService.FIRE)
    response = admin_client.post(f"/admin/interop/partner/{partner.pk}/change/", {
        "code": "119", "name": "119 消防", "kind": "emergency", "emergency_service": "119",
        "api_key": partner.api_key_id, "is_active": "on", "endpoint_url": "https://119.example.gov.cn/in"})
    assert response.status_code == 302, response.content.decode()[:2000]
    partner.refresh_from_db()
    assert partner.endpoint.url == "https://119.example.gov.cn/in" and partner.endpoint.kind == "partner"
