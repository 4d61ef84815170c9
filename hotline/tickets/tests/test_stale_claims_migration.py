"""Migration 0019: the pending 不合理诉求 claims an earlier release left open (the order merged, the claiming
unit's return accepted) close as `_release` closes them now; claims the centre can still decide stay pending."""

from __future__ import annotations

import functools
import importlib
from typing import Any

import pytest
from django.db import connection
from django.db.migrations.loader import MigrationLoader

from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Decision, ReturnReason, Satisfaction, Status
from hotline.tickets.models import Ticket, UnreasonableClaim
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

migration = importlib.import_module("hotline.tickets.migrations.0019_close_stale_claims")


@functools.cache
def _historical_apps() -> Any:
    """The models as they stood at that migration (built once: it takes a few seconds)."""
    return MigrationLoader(connection).project_state(("tickets", "0019_close_stale_claims")).apps


def _run() -> None:
    """Run the migration's function as `migrate` would."""
    migration.close_stale_claims(_historical_apps(), connection.schema_editor())


def _claim(ticket: Ticket) -> UnreasonableClaim:
    services.apply_unreasonable(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead,
                                reason="诉求人反复要求超出政策规定的补偿")
    return UnreasonableClaim.objects.get(ticket=ticket, status=Decision.PENDING)


def _left_pending(claim: UnreasonableClaim) -> None:
    """Put the claim back as the old release left it: still pending (before the fix, nothing closed it)."""
    UnreasonableClaim.objects.filter(pk=claim.pk).update(status=Decision.PENDING, decided_at=None, decision_note="")


def _state(claim: UnreasonableClaim) -> tuple[str, Any, Any, str]:
    claim.refresh_from_db()
    return claim.status, claim.decided_by_id, claim.decided_at, claim.decision_note


def test_only_the_stale_claims_close(frozen_now: Any) -> None:
    # Stale: the order was merged (并单) while its lead's claim waited.
    merged = make_ticket(Status.IN_PROGRESS)
    merged_claim = _claim(merged)
    services.merge(merged, actor=merged.cast.dispatcher, master=make_ticket(Status.PENDING_DISPATCH))
    _left_pending(merged_claim)

    # Stale: the claiming unit returned the order, the centre accepted and sent it to another unit.
    returned = make_ticket(Status.IN_PROGRESS)
    returned_claim = _claim(returned)
    services.return_order(returned, actor=returned.cast.lead_handler, unit=returned.cast.lead,
                          reason_code=ReturnReason.NOT_OUR_DUTY, reason="该事项属于其他部门职责")
    other = HandlingUnitFactory(kind=UnitKind.STREET)
    services.accept_return(returned, actor=returned.cast.dispatcher, lead=other)
    _left_pending(returned_claim)

    # Valid: the lead handling the order now; the lead whose return awaits the centre's review; the lead of
    # an order closed while its claim waited.
    handling = make_ticket(Status.IN_PROGRESS)
    handling_claim = _claim(handling)
    waiting = make_ticket(Status.IN_PROGRESS)
    waiting_claim = _claim(waiting)
    services.return_order(waiting, actor=waiting.cast.lead_handler, unit=waiting.cast.lead,
                          reason_code=ReturnReason.NOT_OUR_DUTY, reason="该事项属于其他部门职责")
    closed = make_ticket(Status.AWAITING_VISIT)
    closed_claim = _claim(closed)
    services.record_return_visit(closed, actor=closed.cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED)
    assert Ticket.objects.get(pk=closed.pk).status == Status.CLOSED
    valid_before = {c.pk: _state(c) for c in (handling_claim, waiting_claim, closed_claim)}

    _run()

    status, decided_by, decided_at, note = _state(merged_claim)
    assert (status, decided_by) == (Decision.REJECTED, None) and decided_at is not None
    assert note.startswith("工单已并单，申请不再审定") and "升级" in note
    status, decided_by, decided_at, note = _state(returned_claim)
    assert (status, decided_by) == (Decision.REJECTED, None) and decided_at is not None
    assert note.startswith("工单已退单，申请不再审定")
    assert {c.pk: _state(c) for c in (handling_claim, waiting_claim, closed_claim)} == valid_before
    assert all(state[0] == Decision.PENDING for state in valid_before.values())

    # Run again (a re-run, a second database): nothing more changes.
    before = {c.pk: _state(c) for c in UnreasonableClaim.objects.all()}
    _run()
    assert {c.pk: _state(c) for c in UnreasonableClaim.objects.all()} == before

    # The valid claim can still be decided (审定); the closed one no longer waits in 待审批.
    services.decide_unreasonable(handling, actor=handling.cast.supervisor, approve=False, note="属正常诉求")
    assert _state(handling_claim)[0] == Decision.REJECTED
    assert not UnreasonableClaim.objects.filter(ticket__in=[merged, returned], status=Decision.PENDING).exists()


def test_a_claim_of_a_unit_that_no_longer_leads_closes_with_a_plain_reason(frozen_now: Any) -> None:
    """A pending claim whose unit is not the order's current lead for another reason (older data) closes too."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=Cast.build())
    claim = _claim(ticket)
    stranger = HandlingUnitFactory(kind=UnitKind.STREET)
    UnreasonableClaim.objects.filter(pk=claim.pk).update(unit=stranger)

    _run()

    status, decided_by, _, note = _state(claim)
    assert (status, decided_by) == (Decision.REJECTED, None)
    assert note == migration.LEFT_NOTE
