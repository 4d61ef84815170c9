"""The admin's delivery log shows what was sent and answered with numbers masked, and a subscription's signing
secret is write-only there (docs/security.md): a transfer to 110 carries the caller's full number."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.ops.models import AccessRecord
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.tests.factories import make_ticket
from hotline.webhooks import deliverer
from hotline.webhooks.admin import masked_payload, masked_secret
from hotline.webhooks.models import Delivery, DeliveryAttempt, Subscription
from hotline.webhooks.tests.receiver import receiver

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # the admin signs in at the frozen moment

PHONE, PHONE_MASKED = "13812345678", "138****5678"
OTHER, OTHER_MASKED = "13900001111", "139****1111"
NAME = "孙七"


def test_a_transfer_and_the_answer_that_echoes_it_are_shown_masked(admin_client: Client, allow_private: None,
                                                                   django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """A 转应急 to 110 carries the caller in full; the receiver echoes it back: the admin shows neither."""
    partner, _raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    echo = json.dumps({"error": "重复报警", "caller": {"phone": PHONE}, "note": f"回拨 {OTHER}"}, ensure_ascii=False).encode()
    with receiver([(409, echo)]) as endpoint:
        interop.set_endpoint(partner, endpoint.url, secret="whsec_" + "k" * 40)
        ticket = make_ticket(Status.REGISTERED, caller_name=NAME, caller_phone=PHONE,
                             description=f"有人持刀在街头闹事，另一联系电话{OTHER}", address="景山前街 4 号")
        with django_capture_on_commit_callbacks(execute=True):
            tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE, note=f"一键转110 {OTHER}")
        assert deliverer.deliver_due() == 1
    delivery = Delivery.objects.get()
    assert delivery.payload["order"]["caller"]["phone"] == PHONE  # what 110 needs to call back, as it was sent
    assert PHONE in DeliveryAttempt.objects.get().response_excerpt
    seen = AccessRecord.objects.count()

    for path in ("/admin/webhooks/delivery/", f"/admin/webhooks/delivery/{delivery.pk}/change/"):
        page = admin_client.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert PHONE not in html and OTHER not in html and NAME not in html, path
    html = admin_client.get(f"/admin/webhooks/delivery/{delivery.pk}/change/").content.decode()
    assert PHONE_MASKED in html and OTHER_MASKED in html and "孙**" in html and "景山前街 4 号" in html
    assert "重复报警" in html  # the answer is shown, masked
    assert AccessRecord.objects.count() == seen  # nothing full was shown, so nothing more to record


def test_a_subscriptions_secret_is_write_only(admin_client: Client) -> None:
    secret = "whsec_" + "Abcd" + "x" * 39
    subscription = Subscription.objects.create(name="督办系统", url="https://example.com/hook", secret=secret)
    change = f"/admin/webhooks/subscription/{subscription.pk}/change/"
    for path in ("/admin/webhooks/subscription/", change):
        html = admin_client.get(path).content.decode()
        assert secret not in html and "x" * 20 not in html, path
    html = admin_client.get(change).content.decode()
    assert 'type="password"' in html and "whsec_Abcd…" in html

    form = {"name": "督办系统", "url": "https://example.com/hook", "secret": "", "is_active": "on"}
    assert admin_client.post(change, form).status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret == secret  # left blank: kept
    assert admin_client.post(change, {**form, "secret": "whsec_new"}).status_code == 302
    subscription.refresh_from_db()
    assert subscription.secret == "whsec_new"


def test_a_secret_generated_in_the_admin_is_shown_once(admin_client: Client) -> None:
    page = admin_client.post("/admin/webhooks/subscription/add/", {
        "name": "数据平台", "url": "https://example.com/in", "secret": "", "is_active": "on"}, follow=True)
    subscription = Subscription.objects.get()
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) > 40
    assert subscription.secret in page.content.decode()  # once, for the receiver
    again = admin_client.get(f"/admin/webhooks/subscription/{subscription.pk}/change/").content.decode()
    assert subscription.secret not in again


def test_masked_payload_masks_phone_keys_the_callers_name_and_numbers_in_text() -> None:
    payload = {"order": {"number": "20250304-0001", "caller": {"name": NAME, "phone": PHONE}, "lat": 39.9,
                         "content": f"另一联系电话{OTHER}", "confidential": False},
               "note": "一键转110", "legs": [{"phone": OTHER}], "n": 3}
    assert masked_payload(payload) == {
        "order": {"number": "20250304-0001", "caller": {"name": "孙**", "phone": PHONE_MASKED}, "lat": 39.9,
                  "content": f"另一联系电话{OTHER_MASKED}", "confidential": False},
        "note": "一键转110", "legs": [{"phone": OTHER_MASKED}], "n": 3}


@pytest.mark.parametrize(("secret", "shown"), [
    ("whsec_" + "Abcd" + "x" * 39, "whsec_Abcd…"), ("whsec_x", "whsec_****"), ("shared-" + "y" * 20, "shar…"),
    ("short", "****"), ("", ""),
])
def test_masked_secret_shows_at_most_four_characters(secret: str, shown: str) -> None:
    assert masked_secret(secret) == shown
