"""The 智能研判 panel's repeats (重复件) and a withheld caller (匿名, 举报): no "same caller" links for units, titles
read through `text_for`."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.ops.models import AccessKind, AccessRecord
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.triage.models import RepeatLink

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _page(user, ticket) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client.get(reverse("order-detail", args=[ticket.number])).content.decode()


def _link(later, earlier, at: datetime, code: str = "repeat.same_caller") -> RepeatLink:  # noqa: ANN001
    return RepeatLink.objects.create(ticket=later, earlier=earlier, similarity=0.8, created_at=at,
                                     reason_data={"code": code, "params": {"similarity": 0.8}})


@pytest.mark.parametrize("code", ["repeat.same_caller", "repeat.same_place"])
def test_a_unit_on_a_report_is_not_pointed_at_the_reporters_earlier_order(frozen_now: datetime, cast: Cast,
                                                                          code: str) -> None:
    earlier = make_ticket(Status.DISPATCHED, cast=cast, title="楼下饭店油烟扰民", caller_name="李建国",
                          caller_phone=PHONE)
    report = make_ticket(Status.DISPATCHED, cast=cast, title="举报饭店无证经营", caller_name="李建国",
                         caller_phone=PHONE, request_type=RequestType.REPORT)
    _link(report, earlier, frozen_now, code)
    page = _page(cast.lead_handler, report)
    assert "李建国" not in page
    assert earlier.number not in page and "同一来电人" not in page
    # ... nor the earlier order's page at the report made later by the same caller
    assert report.number not in _page(cast.lead_handler, earlier)


def test_a_unit_on_an_anonymous_callers_order_is_not_pointed_at_their_other_order(frozen_now: datetime,
                                                                                 cast: Cast) -> None:
    earlier = make_ticket(Status.DISPATCHED, cast=cast, title="楼下饭店油烟扰民", caller_phone=PHONE)
    anonymous = make_ticket(Status.DISPATCHED, cast=cast, title="饭店油烟又来了", caller_phone=PHONE,
                            is_anonymous=True)
    _link(anonymous, earlier, frozen_now)
    assert earlier.number not in _page(cast.lead_handler, anonymous)
    assert anonymous.number not in _page(cast.lead_handler, earlier)


def test_centre_staff_keep_every_repeat_link(frozen_now: datetime, cast: Cast) -> None:
    earlier = make_ticket(Status.DISPATCHED, cast=cast, title="楼下饭店油烟扰民", caller_phone=PHONE)
    report = make_ticket(Status.DISPATCHED, cast=cast, title="举报饭店无证经营", caller_phone=PHONE,
                         request_type=RequestType.REPORT)
    _link(report, earlier, frozen_now)
    assert earlier.number in _page(cast.dispatcher, report)
    assert report.number in _page(cast.dispatcher, earlier)


def test_a_unit_still_sees_repeats_between_named_callers_orders(frozen_now: datetime, cast: Cast) -> None:
    earlier = make_ticket(Status.DISPATCHED, cast=cast, title="楼下饭店油烟扰民", caller_phone=PHONE)
    later = make_ticket(Status.DISPATCHED, cast=cast, title="饭店油烟又来了", caller_phone=PHONE)
    _link(later, earlier, frozen_now)
    assert earlier.number in _page(cast.lead_handler, later)
    assert later.number in _page(cast.lead_handler, earlier)


def test_the_repeats_panel_masks_titles_for_units(frozen_now: datetime, cast: Cast) -> None:
    earlier = make_ticket(Status.DISPATCHED, cast=cast, title=f"噪音扰民，回电{PHONE}")
    later = make_ticket(Status.DISPATCHED, cast=cast, title=f"噪音扰民又来了，联系{PHONE}")
    _link(later, earlier, frozen_now)
    on_later, on_earlier = _page(cast.lead_handler, later), _page(cast.lead_handler, earlier)
    assert earlier.number in on_later and later.number in on_earlier  # both directions listed
    assert "噪音扰民，回电138****5678" in on_later
    assert "噪音扰民又来了，联系138****5678" in on_earlier
    assert PHONE not in on_later and PHONE not in on_earlier


def test_centre_staff_read_the_titles_as_written_and_the_number_is_recorded(frozen_now: datetime,
                                                                            cast: Cast) -> None:
    earlier = make_ticket(Status.DISPATCHED, cast=cast, title=f"噪音扰民，回电{PHONE}", caller_phone="")
    later = make_ticket(Status.DISPATCHED, cast=cast, title="噪音扰民又来了", caller_phone="")
    _link(later, earlier, frozen_now)
    assert f"噪音扰民，回电{PHONE}" in _page(cast.dispatcher, later)
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=earlier.number,
                                       user_id=cast.dispatcher.pk).exists()
