"""A whistle-blower's identity never reaches the unit handling the 举报 (`Ticket.identity_withheld`).

A report of wrongdoing (举报) that is not confidential goes to a unit, which may be the one reported on: whether or
not the agent ticked 匿名, the unit's order page shows no name, sex, company or number, reads the texts scrubbed as
an anonymous order's, and 联系群众 is refused with the reason (the centre passes messages on). Centre staff see
everything, their views recorded as before; a 投诉 is unchanged. The rule follows the order's type as corrected
(工单更正), and a transfer to another platform carries no reporter either.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.core.privacy import scrub_public_text, text_for
from hotline.interop.models import Partner
from hotline.interop.outbound import _order
from hotline.ops.models import AccessKind, AccessRecord
from hotline.taxonomy.choices import RequestType
from hotline.tickets import services
from hotline.tickets.admin import TicketAdmin, _viewer
from hotline.tickets.choices import Sex, Status
from hotline.tickets.models import Ticket
from hotline.tickets.permissions import may_reveal_caller
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

NAME = "李建国"
PHONE = "13912345678"
MASKED = "139****5678"
COMPANY = "东方红餐饮有限公司"
DESCRIPTION = "我叫李建国，举报幸福路油烟直排，回电13912345678"
SCRUBBED = "我叫李**，举报幸福路油烟直排，回电139****5678"
BUTTON = "查看完整号码"
WITHHELD = "（举报人信息保密）"
REFUSAL = "举报人信息保密，不能查看其号码；如需联系举报人，请联系热线中心转达"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _order_in_hand(cast: Cast, **draft: Any) -> Ticket:
    """A signed order (the lead unit 办理中) from a caller who gave name, sex, company and number."""
    draft = {"request_type": RequestType.REPORT, "caller_name": NAME, "caller_sex": Sex.MALE,
             "caller_company": COMPANY, "caller_phone": PHONE, "description": DESCRIPTION} | draft
    return make_ticket(Status.IN_PROGRESS, cast=cast, **draft)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: User, ticket: Ticket) -> str:
    response = _client(user).get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def _caller_card(page: str) -> str:
    """The 来电人 card of the order page."""
    start = page.index('id="h-caller"')
    return page[start:page.index("</section>", start)]


def test_the_rule_is_an_anonymous_caller_or_a_report(cast: Cast) -> None:
    assert Ticket(request_type=RequestType.REPORT).identity_withheld
    assert Ticket(request_type=RequestType.COMPLAINT, is_anonymous=True).identity_withheld
    assert not Ticket(request_type=RequestType.COMPLAINT).identity_withheld
    assert not Ticket(request_type=RequestType.SUGGESTION, is_confidential=True).identity_withheld


def test_the_unit_sees_no_reporter_on_the_order_page(cast: Cast) -> None:
    ticket = _order_in_hand(cast)
    page = _page(cast.lead_handler, ticket)
    card = _caller_card(page)
    for secret in (NAME, PHONE, COMPANY):
        assert secret not in page
    assert WITHHELD in card and "<dd>男</dd>" not in card and "139" not in card  # no number, not even masked
    assert SCRUBBED in page  # the texts read as an anonymous order's are
    assert BUTTON not in page
    assert not AccessRecord.objects.exists()


def test_the_units_texts_are_scrubbed_like_an_anonymous_orders(cast: Cast) -> None:
    report = _order_in_hand(cast)
    anonymous = _order_in_hand(cast, request_type=RequestType.COMPLAINT, is_anonymous=True)
    unit = cast.lead_handler
    assert text_for(DESCRIPTION, report, unit) == text_for(DESCRIPTION, anonymous, unit) == SCRUBBED
    assert scrub_public_text(DESCRIPTION, order=report) == SCRUBBED
    assert text_for(DESCRIPTION, report, unit, revealed=True) == SCRUBBED  # never shown as written to a unit


def test_the_unit_may_not_reveal_the_reporters_number(cast: Cast) -> None:
    ticket = _order_in_hand(cast)
    assert may_reveal_caller(ticket, cast.lead_handler) == REFUSAL
    response = _client(cast.lead_handler).post(reverse("order-reveal-caller", args=[ticket.number]))
    assert response.status_code == 403
    body = response.content.decode()
    assert REFUSAL in body and PHONE not in body and NAME not in body
    assert not AccessRecord.objects.exists()


def test_an_anonymous_report_keeps_the_anonymous_callers_words(cast: Cast) -> None:
    ticket = _order_in_hand(cast, is_anonymous=True)
    assert "来电人要求匿名" in may_reveal_caller(ticket, cast.lead_handler)
    assert "（匿名）" in _caller_card(_page(cast.lead_handler, ticket))


def test_centre_staff_see_the_reporter_and_their_view_is_recorded(cast: Cast) -> None:
    ticket = _order_in_hand(cast)
    page = _page(cast.dispatcher, ticket)
    card = _caller_card(page)
    assert NAME in card and PHONE in card and COMPANY in card and "<dd>男</dd>" in card
    assert DESCRIPTION in page
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, user_id=cast.dispatcher.pk,
                                       subject=ticket.number).exists()


def test_a_complaint_is_unchanged(cast: Cast) -> None:
    ticket = _order_in_hand(cast, request_type=RequestType.COMPLAINT)
    assert not ticket.identity_withheld
    page = _page(cast.lead_handler, ticket)
    card = _caller_card(page)
    assert NAME in card and MASKED in card and COMPANY in card and "<dd>男</dd>" in card and BUTTON in page
    assert may_reveal_caller(ticket, cast.lead_handler) is None
    response = _client(cast.lead_handler).post(reverse("order-reveal-caller", args=[ticket.number]))
    assert response.status_code == 200 and PHONE in response.content.decode()


def test_the_rule_follows_a_correction_of_the_type(cast: Cast) -> None:
    """工单更正 to 举报 withholds the caller from then on; corrected away from it, the units see the caller again
    (as for any order of that type); each correction is on the timeline with its reason."""
    ticket = _order_in_hand(cast, request_type=RequestType.COMPLAINT)
    assert NAME in _caller_card(_page(cast.lead_handler, ticket))
    ticket = services.correct(ticket, actor=cast.dispatcher, reason="来电人反映的是违规经营，属举报",
                              request_type=RequestType.REPORT)
    assert ticket.identity_withheld
    assert NAME not in _page(cast.lead_handler, ticket)
    assert may_reveal_caller(ticket, cast.lead_handler) == REFUSAL
    ticket = services.correct(ticket, actor=cast.dispatcher, reason="核实为个人权益投诉",
                              request_type=RequestType.COMPLAINT)
    assert not ticket.identity_withheld and may_reveal_caller(ticket, cast.lead_handler) is None
    assert NAME in _caller_card(_page(cast.lead_handler, ticket))


def test_the_admin_shows_the_caller_as_the_order_page_does(cast: Cast) -> None:
    ticket = _order_in_hand(cast)
    admin = TicketAdmin(Ticket, None)
    shown = {}
    for who in (cast.lead_handler, cast.dispatcher):
        token = _viewer.set(who)
        try:
            shown[who.pk] = (admin.caller_name_shown(ticket), admin.caller_sex_shown(ticket),
                             admin.caller_company_shown(ticket), admin.masked_phone(ticket),
                             admin.description_shown(ticket))
        finally:
            _viewer.reset(token)
    assert shown[cast.lead_handler.pk] == (WITHHELD, "", "", "", SCRUBBED)
    assert shown[cast.dispatcher.pk] == (NAME, "男", COMPANY, MASKED, DESCRIPTION)


def test_a_transfer_to_another_platform_carries_no_reporter(cast: Cast) -> None:
    """A partner (110, a specialised hotline) gets the matter of a 举报, never the reporter: no caller block, the
    texts scrubbed as a unit reads them; a 投诉's caller goes as before."""
    report = _order_in_hand(cast)
    body = _order(report, Partner())
    assert "caller" not in body and body["content"] == SCRUBBED and NAME not in str(body) and PHONE not in str(body)
    complaint = _order_in_hand(cast, request_type=RequestType.COMPLAINT)
    body = _order(complaint, Partner())
    assert body["caller"]["name"] == NAME and body["content"] == DESCRIPTION
