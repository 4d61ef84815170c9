"""Numbers citizens typed (the description, an untitled order's title, 补充诉求 and chase notes) read over the API
as the caller's number does: masked for a unit's key and a key without the `phone` scope, in full (and the view
recorded) for a centre key with it (`core.privacy.text_for`)."""

from __future__ import annotations

import pytest

from hotline.api import serialize
from hotline.api.keys import create_key
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
TYPED = "请联系我13812345678，身份证 430102199001011234"
TYPED_MASKED = "请联系我138****5678，身份证 430102********1234"


@pytest.fixture
def cast(frozen_now) -> Cast:  # noqa: ANN001
    ensure_default_policies()
    return Cast.build()


@pytest.fixture
def order(cast):  # noqa: ANN001, ANN201
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, description=TYPED)
    services.supplement(ticket, actor=cast.intake, text="新号码 13700001111")
    ticket.refresh_from_db()
    return ticket


def test_a_unit_keys_order_has_the_typed_numbers_masked(order, cast, api_client) -> None:  # noqa: ANN001
    client = api_client(create_key("街道对接", ["read", "phone"], unit=cast.lead)[1])
    detail = client.get(f"/orders/{order.number}").json()
    assert detail["description"] == TYPED_MASKED
    assert detail["title"] == TYPED_MASKED[:len(detail["title"])] and "13812345678" not in detail["title"]
    listed = client.get("/orders").content.decode()
    timeline = client.get(f"/orders/{order.number}/timeline").json()
    assert "新号码 137****1111" in [e["note"] for e in timeline]
    for body in (str(detail), listed, str(timeline)):
        assert "13812345678" not in body and "430102199001011234" not in body and "13700001111" not in body
    assert not AccessRecord.objects.exists()


def test_a_centre_key_with_phone_reads_them_in_full_and_the_view_is_recorded(order, api_client) -> None:  # noqa: ANN001
    detail = api_client(create_key("坐席系统", ["read", "phone"])[1]).get(f"/orders/{order.number}").json()
    assert detail["description"] == TYPED and detail["caller_phone"] == PHONE
    assert list(AccessRecord.objects.values_list("kind", "subject")) == [(AccessKind.FULL_PHONE, order.number)]


def test_a_centre_key_without_phone_reads_them_masked(order, api_client) -> None:  # noqa: ANN001
    detail = api_client(create_key("统计报表", ["read"])[1]).get(f"/orders/{order.number}").json()
    assert detail["description"] == TYPED_MASKED
    assert not AccessRecord.objects.exists()


def test_the_timeline_and_visits_as_a_reader_may_read_them(cast) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.AWAITING_VISIT, cast=cast, caller_phone=PHONE)
    services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                 satisfaction="satisfied", note="群众满意，留新号码13500003333")
    for reader, full_phone, shown in ((cast.inspector, True, "13500003333"), (cast.inspector, False, "135****3333"),
                                      (cast.lead_handler, True, "135****3333")):
        notes = [e["note"] for e in serialize.timeline(ticket, reader, full_phone=full_phone)]
        assert any(shown in note for note in notes)
        assert serialize.return_visits(ticket, reader, full_phone=full_phone)[0]["note"] == f"群众满意，留新号码{shown}"


def test_an_anonymous_callers_order_names_nobody_to_a_unit_key(cast, api_client) -> None:  # noqa: ANN001
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, caller_name="王建华", caller_sex="f",
                         is_anonymous=True, title="楼下噪音", description="我叫王建华，电话13812345678，楼下噪音")
    client = api_client(create_key("街道对接", ["read", "phone"], unit=cast.lead)[1])
    detail = client.get(f"/orders/{ticket.number}").json()
    assert (detail["caller_name"], detail["caller_phone"], detail["caller_company"]) == ("（匿名）", "", "")
    assert detail["description"] == "我叫王**，电话138****5678，楼下噪音"
    assert "王建华" not in str(detail) and "caller_sex" not in detail
