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
