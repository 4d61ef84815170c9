"""The open-data CSV's status_notes are "the newest text written for the citizen, as in Open311"
(docs/import-export.md): after an approved extension (批准延期) that is the extension's notice (days, new deadline,
reason) the live interface tells, read through the same code (`open311.selectors.with_public_note`, `status_note`),
never the approver's internal note."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.dataio import export
from hotline.dataio.export import open311_lines, open311_queryset, open311_row
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db

INTERNAL = "同意延期（内部，王科长）"


def _extended(days: int = 5, reason: str = "需调取工资台账") -> Ticket:
    ticket = make_ticket(Status.IN_PROGRESS)
    services.request_extension(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, days=days,
                               reason=reason)
    services.approve_extension(ticket, actor=ticket.cast.dispatcher, note=INTERNAL)
    ticket.refresh_from_db()
    return ticket


def _live(ticket: Ticket) -> dict[str, Any]:
    [row] = json.loads(Client().get(f"/open311/v2/requests/{ticket.number}.json").content)
    return row


def _csv(lines: Any) -> dict[str, dict[str, str]]:
    return {row["service_request_id"]: row for row in csv.DictReader(io.StringIO("".join(lines)))}


def test_the_downloaded_csv_tells_the_approved_extension_as_the_live_interface(
        staff: Any, frozen_now: datetime) -> None:
    ticket = _extended()
    live = _live(ticket)["status_notes"]
    assert "办理期限延长5个工作日" in live and "需调取工资台账" in live
    client = Client()
    client.force_login(staff["supervisor"])
    response = client.get(reverse("data-export"), {"format": "open311-csv"})
    row = _csv([b"".join(response.streaming_content).decode("utf-8-sig")])[ticket.number]
    assert row["status_notes"] == live
    assert INTERNAL not in row["status_notes"]


def test_one_row_read_alone_tells_it_too(frozen_now: datetime) -> None:
    ticket = _extended(days=3, reason="需会同住建部门现场核查")
    row = open311_row(open311_queryset().get(pk=ticket.pk))
    assert row["status_notes"] == _live(ticket)["status_notes"] and "办理期限延长3个工作日" in row["status_notes"]


def test_each_chunk_reads_its_extensions(frozen_now: datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    """Orders across several chunks, extended or not: each row as the live interface shows it."""
    monkeypatch.setattr(export, "CHUNK", 2)
    extended = [_extended(days=d, reason=f"理由{d}") for d in (2, 4, 6)]
    plain = make_ticket(Status.IN_PROGRESS)
    rows = _csv(open311_lines())
    for ticket in [*extended, plain]:
        assert rows[ticket.number]["status_notes"] == _live(ticket)["status_notes"], ticket.number
    assert [f"延长{d}个工作日" in rows[t.number]["status_notes"] for d, t in zip((2, 4, 6), extended, strict=True)] \
        == [True, True, True]


def test_a_newer_word_for_the_citizen_replaces_the_extensions(frozen_now: datetime) -> None:
    """After the extension the unit replied and the centre approved the reply: the newest public words are the
    reply's, in both."""
    ticket = _extended()
    services.reply(ticket, actor=ticket.cast.lead_handler, unit=ticket.cast.lead, content="已协调发放工资",
                   contacted=True, resolved=True, public_reply="已协调发放工资，问题已解决")
    services.approve_reply(ticket, actor=ticket.cast.inspector)
    ticket.refresh_from_db()
    row = open311_row(open311_queryset().get(pk=ticket.pk))
    assert row["status_notes"] == _live(ticket)["status_notes"]
    assert "延长" not in row["status_notes"]
