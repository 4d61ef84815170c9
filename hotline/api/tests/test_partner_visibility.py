"""Least privilege for partner platforms' keys (docs/api.md, docs/interop.md): the 110 command centre's key reads
only the orders exchanged with it (transferred to it and acknowledged, or transferred in by it); a specialised
hotline's key reads its unit's orders and those it transferred in; any other key reads what its role sees."""

from __future__ import annotations

import json
from typing import Any

import pytest

from hotline.api.keys import create_key
from hotline.interop import services as interop
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.tickets import services as tickets
from hotline.tickets.choices import EmergencyService, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.webhooks.tests.offline_dns import _offline_dns  # noqa: F401 - fixture (the partner's endpoint)

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _interop(client, raw: str, path: str, body: dict[str, Any]) -> dict[str, Any]:  # noqa: ANN001
    response = client.post(f"/interop/v1/{path}", json.dumps(body), content_type="application/json",
                           HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code in (200, 201), response.content
    return response.json()


def _transfer_in(client, raw: str, reference: str, **extra: Any) -> Ticket:  # noqa: ANN001
    """The partner hands an order to the centre (工单转入) with its key."""
    body = {"reference": reference, "content": "群众报警称小区噪音扰民，非紧急警情，转12345处理", **extra}
    return Ticket.objects.get(number=_interop(client, raw, "transfers", body)["number"])


def _numbers(api: Any, **params: Any) -> set[str]:
    page = api.get("/orders", {"page_size": 100, **params})
    assert page.status_code == 200, page.content
    return {row["number"] for row in page.json()["results"]}


@pytest.fixture
def police(db: None) -> tuple[Partner, str]:
    partner, raw = interop.add_partner(code="110", name="市公安局110指挥中心", kind=PartnerKind.EMERGENCY,
                                       emergency_service=EmergencyService.POLICE)
    interop.set_endpoint(partner, "https://110.example.gov.cn/hotline")
    return partner, raw


@pytest.fixture
def exchange(client, police, on_commit) -> dict[str, Ticket]:  # noqa: ANN001
    """Orders exchanged with 110 (转应急 and acknowledged; transferred in), and orders that are not."""
    partner, raw = police
    sent = make_ticket(Status.REGISTERED, description="有人持刀在街头闹事")
    with on_commit():
        tickets.transfer(sent, actor=sent.cast.intake, to=EmergencyService.POLICE, note="一键转110")
    _interop(client, raw, "acks", {"number": sent.number, "reference": "JQ-OUT-1"})
    fire = interop.add_partner(code="119", name="市消防救援支队119", kind=PartnerKind.EMERGENCY,
                               emergency_service=EmergencyService.FIRE)[0]
    interop.set_endpoint(fire, "https://119.example.gov.cn/hotline")
    to_fire = make_ticket(Status.REGISTERED, cast=sent.cast)
    with on_commit():
        tickets.transfer(to_fire, actor=sent.cast.intake, to=EmergencyService.FIRE)
    interop.record_acknowledgement(fire, to_fire, "HJ-1")
    return {
        "sent": sent,
        "received": _transfer_in(client, raw, "JQ-IN-1"),
        "secret": _transfer_in(client, raw, "JQ-IN-2", confidential=True),  # 保密: never for a key
        "other": make_ticket(Status.DISPATCHED, cast=sent.cast),
        "fire": to_fire,  # exchanged with 119, not with 110
    }


def test_the_110_key_lists_only_the_orders_exchanged_with_it(exchange, police, api_client) -> None:  # noqa: ANN001
    api = api_client(police[1])
    assert _numbers(api) == {exchange["sent"].number, exchange["received"].number}
    assert api.get("/orders").json()["count"] == 2
    assert _numbers(api, q=exchange["other"].number) == set()  # the search by number starts from the same orders
    assert _numbers(api, q=exchange["sent"].number) == {exchange["sent"].number}


def test_the_110_key_reads_its_orders_and_gets_404_for_any_other(exchange, police, api_client) -> None:  # noqa: ANN001
    api = api_client(police[1])
    for name in ("sent", "received"):
        number = exchange[name].number
        assert api.get(f"/orders/{number}").json()["number"] == number
        assert api.get(f"/orders/{number}/timeline").status_code == 200
        assert api.get(f"/orders/{number}/actions").status_code == 200
    for name in ("other", "fire", "secret"):
        ticket = exchange[name]
        for path in ("", "/timeline", "/return-visits", "/actions"):
            response = api.get(f"/orders/{ticket.number}{path}")
            assert response.status_code == 404, (name, path)
            assert response.json()["error"]["code"] == "not_found"
        # the key's `transfer` scope picks its order through the same rule: not found, nothing changes
        refused = api.post(f"/orders/{ticket.number}/actions/transfer", {"version": ticket.version, "to": "119"})
        assert refused.status_code == 404
        assert Ticket.objects.get(pk=ticket.pk).version == ticket.version


def test_an_order_registered_by_the_110_keys_account_is_its_own(police, api_client) -> None:  # noqa: ANN001
    partner, raw = police
    own = make_ticket(Status.REGISTERED)
    Ticket.objects.filter(pk=own.pk).update(registered_by=partner.api_key.user)  # e.g. registered before a reference
    other = make_ticket(Status.REGISTERED, cast=own.cast)
    api = api_client(raw)
    assert _numbers(api) == {own.number}
    assert api.get(f"/orders/{other.number}").status_code == 404


def test_a_specialised_hotlines_key_still_sees_its_units_orders(client, on_commit, api_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    partner, raw = interop.add_partner(code="12315", name="12315 市场监管热线", kind=PartnerKind.SPECIALISED,
                                       unit=cast.lead)
    dispatched = make_ticket(Status.DISPATCHED, cast=cast)
    elsewhere = make_ticket(Status.DISPATCHED, cast=Cast.build())
    received = _transfer_in(client, raw, "SC-1")
    assert received.registered_by == partner.api_key.intake_user
    api = api_client(raw)
    assert _numbers(api) == {dispatched.number, received.number}
    assert api.get(f"/orders/{dispatched.number}").status_code == 200
    assert api.get(f"/orders/{received.number}").status_code == 200
    assert api.get(f"/orders/{elsewhere.number}").status_code == 404


def test_an_ordinary_centre_key_still_reads_every_order_but_confidential_ones(exchange, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("数据中台", ["read"])
    api = api_client(raw)
    visible = {exchange[name].number for name in ("sent", "received", "other", "fire")}
    assert visible <= _numbers(api)
    assert exchange["secret"].number not in _numbers(api)
    assert api.get(f"/orders/{exchange['other'].number}").status_code == 200
    assert api.get(f"/orders/{exchange['secret'].number}").status_code == 404
