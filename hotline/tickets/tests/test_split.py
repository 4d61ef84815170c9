"""拆单: an order's other demands become new orders (services.split), all or none, linked both ways."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from hotline.accounts.choices import Role
from hotline.attachments.models import Attachment
from hotline.attachments.services import attach
from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.notifications.services import notify_event
from hotline.orgs.choices import UnitKind
from hotline.taxonomy.choices import RequestType, Urgency
from hotline.tickets import services
from hotline.tickets.choices import Action, Channel, Sex, Status
from hotline.tickets.exceptions import ConflictError, InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.public_text import outbound_note
from hotline.tickets.services import ChildDraft
from hotline.tickets.tests.factories import (
    NOW,
    Cast,
    CategoryFactory,
    HandlingUnitFactory,
    UserFactory,
    make_ticket,
    stored,
)
from hotline.triage.models import RepeatLink
from hotline.webhooks.choices import event_type_for
from hotline.webhooks.events import payload

pytestmark = pytest.mark.django_db

LAMP = "小区门口路灯不亮，晚上出行不便"
PENSION = "另外咨询一下退休人员养老金调整什么时候发放"
PARKING = "还有小区门口乱停车堵住消防通道"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(56)


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _leaf(name: str = "养老保险") -> Any:
    return CategoryFactory(name=name, parent=CategoryFactory(name="社会保障", parent=CategoryFactory(name="人社")))


def _attached(ticket: Ticket, cast: Cast, name: str) -> Attachment:
    attach(ticket, actor=cast.intake, upload=SimpleUploadedFile(name, PNG))
    ticket.refresh_from_db()
    return Attachment.objects.filter(ticket=ticket, original_name=name).get()


def _order(cast: Cast, status: str = Status.REGISTERED, **draft: Any) -> Ticket:
    fields = {"description": f"{LAMP}。{PENSION}", "caller_name": "王女士", "caller_phone": "13800138000",
              "caller_company": "向阳物业", "caller_sex": Sex.FEMALE, "urgency": Urgency.PRESSING,
              "address": "向阳路12号"}
    return make_ticket(status, cast=cast, **(fields | draft))


def test_a_split_registers_each_demand_as_a_new_order_copying_the_caller_and_linking_both_ways(cast: Cast) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    parent = _order(cast, Status.PENDING_DISPATCH, district=district, street=street)
    photo = _attached(parent, cast, "lamp.png")
    _attached(parent, cast, "other.png")
    before, version, description = stored(parent), parent.version, parent.description
    other_district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    other_street = HandlingUnitFactory(kind=UnitKind.STREET, parent=other_district)
    leaf = _leaf()

    services.split(parent, actor=cast.intake, note="来电反映三件事", children=[
        ChildDraft(description=PENSION, title="养老金发放时间", request_type=RequestType.CONSULT, category=leaf,
                   street=other_street, address="人社局", attachments=[photo.pk]),
        ChildDraft(description=PARKING),
    ])

    parent.refresh_from_db()
    pension, parking = Ticket.objects.filter(split_from=parent).order_by("pk")
    # The parent keeps its text and status; one event, listing what went where.
    assert (parent.status, parent.description, parent.version) == (Status.PENDING_DISPATCH, description, version + 1)
    assert {k: v for k, v in stored(parent).items() if k not in {"version", "updated_at", "timeline_count"}} == {
        k: v for k, v in before.items() if k not in {"version", "updated_at", "timeline_count"}}
    event = parent.timeline.order_by("seq").last()
    assert (event.action, event.actor, event.from_status, event.to_status) == (
        Action.SPLIT, cast.intake, Status.PENDING_DISPATCH, Status.PENDING_DISPATCH)
    assert pension.number in event.note and parking.number in event.note and "来电反映三件事" in event.note
    assert "养老金发放时间" in event.note and other_street.name in event.note
    assert [c["number"] for c in event.data["children"]] == [pension.number, parking.number]
    assert event.data["children"][0]["attachments"] == [photo.pk] and event.data["reason"] == "来电反映三件事"
    # Each child: a new order as any other (number, query code, 已登记), the caller and flags copied.
    for child in (pension, parking):
        assert child.split_from == parent and child.status == Status.REGISTERED and child.version == 1
        assert child.number and child.number != parent.number and len(child.query_code) == 6
        assert (child.caller_name, child.caller_phone, child.caller_company, child.caller_sex) == (
            "王女士", "13800138000", "向阳物业", Sex.FEMALE)
        assert (child.channel, child.urgency, child.is_anonymous, child.is_confidential) == (
            Channel.PHONE, Urgency.PRESSING, False, False)
        assert child.registered_at == NOW and child.registered_by == cast.intake
        first = child.timeline.get()
        assert (first.action, first.to_status) == (Action.REGISTER, Status.REGISTERED)
        assert f"拆自工单 {parent.number}" in first.note and first.data["split_from"] == parent.pk
    assert (pension.description, pension.title, pension.request_type, pension.category) == (
        PENSION, "养老金发放时间", RequestType.CONSULT, leaf)
    assert (pension.district, pension.street, pension.address) == (other_district, other_street, "人社局")
    # Left blank: the parent's type, place and address; a title from the text; no category (the parent's matter's).
    assert (parking.request_type, parking.district, parking.street, parking.address) == (
        parent.request_type, district, street, "向阳路12号")
    assert parking.title.startswith("还有小区门口乱停车") and parking.category is None
    # The chosen attachment is referenced again (same stored file, no copy); the other stays with the parent.
    (copied,) = Attachment.objects.filter(ticket=pension)
    assert (copied.file.name, copied.original_name, copied.sha256) == (photo.file.name, "lamp.png", photo.sha256)
    assert not Attachment.objects.filter(ticket=parking).exists()
    assert Attachment.objects.filter(ticket=parent).count() == 2


def test_an_online_childs_acceptance_limit_counts_from_the_split(cast: Cast) -> None:
    parent = _order(cast, channel=Channel.WEB)
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        services.split(parent, actor=cast.intake, children=[ChildDraft(description=PENSION)])
    child = Ticket.objects.get(split_from=parent)
    assert child.registered_at == NOW + timedelta(hours=3) and child.channel == Channel.WEB
    assert child.accept_due is not None and child.accept_due > parent.accept_due and child.accepted_at is None


def test_a_confidential_or_withheld_parent_passes_it_on(cast: Cast) -> None:
    secret = _order(cast, is_confidential=True)
    services.split(secret, actor=cast.intake, children=[ChildDraft(description=PENSION)])
    assert Ticket.objects.get(split_from=secret).is_confidential
    report = _order(cast, request_type=RequestType.REPORT, description=f"举报某工地夜间施工。{PENSION}")
    assert report.identity_withheld and not report.is_anonymous
    services.split(report, actor=cast.intake, children=[ChildDraft(description=PENSION,
                                                                   request_type=RequestType.CONSULT)])
    child = Ticket.objects.get(split_from=report)
    assert child.request_type == RequestType.CONSULT and child.is_anonymous and child.identity_withheld


def test_a_proactive_order_splits_without_a_caller(cast: Cast) -> None:
    parent = make_ticket(Status.REGISTERED, cast=cast, channel=Channel.PROACTIVE, description=f"{LAMP}。{PARKING}")
    services.split(parent, actor=cast.dispatcher, children=[ChildDraft(description=PARKING)])
    child = Ticket.objects.get(split_from=parent)
    assert child.channel == Channel.PROACTIVE and child.caller_phone == "" and child.is_proactive


def _refused(parent: Ticket, error: type[Exception], actor: Any, children: list[ChildDraft], match: str | None = None,
             **kwargs: Any) -> None:
    before, count = stored(parent), Ticket.objects.count()
    with pytest.raises(error, match=match):
        services.split(parent, actor=actor, children=children, **kwargs)
    assert stored(parent) == before and Ticket.objects.count() == count
    assert not Attachment.objects.exclude(ticket=parent).filter(original_name="lamp.png").exists()


def test_refusals_change_nothing_and_create_nothing(cast: Cast) -> None:
    parent = _order(cast)
    one = [ChildDraft(description=PENSION)]
    _refused(parent, NotPermitted, cast.inspector, one)
    _refused(parent, NotPermitted, cast.supervisor, one)
    _refused(parent, NotPermitted, cast.lead_handler, one)
    _refused(parent, RuleViolation, cast.intake, [], "至少填写一项")
    _refused(parent, RuleViolation, cast.intake, [ChildDraft(description=" \n ")], "第1项诉求：诉求内容不能为空")
    _refused(parent, RuleViolation, cast.intake, [ChildDraft(description=f" {LAMP}。{PENSION} ")], "与原工单相同")
    _refused(parent, RuleViolation, cast.intake, [ChildDraft(description=PENSION), ChildDraft(description=PENSION)],
             "第2项诉求：诉求内容与第1项相同")
    _refused(parent, RuleViolation, cast.intake, [ChildDraft(description=f"{PENSION}{n}") for n in range(6)],
             "最多拆出 5 张")
    _refused(parent, ConflictError, cast.intake, one, expected_version=parent.version - 1)
    stale = Ticket.objects.get(pk=parent.pk)
    services.send_to_dispatch(parent, actor=cast.intake)
    with pytest.raises(ConflictError):
        services.split(stale, actor=cast.intake, children=one)
    assert not Ticket.objects.filter(split_from=parent).exists()


def test_all_or_nothing_one_bad_child_names_its_block(cast: Cast) -> None:
    parent = _order(cast)
    photo = _attached(parent, cast, "lamp.png")
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    elsewhere = HandlingUnitFactory(kind=UnitKind.STREET, parent=HandlingUnitFactory(kind=UnitKind.DISTRICT))
    _refused(parent, RuleViolation, cast.intake, [
        ChildDraft(description=PENSION, attachments=[photo.pk]),
        ChildDraft(description=PARKING, district=district, street=elsewhere)], "第2项诉求：街道")
    other = make_ticket(Status.REGISTERED, cast=cast)
    foreign = _attached(other, cast, "x.png")
    _refused(parent, RuleViolation, cast.intake, [ChildDraft(description=PENSION),
                                                  ChildDraft(description=PARKING, attachments=[foreign.pk])],
             "第2项诉求：所选附件不属于本工单")


@pytest.mark.parametrize("status", [Status.DISPATCHED, Status.IN_PROGRESS, Status.CLOSED, Status.ANSWERED])
def test_only_while_the_order_is_at_the_centre(cast: Cast, status: str) -> None:
    parent = _order(cast, status)
    _refused(parent, InvalidTransition, cast.intake, [ChildDraft(description=PENSION)])


def test_not_during_a_consultation(cast: Cast) -> None:
    parent = _order(cast, Status.PENDING_DISPATCH)
    spare = HandlingUnitFactory(kind=UnitKind.STREET, parent=cast.lead.parent)
    services.start_consultation(parent, actor=cast.dispatcher, units=[cast.lead, spare], question="职责不清")
    _refused(parent, RuleViolation, cast.dispatcher, [ChildDraft(description=PENSION)], "会商期间不能拆单")
    from hotline.tickets.services.holds import held_steps

    assert "会商期间不能拆单" in held_steps(parent, cast.dispatcher, [Action.SPLIT])[Action.SPLIT]


def test_roles_of_the_table(cast: Cast) -> None:
    for role in (Role.INTAKE, Role.DISPATCHER, Role.ADMIN):
        parent = _order(cast)
        services.split(parent, actor=UserFactory(role=role), children=[ChildDraft(description=PENSION)])
        assert Ticket.objects.filter(split_from=parent).count() == 1


def test_children_are_not_repeats_of_their_parent_or_siblings(django_capture_on_commit_callbacks: Any,
                                                               cast: Cast) -> None:
    noise = "向阳小区3栋楼下的烧烤摊每天晚上营业到凌晨两点，油烟和噪音严重扰民，多次反映无人处理。"
    again = "向阳小区3栋楼下烧烤摊晚上营业到凌晨两点，噪音油烟扰民，之前反映过还是没人管。"
    with django_capture_on_commit_callbacks(execute=True):
        parent = _order(cast, description=noise)
    with django_capture_on_commit_callbacks(execute=True):
        services.split(parent, actor=cast.intake, children=[
            ChildDraft(description=again), ChildDraft(description=again + "另外楼道灯坏了")])
    children = list(Ticket.objects.filter(split_from=parent))
    assert len(children) == 2
    assert not RepeatLink.objects.filter(ticket__in=children).exists()
    # The same words from the same caller as a new call are still a repeat (the exclusion is for relatives only).
    with django_capture_on_commit_callbacks(execute=True):
        later = _order(cast, description=again)
    assert set(RepeatLink.objects.filter(ticket=later).values_list("earlier_id", flat=True)) >= {parent.pk}


def test_the_caller_gets_one_text_with_the_new_numbers_and_query_codes(django_capture_on_commit_callbacks: Any,
                                                                       cast: Cast) -> None:
    parent = _order(cast)
    MemoryNotifier.sent.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.split(parent, actor=cast.intake, children=[ChildDraft(description=PENSION),
                                                            ChildDraft(description=PARKING)])
    children = list(Ticket.objects.filter(split_from=parent).order_by("pk"))
    (message,) = MemoryNotifier.sent
    assert message.to == "13800138000"
    for child in children:
        assert f"工单号{child.number}，查询码{child.query_code}" in message.body
    assert parent.number in message.body
    assert not Notification.objects.filter(ticket__in=children).exists()  # no receipt per child
    event = parent.timeline.order_by("seq").last()
    assert Notification.objects.filter(event=event, template=Template.SPLIT).count() == 1
    again = notify_event(ticket_id=parent.pk, event_id=event.pk, action=Action.SPLIT)
    assert again == [] and Notification.objects.filter(template=Template.SPLIT).count() == 1
    # No caller to tell on a proactive order.
    MemoryNotifier.sent.clear()
    found = make_ticket(Status.REGISTERED, cast=cast, channel=Channel.PROACTIVE, description=f"{LAMP}。{PARKING}")
    with django_capture_on_commit_callbacks(execute=True):
        services.split(found, actor=cast.intake, children=[ChildDraft(description=PARKING)])
    assert MemoryNotifier.sent == []


def test_the_webhook_event_and_its_outbound_note_name_only_the_numbers(cast: Cast) -> None:
    parent = _order(cast)
    services.split(parent, actor=cast.intake, note="王女士另反映", children=[ChildDraft(description=PENSION)])
    child = Ticket.objects.get(split_from=parent)
    event = parent.timeline.order_by("seq").last()
    assert event_type_for(event.action, event.to_status) == "order.split"
    assert outbound_note(event) == f"拆分为工单 {child.number}"
    body = payload(event, "order.split")
    assert body["step"]["note"] == f"拆分为工单 {child.number}" and "王女士" not in str(body["step"])
    assert PENSION not in str(body["step"])
