"""The admin's partner log shows partners' notes with numbers masked, and neither a partner's key nor its
endpoint's signing secret in full (docs/security.md)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.interop import services
from hotline.interop.choices import MessageKind, PartnerKind
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # the admin signs in at the frozen moment

PHONE, PHONE_MASKED = "13812345678", "138****5678"
LANDLINE, LANDLINE_MASKED = "0731-88990001", "073*******01"
NAME = "孙七"


@pytest.fixture
def police(db: None) -> tuple[Partner, str]:
    return services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                emergency_service=EmergencyService.POLICE)


def test_the_partner_log_shows_notes_and_orders_masked(admin_client: Client, police: tuple[Partner, str],
                                                        django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """A transfer out to 110, its acknowledgement and a note from 110 naming the caller's number: masked."""
    partner, raw = police
    services.set_endpoint(partner, "https://110.example.gov.cn/hotline")
    ticket = make_ticket(Status.REGISTERED, caller_name=NAME, caller_phone=PHONE,
                         title=f"{PHONE}来电反映有人闹事", description="有人持刀在街头闹事")
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE)
    for body in ({"number": ticket.number, "reference": "JQ-9"},
                 {"number": ticket.number, "reference": "JQ-9",
                  "note": f"民警已到场，已联系报警人{NAME}（{PHONE}），另留座机{LANDLINE}"}):
        answer = admin_client.post("/interop/v1/acks", json.dumps(body), content_type="application/json",
                                   HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert answer.status_code == 200, answer.content
    feedback = PartnerMessage.objects.get(kind=MessageKind.FEEDBACK_IN)
    assert PHONE in feedback.summary  # stored as the partner wrote it
    messages = list(PartnerMessage.objects.all())
    assert len(messages) == 3
    reference = ExternalReference.objects.get()

    pages = ["/admin/interop/partnermessage/", "/admin/interop/externalreference/",
             f"/admin/interop/externalreference/{reference.pk}/change/",
             *(f"/admin/interop/partnermessage/{message.pk}/change/" for message in messages)]
    for path in pages:
        page = admin_client.get(path)
        assert page.status_code == 200, path
        html = page.content.decode()
        assert PHONE not in html and LANDLINE not in html and NAME not in html, path
        assert ticket.number in html and PHONE_MASKED in html, path  # the order, its title masked
    html = admin_client.get(f"/admin/interop/partnermessage/{feedback.pk}/change/").content.decode()
    assert f"民警已到场，已联系报警人孙**（{PHONE_MASKED}），另留座机{LANDLINE_MASKED}" in html
    assert f"/admin/webhooks/delivery/{messages[-1].delivery_id}/change/" in admin_client.get(
        f"/admin/interop/partnermessage/{messages[-1].pk}/change/").content.decode()  # the transfer's delivery


def test_partner_pages_show_no_key_or_secret_in_full(admin_client: Client, police: tuple[Partner, str]) -> None:
    partner, raw = police
    endpoint = services.set_endpoint(partner, "https://110.example.gov.cn/hotline")
    for path in ("/admin/interop/partner/", f"/admin/interop/partner/{partner.pk}/change/",
                 f"/admin/webhooks/subscription/{endpoint.pk}/change/"):
        html = admin_client.get(path).content.decode()
        assert raw not in html and raw.split("_", 2)[2] not in html, path
        assert endpoint.secret not in html and endpoint.secret.removeprefix("whsec_") not in html, path


def test_an_endpoint_made_in_the_admin_shows_its_secret_once(admin_client: Client,
                                                             police: tuple[Partner, str]) -> None:
    partner, _raw = police
    change = f"/admin/interop/partner/{partner.pk}/change/"
    form = {"code": "110", "name": partner.name, "kind": "emergency", "emergency_service": "110",
            "api_key": partner.api_key_id, "is_active": "on", "endpoint_url": "https://110.example.gov.cn/in"}
    page = admin_client.post(change, form, follow=True)
    partner.refresh_from_db()
    secret = partner.endpoint.secret
    assert secret in page.content.decode()  # once, for the partner
    assert secret not in admin_client.get(change).content.decode()
    page = admin_client.post(change, {**form, "endpoint_url": "https://110.example.gov.cn/in2"}, follow=True)
    partner.endpoint.refresh_from_db()
    assert partner.endpoint.secret == secret and secret not in page.content.decode()  # kept, not shown again
