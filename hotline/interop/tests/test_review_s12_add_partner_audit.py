"""docs/security.md: changes "deciding who gets what data" are recorded in the admin change trail, "the `interop`
and `apikey` commands' changes as 「命令行（<system user>）」". `interop add-partner` makes an API key and the
webhook endpoint that sends orders to the partner's address: it leaves its records as `apikey create` does,
secrets masked."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from hotline.ops.models import AdminChange

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def test_add_partner_records_the_key_and_where_orders_go(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("getpass.getuser", lambda: "ops-oncall")
    out = StringIO()
    call_command("interop", "add-partner", "110", "市公安局110指挥中心", "--kind", "emergency", "--service", "110",
                 "--url", "https://110.example.gov.cn/hotline", stdout=out)
    changes = AdminChange.objects.filter(username="命令行（ops-oncall）")
    models = set(changes.values_list("model", flat=True))
    assert {"api.apikey", "interop.partner"} <= models
    raw = out.getvalue().split("api key (shown once): ", 1)[1].split()[0]
    assert not any(raw in str(change.changes) for change in changes)  # the key itself is never written
