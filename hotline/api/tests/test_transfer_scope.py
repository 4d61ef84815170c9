"""The transfer to 110/119/120/122 needs the `transfer` scope, also for a key that may `act` (docs/api.md)."""

from __future__ import annotations

import pytest

from hotline.api.keys import create_key
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db


def test_an_act_key_of_a_dispatcher_may_not_transfer(frozen_now, org, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    ticket = make_ticket(Status.PENDING_DISPATCH)
    _, raw = create_key("中心派单", ["read", "act"], unit=org.centre, role="dispatcher")
    client = api_client(raw)
    offered = {a["action"] for a in client.get(f"/orders/{ticket.number}/actions").json()}
    assert "dispatch" in offered and "transfer" not in offered
    refused = client.post(f"/orders/{ticket.number}/actions/transfer", {"version": ticket.version, "to": "110"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "insufficient_scope"
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH


def test_a_dispatcher_key_with_the_transfer_scope_transfers(frozen_now, org, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    ticket = make_ticket(Status.PENDING_DISPATCH)
    _, raw = create_key("中心派单转110", ["read", "act", "transfer"], unit=org.centre, role="dispatcher")
    client = api_client(raw)
    assert "transfer" in {a["action"] for a in client.get(f"/orders/{ticket.number}/actions").json()}
    done = client.post(f"/orders/{ticket.number}/actions/transfer", {"version": ticket.version, "to": "110"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == Status.TRANSFERRED


def test_the_apikey_command_speaks_chinese_like_its_neighbours() -> None:
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="未知的单位编码：NOPE"):
        call_command("apikey", "create", "x", "--scope", "act", "--unit", "NOPE", stdout=io.StringIO())
    with pytest.raises(CommandError, match="没有名称或前缀为 '不存在' 的接口密钥"):
        call_command("apikey", "revoke", "不存在", stdout=io.StringIO())


def _unit_transfer_key(unit, name: str = "水务热线", scopes: tuple[str, ...] = ("read", "act", "transfer")) -> str:  # noqa: ANN001
    """The key of a specialised hotline partner (interop `add_partner`): its unit's handler, plus `transfer`."""
    _, raw = create_key(name, list(scopes), unit=unit)
    return raw


def _refused_and_unchanged(client, ticket) -> None:  # noqa: ANN001
    """The transfer is not offered, is refused like any step the caller may not take, and changes nothing."""
    before = (ticket.status, ticket.version, ticket.timeline.count())
    offered = {a["action"] for a in client.get(f"/orders/{ticket.number}/actions").json()}
    refused = client.post(f"/orders/{ticket.number}/actions/transfer", {"version": ticket.version, "to": "110"})
    ticket.refresh_from_db()
    assert "transfer" not in offered
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "not_permitted", refused.content
    assert (ticket.status, ticket.version, ticket.timeline.count()) == before


def test_a_unit_key_may_not_transfer_an_order_its_unit_returned(frozen_now, api_client) -> None:  # noqa: ANN001
    """Its transfer runs as its intake account (centre rights): not for the orders it sees as its unit's."""
    from hotline.tickets import services
    from hotline.tickets.tests.factories import Cast

    ensure_default_policies()
    cast = Cast.build()
    ticket = make_ticket(Status.RETURNED, cast=cast)
    services.accept_return(ticket, actor=cast.dispatcher)
    ticket.refresh_from_db()
    assert ticket.status == Status.PENDING_DISPATCH
    client = api_client(_unit_transfer_key(cast.lead))
    assert client.get(f"/orders/{ticket.number}").status_code == 200  # still visible to the unit
    _refused_and_unchanged(client, ticket)


def test_a_unit_key_may_not_transfer_an_order_it_was_consulted_on(frozen_now, api_client) -> None:  # noqa: ANN001
    """会商: the invited unit sees the centre's order; its key may not send it to 110 (nor withdraw the consultation)."""
    from hotline.orgs.choices import UnitKind
    from hotline.tickets import services
    from hotline.tickets.tests.factories import Cast, HandlingUnitFactory

    ensure_default_policies()
    cast = Cast.build()
    invited = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    services.start_consultation(ticket, actor=cast.dispatcher, units=[cast.lead, invited], question="职责边界？")
    ticket.refresh_from_db()
    client = api_client(_unit_transfer_key(invited))
    assert client.get(f"/orders/{ticket.number}").status_code == 200
    _refused_and_unchanged(client, ticket)


def test_a_unit_key_transfers_the_orders_its_intake_account_registered(frozen_now, org, api_client) -> None:  # noqa: ANN001
    ensure_default_policies()
    client = api_client(_unit_transfer_key(org.street_a, scopes=("read", "act", "create", "transfer")))
    order = client.post("/orders", {"request_type": "help", "description": "有人在小区打架"})
    assert order.status_code == 201, order.content
    order = order.json()
    assert "transfer" in {a["action"] for a in client.get(f"/orders/{order['number']}/actions").json()}
    done = client.post(f"/orders/{order['number']}/actions/transfer", {"version": order["version"], "to": "110"})
    assert done.status_code == 200, done.content
    assert done.json()["status"] == Status.TRANSFERRED
