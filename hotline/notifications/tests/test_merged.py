"""A merged order's caller (并单) is told its master's reply and closing, as the master's caller is."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.tickets import services
from hotline.tickets.choices import Action, Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.signals import ticket_changed
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

MASTER_PHONE, MERGED_PHONE, OLD_PHONE = "13812345678", "13955556666", "13777778888"


def sent(ticket: Ticket) -> list[tuple[str, str]]:
    return list(Notification.objects.filter(ticket=ticket).order_by("id").values_list("template", "body"))


def finish(master: Ticket, cast: Cast, on_commit: Any) -> None:
    """Reply, approve and close the master by a satisfied return visit, its signals delivered."""
    with on_commit():
        services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已疏通污水井（内部记录）",
                       public_reply="已疏通幸福路12号污水井", contacted=True, resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(master, actor=cast.inspector)
    with on_commit():
        services.record_return_visit(master, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)


def test_the_masters_reply_and_closing_reach_the_merged_orders_caller(frozen_now: datetime, cast: Cast,
                                                                      on_commit: Any) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=MASTER_PHONE)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=MERGED_PHONE)
    services.merge(merged, actor=cast.dispatcher, master=master)
    master.refresh_from_db()

    finish(master, cast, on_commit)

    assert master.status == Status.CLOSED
    got = sent(merged)
    assert [t for t, _ in got] == [Template.REPLIED, Template.CLOSED]
    assert merged.number in got[0][1] and "已疏通幸福路12号污水井" in got[0][1] and "内部记录" not in got[0][1]
    assert merged.number in got[1][1] and "已办结" in got[1][1]
    assert {n.to for n in Notification.objects.filter(ticket=merged)} == {MERGED_PHONE}
    merge_event = merged.timeline.get(action=Action.MERGE)
    assert {n.event_id for n in Notification.objects.filter(ticket=merged)} == {merge_event.pk}
    # The master's own caller got theirs as before, the rating link included.
    assert [t for t, _ in sent(master)] == [Template.REPLIED, Template.VISIT, Template.CLOSED]

    # A re-delivered signal sends nothing twice.
    event = master.timeline.filter(action=Action.RETURN_VISIT).get()
    ticket_changed.send(sender=Ticket, ticket_id=master.pk, event_id=event.pk, action=event.action,
                        from_status=event.from_status, to_status=event.to_status)
    assert len(sent(merged)) == 2


def test_a_confidential_merged_order_gets_no_reply_text(frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=MASTER_PHONE)
    merged = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=MERGED_PHONE, is_confidential=True)
    services.merge(merged, actor=cast.dispatcher, master=master)
    master.refresh_from_db()

    finish(master, cast, on_commit)

    assert [t for t, _ in sent(merged)] == [Template.CLOSED]


def test_orders_merged_before_chains_were_refused_follow_the_last_master(frozen_now: datetime, cast: Cast,
                                                                         on_commit: Any) -> None:
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=MASTER_PHONE)
    middle = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=MERGED_PHONE)
    old = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=OLD_PHONE)
    services.merge(old, actor=cast.dispatcher, master=middle)
    Ticket.objects.filter(pk=old.pk).update(master=None)  # merging the middle one is refused while it is a master
    middle.refresh_from_db()
    services.merge(middle, actor=cast.dispatcher, master=make_ticket(Status.DISPATCHED, cast=cast))
    # As a chain merged by an older release left it: old -> middle -> master.
    Ticket.objects.filter(pk=old.pk).update(master=middle)
    Ticket.objects.filter(pk=middle.pk).update(master=master)
    master.refresh_from_db()

    finish(master, cast, on_commit)

    assert [t for t, _ in sent(middle)] == [Template.REPLIED, Template.CLOSED]
    assert [t for t, _ in sent(old)] == [Template.REPLIED, Template.CLOSED]
