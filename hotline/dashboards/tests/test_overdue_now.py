""""Overdue now" on the big screen agrees with the sweep, the KPI page and the supervision board: a deadline
held by a timely extension request still waiting is not overdue until the centre decides."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from hotline.dashboards import selectors
from hotline.dashboards.selectors import Scope
from hotline.kpis.definitions import open_overdue
from hotline.sla.sweep import sweep
from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Status
from hotline.tickets.models import Assignment
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.queues.selectors import lead_late

pytestmark = pytest.mark.django_db


def test_a_deadline_held_by_a_timely_extension_request_is_not_overdue_on_the_big_screen(
        traveller: Any, django_capture_on_commit_callbacks: Any) -> None:
    cast = Cast.build()
    with django_capture_on_commit_callbacks(execute=True):
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
    lead = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD)
    traveller.move_to(lead.reply_due - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extension(t, actor=cast.lead_handler, days=3, reason="需协调施工单位")
    later = lead.reply_due + timedelta(hours=3)
    traveller.move_to(later)
    sweep()
    now = timezone.now()
    lead.refresh_from_db()
    # the sweep holds it yellow, the KPI leaves it out, the supervision board does not count it
    assert not lead.reply_overdue
    assert not Assignment.objects.filter(open_overdue(now), pk=lead.pk).exists()
    assert not lead_late().filter(pk=lead.pk).exists()
    screen = selectors.screen_payload(Scope(None, "全市"), now=now)
    assert screen["today"]["overdue"] == 0, f"big screen overdue now: {screen['today']['overdue']}"


def _overdue_now(now: Any) -> int:
    return selectors.screen_payload(Scope(None, "全市"), now=now)["today"]["overdue"]


@pytest.mark.parametrize("decision", ["approve", "deny"])
def test_the_decision_files_the_order_under_its_new_or_old_deadline_again(
        traveller: Any, django_capture_on_commit_callbacks: Any, decision: str) -> None:
    from hotline.dashboards import services as rollups

    cast = Cast.build()
    with django_capture_on_commit_callbacks(execute=True):
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
    lead = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD)
    traveller.move_to(lead.reply_due - timedelta(hours=3))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extension(t, actor=cast.lead_handler, days=3, reason="需协调施工单位")
    traveller.move_to(lead.reply_due + timedelta(hours=3))
    assert _overdue_now(timezone.now()) == 0
    held = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == held  # the rebuild holds it too
    with django_capture_on_commit_callbacks(execute=True):
        if decision == "approve":
            services.approve_extension(t, actor=cast.dispatcher)
        else:
            services.deny_extension(t, actor=cast.dispatcher, note="理由不充分")
    lead.refresh_from_db()
    sweep()
    now = timezone.now()
    assert _overdue_now(now) == (0 if decision == "approve" else 1)
    assert lead_late().filter(pk=lead.pk).exists() == (decision == "deny")
    assert _overdue_now(lead.phase_due + timedelta(hours=2)) == 1  # the new (or old) deadline runs again
    decided = rollups.snapshot()
    rollups.rebuild()
    assert rollups.snapshot() == decided


def test_a_request_filed_after_the_deadline_holds_nothing(
        traveller: Any, django_capture_on_commit_callbacks: Any) -> None:
    cast = Cast.build()
    with django_capture_on_commit_callbacks(execute=True):
        t = make_ticket(Status.IN_PROGRESS, cast=cast)
    lead = Assignment.objects.get(ticket=t, role=AssignmentRole.LEAD)
    traveller.move_to(lead.reply_due + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        services.request_extension(t, actor=cast.lead_handler, days=3, reason="需协调施工单位")
    sweep()
    lead.refresh_from_db()
    assert lead.reply_overdue
    assert _overdue_now(timezone.now()) == 1
