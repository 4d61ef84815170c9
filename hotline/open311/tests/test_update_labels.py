"""servicerequestupdates name a step without citizen words by its citizen label (as the portal does), never by
the centre's own step names (发起会商, 会商定责)."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from hotline.accounts.choices import Role
from hotline.open311.selectors import update_row
from hotline.orgs.choices import UnitKind
from hotline.portal.choices import public_action
from hotline.tickets import services
from hotline.tickets.choices import Action, Stance, Status
from hotline.tickets.models import TimelineEvent
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_a_consultation_reads_as_the_citizen_labels(client, frozen_now: datetime, cast: Cast) -> None:  # noqa: ANN001
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    handler = UserFactory(role=Role.UNIT_HANDLER, units=[department])
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, department],
                                    question="楼道堆放杂物属物业管理还是消防监管")
    t = services.give_opinion(t, actor=handler, stance=Stance.LEAD, basis="权责清单第12项")
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=department, assisting=[],
                                       note="依权责清单由部门主办")
    updates = {u["update_id"]: u for u in json.loads(client.get("/open311/v2/servicerequestupdates.json").content)
               if u["service_request_id"] == t.number}
    public = TimelineEvent.objects.filter(ticket=t, is_public=True)
    consult = public.get(action=Action.CONSULT)
    conclusion = public.get(action=Action.CONCLUDE_CONSULTATION)
    assert updates[str(consult.pk)]["description"] == "相关单位会商，确定承办单位"
    assert updates[str(conclusion.pk)]["description"] == "转交承办单位"
    said = json.dumps(list(updates.values()), ensure_ascii=False)
    for internal in ("发起会商", "会商定责", "会商意见", "楼道堆放杂物", "权责清单", department.name):
        assert internal not in said


@pytest.mark.parametrize("action", [a for a in Action.values if a != Action.APPROVE_EXTENSION])
def test_every_step_without_words_reads_as_its_citizen_label(frozen_now: datetime, action: str) -> None:
    t = make_ticket(Status.IN_PROGRESS)
    event = TimelineEvent(pk=10**6, ticket=t, seq=99, at=frozen_now, action=action, from_status=t.status,
                          to_status=t.status, note="", data={}, is_public=True)
    assert update_row(event)["description"] == public_action(action)
