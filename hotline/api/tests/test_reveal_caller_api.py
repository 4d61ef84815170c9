"""联系群众 over the API (`POST /api/v1/orders/{number}/reveal-caller`): a unit's key with `phone` reveals the
caller's full number as the order page does (`tickets.views.reveal_caller`), each reveal recorded on the API's
address; every other caller is refused with the page's reasons, recording nothing; a replay is a new reveal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.api.models import IdempotencyRecord
from hotline.ops.models import AccessKind, AccessRecord
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import ReturnReason, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket
from hotline.tickets.tests.test_unit_reveals_caller import (  # the page's words: the API reveals what it does
    LATER,
    LATER_MASKED,
    MASKED,
    PHONE,
    TYPED,
    TYPED_MASKED,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build(assisting=1)


def _handled(cast: Cast, **draft: Any) -> Ticket:
    """A signed order (lead and assisting unit 办理中) with a 补充诉求 the centre's agent recorded."""
    draft = {"caller_phone": PHONE, "caller_name": "王建国", "description": TYPED} | draft
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, **draft)
    services.supplement(ticket, actor=cast.intake, text=LATER)
    ticket.refresh_from_db()
    return ticket


def _path(ticket: Ticket) -> str:
    return f"/orders/{ticket.number}/reveal-caller"


def _unit_key(unit: Any, scopes: tuple[str, ...] = ("read", "act", "phone"), name: str = "街道办件系统") -> str:
    return create_key(name, list(scopes), unit=unit)[1]


def _refused(response: Any, status: int, code: str, reason: str) -> None:
    """Refused in the API's error format with the reason; no number shown, nothing recorded."""
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code and reason in error["message"]
    assert PHONE not in response.content.decode()
    assert not AccessRecord.objects.exists()


def test_the_lead_units_key_reveals_what_the_page_reveals_and_it_is_recorded(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    key, raw = create_key("街道办件系统", ["read", "act", "phone"], unit=cast.lead)
    client = api_client(raw)
    assert client.get(f"/orders/{ticket.number}").json()["caller_phone"] == MASKED  # reading stays masked
    response = client.post(_path(ticket))
    assert response.status_code == 200, response.content
    assert "no-store" in response.headers.get("Cache-Control", "")
    body = response.json()
    assert body["number"] == ticket.number and body["caller_phone"] == PHONE and body["caller_name"] == "王建国"
    assert body["description"] == TYPED  # the citizen's words as written, as on the revealed page
    assert [(e["action"], e["note"]) for e in body["supplements"]] == [("supplement", LATER)]
    assert list(AccessRecord.objects.values_list("kind", "subject_type", "subject", "user_id", "path")) == [
        (AccessKind.FULL_PHONE, "ticket", ticket.number, key.user.pk, f"/api/v1{_path(ticket)}")]
    detail = client.get(f"/orders/{ticket.number}").content.decode()  # the next read: masked again
    assert PHONE not in detail and MASKED in detail and TYPED_MASKED in detail
    assert LATER_MASKED in client.get(f"/orders/{ticket.number}/timeline").content.decode()
    assert AccessRecord.objects.count() == 1
    ticket.refresh_from_db()
    assert ticket.timeline.count() == ticket.version  # a reveal is no step on the order


def test_an_assisting_units_key_reveals_too_even_before_signing(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone=PHONE)
    response = api_client(_unit_key(cast.assisting[0], ("phone",))).post(_path(ticket))  # `phone` alone suffices
    assert response.status_code == 200, response.content
    assert response.json()["caller_phone"] == PHONE and response.json()["supplements"] == []
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=ticket.number).count() == 1


def test_a_unit_key_without_phone_is_refused(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    response = api_client(_unit_key(cast.lead, ("read", "act"))).post(_path(ticket))
    _refused(response, 403, "insufficient_scope", "phone")
    assert response.json()["error"]["details"] == {"required_scope": "phone"}


def test_a_unit_that_returned_the_order_is_refused_with_the_pages_reason(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.DISPATCHED, cast=cast, caller_phone=PHONE)
    services.return_order(ticket, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_DUTY,
                          reason="该事项属于其他部门职责")
    _refused(api_client(_unit_key(cast.lead)).post(_path(ticket)), 403, "not_permitted",
             "只有正在办理该工单的承办单位可以查看群众的完整号码")


def test_a_district_above_the_handling_street_is_refused(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    client = api_client(_unit_key(cast.lead.parent))
    assert client.get(f"/orders/{ticket.number}").status_code == 200  # it reads the order of its sub-tree …
    _refused(client.post(_path(ticket)), 403, "not_permitted", "只有正在办理该工单的承办单位")  # … not its caller


def test_an_anonymous_caller_is_never_revealed(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast, is_anonymous=True)
    _refused(api_client(_unit_key(cast.lead)).post(_path(ticket)), 403, "not_permitted", "请联系热线中心转达")


def test_an_order_without_a_number_has_nothing_to_reveal(cast: Cast, api_client: Any) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="")
    _refused(api_client(_unit_key(cast.lead)).post(_path(ticket)), 403, "not_permitted", "该工单没有来电号码")


def test_an_order_the_key_cannot_read_is_not_found(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    stranger = HandlingUnitFactory(kind=UnitKind.STREET)
    client = api_client(_unit_key(stranger))
    _refused(client.post(_path(ticket)), 404, "not_found", "工单不存在或无权查看")
    _refused(client.post("/orders/209901010000001/reveal-caller"), 404, "not_found", "工单不存在或无权查看")


def test_a_centre_key_is_refused_it_reads_full_numbers_already(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    _, raw = create_key("坐席系统", ["read", "phone"])
    _refused(api_client(raw).post(_path(ticket)), 403, "not_permitted", "中心人员已可查看完整号码")


def test_a_person_signed_in_reveals_on_the_order_page_not_here(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    session = Client()
    session.force_login(cast.lead_handler)
    _refused(api_client(client=session).post(_path(ticket)), 403, "not_permitted", "请在工单页点击「查看完整号码」")


def test_a_get_is_not_allowed(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    response = api_client(_unit_key(cast.lead)).get(_path(ticket))
    _refused(response, 405, "method_not_allowed", "GET")
    assert response["Allow"] == "POST"


def test_a_replayed_idempotency_key_reveals_again_and_is_recorded_again(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast)
    client = api_client(_unit_key(cast.lead))
    first = client.post(_path(ticket), **{"Idempotency-Key": "contact-1"})
    again = client.post(_path(ticket), **{"Idempotency-Key": "contact-1"})
    assert first.status_code == again.status_code == 200
    assert "Idempotent-Replayed" not in again.headers
    assert not IdempotencyRecord.objects.exists()  # nothing stored: no number to hand back without a record
    assert AccessRecord.objects.filter(kind=AccessKind.FULL_PHONE, subject=ticket.number).count() == 2
    assert AccessRecord.objects.values("request_id").distinct().count() == 2


def test_the_reason_is_in_english_when_asked(cast: Cast, api_client: Any) -> None:
    ticket = _handled(cast, is_anonymous=True)
    response = api_client(_unit_key(cast.lead)).post(_path(ticket), **{"Accept-Language": "en"})
    assert response.status_code == 403
    message = response.json()["error"]["message"]
    assert message and not any("\u4e00" <= ch <= "\u9fff" for ch in message)


def test_the_schema_lists_the_operation(api_client: Any) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/orders/{number}/reveal-caller"]["post"]
    assert operation["operationId"] == "reveal_caller"
    assert {"200", "403", "404"} <= set(operation["responses"])
    assert "get" not in schema["paths"]["/api/v1/orders/{number}/reveal-caller"]

