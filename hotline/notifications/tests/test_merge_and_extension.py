"""The merged order's caller is told of the merge (并单), the caller of an approved extension (延期) of it."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.notifications.services import milestones
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import SHANGHAI, Cast, make_ticket

pytestmark = pytest.mark.django_db

MASTER_PHONE, MERGED_PHONE = "13812345678", "13955556666"


def bodies(ticket: Ticket, template: str) -> list[str]:
    return list(Notification.objects.filter(ticket=ticket, template=template).values_list("body", flat=True))


def redeliver(event: TimelineEvent) -> None:
    ticket_changed.send(sender=Ticket, ticket_id=event.ticket_id, event_id=event.pk, action=event.action,
                        from_status=event.from_status, to_status=event.to_status)


@pytest.mark.parametrize(("action", "before", "after", "expected"), [
    (Action.MERGE, Status.PENDING_DISPATCH, Status.MERGED, [Template.MERGED]),
    (Action.MERGE_INTO, Status.IN_PROGRESS, Status.IN_PROGRESS, []),
    (Action.APPROVE_EXTENSION, Status.IN_PROGRESS, Status.IN_PROGRESS, [Template.EXTENDED]),
    (Action.DENY_EXTENSION, Status.IN_PROGRESS, Status.IN_PROGRESS, []),
    (Action.REQUEST_EXTENSION, Status.IN_PROGRESS, Status.IN_PROGRESS, []),
])
def test_milestones(action: str, before: str, after: str, expected: list[str]) -> None:
    assert milestones(action, before, after) == expected


def merge(cast: Cast, on_commit: Any, **merged_fields: Any) -> tuple[Ticket, Ticket]:
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=MASTER_PHONE)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, **{"caller_phone": MERGED_PHONE} | merged_fields)
    Notification.objects.all().delete()  # the factories' own steps are not what is tested here
    with translation.override("en"), on_commit():
        services.merge(merged, actor=cast.dispatcher, master=master)
    return master, merged


def test_the_merged_orders_caller_is_told_the_masters_number_once(frozen_now: datetime, cast: Cast,
                                                                  on_commit: Any) -> None:
    master, merged = merge(cast, on_commit)
    note = Notification.objects.get(ticket=merged, template=Template.MERGED)
    assert note.to == MERGED_PHONE and note.event == merged.timeline.get(action=Action.MERGE)
    assert merged.number in note.body and master.number in note.body and "答复将同时告知您" in note.body
    assert "work order" not in note.body.lower() and re.search(r"[\u4e00-\u9fff]", note.subject)
    assert not Notification.objects.filter(ticket=master).exists()  # the master's caller is not told
    redeliver(note.event)
    assert Notification.objects.filter(ticket=merged).count() == 1


@pytest.mark.parametrize("confidential", ["merged", "master"])
def test_a_confidential_side_names_no_master(frozen_now: datetime, cast: Cast, on_commit: Any,
                                             confidential: str) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=MASTER_PHONE)
    if confidential == "master":  # marked confidential after its dispatch (confidential orders are not dispatched)
        Ticket.objects.filter(pk=master.pk).update(is_confidential=True)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=MERGED_PHONE,
                         is_confidential=confidential == "merged")
    with on_commit():
        services.merge(merged, actor=cast.dispatcher, master=master)
    [body] = bodies(merged, Template.MERGED)
    assert merged.number in body and master.number not in body and "合并办理" in body


def test_no_merge_sms_without_a_mobile_number(frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    merge(cast, on_commit, caller_phone="010-87654321")
    assert not Notification.objects.exists()


def extend(cast: Cast, on_commit: Any, **fields: Any) -> Ticket:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, **{"caller_phone": MASTER_PHONE} | fields)
    with on_commit():
        services.request_extension(ticket, actor=cast.lead_handler, unit=cast.lead, days=5,
                                   reason="需约谈企业负责人并调取工资台账")
    return ticket


def test_an_approved_extension_sends_the_days_and_the_new_deadline_in_beijing_time(
        frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    ticket = extend(cast, on_commit)
    # A staff member's page in another language and time zone changes nothing in the citizen's SMS.
    with translation.override("en"), timezone.override("America/Los_Angeles"), on_commit():
        services.approve_extension(ticket, actor=cast.dispatcher, days=4, note="同意延期（内部）")
    due = ticket.assignments.get(role="lead").reply_due.astimezone(SHANGHAI)
    [body] = bodies(ticket, Template.EXTENDED)
    assert ticket.number in body and "办理期限延长4个工作日" in body
    assert f"答复期限延至{due:%Y-%m-%d}" in body and "需约谈企业负责人并调取工资台账" in body
    assert "同意延期（内部）" not in body
    event = ticket.timeline.get(action=Action.APPROVE_EXTENSION)
    redeliver(event)
    assert len(bodies(ticket, Template.EXTENDED)) == 1


def test_a_denied_extension_sends_nothing(frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    ticket = extend(cast, on_commit)
    with on_commit():
        services.deny_extension(ticket, actor=cast.dispatcher, note="理由不充分")
    assert not Notification.objects.filter(ticket=ticket, template=Template.EXTENDED).exists()


def test_a_confidential_order_is_not_told_the_units_reason(frozen_now: datetime, cast: Cast,
                                                            on_commit: Any) -> None:
    ticket = extend(cast, on_commit)
    Ticket.objects.filter(pk=ticket.pk).update(is_confidential=True)  # defence in depth, as for replies
    ticket.refresh_from_db()
    with on_commit():
        services.approve_extension(ticket, actor=cast.dispatcher)
    assert not Notification.objects.filter(ticket=ticket, template=Template.EXTENDED).exists()
