"""拆单 on the order page: five blocks for those who may, a post creates the orders, a bad block is named and
nothing is created, both orders link each other, the page in English."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket, stored

pytestmark = pytest.mark.django_db

PENSION = "另外咨询一下退休人员养老金调整什么时候发放"
PARKING = "还有小区门口乱停车堵住消防通道"


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


def _client(user: Any, language: str = "") -> Client:
    client = Client()
    client.force_login(user)
    if language:
        client.cookies["django_language"] = language
    return client


def _posted(ticket: Ticket, note: str = "", **blocks: str) -> dict[str, Any]:
    data: dict[str, Any] = {"version": ticket.version, "split-note": note}
    data.update({f"split-{name}": value for name, value in blocks.items()})
    return data


def _page(user: Any, ticket: Ticket, language: str = "") -> str:
    return _client(user, language).get(reverse("order-detail", args=[ticket.number])).content.decode()


def test_the_form_has_five_blocks_and_is_offered_to_intake_and_dispatch_only(cast: Cast) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast)
    page = _page(cast.intake, ticket)
    assert 'id="step-split"' in page and "确认拆单" in page
    assert all(f'data-split-child="{n}"' in page for n in range(1, 6)) and 'data-split-child="6"' not in page
    assert 'name="split-c1_description"' in page and 'name="split-c5_address"' in page
    assert "第1项诉求" in page and "—同原工单—" in page
    assert 'id="step-split"' in _page(cast.dispatcher, ticket)
    assert 'id="step-split"' not in _page(cast.inspector, ticket)
    dispatched = make_ticket(Status.DISPATCHED, cast=cast)
    assert 'id="step-split"' not in _page(cast.dispatcher, dispatched)
    assert 'id="step-split"' not in _page(cast.lead_handler, dispatched)
    refused = _client(cast.inspector).post(reverse("order-act", args=[ticket.number, Action.SPLIT]),
                                           _posted(ticket, c1_description=PENSION))
    assert refused.status_code == 403 and not Ticket.objects.filter(split_from=ticket).exists()


def test_posting_creates_the_orders_and_both_pages_link_each_other(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    response = _client(cast.intake).post(
        reverse("order-act", args=[ticket.number, Action.SPLIT]),
        _posted(ticket, note="一次来电反映三件事", c1_description=PENSION, c1_title="养老金发放", c3_description=PARKING))
    assert response.status_code == 302
    pension, parking = Ticket.objects.filter(split_from=ticket).order_by("pk")
    assert (pension.title, pension.description, parking.description) == ("养老金发放", PENSION, PARKING)
    parent_page = _page(cast.dispatcher, ticket)
    assert "已拆分为" in parent_page and pension.number in parent_page and parking.number in parent_page
    child_page = _page(cast.dispatcher, pension)
    assert "拆自" in child_page and f'href="/orders/{ticket.number}/"' in child_page
    # A second click on the same button is answered as done: nothing twice.
    ticket.refresh_from_db()
    again = _client(cast.intake).post(
        reverse("order-act", args=[ticket.number, Action.SPLIT]),
        {**_posted(ticket, note="一次来电反映三件事", c1_description=PENSION, c1_title="养老金发放",
                   c3_description=PARKING), "version": ticket.version - 1})
    assert again.status_code == 302 and Ticket.objects.filter(split_from=ticket).count() == 2


def test_a_bad_block_is_named_and_nothing_is_created(cast: Cast) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast)
    before = stored(ticket)
    url = reverse("order-act", args=[ticket.number, Action.SPLIT])
    blank = _client(cast.intake).post(url, _posted(ticket, c2_title="只有标题"))
    assert blank.status_code == 400
    assert "第2项：请填写诉求内容" in blank.content.decode() and 'data-split-child="2"' in blank.content.decode()
    same = _client(cast.intake).post(url, _posted(ticket, c1_description=PENSION, c2_description=f" {PENSION} "))
    assert same.status_code == 400 and "第2项：诉求内容与第1项相同" in same.content.decode()
    parent = _client(cast.intake).post(url, _posted(ticket, c1_description=ticket.description))
    assert parent.status_code == 400 and "与原工单相同" in parent.content.decode()
    nothing = _client(cast.intake).post(url, _posted(ticket))
    assert nothing.status_code == 400 and "请至少填写一项要拆出的诉求" in nothing.content.decode()
    assert stored(ticket) == before and not Ticket.objects.filter(split_from=ticket).exists()
    stale = _client(cast.intake).post(url, {**_posted(ticket, c1_description=PENSION), "version": ticket.version - 1})
    assert stale.status_code == 409 and not Ticket.objects.filter(split_from=ticket).exists()


def test_the_english_page(cast: Cast) -> None:
    ticket = make_ticket(Status.REGISTERED, cast=cast)
    page = _page(cast.intake, ticket, "en")
    assert "Split order" in page and "Demand 1" in page and "Same as the original order" in page
    _client(cast.intake).post(reverse("order-act", args=[ticket.number, Action.SPLIT]),
                              _posted(ticket, c1_description=PENSION))
    child = Ticket.objects.get(split_from=ticket)
    assert "Split into" in _page(cast.dispatcher, ticket, "en")
    assert "Split from" in _page(cast.dispatcher, child, "en")


def test_the_attachments_to_take_along_are_ticked_per_block(cast: Cast) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.attachments.models import Attachment
    from hotline.attachments.services import attach

    ticket = make_ticket(Status.REGISTERED, cast=cast)
    assert 'name="split-c1_attachments"' not in _page(cast.intake, ticket)  # nothing to take along
    attach(ticket, actor=cast.intake, upload=SimpleUploadedFile("lamp.png", b"\x89PNG\r\n\x1a\n" + bytes(56)))
    ticket.refresh_from_db()
    photo = Attachment.objects.get(ticket=ticket)
    page = _page(cast.intake, ticket)
    assert f'name="split-c1_attachments" value="{photo.pk}"' in page and "lamp.png" in page
    response = _client(cast.intake).post(reverse("order-act", args=[ticket.number, Action.SPLIT]),
                                         {**_posted(ticket, c1_description=PENSION), "split-c1_attachments": [photo.pk]})
    assert response.status_code == 302
    child = Ticket.objects.get(split_from=ticket)
    assert list(Attachment.objects.filter(ticket=child).values_list("original_name", flat=True)) == ["lamp.png"]
