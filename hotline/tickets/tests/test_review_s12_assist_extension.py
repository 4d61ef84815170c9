"""An assisting unit (协办) whose own reply clock runs may ask for more time (申请延期), whatever the lead is doing.

Reviewer's finding (rv11): 申请延期 was closed in 待签收 (the assisting unit signed before the lead) and in
答复待审 (the lead's reply under review), though 协办答复 is open there and the unit's deadline runs — the
reasoning docs/lifecycle.md gives for 退单待审. The centre decides such a request in those statuses too.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.tickets import services
from hotline.tickets.choices import AssignmentRole, Decision, Status
from hotline.tickets.exceptions import InvalidTransition, NotPermitted, RuleViolation
from hotline.tickets.models import Assignment, Extension
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db
REASON = "需协调管线产权单位现场核实"


def test_assisting_unit_may_ask_for_time_while_the_leads_reply_awaits_review(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.REPLIED, cast=cast)  # the assisting unit signed; its reply clock runs; 协办答复 is open
    services.request_extension(t, actor=cast.assist_handlers[0], unit=cast.assisting[0], days=3, reason=REASON)
    ext = Extension.objects.get(ticket=t)
    assert (ext.assignment.role, ext.status) == (AssignmentRole.ASSIST, Decision.PENDING)
    before = Assignment.objects.get(pk=ext.assignment_id).reply_due
    services.approve_extension(t, actor=cast.dispatcher)
    assert Assignment.objects.get(pk=ext.assignment_id).reply_due > before


def test_assisting_unit_that_signed_before_the_lead_may_ask_for_time(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.DISPATCHED, cast=cast)
    services.sign(t, actor=cast.assist_handlers[0], unit=cast.assisting[0])  # 协办签收 while the lead has not signed
    services.request_extension(t, actor=cast.assist_handlers[0], unit=cast.assisting[0], days=3, reason=REASON)
    assert Extension.objects.filter(ticket=t, status=Decision.PENDING).count() == 1
    services.deny_extension(t, actor=cast.dispatcher, note="理由不足")
    assert Extension.objects.get(ticket=t).status == Decision.REJECTED


def test_the_lead_still_may_not_ask_before_signing_or_after_replying(frozen_now: datetime) -> None:
    """The service takes only a signed unit's request: the lead is 待签收 in 待签收 and 已答复 in 答复待审."""
    cast = Cast.build(assisting=1)
    for status in (Status.DISPATCHED, Status.REPLIED):
        t = make_ticket(status, cast=cast)
        with pytest.raises((InvalidTransition, NotPermitted, RuleViolation)):
            services.request_extension(t, actor=cast.lead_handler, unit=cast.lead, days=3, reason=REASON)
        assert not Extension.objects.filter(ticket=t).exists()
