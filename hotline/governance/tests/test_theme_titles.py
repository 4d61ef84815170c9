"""The theme page (每月一题) lists its orders' titles as the order list does (`text_for`): numbers masked for units,
a withheld caller's (匿名, 举报) name too; centre staff read them as written."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.governance import services
from hotline.governance.models import Theme
from hotline.ops.models import AccessKind, AccessRecord
from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Channel, Status
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13812345678"


def _theme(cast: Cast, orders: list) -> Theme:
    return services.adopt(actor=UserFactory(role=Role.LEADER), title="无证经营治理", problem="x",
                          month=date(2025, 3, 1), lead=cast.lead, assisting=[], due_date=date(2025, 5, 31),
                          orders=orders)


def _page(user, theme: Theme) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client.get(reverse("governance-detail", args=[theme.pk])).content.decode()


def test_a_unit_reads_the_linked_orders_titles_masked(frozen_now: datetime, cast: Cast) -> None:
    phone = make_ticket(Status.DISPATCHED, cast=cast, title=f"噪音扰民，回电{PHONE}")
    report = make_ticket(Status.DISPATCHED, cast=cast, title="我叫李建国，举报无证经营",
                         request_type=RequestType.REPORT)
    page = _page(cast.lead_handler, _theme(cast, [phone, report]))
    assert phone.number in page and report.number in page
    assert "噪音扰民，回电138****5678" in page and PHONE not in page
    assert "我叫李**，举报无证经营" in page and "李建国" not in page


def test_a_unit_reads_the_proactive_orders_titles_masked(frozen_now: datetime, cast: Cast) -> None:
    theme = _theme(cast, [])
    raised = make_ticket(Status.DISPATCHED, cast=cast, title=f"巡查无证经营，店主电话{PHONE}",
                         channel=Channel.PROACTIVE, caller_phone="")
    services.link_proactive_order(theme, raised, cast.dispatcher)
    page = _page(cast.lead_handler, theme)
    assert raised.number in page and "巡查无证经营，店主电话138****5678" in page and PHONE not in page


def test_centre_staff_read_the_titles_as_written_and_the_number_is_recorded(frozen_now: datetime,
                                                                            cast: Cast) -> None:
    phone = make_ticket(Status.DISPATCHED, cast=cast, title=f"噪音扰民，回电{PHONE}", caller_phone="")
    report = make_ticket(Status.DISPATCHED, cast=cast, title="我叫李建国，举报无证经营",
                         request_type=RequestType.REPORT)
    page = _page(cast.supervisor, _theme(cast, [phone, report]))
    assert f"噪音扰民，回电{PHONE}" in page and "我叫李建国，举报无证经营" in page
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=phone.number,
                                       user_id=cast.supervisor.pk).exists()
