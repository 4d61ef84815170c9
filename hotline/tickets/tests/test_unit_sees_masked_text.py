"""What a handling unit (承办单位) sees of the caller on the order page and in its list export: numbers the citizen
typed (the description, a 补充诉求, a chase, a return visit's note) masked as the caller's number is
(`core.privacy.text_for`, the rule of `phone_for`), and nothing of an anonymous (匿名) caller; centre staff read
everything as written, each full number shown recorded."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.models import User
from hotline.core.privacy import scrub_public_text, text_for
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # the root `cast`, built at the frozen moment

PHONE = "13912345678"
TYPED = "请联系我13812345678，身份证 430102199001011234，座机（0731）88990001"
TYPED_MASKED = "请联系我138****5678，身份证 430102********1234，座机073*******01"
LATER = "群众补充：新号码 13700001111"
LATER_MASKED = "群众补充：新号码 137****1111"


def _page(user: User, ticket: Ticket) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("order-detail", args=[ticket.number]))
    assert response.status_code == 200
    return response.content.decode()


def _handled(cast: Cast, **draft: Any) -> Ticket:
    """An order the lead unit handles, with a 补充诉求 and a chase recorded by the centre's agent."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, description=TYPED, **draft)
    services.supplement(ticket, actor=cast.intake, text=LATER)
    services.chase(ticket, actor=cast.intake, note="群众来电催办，说可打 13600002222 找他")
    ticket.refresh_from_db()
    return ticket


def test_the_units_order_page_shows_typed_numbers_masked(cast: Cast) -> None:
    ticket = _handled(cast, caller_phone=PHONE)
    page = _page(cast.lead_handler, ticket)
    for full in ("13812345678", "430102199001011234", "88990001", "13700001111", "13600002222", PHONE):
        assert full not in page
    assert TYPED_MASKED in page  # the description
    assert page.count(LATER_MASKED) == 2  # the 群众补充 section and the timeline
    assert "136****2222" in page  # the chase's note on the timeline
    assert not AccessRecord.objects.exists()  # nothing full was shown


def test_the_centre_agents_page_shows_them_in_full_and_records_the_view(cast: Cast) -> None:
    ticket = _handled(cast, caller_phone=PHONE)
    page = _page(cast.dispatcher, ticket)
    assert TYPED in page and LATER in page and "13600002222" in page and PHONE in page
    assert list(AccessRecord.objects.values_list("kind", "subject")) == [(AccessKind.FULL_PHONE, ticket.number)]


def test_a_number_typed_on_an_order_without_one_is_recorded_like_the_phone_field(cast: Cast) -> None:
    """No caller number on the order: the number in its description shown in full is still a full number shown."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="", description=TYPED)
    assert TYPED_MASKED in _page(cast.lead_handler, ticket)
    assert not AccessRecord.objects.exists()
    assert TYPED in _page(cast.dispatcher, ticket)
    assert list(AccessRecord.objects.values_list("kind", "subject")) == [(AccessKind.FULL_PHONE, ticket.number)]


def test_the_callers_recorded_number_is_masked_in_text_wherever_it_stands(cast: Cast) -> None:
    """A landline recorded without its area code is no number the text patterns know; the caller's own is."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="88990001", description="回电请打88990001")
    page = _page(cast.lead_handler, ticket)
    assert "88990001" not in page and "回电请打889***01" in page


def test_a_units_own_notes_stay_as_written(cast: Cast) -> None:
    """The unit's question to the citizen (请群众补充) is its own words: its contact number stays readable."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    services.request_info(ticket, actor=cast.lead_handler, unit=cast.lead, question="请拨打 0731-84442222 补充材料")
    assert "请拨打 0731-84442222 补充材料" in _page(cast.lead_handler, ticket)


def test_a_return_visits_note_is_masked_for_the_unit(cast: Cast) -> None:
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction="satisfied", note="群众满意，留新号码13500003333")
    assert "135****3333" in _page(cast.lead_handler, ticket)
    assert "13500003333" in _page(cast.inspector, ticket)


def test_an_anonymous_caller_shows_the_unit_no_sex_name_or_number(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, caller_name="王建华",
                         caller_sex="f", caller_company="某某公司", is_anonymous=True,
                         description="我叫王建华，电话13812345678，楼下噪音")
    page = _page(cast.lead_handler, ticket)
    caller = page[page.index('id="h-caller"'):page.index("时限与计数")]
    assert "女" not in caller and "王建华" not in page and "某某公司" not in page
    assert PHONE not in page and "139****5678" not in page  # not even masked
    assert "我叫王**，电话138****5678，楼下噪音" in page  # the name the caller typed, too
    assert "来电人档案" not in page
    centre = _page(cast.dispatcher, ticket)
    assert "女" in centre[centre.index('id="h-caller"'):centre.index("时限与计数")] and "我叫王建华" in centre


def test_the_units_list_export_masks_the_description(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, description=TYPED)

    def description(user: User) -> str:
        client = Client()
        client.force_login(user)
        raw = b"".join(client.get(reverse("orders-export-csv")).streaming_content).decode("utf-8-sig")
        header, *rows = list(csv.reader(io.StringIO(raw)))
        return next(dict(zip(header, row, strict=True)) for row in rows if row[0] == ticket.number)["诉求内容"]

    assert description(cast.lead_handler) == TYPED_MASKED
    assert not AccessRecord.objects.exists()
    assert description(cast.dispatcher) == TYPED
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=ticket.number).exists()


def test_text_for_keeps_the_public_scrub_as_it_was() -> None:
    """`text_for` masks numbers only (names stay for a named caller); `scrub_public_text` still masks names too."""
    text = "我叫张三丰，电话13812345678"
    assert text_for(text, None, None) == "我叫张三丰，电话138****5678"
    assert scrub_public_text(text) == "我叫张**，电话138****5678"


def test_an_untitled_orders_title_is_its_descriptions_start_with_numbers_masked(cast: Cast) -> None:
    """The title shows in lists, unit SMS alerts and exports: built from the description, numbers masked."""
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, title="", description="请联系我13812345678，小区路灯不亮")
    assert ticket.title == "请联系我138****5678，小区路灯不亮"
    assert make_ticket(cast=cast, title="路灯 13812345678").title == "路灯 13812345678"  # a title typed is kept


def test_a_unit_cannot_confirm_a_typed_number_by_searching_for_it(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, title="路灯不亮", description=TYPED, caller_phone=PHONE)

    def found(user: User, q: str) -> bool:
        client = Client()
        client.force_login(user)
        return ticket.number in client.get(reverse("orders"), {"q": q}).content.decode()

    assert not found(cast.lead_handler, "13812345678") and not found(cast.lead_handler, PHONE)
    assert found(cast.lead_handler, ticket.number[:10]) and found(cast.lead_handler, "路灯")  # numbers and words
    assert found(cast.dispatcher, "13812345678") and found(cast.dispatcher, PHONE)
