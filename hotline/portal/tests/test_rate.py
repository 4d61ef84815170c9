"""The online return visit (网上评价) through a single-use, hashed, expiring link."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from hotline.core import clock
from hotline.portal.models import VisitInvitation
from hotline.portal.services import invite_to_rate, open_invitation
from hotline.tickets.choices import Action, Satisfaction, Status, VisitMethod
from hotline.tickets.models import ReturnVisit, Ticket
from hotline.tickets.tests.factories import make_ticket
from hotline.tickets.transitions import TRANSITIONS

pytestmark = pytest.mark.django_db

needs_anonymous_visit = pytest.mark.skipif(
    not TRANSITIONS[Action.RETURN_VISIT].anonymous,
    reason="the transition table must allow RETURN_VISIT without a logged-in actor (anonymous=True)",
)


def main(page: str) -> str:
    """The page's main content (the footer's language form differs by path and CSRF token)."""
    return page[page.index("<main"):page.index("</main>")]


def rate(client: Client, token: str, resolved: str = "yes", satisfaction: str = Satisfaction.SATISFIED) -> object:
    return client.post(reverse("portal:rate", args=[token]), {"resolved": resolved, "satisfaction": satisfaction})


def test_only_the_hash_of_the_token_is_stored() -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    token = invite_to_rate(ticket)
    invitation = VisitInvitation.objects.get()
    assert len(token) >= 32 and invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert not VisitInvitation.objects.filter(token_hash=token).exists()
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)


def test_the_page_shows_the_number_and_the_public_reply(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, caller_name="赵先生", caller_phone="13912345678")
    page = client.get(reverse("portal:rate", args=[invite_to_rate(ticket)])).content.decode()
    assert ticket.number in page and "路灯已修复" in page and "是否已解决" in page
    assert "赵先生" not in page and "已安排维修" not in page and "<script" not in page


@needs_anonymous_visit
def test_a_satisfied_rating_closes_the_order(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    token = invite_to_rate(ticket)
    response = rate(client, token)
    assert response.status_code == 200 and "感谢您的评价" in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.status == Status.CLOSED
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert (visit.method, visit.contacted, visit.resolved, visit.satisfaction, visit.visitor) == (
        VisitMethod.ONLINE, True, True, Satisfaction.SATISFIED, None)
    assert visit.note == "群众网上评价"
    assert VisitInvitation.objects.get().used_at is not None


@needs_anonymous_visit
def test_an_unresolved_rating_sends_the_order_back(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    rate(client, invite_to_rate(ticket), resolved="no", satisfaction=Satisfaction.UNSATISFIED)
    ticket.refresh_from_db()
    assert ticket.status == Status.IN_PROGRESS and ticket.rehandle_count == 1


@needs_anonymous_visit
def test_a_token_cannot_be_used_twice(client: Client) -> None:
    """A second post of a used link records nothing; it says the rating is recorded (the link's own rating),
    never 评价链接已失效 — a double click on 提交评价 must not send the citizen to the phone."""
    ticket = make_ticket(Status.AWAITING_VISIT)
    token = invite_to_rate(ticket)
    rate(client, token)
    again = rate(client, token, resolved="no", satisfaction=Satisfaction.UNSATISFIED)
    assert again.status_code == 200 and "感谢您的评价" in again.content.decode()
    assert "评价链接已失效" not in again.content.decode()
    visit = ReturnVisit.objects.get(ticket=ticket)
    assert (visit.resolved, visit.satisfaction) == (True, Satisfaction.SATISFIED)  # the first answer stands
    assert VisitInvitation.objects.get().visit == visit
    opened = client.get(reverse("portal:rate", args=[token]))
    assert opened.status_code == 200 and "感谢您的评价" in opened.content.decode() and "<form" not in main(
        opened.content.decode())


def test_unknown_expired_and_superseded_tokens_read_the_same(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    old = invite_to_rate(ticket)
    token = invite_to_rate(ticket)  # a newer link replaces the older one
    pages = [client.get(reverse("portal:rate", args=[t])) for t in ("nonsense-token", old)]
    with time_machine.travel(clock.now() + timedelta(days=7, seconds=1), tick=False):
        pages.append(client.get(reverse("portal:rate", args=[token])))
        assert open_invitation(token) is None
    assert [p.status_code for p in pages] == [404, 404, 404]
    assert len({main(p.content.decode()) for p in pages}) == 1
    assert client.get(reverse("portal:rate", args=[token])).status_code == 200


def test_a_link_stops_working_once_the_order_left_the_visit(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    token = invite_to_rate(ticket)
    from hotline.tickets import services

    services.record_return_visit(ticket, actor=ticket.cast.inspector, contacted=True, resolved=True,
                                 satisfaction=Satisfaction.SATISFIED)
    assert rate(client, token).status_code == 404


def test_an_incomplete_answer_is_asked_again(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    token = invite_to_rate(ticket)
    response = client.post(reverse("portal:rate", args=[token]), {"resolved": "yes"})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.status == Status.AWAITING_VISIT


def test_a_confidential_order_s_rating_page_quotes_nothing(client: Client) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT)
    # Confidential orders are answered by the centre, never dispatched; this one was marked confidential
    # after its reply (defence in depth: the page must still quote nothing).
    Ticket.objects.filter(pk=ticket.pk).update(is_confidential=True)
    page = client.get(reverse("portal:rate", args=[invite_to_rate(ticket)])).content.decode()
    assert ticket.number in page and "路灯已修复" not in page
