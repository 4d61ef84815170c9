"""Conflicting transitions on one order at the same moment: exactly one wins, the others are told why.

Each thread loads its own copy of the order, waits at a barrier, then takes its step. The services lock
the order and check its version, so every copy that was read before the winner committed is stale: its
step raises ConflictError (or InvalidTransition if the loser read the winner's result), both
TransitionRefused. The test database is a file (SQLite, IMMEDIATE transactions), so the threads'
connections really share it; each thread closes its connection at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.db import connection

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import (
    ACTIVE_ASSIGNMENT,
    Action,
    AssignmentRole,
    ReturnReason,
    Status,
    SupervisionKind,
)
from hotline.tickets.exceptions import ConflictError, InvalidTransition, TransitionRefused
from hotline.tickets.models import Assignment, ReturnRequest, Ticket, TimelineEvent
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("frozen_now")]

Step = Callable[[Ticket], object]


@dataclass
class Outcome:
    name: str
    error: BaseException | None = None

    @property
    def won(self) -> bool:
        return self.error is None


def race(order: Ticket, steps: dict[str, Step], timeout: float = 60) -> list[Outcome]:
    """Run every step at once, each in its own thread on its own copy of `order`."""
    barrier = threading.Barrier(len(steps))
    outcomes = {name: Outcome(name) for name in steps}

    def run(name: str, step: Step) -> None:
        try:
            copy = Ticket.objects.get(pk=order.pk)  # this thread's own copy, read before anyone writes
            barrier.wait(timeout=timeout)
            step(copy)
        except BaseException as exc:  # noqa: BLE001 - reported to the test thread
            outcomes[name].error = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item, name=item[0]) for item in steps.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), f"{thread.name} is stuck"
    return list(outcomes.values())


def assert_one_winner(outcomes: list[Outcome]) -> Outcome:
    """Exactly one step won; every loser was refused as a conflict (or, having read late, by the table)."""
    winners = [o for o in outcomes if o.won]
    assert len(winners) == 1, [(o.name, o.error) for o in outcomes]
    for loser in (o for o in outcomes if not o.won):
        assert isinstance(loser.error, (ConflictError, InvalidTransition)), (loser.name, repr(loser.error))
        assert isinstance(loser.error, TransitionRefused)
        if isinstance(loser.error, ConflictError):
            assert loser.error.message == "工单已被他人处理，请刷新后重试"  # says what happened and what to do
        else:
            assert "当前状态为" in loser.error.message
    return winners[0]


def new_events(order: Ticket, version: int) -> list[TimelineEvent]:
    return list(TimelineEvent.objects.filter(ticket=order, seq__gt=version).order_by("seq"))


def active_leads(order: Ticket) -> list[Assignment]:
    return list(Assignment.objects.filter(ticket=order, role=AssignmentRole.LEAD, status__in=ACTIVE_ASSIGNMENT))


def units_with_dispatchers(n: int, cast: Cast) -> list[tuple[object, User]]:
    return [(HandlingUnitFactory(parent=cast.lead.parent), UserFactory(role=Role.DISPATCHER)) for _ in range(n)]


@pytest.mark.parametrize("n", [2, 8])
def test_dispatchers_racing_to_different_units(n: int) -> None:
    cast = Cast.build()
    order = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    version = order.version
    pairs = units_with_dispatchers(n, cast)
    steps = {f"dispatch to {unit}": (lambda t, u=unit, d=d: services.dispatch(t, actor=d, lead=u))
             for unit, d in pairs}

    winner = assert_one_winner(race(order, steps))

    order.refresh_from_db()
    events = new_events(order, version)
    assert [(e.action, e.seq) for e in events] == [(Action.DISPATCH, version + 1)]
    assert (order.status, order.version) == (Status.DISPATCHED, version + 1)
    leads = active_leads(order)
    assert len(leads) == 1 and Assignment.objects.filter(ticket=order).count() == 1
    assert winner.name == f"dispatch to {leads[0].unit}"
    assert events[0].actor == dict(pairs)[leads[0].unit]


@pytest.mark.parametrize("round_", range(3))
def test_sign_against_return_by_the_lead_unit(round_: int) -> None:
    cast = Cast.build()
    colleague = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead])
    order = make_ticket(Status.DISPATCHED, cast=cast)
    version = order.version

    winner = assert_one_winner(race(order, {
        "sign": lambda t: services.sign(t, actor=cast.lead_handler),
        "return": lambda t: services.return_order(t, actor=colleague, reason_code=ReturnReason.NOT_OUR_DUTY,
                                                  reason="不属于本单位"),
    }))

    order.refresh_from_db()
    events = new_events(order, version)
    assert len(events) == 1 and order.version == version + 1
    assert Assignment.objects.filter(ticket=order, role=AssignmentRole.LEAD).count() == 1
    if winner.name == "sign":
        assert (events[0].action, order.status, len(active_leads(order))) == (Action.SIGN, Status.IN_PROGRESS, 1)
        assert not ReturnRequest.objects.filter(ticket=order).exists()
    else:
        assert (events[0].action, order.status, len(active_leads(order))) == (Action.RETURN, Status.RETURNED, 0)
        assert ReturnRequest.objects.filter(ticket=order).count() == 1


def test_eight_different_steps_on_an_order_in_progress() -> None:
    """Steps that change the status and steps that keep it conflict alike: each one moves the version."""
    cast = Cast.build(assisting=1)
    order = make_ticket(Status.IN_PROGRESS, cast=cast)
    master = make_ticket(Status.REGISTERED, cast=cast)
    version = order.version
    lead, assist = cast.lead_handler, cast.assist_handlers[0]
    steps: dict[str, Step] = {
        "reply": lambda t: services.reply(t, actor=lead, content="已处理", contacted=True, resolved=True),
        "return": lambda t: services.return_order(t, actor=lead, reason_code=ReturnReason.OTHER, reason="非本单位"),
        "request_info": lambda t: services.request_info(t, actor=lead, question="请补充"),
        "request_extension": lambda t: services.request_extension(t, actor=lead, days=2, reason="需协调"),
        "assist_reply": lambda t: services.reply(t, actor=assist, content="已配合", contacted=False, resolved=True),
        "supervise": lambda t: services.supervise(t, actor=cast.supervisor, kind=SupervisionKind.REMIND,
                                                  note="请尽快"),
        "apply_unreasonable": lambda t: services.apply_unreasonable(t, actor=lead, reason="超出政策"),
        "merge": lambda t: services.merge(t, actor=cast.dispatcher, master=master),
    }

    winner = assert_one_winner(race(order, steps))

    order.refresh_from_db()
    events = new_events(order, version)
    assert len(events) == 1 and order.version == version + 1 and events[0].seq == version + 1
    assert list(order.timeline.values_list("seq", flat=True)) == list(range(1, order.version + 1))
    assert len(active_leads(order)) == (0 if winner.name in ("return", "merge") else 1)
    master.refresh_from_db()
    assert master.version == (2 if winner.name == "merge" else 1)


def test_a_copy_read_after_the_winner_is_refused_by_the_table() -> None:
    """The loser that reloads sees the new status and gets InvalidTransition, not a conflict."""
    cast = Cast.build()
    order = make_ticket(Status.DISPATCHED, cast=cast)
    services.sign(Ticket.objects.get(pk=order.pk), actor=cast.lead_handler)
    with pytest.raises(InvalidTransition, match="当前状态为「办理中」"):
        services.sign(Ticket.objects.get(pk=order.pk), actor=cast.lead_handler)
    with pytest.raises(ConflictError):
        services.return_order(order, actor=cast.lead_handler, reason_code=ReturnReason.OTHER, reason="x")
