"""督办看板 and the dashboard's 超期单位 panel count a unit's open orders the same way: the orders it holds now.

An open order counts for its current round's lead only (`names_the_lead`): not for the unit whose 已完成 lead of an
earlier round stays on a reopened order, nor with that round's lateness; the board's links (`lead_unit`,
`overdue=lead`) list the same orders."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.dashboards import selectors as dash
from hotline.orgs.choices import UnitKind
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket
from hotline.workbench.queues.filtersets import OrderFilterSet
from hotline.workbench.queues.selectors import supervision_board

pytestmark = pytest.mark.django_db


def _listed(params: dict[str, str]) -> list[int]:
    """The order list (a supervisor's) with these filters."""
    fs = OrderFilterSet(params, user=UserFactory(role=Role.SUPERVISOR))
    assert fs.is_valid(), fs.errors
    return sorted(fs.filter_queryset(Ticket.objects.all()).values_list("pk", flat=True))


def test_board_does_not_charge_a_unit_with_an_order_reopened_and_now_held_by_another(
        traveller: Any, django_capture_on_commit_callbacks: Any) -> None:
    cast = Cast.build()
    a = cast.lead
    b = HandlingUnitFactory(kind=UnitKind.STREET, parent=a.parent, name="景山街道")
    b_handler = UserFactory(role=Role.UNIT_HANDLER, units=[b])
    with django_capture_on_commit_callbacks(execute=True):
        x = make_ticket(Status.CLOSED, cast=cast)  # A handled it on time, the citizen was satisfied
        services.reopen(x, actor=cast.inspector, reason="群众反映问题复发")
        services.dispatch(x, actor=cast.dispatcher, lead=b)
        services.sign(x, actor=b_handler)
    due = Assignment.objects.get(ticket=x, unit=b, role=AssignmentRole.LEAD).reply_due
    x.refresh_from_db()
    traveller.move_to(max(due, x.close_due) + timedelta(hours=2))
    sweep()  # B is late on X
    x.refresh_from_db()
    assert x.light == "red"
    now = timezone.now()
    panel = {r["id"]: r for r in dash.units(dash.Scope(None, "全市"), timezone.localdate(now).replace(day=1),
                                            timezone.localdate(now) + timedelta(days=1), now)}
    assert panel[b.pk]["overdue"] == 1 and a.pk not in panel or panel[a.pk]["open"] == 0  # the dashboard: B's
    board = {r["unit_id"]: r for r in supervision_board(Ticket.objects.all())}
    assert board[b.pk]["red"] == 1
    assert a.pk not in board or (board[a.pk]["red"], board[a.pk]["total"]) == (0, 0)
    assert _listed({"lead_unit": str(a.pk), "state": "open"}) == []  # the board's link for A
    assert _listed({"lead_unit": str(b.pk), "state": "open", "light": "red"}) == [x.pk]


def test_board_overdue_does_not_count_a_late_earlier_round_on_a_reopened_order(
        traveller: Any, django_capture_on_commit_callbacks: Any) -> None:
    """A was late in round 1 (its reply came after the deadline), the citizen was satisfied, the order closed.
    The problem came back: reopened and sent to B, which is well within its deadlines. Nobody is overdue now."""
    cast = Cast.build()
    a = cast.lead
    b = HandlingUnitFactory(kind=UnitKind.STREET, parent=a.parent, name="景山街道")
    b_handler = UserFactory(role=Role.UNIT_HANDLER, units=[b])
    with django_capture_on_commit_callbacks(execute=True):
        x = make_ticket(Status.IN_PROGRESS, cast=cast)
        due = Assignment.objects.get(ticket=x, unit=a, role=AssignmentRole.LEAD).reply_due
        traveller.move_to(due + timedelta(hours=2))
        sweep()
        x.refresh_from_db()
        x = services.reply(x, actor=cast.lead_handler, unit=a, content="已处理", contacted=True, resolved=True)
        x = services.approve_reply(x, actor=cast.inspector)
        x = services.record_return_visit(x, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction="satisfied")
        assert x.status == Status.CLOSED
        assert Assignment.objects.get(ticket=x, unit=a).reply_overdue  # A's lateness of round 1: history
        x = services.reopen(x, actor=cast.inspector, reason="群众反映问题复发")
        x = services.dispatch(x, actor=cast.dispatcher, lead=b)
        services.sign(x, actor=b_handler)
    now = timezone.now()
    panel = {r["id"]: r for r in dash.units(dash.Scope(None, "全市"), timezone.localdate(now).replace(day=1),
                                            timezone.localdate(now) + timedelta(days=1), now)}
    assert sum(r["overdue"] for r in panel.values()) == 0  # the dashboard: nothing overdue now
    board = {r["unit_id"]: r for r in supervision_board(Ticket.objects.all())}
    assert a.pk not in board or board[a.pk]["overdue"] == 0
    assert _listed({"lead_unit": str(a.pk), "state": "open", "overdue": "lead"}) == []
    assert _listed({"state": "open", "overdue": "lead"}) == []  # B is on time; A's lateness is round 1's


def test_a_reopened_order_waiting_for_dispatch_is_no_units_on_the_board(
        frozen_now: Any, django_capture_on_commit_callbacks: Any) -> None:
    """A handled X (chased once while it did), X closed and was reopened; the centre has not sent it again yet:
    no unit holds it, so nobody is charged with it (the dashboard neither) and A's links list nothing."""
    cast = Cast.build()
    a = cast.lead
    with django_capture_on_commit_callbacks(execute=True):
        x = make_ticket(Status.IN_PROGRESS, cast=cast)
        services.chase(x, actor=cast.intake, note="群众来电催办，告知正在办理")
        x = services.reply(x, actor=cast.lead_handler, unit=a, content="已处理", contacted=True, resolved=True)
        x = services.approve_reply(x, actor=cast.inspector)
        x = services.record_return_visit(x, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction="satisfied")
        x = services.reopen(x, actor=cast.inspector, reason="群众反映问题复发")
    assert x.status == Status.PENDING_DISPATCH and x.chase_count >= 1
    board = {r["unit_id"]: r for r in supervision_board(Ticket.objects.all())}
    assert a.pk not in board
    assert _listed({"lead_unit": str(a.pk), "state": "open", "chased": "1"}) == []
    assert _listed({"lead_unit": str(a.pk)}) == []  # the list's 主办单位 column shows none either
