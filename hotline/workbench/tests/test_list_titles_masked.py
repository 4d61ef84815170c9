"""Order lists show each title as the order page shows it: numbers masked for units, and the names of a caller
whose identity is withheld (匿名, 举报) too; centre staff read it as written."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.taxonomy.choices import RequestType
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


def _list(user) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client.get(reverse("orders")).content.decode()


def test_a_unit_reads_a_number_in_a_title_masked(cast: Cast) -> None:
    make_ticket(Status.DISPATCHED, cast=cast, title="噪音扰民，回电13812345678")
    assert "13812345678" not in _list(cast.lead_handler)
    assert "138****5678" in _list(cast.lead_handler)
    assert "13812345678" in _list(cast.dispatcher)


def test_a_unit_reads_a_reporters_name_in_a_title_masked(cast: Cast) -> None:
    make_ticket(Status.DISPATCHED, cast=cast, title="我叫李建国，举报无证经营", request_type=RequestType.REPORT)
    page = _list(cast.lead_handler)
    assert "李建国" not in page and "举报无证经营" in page
    assert "李建国" in _list(cast.dispatcher)


def test_the_order_page_tells_a_unit_a_reporter_is_kept_confidential(cast: Cast) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, request_type=RequestType.REPORT)
    client = Client()
    client.force_login(cast.lead_handler)
    page = client.get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert "举报人信息保密" in page


# --- What a row quotes besides the title: a unit's reply and return reason, a 会商 question ---------------------

def _queue(user, name: str, **params: str) -> str:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return response.content.decode()


def _full_views(ticket) -> int:  # noqa: ANN001
    from hotline.ops.models import AccessKind, AccessRecord

    return AccessRecord.objects.filter(subject_type="ticket", subject=ticket.number, kind=AccessKind.FULL_PHONE).count()


def test_the_review_desk_quotes_a_reply_with_the_callers_number_as_a_recorded_view(cast: Cast) -> None:
    from hotline.tickets import services

    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="13812345678")
    services.reply(ticket, actor=cast.lead_handler, content="已电话联系群众13812345678，问题已处理", contacted=True,
                   resolved=True)
    assert _full_views(ticket) == 0
    page = _queue(cast.supervisor, "queue-review")
    assert "已电话联系群众13812345678" in page
    assert _full_views(ticket) == 1  # read in full at the centre: recorded as the order page records it


def test_the_dispatch_queue_quotes_a_return_reason_as_the_order_page_does(cast: Cast) -> None:
    from hotline.tickets import services
    from hotline.tickets.choices import ReturnReason

    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone="13812345678")
    services.return_order(ticket, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="已联系群众13812345678，该路段属市政管理")
    page = _queue(cast.dispatcher, "queue-dispatch", tab="returned")
    assert "已联系群众13812345678" in page
    assert _full_views(ticket) == 1


def test_a_units_inbox_quotes_a_consultations_question_masked(cast: Cast) -> None:
    from hotline.orgs.choices import UnitKind
    from hotline.tickets import services
    from hotline.tickets.tests.factories import HandlingUnitFactory

    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone="13812345678")
    department = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市住建局")
    services.start_consultation(ticket, actor=cast.dispatcher, units=[cast.lead, department],
                                question="是否属于街道职责？群众电话13812345678")
    page = _queue(cast.lead_handler, "queue-inbox", tab="consult")
    assert "群众电话138****5678" in page and "13812345678" not in page
    assert "群众电话13812345678" in _queue(cast.dispatcher, "queue-dispatch", tab="consulting")
