"""Automatic links at registration (自动关联): a new citizens' call matching a published incident is counted once,
proactive orders never, a direct answer with the script is marked, and a failure is logged, never raised."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

import pytest

from hotline.incidents import services
from hotline.incidents.choices import LinkHow
from hotline.incidents.models import Incident, IncidentOrder
from hotline.incidents.receivers import on_ticket_changed
from hotline.incidents.tests.conftest import SCRIPT
from hotline.tickets import services as lifecycle
from hotline.tickets.choices import Action, Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import NOW

pytestmark = pytest.mark.django_db


def test_a_matching_call_is_linked_once(frozen_now: datetime, make_incident: Callable[..., Incident], call,  # noqa: ANN001
                                        org) -> None:  # noqa: ANN001
    incident = make_incident(areas=[org.street_a])
    ticket = call()
    link = IncidentOrder.objects.get()
    assert (link.incident, link.ticket, link.how, link.keyword, link.by_script, link.linked_by) == (
        incident, ticket, LinkHow.AUTO, "停水", False, None)
    assert services.link_registered(ticket.pk) == []  # delivered again: nothing new
    on_ticket_changed(None, ticket_id=ticket.pk, action=Action.REGISTER, event_id=0)
    assert IncidentOrder.objects.count() == 1


def test_calls_that_do_not_match_are_not_linked(frozen_now: datetime, make_incident: Callable[..., Incident], call,  # noqa: ANN001
                                                org) -> None:  # noqa: ANN001
    make_incident(areas=[org.street_a])
    make_incident(publish=False, title="草稿：全市停水")  # a draft matches nothing
    call("小区路灯不亮")  # another matter
    call("家里停水了", community=None, street=org.street_b)  # another street
    call("家里停水了", at=NOW - timedelta(hours=2))  # before it began
    assert not IncidentOrder.objects.exists()
    call("家里停水了", at=NOW + timedelta(hours=11))  # past the expected end but still published: still linked
    assert IncidentOrder.objects.count() == 1


def test_the_registration_time_decides_not_the_delivery_time(frozen_now: datetime,
                                                             make_incident: Callable[..., Incident], call) -> None:  # noqa: ANN001
    make_incident()
    ticket = call(at=NOW - timedelta(hours=2))  # registered before the outage began, delivered now
    assert services.link_registered(ticket.pk) == [] and not IncidentOrder.objects.exists()


def test_proactive_orders_are_nobodys_call(frozen_now: datetime, make_incident: Callable[..., Incident], call) -> None:  # noqa: ANN001
    make_incident()
    call("巡查发现桂花坪街道多处停水", channel=Channel.PROACTIVE)
    assert not IncidentOrder.objects.exists()


def test_an_answer_with_the_script_is_marked(frozen_now: datetime, make_incident: Callable[..., Incident], call,  # noqa: ANN001
                                             django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    make_incident()
    by_script = _answered(call, django_capture_on_commit_callbacks, SCRIPT + "\n（群众表示理解）")
    other = _answered(call, django_capture_on_commit_callbacks, "您好，请联系物业。")
    assert IncidentOrder.objects.get(ticket=by_script).by_script
    assert not IncidentOrder.objects.get(ticket=other).by_script


def _answered(call, capture, answer: str) -> Ticket:  # noqa: ANN001
    """Register and answer directly in one transaction, as the intake page does: the registration's receivers
    run after both steps committed."""
    from django.db import transaction

    cast = call.cast
    with capture(execute=True), transaction.atomic():
        ticket = lifecycle.register(lifecycle.TicketDraft(request_type="consult", title="", description="家里停水了"),
                                    actor=cast.intake)
        lifecycle.answer_directly(ticket, actor=cast.intake, answer=answer)
    return ticket


def test_a_later_direct_answer_with_the_script_marks_the_link(frozen_now: datetime, make_incident: Callable[..., Incident],  # noqa: E501
                                                             call, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    make_incident()
    ticket = call(status=Status.PENDING_DISPATCH)
    assert not IncidentOrder.objects.get().by_script
    with django_capture_on_commit_callbacks(execute=True):
        lifecycle.answer_directly(Ticket.objects.get(pk=ticket.pk), actor=call.cast.dispatcher, answer=SCRIPT)
    assert IncidentOrder.objects.get().by_script
    assert services.note_direct_answer(ticket.pk) == 0  # already marked


def test_a_failure_is_logged_never_raised(frozen_now: datetime, monkeypatch: pytest.MonkeyPatch,
                                          caplog: pytest.LogCaptureFixture) -> None:
    def broken(ticket_id: int) -> None:
        raise RuntimeError("database gone")

    monkeypatch.setattr(services, "link_registered", broken)
    on_ticket_changed(None, ticket_id=1, action=Action.REGISTER, event_id=1)
    assert "incident matching of ticket 1" in caplog.text
