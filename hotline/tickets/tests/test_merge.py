"""并单: a merged order is answered through its master, so the master must be an order still being handled."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.tests.factories import Cast, make_ticket, stored
from hotline.tickets.transitions import OPEN, TRANSITIONS


@pytest.mark.parametrize("master_status", [Status.CLOSED, Status.ANSWERED])
def test_cannot_merge_into_a_closed_or_answered_master(frozen_now: datetime, cast: Cast, master_status: str) -> None:
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    master = make_ticket(master_status, cast=cast)
    before = stored(duplicate), stored(master), duplicate.timeline.count(), master.timeline.count()

    with pytest.raises(RuleViolation, match="不能作为主工单"):
        services.merge(duplicate, actor=cast.dispatcher, master=master)

    assert (stored(duplicate), stored(master), duplicate.timeline.count(), master.timeline.count()) == before
    assert duplicate.status == Status.PENDING_DISPATCH


@pytest.mark.parametrize("master_status", [Status.REPLIED, Status.AWAITING_VISIT])
def test_an_order_still_open_takes_duplicates(frozen_now: datetime, cast: Cast, master_status: str) -> None:
    duplicate = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    master = make_ticket(master_status, cast=cast)
    services.merge(duplicate, actor=cast.dispatcher, master=master)
    assert (duplicate.status, duplicate.master_id) == (Status.MERGED, master.pk)


def test_an_order_with_merged_orders_is_not_merged_itself(frozen_now: datetime, cast: Cast) -> None:
    """Merging C into A, then A into B, would leave C with a dead master: refused, nothing changes."""
    a = make_ticket(Status.DISPATCHED, cast=cast)
    b = make_ticket(Status.DISPATCHED, cast=cast)
    c = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.merge(c, actor=cast.dispatcher, master=a)
    a.refresh_from_db()
    before = stored(a), stored(b), stored(c), a.timeline.count(), b.timeline.count()

    with pytest.raises(RuleViolation, match="已是其他工单的主工单"):
        services.merge(a, actor=cast.dispatcher, master=b)

    assert (stored(a), stored(b), stored(c), a.timeline.count(), b.timeline.count()) == before
    assert a.status == Status.DISPATCHED and a.assignments.filter(status="pending_sign").exists()
    services.merge(b, actor=cast.dispatcher, master=a)  # the other way round is fine
    assert set(a.merged.values_list("pk", flat=True)) == {b.pk, c.pk}


def test_the_table_takes_duplicates_only_into_open_orders() -> None:
    assert TRANSITIONS[Action.MERGE_INTO].sources == OPEN
