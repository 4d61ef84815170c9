"""A unit's own words (its reply, the notes of its steps) may hold the citizen's number it was shown to contact
them (联系群众). On the order page, whoever reads callers' numbers masked reads them masked there too — the unit
above the handling one, which may not reveal the number — while the unit that wrote them and centre staff read
them as written (`core.privacy.unit_text_for`, `selectors.note_shown`, `selectors.replies_shown`)."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.core.privacy import unit_text_for
from hotline.ops.models import AccessRecord
from hotline.taxonomy.choices import RequestType
from hotline.tickets import selectors, services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"
OFFICE = "0731-88990001"  # the street's own contact number: it stays
CONTENT = f"已电话联系群众（{PHONE}），路灯已修复；如有问题请拨打街道办电话{OFFICE}"
CONTENT_MASKED = f"已电话联系群众（{MASKED}），路灯已修复；如有问题请拨打街道办电话{OFFICE}"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


@pytest.fixture
def replied(cast: Cast) -> Ticket:
    """The street reveals the number on the order page (联系群众), then replies with it written down."""
    order = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    assert _client(cast.lead_handler).post(reverse("order-reveal-caller", args=[order.number])).status_code == 200
    order.refresh_from_db()
    services.reply(order, actor=cast.lead_handler, content=CONTENT, contacted=True, resolved=True)
    return Ticket.objects.get(pk=order.pk)


def _client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page(user: User, ticket: Ticket) -> str:
    response = _client(user).get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def _reply_note(ticket: Ticket, user: User) -> str:
    return next(e.note_shown for e in selectors.timeline_shown(ticket, user) if e.action == "reply")


def test_the_unit_above_reads_the_number_masked_in_the_timeline(cast: Cast, replied: Ticket) -> None:
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    assert _reply_note(replied, district) == CONTENT_MASKED
    assert selectors.replies_shown(replied, district)[0].content_shown == CONTENT_MASKED
    assert CONTENT_MASKED in _page(district, replied)  # 流转记录's reply note


def test_the_unit_above_reads_no_full_number_anywhere_on_the_page(cast: Cast, replied: Ticket) -> None:
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    assert PHONE not in _page(district, replied)


def test_another_units_staff_reads_it_masked(cast: Cast, replied: Ticket) -> None:
    """A handler of the same district's other street, invited later as an assisting unit, say."""
    other = Cast.build(lead=None)
    assert _reply_note(replied, other.lead_handler) == CONTENT_MASKED


def test_the_unit_that_wrote_it_reads_its_own_words(cast: Cast, replied: Ticket) -> None:
    colleague = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead])
    assert _reply_note(replied, colleague) == CONTENT
    assert selectors.replies_shown(replied, colleague)[0].content_shown == CONTENT
    assert CONTENT in _page(colleague, replied)


def test_centre_staff_read_it_as_written_and_the_view_is_recorded(cast: Cast, replied: Ticket) -> None:
    before = AccessRecord.objects.filter(kind="full_phone", user_id=cast.dispatcher.pk).count()
    assert _reply_note(replied, cast.dispatcher) == CONTENT
    assert selectors.replies_shown(replied, cast.dispatcher)[0].content_shown == CONTENT
    assert CONTENT in _page(cast.dispatcher, replied)
    assert AccessRecord.objects.filter(kind="full_phone", user_id=cast.dispatcher.pk).count() > before


def test_a_units_note_without_the_citizens_number_is_shown_as_written(cast: Cast) -> None:
    """The street's own numbers in a 下派 or reply note stay readable for the units below; nothing is recorded."""
    order = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    text = f"请社区联系街道办{OFFICE}或网格员13900001111"
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    assert unit_text_for(text, order, district, unit_id=cast.lead.pk) == text
    assert unit_text_for(text, order, cast.dispatcher, unit_id=cast.lead.pk) == text
    assert not AccessRecord.objects.exists()


def test_the_numbers_the_citizen_typed_and_identity_cards_are_masked_too(cast: Cast) -> None:
    order = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE,
                        description="路灯不亮，请联系我家人 139 0000 1111")
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    text = "已联系群众家属13900001111（身份证430102199001011234），来电号码+86 138-1234-5678"
    assert unit_text_for(text, order, district, unit_id=cast.lead.pk) == (
        "已联系群众家属139****1111（身份证430102********1234），来电号码138****5678")
    assert unit_text_for(text, order, cast.lead_handler, unit_id=cast.lead.pk) == text  # its own words
    assert unit_text_for(text, order, cast.lead_handler, unit_id=cast.lead.pk, full_phone=False) != text
    assert unit_text_for(text, order, None, unit_id=cast.lead.pk) != text  # no reader: never in full


def test_a_withheld_callers_name_in_a_units_words_is_masked_for_others(cast: Cast) -> None:
    order = make_ticket(Status.IN_PROGRESS, cast=cast, request_type=RequestType.REPORT, caller_name="王建华",
                        caller_phone=PHONE)
    district = UserFactory(role=Role.UNIT_HANDLER, units=[cast.lead.parent])
    text = "经查，王建华反映的仓库已查封"
    assert unit_text_for(text, order, district, unit_id=cast.lead.pk) == "经查，王**反映的仓库已查封"
    assert unit_text_for(text, order, cast.dispatcher, unit_id=cast.lead.pk) == text
