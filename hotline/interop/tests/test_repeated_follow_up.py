"""A step followed up again (`tasks.repair`: another receiver of the step failed, so it left no receipt) or by two
workers at once logs each message to a partner once (`PartnerMessage.message_id`, unique per partner): one
「未配置接收地址，请电话联系对方」 line for one transfer on the duty desk's lists, one transfer or update sent.
Brought in from review R1 (`test_a_step_followed_up_again_logs_one_no_endpoint_transfer`)."""

from __future__ import annotations

import importlib
import json
from datetime import timedelta

import pytest
from django.apps import apps

from hotline.interop import outbound
from hotline.interop import services as interop
from hotline.interop.choices import Direction, MessageKind, PartnerKind
from hotline.interop.models import Partner, PartnerMessage
from hotline.interop.outbound import on_event
from hotline.tasks.repair import SETTLE, follow_up_again, steps_missing_follow_up
from hotline.tickets import services as tickets
from hotline.tickets.choices import Action, EmergencyService
from hotline.tickets.models import FollowUpReceipt, Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks.models import Delivery
from hotline.webhooks.services import enqueue

pytestmark = pytest.mark.django_db

PHONE_THEM = "未配置接收地址，请电话联系对方"


@pytest.fixture
def police(db: None) -> Partner:
    partner, _raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                        emergency_service=EmergencyService.POLICE)
    return partner


def _with_endpoint(partner: Partner) -> None:
    interop.set_endpoint(partner, "https://partner.test/hook", secret="whsec_110")
    partner.refresh_from_db()


def _transfer_to_110(ctx) -> tuple[Ticket, TimelineEvent, Cast]:  # noqa: ANN001
    cast = Cast.build()
    ticket = make_ticket(cast=cast)
    with ctx(execute=True):
        tickets.transfer(ticket, actor=cast.intake, to=EmergencyService.POLICE, note="一键转110")
    return ticket, TimelineEvent.objects.get(ticket=ticket, action=Action.TRANSFER), cast


def test_a_step_followed_up_again_logs_one_no_endpoint_transfer(django_capture_on_commit_callbacks, frozen_now) -> None:  # noqa: ANN001
    """A transfer to 110 whose partner has no endpoint is logged as 「未配置接收地址，请电话联系对方」 — the duty
    desk's cue to phone 110. When the step is followed up again (`tasks.repair`: another receiver of the same step
    failed, so it has no receipt), `interop.outbound.on_event` ("idempotent per event") logs a second one."""
    interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                        emergency_service=EmergencyService.POLICE)
    cast = Cast.build()
    ticket = make_ticket(cast=cast)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.transfer(ticket, actor=cast.intake, to=EmergencyService.POLICE, note="一键转110")
    event = TimelineEvent.objects.get(ticket=ticket, action=Action.TRANSFER)
    on_event(event.pk)  # the repair delivers the step again
    logged = PartnerMessage.objects.filter(ticket=ticket, kind=MessageKind.NO_ENDPOINT).count()
    assert logged == 1, f"{logged} 'no endpoint, phone them' messages for one transfer"


@pytest.mark.parametrize("endpoint", [False, True], ids=["no-endpoint", "endpoint"])
def test_the_repair_following_a_transfer_up_again_logs_and_sends_it_once(
        police, django_capture_on_commit_callbacks, frozen_now, endpoint) -> None:  # noqa: ANN001
    """Through the repair itself: the step lost its receipt (another receiver failed), so every receiver gets it
    again; the partner's log keeps one line, with endpoint one delivery."""
    if endpoint:
        _with_endpoint(police)
    ticket, event, _cast = _transfer_to_110(django_capture_on_commit_callbacks)
    [first] = PartnerMessage.objects.filter(ticket=ticket)
    FollowUpReceipt.objects.filter(event_id=event.pk).delete()
    with django_capture_on_commit_callbacks(execute=True):
        steps = [s for s in steps_missing_follow_up(event.at + SETTLE + timedelta(minutes=1))
                 if s["event_id"] == event.pk]
        assert steps and follow_up_again(steps) == 1
    [message] = PartnerMessage.objects.filter(ticket=ticket)
    assert message.pk == first.pk and message.message_id == f"transfer.created:{event.pk}"
    assert message.kind == (MessageKind.TRANSFER_OUT if endpoint else MessageKind.NO_ENDPOINT)
    assert Delivery.objects.count() == (1 if endpoint else 0)


@pytest.mark.parametrize("endpoint", [False, True], ids=["no-endpoint", "endpoint"])
def test_two_workers_logging_one_transfer_at_once_log_it_once(
        police, django_capture_on_commit_callbacks, frozen_now, monkeypatch, endpoint) -> None:  # noqa: ANN001
    """The second worker looked before the first one's line was there, so it goes on to log it too: the unique
    (partner, message id) refuses its row and it returns the first worker's."""
    if endpoint:
        _with_endpoint(police)
    ticket, event, _cast = _transfer_to_110(django_capture_on_commit_callbacks)
    [first] = PartnerMessage.objects.filter(ticket=ticket)
    monkeypatch.setattr(outbound, "_logged", lambda partner, message_id: None)  # not visible yet when it looked
    [again] = on_event(event.pk)
    assert again.pk == first.pk
    assert PartnerMessage.objects.filter(ticket=ticket).count() == 1
    assert Delivery.objects.count() == (1 if endpoint else 0)


def test_the_duty_desk_sees_one_phone_them_line_for_a_transfer_followed_up_again(
        client, police, django_capture_on_commit_callbacks, frozen_now) -> None:  # noqa: ANN001
    """The partner's log (对接日志) and the order's 转办记录 panel each show the cue to phone 110 once."""
    ticket, event, cast = _transfer_to_110(django_capture_on_commit_callbacks)
    for _ in range(2):
        on_event(event.pk)
    client.force_login(cast.dispatcher)
    log = client.get("/interop/partners/110/").content.decode()
    assert log.count(PHONE_THEM) == 1 and ticket.number in log
    order_page = client.get(f"/orders/{ticket.number}/").content.decode()
    assert "转办记录" in order_page and order_page.count(PHONE_THEM) == 1


def _rerun_every_step(*orders: Ticket) -> None:
    for event_id in TimelineEvent.objects.filter(ticket__in=orders).values_list("pk", flat=True):
        on_event(event_id)


def _log_lines() -> list[tuple]:
    return list(PartnerMessage.objects.order_by("id").values_list("pk", "kind", "message_id", "delivery_id"))


def _transferred_in(client, raw: str, ctx, reference: str) -> Ticket:  # noqa: ANN001
    with ctx(execute=True):
        answer = client.post("/interop/v1/transfers", json.dumps({"reference": reference, "content": "小区噪音扰民"}),
                             content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    return Ticket.objects.get(number=answer.json()["number"])


@pytest.mark.parametrize("endpoint", [False, True], ids=["no-endpoint", "endpoint"])
def test_updates_back_and_the_masters_outcome_are_logged_once_when_followed_up_again(
        client, django_capture_on_commit_callbacks, frozen_now, endpoint) -> None:  # noqa: ANN001
    """Updates back to the partner of an order it transferred in, and the master's steps forwarded to the partner
    of an order merged into it (并单): every step followed up again adds no line and no delivery."""
    partner, raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                       emergency_service=EmergencyService.POLICE)
    if endpoint:
        _with_endpoint(partner)
    cast = Cast.build()
    ctx = django_capture_on_commit_callbacks
    own = _transferred_in(client, raw, ctx, "JQ1")
    dup = _transferred_in(client, raw, ctx, "JQ2")
    master = make_ticket(cast=cast)
    with ctx(execute=True):
        tickets.send_to_dispatch(own, actor=cast.intake)
    with ctx(execute=True):
        tickets.merge(dup, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    with ctx(execute=True):
        tickets.send_to_dispatch(master, actor=cast.intake)
    sent = PartnerMessage.objects.filter(direction=Direction.OUT)
    assert sent.filter(ticket=own).exists() and sent.filter(ticket=dup, message_id__regex=r":\d+:\d+$").exists()
    before, deliveries = _log_lines(), Delivery.objects.count()
    _rerun_every_step(own, dup, master)
    assert _log_lines() == before and Delivery.objects.count() == deliveries


def test_a_hotline_hearing_two_things_of_one_step_keeps_both(client, django_capture_on_commit_callbacks,
                                                             frozen_now) -> None:  # noqa: ANN001
    """12315 transferred an order in and it is dispatched to 12315's own unit: the one dispatch step sends it the
    transfer (transfer.created) and the update back (transfer.update) — two messages, each logged once."""
    cast = Cast.build()
    partner, raw = interop.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED,
                                       unit=cast.lead)
    ticket = _transferred_in(client, raw, django_capture_on_commit_callbacks, "SJ-1")
    with django_capture_on_commit_callbacks(execute=True):
        tickets.send_to_dispatch(ticket, actor=cast.intake)
    with django_capture_on_commit_callbacks(execute=True):
        tickets.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    dispatch = TimelineEvent.objects.filter(ticket=ticket, action=Action.DISPATCH).get()
    on_event(dispatch.pk)
    ids = sorted(PartnerMessage.objects.filter(partner=partner, direction=Direction.OUT,
                                               message_id__endswith=f":{dispatch.pk}").values_list("message_id",
                                                                                                   flat=True))
    assert ids == [f"transfer.created:{dispatch.pk}", f"transfer.update:{dispatch.pk}"]


def test_the_migration_keys_sent_messages_and_drops_a_second_line_of_one_delivery(police, frozen_now) -> None:
    """Lines logged before the key: one with a delivery takes its event id, a second line of the same delivery
    goes; a 「未配置接收地址」 line (no delivery, its step unknown) and an inbound line stay unkeyed."""
    migration = importlib.import_module("hotline.interop.migrations.0002_partner_message_id")
    _with_endpoint(police)
    ticket = make_ticket()
    delivery = enqueue(police.endpoint, event_id="transfer.created:7", event_type="transfer.created",
                       payload={"id": "transfer.created:7"}, ticket=ticket)

    def line(kind: str, direction: str = Direction.OUT, with_delivery: bool = True) -> PartnerMessage:
        return PartnerMessage.objects.create(partner=police, ticket=ticket, direction=direction, kind=kind,
                                             delivery=delivery if with_delivery else None, created_at=frozen_now)

    kept, twin = line(MessageKind.TRANSFER_OUT), line(MessageKind.TRANSFER_OUT)
    phone = line(MessageKind.NO_ENDPOINT, with_delivery=False)
    ack = line(MessageKind.ACK_IN, Direction.IN, with_delivery=False)
    migration.key_sent_messages(apps, None)
    assert dict(PartnerMessage.objects.values_list("pk", "message_id")) == {
        kept.pk: "transfer.created:7", phone.pk: "", ack.pk: ""}
    assert not PartnerMessage.objects.filter(pk=twin.pk).exists()
