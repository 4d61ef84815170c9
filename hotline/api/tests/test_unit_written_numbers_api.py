"""A unit that revealed the caller's number (联系群众) writes it into its reply: over the API, whoever reads callers'
numbers masked reads it masked there too (`core.privacy.unit_text_for`) — a key without `phone`, the unit above —
while the unit that wrote it and a centre key with `phone` read the reply as written (the centre's view recorded)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.api.keys import create_key
from hotline.api.scopes import Scope
from hotline.ops.models import AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

PHONE, MASKED = "13812345678", "138****5678"
ID_CARD, ID_MASKED = "430102199001011234", "430102********1234"
OFFICE = "0731-88990001"  # the street's own contact number: it stays
CONTENT = f"已电话联系群众（{PHONE}），路灯已修复；如有问题请拨打街道办电话{OFFICE}"
CONTENT_MASKED = f"已电话联系群众（{MASKED}），路灯已修复；如有问题请拨打街道办电话{OFFICE}"


@pytest.fixture
def replied(frozen_now, api_client) -> dict[str, Any]:  # noqa: ANN001
    """The street's key (read, act, phone) reveals the number, then replies with it written down."""
    cast = Cast.build()
    order = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    _key, raw = create_key("街道对接", [Scope.READ, Scope.ACT, Scope.PHONE], unit=cast.lead)
    street = api_client(raw)
    assert street.post(f"/orders/{order.number}/reveal-caller").json()["caller_phone"] == PHONE
    response = street.post(f"/orders/{order.number}/actions/reply", {
        "version": street.get(f"/orders/{order.number}").json()["version"], "content": CONTENT,
        "unresolved_reason": "", "contacted": True, "resolved": True})
    assert response.status_code == 200, response.content
    return {"cast": cast, "order": Ticket.objects.get(pk=order.pk), "street": street}


def _read(api: Any, order: Ticket) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    detail = api.get(f"/orders/{order.number}")
    timeline = api.get(f"/orders/{order.number}/timeline")
    assert detail.status_code == 200 and timeline.status_code == 200, (detail.content, timeline.content)
    return detail.json(), timeline.json()


def _reply_note(timeline: list[dict[str, Any]]) -> str:
    return next(event["note"] for event in timeline if event["action"] == "reply")


def test_a_key_without_phone_reads_the_citizens_number_masked_in_a_units_reply(replied, api_client) -> None:  # noqa: ANN001
    _key, raw = create_key("报表系统", [Scope.READ])
    detail, timeline = _read(api_client(raw), replied["order"])
    assert detail["caller_phone"] == MASKED
    assert detail["replies"][0]["content"] == CONTENT_MASKED  # the street's own number stays
    assert PHONE not in _reply_note(timeline) and PHONE not in json.dumps([detail, timeline])


def test_the_unit_above_reads_the_number_masked_as_it_may_not_reveal_it(replied, api_client) -> None:  # noqa: ANN001
    _key, raw = create_key("区级对接", [Scope.READ, Scope.ACT, Scope.PHONE], unit=replied["cast"].lead.parent)
    district = api_client(raw)
    assert district.post(f"/orders/{replied['order'].number}/reveal-caller").status_code == 403
    detail, timeline = _read(district, replied["order"])
    assert detail["replies"][0]["content"] == CONTENT_MASKED
    assert MASKED in _reply_note(timeline)
    assert PHONE not in json.dumps([detail, timeline], ensure_ascii=False)


def test_the_unit_that_wrote_it_reads_its_own_words(replied) -> None:  # noqa: ANN001
    detail, timeline = _read(replied["street"], replied["order"])
    assert detail["caller_phone"] == MASKED  # the field stays masked; its own reply does not
    assert detail["replies"][0]["content"] == CONTENT
    assert PHONE in _reply_note(timeline)


def test_the_same_units_key_without_phone_reads_it_masked(replied, api_client) -> None:  # noqa: ANN001
    """A key without `phone` reads every caller's number masked, its own unit's words included."""
    _key, raw = create_key("街道报表", [Scope.READ, Scope.ACT], unit=replied["cast"].lead)
    detail, timeline = _read(api_client(raw), replied["order"])
    assert detail["replies"][0]["content"] == CONTENT_MASKED
    assert PHONE not in _reply_note(timeline)


def test_a_centre_key_with_phone_reads_it_in_full_and_the_view_is_recorded(replied, api_client) -> None:  # noqa: ANN001
    key, raw = create_key("呼叫中心坐席系统", [Scope.READ, Scope.CREATE, Scope.PHONE])
    centre = api_client(raw)
    detail, _timeline = _read(centre, replied["order"])
    assert detail["replies"][0]["content"] == CONTENT
    views = AccessRecord.objects.filter(kind="full_phone", subject=replied["order"].number, user_id=key.user_id)
    before = views.count()
    timeline = centre.get(f"/orders/{replied['order'].number}/timeline").json()  # no phone field: the note's view
    assert PHONE in _reply_note(timeline)
    assert views.count() == before + 1


def test_identity_card_numbers_in_a_units_reply_are_masked_for_other_readers(frozen_now, api_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    order = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    _key, raw = create_key("街道对接", [Scope.READ, Scope.ACT], unit=cast.lead)
    street = api_client(raw)
    response = street.post(f"/orders/{order.number}/actions/reply", {
        "version": order.version, "content": f"经核实，群众身份证号{ID_CARD}，已办理",
        "contacted": True, "resolved": True})
    assert response.status_code == 200, response.content
    _key, report_raw = create_key("报表系统", [Scope.READ])
    detail, _timeline = _read(api_client(report_raw), order)
    assert detail["replies"][0]["content"] == f"经核实，群众身份证号{ID_MASKED}，已办理"
