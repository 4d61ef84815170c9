"""A reopen cancels the pending second visit in the reopener's name; `revisits-due --at` refuses absurd years."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client

from hotline.revisits.choices import REOPENED_NOTE, VisitState
from hotline.revisits.models import SecondVisit
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Action

NOISE = "楼下烧烤店每晚噪音扰民到凌晨两点"


def test_a_reopen_cancels_the_visit_by_the_reopener(rule, close, frozen_now,
                                                    django_capture_on_commit_callbacks) -> None:
    ticket = close(description=NOISE)
    supervisor = ticket.cast.supervisor
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.reopen(ticket, actor=supervisor, reason="群众来电反映又有噪音")
    reopen = ticket.timeline.filter(action=Action.REOPEN).get()
    visit = SecondVisit.objects.get()
    assert visit.state == VisitState.CANCELLED and visit.finished_by == supervisor
    assert visit.reopen_event == reopen and visit.finished_at == reopen.at
    assert visit.note == REOPENED_NOTE


def test_the_cancellation_note_is_shown_in_the_readers_language(rule, close, frozen_now,
                                                                django_capture_on_commit_callbacks) -> None:
    ticket = close(description=NOISE)
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.reopen(ticket, actor=ticket.cast.supervisor, reason="群众来电反映又有噪音")
    client = Client()
    client.force_login(ticket.cast.supervisor)
    assert REOPENED_NOTE in client.get("/revisits/?tab=done").content.decode()
    client.cookies["django_language"] = "en"
    body = client.get("/revisits/?tab=done").content.decode()
    assert ticket.number in body and REOPENED_NOTE not in body
    assert "Reopened; the second visit was cancelled" in body
    assert SecondVisit.objects.get().note == REOPENED_NOTE  # shown translated, stored unchanged


@pytest.mark.parametrize("at", ["0001-01-01", "9999-12-31T23:59", "1999-12-31", "2101-01-01"])
def test_due_refuses_years_outside_2000_to_2100(db: None, at: str) -> None:
    with pytest.raises(CommandError, match="2000 至 2100"):
        call_command("revisits_due", "--at", at, stdout=StringIO())


@pytest.mark.parametrize("at", ["2000-01-01", "2100-12-31T23:59"])
def test_due_accepts_the_bounds(db: None, at: str) -> None:
    out = StringIO()
    call_command("revisits_due", "--at", at, stdout=out)
    assert out.getvalue().strip() == "due=0"
