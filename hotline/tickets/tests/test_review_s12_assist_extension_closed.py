"""An assisting unit's extension request (申请延期, now open in 答复待审) and the review of the lead's reply:
docs/lifecycle.md — once the lead's reply is reviewed (审核通过/退回重办) the pending requests are closed as not
granted; in 待回访 nobody may decide one any more (批准延期/驳回延期 are closed there)."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.tickets import services
from hotline.tickets.choices import Decision, Status
from hotline.tickets.models import Extension
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def test_assisting_units_request_made_in_reply_review_closes_at_approval(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    t = make_ticket(Status.REPLIED, cast=cast)
    unit = cast.assisting[0]
    services.request_extension(t, actor=cast.assist_handlers[0],
                               unit=unit, days=3, reason="需等待检测报告")
    t.refresh_from_db()
    services.approve_reply(t, actor=cast.supervisor)
    t.refresh_from_db()
    assert t.status == Status.AWAITING_VISIT
    ext = Extension.objects.get(ticket=t, assignment__unit=unit)
    assert ext.status != Decision.PENDING, "an assisting unit's request left pending in 待回访, where no one may decide it"
