"""A caller whose orders were merged into one master gets one text per step, hung on their first order that is
not confidential (保密): a confidential order first in line no longer swallows the reply, and its number is never
written (review rv5)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hotline.notifications.backends import MemoryNotifier
from hotline.notifications.choices import Template
from hotline.notifications.models import Notification
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("memory_notifier")]

MASTER_PHONE, CALLER = "13812345678", "13955556666"
REPLY = "已疏通幸福路12号污水井"


def finish(master: Ticket, cast: Cast, on_commit: Any) -> None:
    """Reply, approve and close the master by a satisfied return visit, its signals delivered."""
    with on_commit():
        services.reply(master, actor=cast.lead_handler, unit=cast.lead, content="已疏通污水井",
                       public_reply=REPLY, contacted=True, resolved=True, is_truthful=True)
    with on_commit():
        services.approve_reply(master, actor=cast.inspector)
    with on_commit():
        services.record_return_visit(master, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=Satisfaction.SATISFIED)


def merged_orders(cast: Cast, *confidential: bool) -> tuple[Ticket, list[Ticket]]:
    """A master (another caller's) and, merged into it in this order, orders of CALLER (confidential or not)."""
    master = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=MASTER_PHONE)
    orders = [make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=CALLER, is_confidential=secret)
              for secret in confidential]
    for order in orders:
        services.merge(order, actor=cast.dispatcher, master=master)
    master.refresh_from_db()
    MemoryNotifier.sent.clear()
    return master, orders


def to_caller(template: str) -> list[str]:
    return list(Notification.objects.filter(to=CALLER, template=template).values_list("body", flat=True))


def test_a_confidential_order_first_in_line_does_not_swallow_the_reply_to_the_callers_plain_one(
        frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    master, (secret, plain) = merged_orders(cast, True, False)

    finish(master, cast, on_commit)

    assert to_caller(Template.REPLIED) == [f"您的工单{plain.number}已办理答复：{REPLY}"]
    [closed] = to_caller(Template.CLOSED)
    assert f"您的工单{plain.number}已办结" in closed
    texts = [m.body for m in MemoryNotifier.sent if m.to == CALLER]
    assert len(texts) == 2 and not any(secret.number in text for text in texts), texts
    # The one text hangs on the plain order (its merge event); the confidential one gets no row of its own.
    assert not Notification.objects.filter(ticket=secret).exists()
    assert set(Notification.objects.filter(to=CALLER).values_list("ticket", flat=True)) == {plain.pk}


def test_the_same_with_the_plain_order_merged_first(frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    master, (plain, secret) = merged_orders(cast, False, True)

    finish(master, cast, on_commit)

    assert to_caller(Template.REPLIED) == [f"您的工单{plain.number}已办理答复：{REPLY}"]
    assert not any(secret.number in m.body for m in MemoryNotifier.sent if m.to == CALLER)


def test_two_plain_orders_after_a_confidential_one_share_one_text_naming_both(frozen_now: datetime, cast: Cast,
                                                                             on_commit: Any) -> None:
    master, (secret, first, second) = merged_orders(cast, True, False, False)

    finish(master, cast, on_commit)

    assert to_caller(Template.REPLIED) == [f"您的工单{first.number}、{second.number}已办理答复：{REPLY}"]
    assert not any(secret.number in m.body for m in MemoryNotifier.sent if m.to == CALLER)


def test_a_caller_whose_merged_orders_are_all_confidential_gets_only_the_closing_text(
        frozen_now: datetime, cast: Cast, on_commit: Any) -> None:
    master, (first, second) = merged_orders(cast, True, True)

    finish(master, cast, on_commit)

    assert to_caller(Template.REPLIED) == []
    [closed] = to_caller(Template.CLOSED)
    assert f"您的工单{first.number}已办结" in closed and second.number not in closed
    assert REPLY not in "".join(m.body for m in MemoryNotifier.sent if m.to == CALLER)
