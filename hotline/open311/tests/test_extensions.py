"""An approved extension (批准延期) is published on Open311 as on the portal: days, new deadline, reason."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import SHANGHAI, make_ticket

pytestmark = pytest.mark.django_db

REASON = "需约谈企业负责人（电话13812345678）并调取工资台账"


def extended(days: int = 5) -> Ticket:
    ticket = make_ticket(Status.IN_PROGRESS)
    services.request_extension(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, days=days,
                               reason=REASON)
    services.approve_extension(ticket, actor=ticket.cast.dispatcher, note="同意延期（内部，王科长）")
    return ticket


def test_the_request_and_its_update_tell_the_approved_extension(client: Client, frozen_now: datetime) -> None:
    ticket = extended()
    due = ticket.assignments.get(role="lead").reply_due.astimezone(SHANGHAI)
    [row] = json.loads(client.get(f"/open311/v2/requests/{ticket.number}.json").content)
    notes = row["status_notes"]
    assert f"办理期限延长5个工作日，答复期限延至{due:%Y-%m-%d}。" in notes
    assert "需约谈企业负责人（电话138****5678）并调取工资台账" in notes  # scrubbed like every public text
    assert "13812345678" not in notes and "王科长" not in notes
    listed = {r["service_request_id"]: r for r in json.loads(client.get("/open311/v2/requests.json").content)}
    assert listed[ticket.number]["status_notes"] == notes
    event = ticket.timeline.get(action=Action.APPROVE_EXTENSION)
    updates = {u["update_id"]: u for u in json.loads(client.get("/open311/v2/servicerequestupdates.json").content)}
    assert updates[str(event.pk)]["description"] == notes


def test_a_later_reply_is_the_newest_words_again(client: Client, frozen_now: datetime) -> None:
    ticket = extended()
    services.reply(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, content="已处理",
                   public_reply="已督促企业补发工资", contacted=True, resolved=True, is_truthful=True)
    services.approve_reply(ticket, actor=ticket.cast.inspector)
    [row] = json.loads(client.get(f"/open311/v2/requests/{ticket.number}.json").content)
    assert row["status_notes"] == "已督促企业补发工资"


def test_extensions_cost_a_fixed_number_of_queries(client: Client, frozen_now: datetime) -> None:
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/open311/v2/requests.json").status_code == 200
            assert client.get("/open311/v2/servicerequestupdates.json").status_code == 200
        return len(queries)

    extended()
    before = count()
    for days in (2, 3, 4):
        extended(days)
    assert count() == before
