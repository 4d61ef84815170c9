"""The tracking page of an order under consultation (会商): one step for the citizen, nothing internal."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.orgs.choices import UnitKind
from hotline.portal.selectors import public_timeline
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

QUESTION = "占道经营属城管还是市场监管职责"


def test_withdrawn_and_asked_again_reads_as_one_consultation(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department], question=QUESTION)
    t = services.withdraw_consultation(t, actor=cast.dispatcher, reason="邀请单位有误")
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department], question=QUESTION)
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=department, note="按权责清单定责")
    labels = [e.label for e in public_timeline(t)]
    assert labels.count("相关单位会商，确定承办单位") == 1 and labels[-1] == "转交承办单位"
    texts = " ".join(e.text for e in public_timeline(t))
    assert QUESTION not in texts and "权责清单" not in texts and "邀请单位有误" not in texts
