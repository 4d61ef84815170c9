"""回访 of a master order (并单) without a caller phone: the callers merged into it left numbers and wait for the
answer, so the centre's number of attempts (回访设置) applies, not the single call of an order nobody can be
called about (docs/lifecycle.md, 「A citizen who cannot be reached」)."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _master(cast: Cast, merged_phone: str) -> Ticket:
    """A master order without a phone awaiting its visit, with one order merged into it (with `merged_phone`)."""
    master = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone="")
    merged = make_ticket(Status.MERGED, cast=cast, master=master, caller_phone=merged_phone)
    assert merged.status == Status.MERGED
    master.refresh_from_db()
    return master


def _unanswered(ticket: Ticket, cast: Cast) -> Ticket:
    return services.record_return_visit(ticket, actor=cast.inspector, contacted=False, note="电话未接")


def test_a_merged_callers_phone_gives_the_centres_number_of_attempts(frozen_now: datetime, cast: Cast) -> None:
    master = _master(cast, "13900000001")
    assert services.visit_attempt_limit(master) == 3
    master = _unanswered(master, cast)
    master = _unanswered(master, cast)
    assert master.status == Status.AWAITING_VISIT  # two calls: the default limit (3) is not reached
    master = _unanswered(master, cast)
    assert master.status == Status.CLOSED
    last = TimelineEvent.objects.filter(ticket=master, action=Action.RETURN_VISIT).order_by("-seq").first()
    assert last.note.startswith("回访3次未联系上群众")
    assert last.data["unreachable"] is True


def test_nobody_to_call_still_closes_at_the_first_attempt(frozen_now: datetime, cast: Cast) -> None:
    master = _master(cast, "")
    assert services.visit_attempt_limit(master) == 1
    master = _unanswered(master, cast)
    assert master.status == Status.CLOSED
    last = TimelineEvent.objects.filter(ticket=master, action=Action.RETURN_VISIT).order_by("-seq").first()
    assert last.note.startswith("无联系电话，无法回访")


@pytest.mark.parametrize(("merged_phone", "limit"), [("13900000001", 3), ("", 1)])
def test_the_visit_queue_shows_the_same_limit(frozen_now: datetime, cast: Cast, merged_phone: str, limit: int) -> None:
    from hotline.workbench.queues.selectors import with_visit_round

    master = _master(cast, merged_phone)
    assert with_visit_round(Ticket.objects.filter(pk=master.pk)).get().visit_limit == limit
