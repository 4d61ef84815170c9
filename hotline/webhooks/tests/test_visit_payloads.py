"""A return visit's payload tells its outcome: a 现场核查 of a proactive order, or the call that closed an
unreachable order — never the visitor's conversation on an internal step."""

from __future__ import annotations

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Channel, Status, VisitMethod
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks.events import payload

pytestmark = pytest.mark.django_db


def test_a_check_is_named_and_carries_its_result(frozen_now, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, channel=Channel.PROACTIVE)
    services.record_return_visit(t, actor=cast.inspector, contacted=False, resolved=False, method=VisitMethod.VERIFY,
                                 note="现场查看仍有积水")
    step = payload(t.timeline.last(), "order.visited")["step"]
    assert step["action"] == "return_visit" and step["label"] == "现场核查"
    assert (step["verified"], step["resolved"]) == (True, False)


def test_the_call_that_closes_an_unreachable_order_says_so(frozen_now, cast: Cast) -> None:
    t = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    services.record_return_visit(t, actor=cast.inspector, contacted=False, note="电话 138xxxx 无人接听")
    step = payload(t.timeline.last(), "order.closed")["step"]
    assert (step["label"], step["contacted"], step["unreachable"], step["attempt"]) == ("回访", False, True, 1)
    waiting = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="13800001111")
    services.record_return_visit(waiting, actor=cast.inspector, contacted=False, note="无人接听")
    step = payload(waiting.timeline.last(), "order.visited")["step"]
    assert step["note"] == "" and "unreachable" not in step  # an internal attempt: no note, not closed
