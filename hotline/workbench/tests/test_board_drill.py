"""督办看板: every number of a lead unit's row counts the orders the list it links to shows
(/orders/?lead_unit=U&state=open plus the light, `overdue=lead` or `chased=1`)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from hotline.accounts.choices import Role
from hotline.orgs.choices import UnitKind
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.models import Assignment, Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket
from hotline.workbench.queues.filtersets import OrderFilterSet
from hotline.workbench.queues.selectors import supervision_board

pytestmark = pytest.mark.django_db

#: Each number of the board and the filters its link adds to lead_unit=U&state=open.
LINKS = {"total": {}, "yellow": {"light": "yellow"}, "red": {"light": "red"}, "overdue": {"overdue": "lead"},
         "chased": {"chased": "1"}}


def _listed(params: dict[str, str]) -> list[int]:
    fs = OrderFilterSet(params, user=UserFactory(role=Role.SUPERVISOR))
    assert fs.is_valid(), fs.errors
    return sorted(fs.filter_queryset(Ticket.objects.all()).values_list("pk", flat=True))


def _reopened_and_sent_elsewhere(traveller: Any) -> tuple[Any, Any, Ticket, Ticket]:
    """A (the cast's lead) handled X on time and the citizen was satisfied; X came back, was reopened and sent
    to B, which let it run late; Y is A's own order, late too."""
    cast = Cast.build()
    a = cast.lead
    b = HandlingUnitFactory(kind=UnitKind.STREET, parent=a.parent, name="景山街道")
    b_handler = UserFactory(role=Role.UNIT_HANDLER, units=[b])
    x = make_ticket(Status.CLOSED, cast=cast)
    services.reopen(x, actor=cast.inspector, reason="群众反映问题复发")
    services.dispatch(x, actor=cast.dispatcher, lead=b)
    services.sign(x, actor=b_handler)
    y = make_ticket(Status.IN_PROGRESS, cast=cast)
    services.chase(x, actor=cast.intake, note="群众来电催办，告知正在办理")
    due = max(Assignment.objects.filter(ticket__in=[x, y], role=AssignmentRole.LEAD,
                                        status="signed").values_list("reply_due", flat=True))
    traveller.move_to(due + timedelta(hours=2))
    sweep()  # B is late on X, A is late on Y
    assert Assignment.objects.get(ticket=x, unit=b).reply_overdue
    assert not Assignment.objects.get(ticket=x, unit=a).reply_overdue
    assert Assignment.objects.get(ticket=y, unit=a).reply_overdue
    return a, b, x, y


def test_board_overdue_equals_the_linked_list(traveller: Any) -> None:
    a, b, x, y = _reopened_and_sent_elsewhere(traveller)
    board = {r["unit_id"]: r["overdue"] for r in supervision_board(Ticket.objects.all())}
    assert (board.get(a.pk), board.get(b.pk)) == (1, 1)
    assert _listed({"lead_unit": str(a.pk), "state": "open", "overdue": "lead"}) == [y.pk]  # not B's lateness on X
    assert _listed({"lead_unit": str(b.pk), "state": "open", "overdue": "lead"}) == [x.pk]
    # without a lead unit: every order a lead unit holding it let run late
    assert _listed({"state": "open", "overdue": "lead"}) == sorted([x.pk, y.pk])


def test_every_number_of_the_board_equals_its_linked_list(traveller: Any) -> None:
    from hotline.sla.choices import Light

    _a, _b, x, y = _reopened_and_sent_elsewhere(traveller)
    Ticket.objects.filter(pk=x.pk).update(light=Light.RED)  # the orders' own lights, as the sweep would set them
    Ticket.objects.filter(pk=y.pk).update(light=Light.YELLOW)
    rows = supervision_board(Ticket.objects.all())
    assert rows
    for row in rows:
        for number, extra in LINKS.items():
            listed = _listed({"lead_unit": str(row["unit_id"]), "state": "open", **extra})
            assert row[number] == len(listed), (row["unit__name"], number, row[number], listed)
