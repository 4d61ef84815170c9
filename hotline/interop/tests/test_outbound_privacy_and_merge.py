"""What goes out to partners: a transfer's note never names a withheld or confidential caller; a partner whose
order was merged (并单) hears the master's outcome under its own reference; a switched-off partner gets nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.models import ExternalReference, Partner
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, EmergencyService
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db

PHONE = "13812345678"
NOTE = "举报人王建华（13812345678）要求保密，现场有人持刀"


@pytest.fixture
def police(db: None) -> tuple[Partner, str]:
    partner, raw = services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    services.set_endpoint(partner, "https://partner.test/hook", secret="whsec_110")
    return partner, raw


def _text(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False)


@pytest.mark.parametrize("draft", [
    {"request_type": RequestType.REPORT, "caller_name": "王建华", "caller_phone": PHONE},  # 举报: identity withheld
    {"is_confidential": True, "caller_name": "王建华", "caller_phone": PHONE},
])
def test_a_transfer_out_note_of_a_withheld_or_confidential_order_is_masked(
        police, django_capture_on_commit_callbacks, frozen_now, draft) -> None:
    cast = Cast.build()
    ticket = make_ticket(cast=cast, **draft)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(ticket, actor=cast.intake, to=EmergencyService.POLICE, note=NOTE)
    payload = Delivery.objects.get(event_type="transfer.created").payload
    assert "caller" not in payload["order"]
    assert PHONE not in _text(payload) and "王建华" not in _text(payload)
    assert "现场有人持刀" in payload["note"]  # the matter itself still goes


def test_a_transfer_out_note_of_an_ordinary_order_goes_as_written(police, django_capture_on_commit_callbacks,
                                                                  frozen_now) -> None:
    cast = Cast.build()
    ticket = make_ticket(cast=cast, caller_name="王建华", caller_phone=PHONE)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(ticket, actor=cast.intake, to=EmergencyService.POLICE, note=NOTE)
    payload = Delivery.objects.get(event_type="transfer.created").payload
    assert payload["note"] == NOTE and payload["order"]["caller"]["name"] == "王建华"


def test_a_dispatch_of_a_report_to_a_specialised_hotline_carries_no_reporter_identity(
        django_capture_on_commit_callbacks, frozen_now) -> None:
    cast = Cast.build()
    partner, _ = services.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED,
                                      unit=cast.lead)
    services.set_endpoint(partner, "https://partner.test/12315", secret="whsec_12315")
    ticket = make_ticket(cast=cast, request_type=RequestType.REPORT, caller_name="王建华", caller_phone=PHONE,
                         address=f"东湖路12号（举报人王建华，电话{PHONE}）")
    tickets.send_to_dispatch(ticket, actor=cast.intake)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead, note=NOTE)
    payload = Delivery.objects.get(event_type="transfer.created").payload
    assert PHONE not in _text(payload) and "王建华" not in _text(payload)  # the address dictated with them too
    assert payload["order"]["address"].startswith("东湖路12号")


def _transferred_in(client, raw: str, ctx, reference: str) -> Ticket:  # noqa: ANN001
    with ctx(execute=True):
        answer = client.post("/interop/v1/transfers", json.dumps({"reference": reference, "content": "小区噪音扰民"}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    return Ticket.objects.get(number=answer.json()["number"])


def _handle(master: Ticket, cast: Cast, ctx) -> None:  # noqa: ANN001
    for step in (lambda: tickets.send_to_dispatch(master, actor=cast.intake),
                 lambda: tickets.dispatch(master, actor=cast.dispatcher, lead=cast.lead),
                 lambda: tickets.sign(master, actor=cast.lead_handler),
                 lambda: tickets.reply(master, actor=cast.lead_handler, content="已上门劝导",
                                       public_reply="已劝导商户降低音量", contacted=True, resolved=True),
                 lambda: tickets.approve_reply(master, actor=cast.inspector)):
        with ctx(execute=True):
            step()
        master.refresh_from_db()


def test_the_masters_outcome_reaches_the_partner_of_an_order_merged_into_it(
        client, police, django_capture_on_commit_callbacks, frozen_now) -> None:
    partner, raw = police
    cast = Cast.build()
    dup = _transferred_in(client, raw, django_capture_on_commit_callbacks, "JQ9")
    master = make_ticket(cast=cast)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.merge(dup, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    _handle(master, cast, django_capture_on_commit_callbacks)
    sent = [d.payload for d in Delivery.objects.filter(event_type="transfer.update").order_by("id")]
    forwarded = [p for p in sent if "merged_into" in p]
    assert forwarded and all(p["reference"] == "JQ9" and p["order"]["number"] == dup.number for p in forwarded)
    approved = next(p for p in forwarded if p["step"]["action"] == Action.APPROVE_REPLY)
    assert approved["step"]["note"] == "已劝导商户降低音量"
    assert approved["merged_into"]["number"] == master.number
    assert not any(p.get("step", {}).get("action") == Action.MERGE_INTO for p in sent)
    # One reference per order: the partner's stays on its own order.
    assert list(ExternalReference.objects.values_list("ticket_id", flat=True)) == [dup.pk]


def test_a_confidential_master_is_neither_named_nor_told(client, police, django_capture_on_commit_callbacks,
                                                          frozen_now) -> None:
    partner, raw = police
    cast = Cast.build()
    dup = _transferred_in(client, raw, django_capture_on_commit_callbacks, "JQ10")
    master = make_ticket(cast=cast, is_confidential=True)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.merge(dup, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):  # the centre answers a confidential order itself
        tickets.answer_directly(master, actor=cast.intake, answer="已转告物业处理")
    forwarded = [d.payload for d in Delivery.objects.filter(event_type="transfer.update") if "merged_into" in d.payload]
    assert forwarded and all("step" not in p and "number" not in p["merged_into"] for p in forwarded)
    assert master.number not in json.dumps([d.payload for d in Delivery.objects.all()])


def test_another_order_merged_into_the_master_is_not_named_to_the_partner(
        client, police, django_capture_on_commit_callbacks, frozen_now) -> None:
    partner, raw = police
    cast = Cast.build()
    dup = _transferred_in(client, raw, django_capture_on_commit_callbacks, "JQ11")
    master, other = make_ticket(cast=cast), make_ticket(cast=cast)
    for ticket in (dup, other):
        with django_capture_on_commit_callbacks(execute=True):
            tickets.merge(ticket, actor=cast.dispatcher, master=master)
    assert other.number not in json.dumps([d.payload for d in Delivery.objects.all()])


def test_a_switched_off_partner_gets_no_more_messages(admin_client, police, django_capture_on_commit_callbacks,
                                                      frozen_now) -> None:
    partner, raw = police
    data = {"code": partner.code, "name": partner.name, "kind": partner.kind,
            "emergency_service": partner.emergency_service, "api_key": partner.api_key_id,
            "endpoint_url": "https://partner.test/hook"}  # "is_active" left out: switched off
    response = admin_client.post(f"/admin/interop/partner/{partner.pk}/change/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Subscription.objects.get(pk=partner.endpoint_id).is_active is False
    cast = Cast.build()
    ticket = make_ticket(cast=cast)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(ticket, actor=cast.intake, to=EmergencyService.POLICE, note="一键转110")
    assert not Delivery.objects.exists()


def test_clear_endpoint_stops_what_is_already_queued(police, django_capture_on_commit_callbacks, frozen_now) -> None:
    from hotline.webhooks import deliverer

    partner, raw = police
    cast = Cast.build()
    ticket = make_ticket(cast=cast)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(ticket, actor=cast.intake, to=EmergencyService.POLICE, note="一键转110")
    assert Delivery.objects.count() == 1
    partner.refresh_from_db()
    services.clear_endpoint(partner)
    assert deliverer.deliver_due() == 0
