"""Steps offered but held (`holds.held_steps`): the order page says what the service would refuse, in its words."""

from __future__ import annotations

from datetime import datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hotline.accounts.models import User
from hotline.tickets import services
from hotline.tickets.choices import Action, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.services.handling import CLAIM_STANDS, EXTENSION_WAITS
from hotline.tickets.services.holds import held_steps
from hotline.tickets.services.review import EXTENSION_FIRST, EXTENSION_FIRST_BY_DISPATCH, review_blocker
from hotline.tickets.tests.factories import SHANGHAI, Cast, make_ticket
from hotline.workbench.views import HeldStep, step_forms

#: The services' words in the default language (the constants are lazy translations).
CLAIM_STANDS, EXTENSION_WAITS, EXTENSION_FIRST, EXTENSION_FIRST_BY_DISPATCH = str(CLAIM_STANDS), str(EXTENSION_WAITS), str(EXTENSION_FIRST), str(EXTENSION_FIRST_BY_DISPATCH)

pytestmark = pytest.mark.django_db


def _steps(ticket: Ticket, user: User) -> dict[str, object]:
    return {spec.action: form for spec, form in step_forms(ticket, user)}


def _page(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    return client.get(reverse("order-detail", args=[ticket.number])).content.decode()


def _live(ticket: Ticket, action: str) -> str:
    return reverse("order-act", args=[ticket.number, action])


def test_a_second_extension_request_is_held_while_the_first_waits(frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=Cast.build(assisting=1))
    cast = t.cast
    assert not isinstance(_steps(t, cast.lead_handler)[Action.REQUEST_EXTENSION], HeldStep)  # nothing asked yet
    t = services.request_extension(t, actor=cast.lead_handler, days=3, reason="需现场勘查")

    assert _steps(t, cast.lead_handler)[Action.REQUEST_EXTENSION] == HeldStep(EXTENSION_WAITS)
    with pytest.raises(RuleViolation, match=EXTENSION_WAITS):  # the service refuses in the same words
        services.request_extension(t, actor=cast.lead_handler, days=2, reason="再申请")
    page = _page(cast.lead_handler, t)
    assert EXTENSION_WAITS in page and _live(t, Action.REQUEST_EXTENSION) not in page
    assert _live(t, Action.REPLY) in page  # the other steps stay live forms
    # The request is the lead's own: the assisting unit may still ask for its time.
    assert not isinstance(_steps(t, cast.assist_handlers[0])[Action.REQUEST_EXTENSION], HeldStep)

    t = services.deny_extension(t, actor=cast.dispatcher, note="时限充足")
    assert not isinstance(_steps(t, cast.lead_handler)[Action.REQUEST_EXTENSION], HeldStep)


def test_a_second_post_of_the_request_is_refused_and_then_shown_held(frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS)
    t = services.request_extension(t, actor=t.cast.lead_handler, days=3, reason="需现场勘查")
    client = Client()
    client.force_login(t.cast.lead_handler)
    response = client.post(_live(t, Action.REQUEST_EXTENSION), {
        "version": str(t.version), f"{Action.REQUEST_EXTENSION}-days": "2",
        f"{Action.REQUEST_EXTENSION}-reason": "再申请两天"})
    assert response.status_code == 400
    steps = {spec.action: form for spec, form in response.context["steps"]}
    assert steps[Action.REQUEST_EXTENSION] == HeldStep(EXTENSION_WAITS)
    assert "再申请两天" in response.content.decode()  # what was typed is kept, read-only


def test_a_claim_is_held_while_pending_or_granted_and_offered_again_after_a_refusal(frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS)
    cast = t.cast
    assert not isinstance(_steps(t, cast.lead_handler)[Action.APPLY_UNREASONABLE], HeldStep)
    t = services.apply_unreasonable(t, actor=cast.lead_handler, reason="要求专人每晚值守，超出合理范围")

    assert _steps(t, cast.lead_handler)[Action.APPLY_UNREASONABLE] == HeldStep(CLAIM_STANDS)
    with pytest.raises(RuleViolation, match=CLAIM_STANDS):
        services.apply_unreasonable(t, actor=cast.lead_handler, reason="再申请")
    page = _page(cast.lead_handler, t)
    assert CLAIM_STANDS in page and _live(t, Action.APPLY_UNREASONABLE) not in page

    t = services.decide_unreasonable(t, actor=cast.supervisor, approve=False, note="诉求合理")
    assert not isinstance(_steps(t, cast.lead_handler)[Action.APPLY_UNREASONABLE], HeldStep)  # as the service allows
    t = services.apply_unreasonable(t, actor=cast.lead_handler, reason="补充材料后再申请")
    t = services.decide_unreasonable(t, actor=cast.supervisor, approve=True, note="同意")
    assert _steps(t, cast.lead_handler)[Action.APPLY_UNREASONABLE] == HeldStep(CLAIM_STANDS)
    with pytest.raises(RuleViolation, match=CLAIM_STANDS):
        services.apply_unreasonable(t, actor=cast.lead_handler, reason="第三次")


def _replied_late_while_a_timely_request_waits(cast: Cast, traveller: time_machine.Coordinates) -> Ticket:
    """Signed Tue 03-04 (reply due Tue 03-11 10:00); 3 days asked Fri 03-07; replied Wed 03-12, the request undecided."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    traveller.move_to(datetime(2025, 3, 7, 10, tzinfo=SHANGHAI))
    services.request_extension(t, actor=cast.lead_handler, days=3, reason="需现场勘查")
    traveller.move_to(datetime(2025, 3, 12, 9, tzinfo=SHANGHAI))
    return services.reply(t, actor=cast.lead_handler, content="已处理", contacted=True, resolved=True)


def test_an_inspector_is_told_who_decides_the_extension(cast: Cast, traveller: time_machine.Coordinates) -> None:
    t = _replied_late_while_a_timely_request_waits(cast, traveller)
    assert review_blocker(t, cast.inspector) == EXTENSION_FIRST_BY_DISPATCH
    assert review_blocker(t, cast.supervisor) == EXTENSION_FIRST  # may decide it: asked to

    steps = _steps(t, cast.inspector)
    assert steps[Action.APPROVE_REPLY] == HeldStep(EXTENSION_FIRST_BY_DISPATCH)
    assert steps[Action.SEND_BACK] == HeldStep(EXTENSION_FIRST_BY_DISPATCH)
    assert Action.APPROVE_EXTENSION not in steps
    with pytest.raises(RuleViolation, match=EXTENSION_FIRST_BY_DISPATCH):  # the refusal says the same
        services.approve_reply(t, actor=cast.inspector)
    with pytest.raises(RuleViolation, match=EXTENSION_FIRST):
        services.send_back(t, actor=cast.supervisor, reason="答复不完整")
    page = _page(cast.inspector, t)
    assert EXTENSION_FIRST_BY_DISPATCH in page and _live(t, Action.APPROVE_REPLY) not in page


def test_a_hold_is_asked_only_when_its_step_is_offered(frozen_now: datetime) -> None:
    t = make_ticket(Status.IN_PROGRESS)
    with CaptureQueriesContext(connection) as none:
        assert held_steps(t, t.cast.lead_handler, [Action.REPLY, Action.REQUEST_INFO]) == {}
    assert len(none.captured_queries) == 0
    with CaptureQueriesContext(connection) as both:  # the unit's assignment + its request; the lead + its claims
        held_steps(t, t.cast.lead_handler, [Action.REQUEST_EXTENSION, Action.APPLY_UNREASONABLE])
    assert len(both.captured_queries) == 5


def test_direct_answer_of_a_report_is_held_with_the_services_words(frozen_now: datetime) -> None:
    """A 举报 goes to a unit: the order page shows 直接答复 held, in the words the service refuses with."""
    from hotline.taxonomy.choices import RequestType
    from hotline.tickets.services.intake import REPORT_NEEDS_UNIT

    report = make_ticket(Status.REGISTERED, request_type=RequestType.REPORT)
    agent = report.cast.intake
    assert held_steps(report, agent, [Action.ANSWER_DIRECTLY]) == {Action.ANSWER_DIRECTLY: str(REPORT_NEEDS_UNIT)}
    assert isinstance(_steps(report, agent)[Action.ANSWER_DIRECTLY], HeldStep)
    assert str(REPORT_NEEDS_UNIT) in _page(agent, report)
    confidential = make_ticket(Status.REGISTERED, request_type=RequestType.REPORT, is_confidential=True)
    assert held_steps(confidential, confidential.cast.intake, [Action.ANSWER_DIRECTLY]) == {}
