"""Public channels (Open311, its updates, the open-data CSV) carry only the words written for the citizen."""

from __future__ import annotations

import json
from io import StringIO

import pytest

from hotline.dataio.export import write_open311_csv
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

#: What an inspector might write after a return visit: for the file, never for the public.
VISIT_NOTE = "回访王建国先生（身份证430102198001011234，电话 139 0731 2345，住幸福小区3栋201），表示满意"


def _public_text(client, number: str) -> str:  # noqa: ANN001
    detail = client.get(f"/open311/v2/requests/{number}.json").content.decode()
    listed = client.get("/open311/v2/requests.json").content.decode()
    updates = client.get("/open311/v2/servicerequestupdates.json").content.decode()
    out = StringIO()
    write_open311_csv(out)
    return "\n".join([detail, listed, updates, out.getvalue()])


def test_a_return_visits_note_is_never_published(client, frozen_now) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    services.record_return_visit(ticket, actor=ticket.cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED, note=VISIT_NOTE)
    text = json.loads(json.dumps(_public_text(client, ticket.number)))
    for secret in ("王建国", "430102198001011234", "139 0731 2345", "幸福小区3栋201", "已安排维修"):
        assert secret not in text
    row = json.loads(client.get(f"/open311/v2/requests/{ticket.number}.json").content)[0]
    assert row["status"] == "closed" and row["status_notes"] == "路灯已修复"  # the approved public reply
    updates = [u for u in json.loads(client.get("/open311/v2/servicerequestupdates.json").content)
               if u["service_request_id"] == ticket.number]
    assert updates[-1]["description"] == "回访"  # the step's name instead of the note


def test_a_question_is_shown_only_while_the_order_waits_for_the_answer(client, frozen_now) -> None:
    ticket = make_ticket(Status.AWAITING_CITIZEN)

    def notes() -> str:
        return json.loads(client.get(f"/open311/v2/requests/{ticket.number}.json").content)[0]["status_notes"]

    assert notes() == "请提供具体门牌号"
    services.resume(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, note="群众已补充：5 栋 2 单元")
    assert notes() == ""  # a staff note about the answer is not published either


def test_a_refusal_and_a_direct_answer_are_published(client, frozen_now) -> None:
    refused = make_ticket(Status.NOT_ACCEPTED)
    answered = make_ticket(Status.ANSWERED)
    rows = {r["service_request_id"]: r for r in json.loads(client.get("/open311/v2/requests.json").content)}
    assert rows[answered.number]["status_notes"] == "办理地点在区政务服务中心一楼"
    assert rows[refused.number]["status_notes"] == refused.get_not_accepted_reason_display()


def test_numbers_in_a_citizens_description_are_masked_in_any_spelling(client, frozen_now) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, description="电话 +86 139 0731 2345 或 0731-87654321，身份证430102198001011234")
    row = json.loads(client.get(f"/open311/v2/requests/{ticket.number}.json").content)[0]
    assert row["description"] == "电话 139****2345 或 073*******21，身份证430102********1234"
