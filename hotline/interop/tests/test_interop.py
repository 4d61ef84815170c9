"""Interop: transfers in from 110 and others (idempotent), updates back, transfers out with acknowledgement,
specialised hotlines bound to a unit, the order-page panel and the partner log."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import call_command

from hotline.interop import services
from hotline.interop.choices import Direction, MessageKind, PartnerKind
from hotline.interop.models import ExternalReference, Partner, PartnerMessage
from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, Channel, EmergencyService, Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks import deliverer
from hotline.webhooks.models import Delivery
from hotline.webhooks.signing import verify
from hotline.webhooks.tests.receiver import receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def police(db: None) -> tuple[Partner, str]:
    return services.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                emergency_service=EmergencyService.POLICE)


TRANSFER = {"reference": "JQ20250304-0001", "content": "群众报警称小区噪音扰民，非紧急警情，转12345处理",
            "title": "噪音扰民", "caller": {"name": "赵六", "phone": "13612345678"}, "address": "东华门大街 8 号",
            "urgency": "pressing", "category_hint": "噪音", "lat": 39.91, "long": 116.41}


def send(client, raw: str, body: object, path: str = "/interop/v1/transfers"):  # noqa: ANN001, ANN201
    return client.post(path, json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {raw}")


def test_transfer_in_creates_an_order_once(client, police, frozen_now) -> None:
    partner, raw = police
    first = send(client, raw, TRANSFER)
    assert first.status_code == 201, first.content
    number = first.json()["number"]
    ticket = Ticket.objects.get(number=number)
    assert ticket.channel == Channel.TRANSFER_IN and ticket.status == Status.REGISTERED
    assert (ticket.caller_phone, ticket.urgency, ticket.title, str(ticket.latitude)) == (
        "13612345678", "pressing", "噪音扰民", "39.910000")
    event = ticket.timeline.get()
    assert event.action == Action.REGISTER
    assert event.data == {"partner": "110", "reference": "JQ20250304-0001", "category_hint": "噪音"}
    assert "市公安局110指挥中心" in event.note and "JQ20250304-0001" in event.note
    assert event.actor == partner.api_key.user
    again = send(client, raw, TRANSFER)
    assert again.status_code == 200 and again.json() == {"number": number, "reference": "JQ20250304-0001",
                                                         "status": "registered", "created": False}
    assert Ticket.objects.count() == 1
    assert ExternalReference.objects.get().ticket == ticket
    assert list(PartnerMessage.objects.order_by("id").values_list("kind", flat=True)) == [
        MessageKind.TRANSFER_IN, MessageKind.DUPLICATE_IN]


@pytest.mark.parametrize("body, message", [
    ({"content": "x"}, "缺少 reference"),
    ({"reference": "R1"}, "缺少 content"),
    ({"reference": "R1", "content": "x", "urgency": "asap"}, "urgency 只能为 urgent、pressing、normal"),
    ({"reference": "R1", "content": "x", "lat": "north"}, "lat 不是数字"),
    ({"reference": "R1", "content": "x", "caller": "someone"}, "caller 须为对象"),
    (["not", "an", "object"], "请求体须为 JSON 对象"),
    ({"reference": "R1", "content": "x", "confidential": "false"}, "confidential 须为 true 或 false"),
    ({"reference": "R1", "content": "x", "confidential": 0}, "confidential 须为 true 或 false"),
])
def test_bad_transfers_are_refused_and_create_nothing(client, police, body, message) -> None:
    response = send(client, police[1], body)
    assert response.status_code == 400 and response.json() == {"detail": message}
    assert not Ticket.objects.exists()


def test_a_body_nested_too_deep_is_refused_as_bad_json(client, police) -> None:
    response = client.post("/interop/v1/transfers", "[" * 100_000, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {police[1]}")
    assert response.status_code == 400 and response.json() == {"detail": "请求体不是合法的 JSON"}


def test_transfer_in_needs_a_partner_key(client, police) -> None:
    from hotline.api.keys import create_key

    assert send(client, "hk_nokey123_x", TRANSFER).status_code == 403
    stranger = create_key("无关系统", ["transfer"])[1]  # the right scope but no partner behind it
    assert send(client, stranger, TRANSFER).status_code == 403
    assert client.get("/interop/v1/transfers").status_code == 405
    assert not Ticket.objects.exists()


def test_updates_go_back_to_the_partner_signed(client, police, on_commit, frozen_now, allow_private) -> None:
    partner, raw = police
    cast = Cast.build()
    with receiver() as endpoint:
        services.set_endpoint(partner, endpoint.url, secret="whsec_110")
        with on_commit():
            number = send(client, raw, TRANSFER).json()["number"]
        ticket = Ticket.objects.get(number=number)
        for step in [
            lambda: tickets.send_to_dispatch(ticket, actor=cast.intake),
            lambda: tickets.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead),
            lambda: tickets.sign(ticket, actor=cast.lead_handler),
            lambda: tickets.reply(ticket, actor=cast.lead_handler, content="已上门劝导", public_reply="已劝导商户降低音量",
                                  contacted=True, resolved=True),
            lambda: tickets.approve_reply(ticket, actor=cast.inspector),
            lambda: tickets.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                                satisfaction=Satisfaction.SATISFIED),
        ]:
            with on_commit():
                step()
        assert deliverer.deliver_due() == 5  # every public step after registration (the reply itself is internal)
        bodies = [json.loads(r.body) for r in endpoint.received]
        for got in endpoint.received:
            assert verify("whsec_110", got.headers["x-hotline-timestamp"], got.body, got.headers["x-hotline-signature"])
            assert got.headers["x-hotline-event"] == "transfer.update"
    assert {b["reference"] for b in bodies} == {"JQ20250304-0001"}
    assert [b["order"]["status"] for b in bodies] == ["pending_dispatch", "dispatched", "in_progress",
                                                      "awaiting_visit", "closed"]
    assert bodies[3]["step"]["note"] == "已劝导商户降低音量"
    assert "13612345678" not in json.dumps(bodies)
    assert PartnerMessage.objects.filter(kind=MessageKind.UPDATE_OUT).count() == 5


def test_transfer_out_to_110_and_acknowledgement_from_the_answer(client, police, on_commit, frozen_now,
                                                                 allow_private) -> None:
    partner, _raw = police
    with receiver([(200, b'{"reference": "JQ-OUT-77"}')]) as endpoint:
        services.set_endpoint(partner, endpoint.url, secret="whsec_110")
        ticket = make_ticket(Status.REGISTERED, caller_name="孙七", caller_phone="13512345678",
                             description="有人持刀在街头闹事", address="景山前街 4 号")
        with on_commit():
            tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE, note="一键转110")
        assert deliverer.deliver_due() == 1
        [got] = endpoint.received
    body = json.loads(got.body)
    assert got.headers["x-hotline-event"] == "transfer.created"
    assert body["order"]["number"] == ticket.number and body["order"]["content"] == "有人持刀在街头闹事"
    assert body["order"]["caller"] == {"name": "孙七", "phone": "13512345678"}  # 110 calls back
    assert body["note"] == "一键转110" and body["role"] == "lead"
    reference = ExternalReference.objects.get(direction=Direction.OUT)
    assert (reference.partner, reference.ticket, reference.external_id) == (partner, ticket, "JQ-OUT-77")
    kinds = list(PartnerMessage.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))
    assert kinds == [MessageKind.TRANSFER_OUT, MessageKind.ACK_IN]
    transfer = ticket.timeline.get(action=Action.TRANSFER)
    assert transfer.data == {"to": "110"} and transfer.is_public
    # the order page shows the exchange to centre staff
    client.force_login(ticket.cast.intake)
    page = client.get(f"/orders/{ticket.number}/").content.decode()
    assert "转办记录" in page and "JQ-OUT-77" in page and "已送达" in page


def test_confidential_transfer_out_hides_the_caller(police, on_commit) -> None:
    partner, _ = police
    services.set_endpoint(partner, "https://110.example.gov.cn/hotline")
    ticket = make_ticket(Status.REGISTERED, is_confidential=True, caller_name="举报人", caller_phone="13011112222")
    with on_commit():
        tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE)
    [delivery] = Delivery.objects.all()
    assert "caller" not in delivery.payload["order"] and delivery.payload["order"]["confidential"] is True
    assert "13011112222" not in json.dumps(delivery.payload, ensure_ascii=False)


def test_transfer_without_an_endpoint_is_logged_for_a_phone_call(police, on_commit) -> None:
    ticket = make_ticket(Status.REGISTERED)
    with on_commit():
        tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE)
    message = PartnerMessage.objects.get()
    assert message.kind == MessageKind.NO_ENDPOINT and "电话" in message.summary
    assert not Delivery.objects.exists()
    with on_commit():  # 120 has no partner at all: nothing is sent and nothing breaks
        other = make_ticket(Status.REGISTERED)
        tickets.transfer(other, actor=other.cast.intake, to=EmergencyService.AMBULANCE)
    assert PartnerMessage.objects.count() == 1


def test_asynchronous_acknowledgement_and_feedback(client, police, on_commit) -> None:
    partner, raw = police
    services.set_endpoint(partner, "https://110.example.gov.cn/hotline")
    ticket = make_ticket(Status.REGISTERED)
    with on_commit():
        tickets.transfer(ticket, actor=ticket.cast.intake, to=EmergencyService.POLICE)
    ack = send(client, raw, {"number": ticket.number, "reference": "JQ-9"}, "/interop/v1/acks")
    assert ack.status_code == 200 and ack.json()["kind"] == MessageKind.ACK_IN
    feedback = send(client, raw, {"number": ticket.number, "reference": "JQ-9", "note": "民警已到场处置"},
                    "/interop/v1/acks")
    assert feedback.json()["kind"] == MessageKind.FEEDBACK_IN
    assert ExternalReference.objects.filter(direction=Direction.OUT).count() == 1
    never_sent = make_ticket(Status.REGISTERED)
    assert send(client, raw, {"number": never_sent.number, "reference": "X"}, "/interop/v1/acks").status_code == 404
    assert send(client, raw, {"number": ticket.number}, "/interop/v1/acks").status_code == 400


def test_specialised_hotline_gets_orders_dispatched_to_its_unit_and_answers_as_that_unit(client, on_commit) -> None:
    cast = Cast.build()
    partner, raw = services.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED,
                                        unit=cast.lead, url="https://12315.example.gov.cn/hotline")
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone="13812345678")
    with on_commit():
        tickets.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    [delivery] = Delivery.objects.filter(subscription=partner.endpoint)
    assert delivery.event_type == "transfer.created" and delivery.payload["role"] == "lead"
    assert delivery.payload["order"]["caller"]["phone"] == "138****5678"  # a unit sees masked numbers
    ticket.refresh_from_db()
    signed = client.post(f"/api/v1/orders/{ticket.number}/actions/sign", json.dumps({"version": ticket.version}),
                         content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert signed.status_code == 200, signed.content
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS
    assert ticket.timeline.last().actor == partner.api_key.user


def test_partner_pages_are_for_centre_staff(client, police, on_commit, staff) -> None:
    partner, raw = police
    send(client, raw, TRANSFER)
    client.force_login(staff["supervisor"])
    listing = client.get("/interop/partners/").content.decode()
    assert "市公安局110指挥中心" in listing
    log = client.get("/interop/partners/110/").content.decode()
    assert "JQ20250304-0001" in log and "工单转入" in log
    cast = Cast.build()
    client.force_login(cast.lead_handler)
    assert client.get("/interop/partners/").status_code == 403


def test_add_partner_command(org) -> None:
    out = StringIO()
    call_command("interop", "add-partner", "12369", "12369 环保热线", "--kind", "specialised",
                 "--unit", org.department.code, "--url", "https://12369.example.gov.cn/hook", stdout=out)
    text = out.getvalue()
    assert "api key (shown once): hk_" in text and "signing secret: whsec_" in text
    partner = Partner.objects.get(code="12369")
    assert partner.unit == org.department and partner.api_key.allows("act") and partner.api_key.allows("transfer")
    call_command("interop", "list", stdout=out)
    assert "12369.example.gov.cn" in out.getvalue()
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("interop", "add-partner", "12369", "again", stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("interop", "add-partner", "x", "y", "--kind", "specialised", stdout=StringIO())


def test_repeated_bad_keys_are_limited_like_the_apis(client, police, settings, frozen_now) -> None:  # noqa: ANN001
    """Failed keys count per address with the REST API's: after the limit even the partner's own key waits."""
    settings.HOTLINE_API_RATE_LIMITS = {"auth_failure": (2, 300)}
    _partner, raw = police
    assert [send(client, "hk_aaaaaaaa_wrong", TRANSFER).status_code for _ in range(2)] == [403, 403]
    limited = send(client, raw, TRANSFER)
    assert limited.status_code == 429 and limited.has_header("Retry-After")
    assert not Ticket.objects.exists()
