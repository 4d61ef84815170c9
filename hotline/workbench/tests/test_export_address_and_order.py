"""The list export (导出) after the exports review: the 事发地址 is read as the other free texts are (`text_for`: a
number a caller dictated into it masked for units, shown to the centre and recorded), and a queue's export link
keeps the queue's default order, so that the file lists the orders as the page does."""

from __future__ import annotations

import html
import io
import re
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse

from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.tests.test_export import MASKED, PHONE, _by_number, _csv_rows, _get

pytestmark = pytest.mark.django_db

ADDRESS = f"东湖路12号（联系{PHONE}）"
ADDRESS_MASKED = f"东湖路12号（联系{MASKED}）"


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def test_a_units_csv_masks_a_number_written_in_the_address(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone=PHONE, address=ADDRESS)
    row = _by_number(_csv_rows(_get(cast.lead_handler, "orders-export-csv")))[ticket.number]
    assert row["事发地址"] == ADDRESS_MASKED
    assert row["联系电话"] == MASKED


def test_a_units_xlsx_masks_a_number_written_in_the_address(cast: Cast) -> None:
    from openpyxl import load_workbook

    make_ticket(Status.DISPATCHED, cast=cast, caller_phone=PHONE, address=ADDRESS)
    response = _get(cast.lead_handler, "orders-export-xlsx")
    header, row = list(load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
                       .active.iter_rows(values_only=True))
    assert dict(zip(header, row, strict=True))["事发地址"] == ADDRESS_MASKED


def test_a_number_other_than_the_callers_is_masked_too(cast: Cast) -> None:
    """Any phone number in the address, as in the description: a neighbour's, a landline."""
    ticket = make_ticket(Status.DISPATCHED, cast=cast, address="东湖路12号 物业 13700001111")
    row = _by_number(_csv_rows(_get(cast.lead_handler, "orders-export-csv")))[ticket.number]
    assert row["事发地址"] == "东湖路12号 物业 137****1111"


def test_the_centres_csv_holds_the_address_as_written_and_records_the_number_shown(cast: Cast) -> None:
    """The centre reads the address in full; the full number in it is recorded as a view of the order, even
    when the caller left no number of their own (nothing else in the file is a full number)."""
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone="", address=ADDRESS)
    row = _by_number(_csv_rows(_get(cast.dispatcher, "orders-export-csv")))[ticket.number]
    assert row["事发地址"] == ADDRESS and row["联系电话"] == ""
    assert list(AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE).values_list("subject", "user_id")) == [
        (ticket.number, cast.dispatcher.pk)]


def test_an_address_starting_like_a_formula_is_still_defused(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, address="=HYPERLINK(\"http://x\")")
    row = _by_number(_csv_rows(_get(cast.lead_handler, "orders-export-csv")))[ticket.number]
    assert row["事发地址"] == "'=HYPERLINK(\"http://x\")"


def _export_link(page: str) -> str:
    return html.unescape(re.search(r'href="(/orders/export\.csv[^"]*)"', page).group(1))


def test_the_dispatch_queues_export_lists_the_orders_in_the_queues_order(cast: Cast, frozen_now: datetime) -> None:
    """派单队列 lists the oldest first (its default sort); its export link carries that sort, so the file does too."""
    older = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=frozen_now - timedelta(hours=3))
    newer = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=frozen_now - timedelta(hours=1))
    client = Client()
    client.force_login(cast.dispatcher)
    page = client.get(reverse("queue-dispatch")).content.decode()
    assert page.index(older.number) < page.index(newer.number)
    link = _export_link(page)
    assert "sort=registered_at" in link
    rows = _csv_rows(client.get(link))
    assert [r[0] for r in rows[1:]] == [older.number, newer.number]


def test_a_sort_chosen_on_the_queue_is_kept_in_the_link(cast: Cast) -> None:
    make_ticket(Status.PENDING_DISPATCH, cast=cast)
    client = Client()
    client.force_login(cast.dispatcher)
    link = _export_link(client.get(reverse("queue-dispatch"), {"sort": "-number"}).content.decode())
    assert "sort=-number" in link and "sort=registered_at" not in link


def test_the_order_lists_link_is_unchanged_with_the_common_default_sort(cast: Cast) -> None:
    """全部工单 sorts newest first, the export's own default: no sort added to its link."""
    make_ticket(Status.DISPATCHED, cast=cast)
    client = Client()
    client.force_login(cast.dispatcher)
    page = client.get(reverse("orders")).content.decode()
    assert "sort=" not in _export_link(page)
