"""Who gave a key the callers' full numbers, and when: every `hotline apikey` subcommand that changes a key
(`create`, `grant`, `withdraw`, `revoke`) leaves its record in the admin change trail (管理后台变更记录) as
「命令行（<system user>）」, naming the key by its name and prefix; neither the raw key nor its hash is written."""

from __future__ import annotations

import io
import json
from datetime import datetime

import pytest
from django.core.management import CommandError, call_command

from hotline.api.keys import authenticate, create_key, hash_key
from hotline.api.models import ApiKey
from hotline.ops.admin_audit import MASK
from hotline.ops.models import AdminAction, AdminChange

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

WHO = "命令行（ops-oncall）"


@pytest.fixture(autouse=True)
def _system_user(monkeypatch: pytest.MonkeyPatch) -> None:
    """The system account running the command."""
    monkeypatch.setattr("getpass.getuser", lambda: "ops-oncall")


def _apikey(*args: str) -> str:
    out = io.StringIO()
    call_command("apikey", *args, stdout=out)
    return out.getvalue()


def _key_records() -> list[AdminChange]:
    return list(AdminChange.objects.filter(model="api.apikey").order_by("id"))


def _assert_names_the_command_line_and_the_key(record: AdminChange, key: ApiKey, now: datetime) -> None:
    assert record.username == WHO and record.user_id is None and record.at == now
    assert record.object_pk == str(key.pk) and key.name in record.object_repr and key.prefix in record.object_repr


def _assert_no_secret(raw: str) -> None:
    """Neither the raw key, nor its secret part, nor its hash, in any record of the trail."""
    written = json.dumps([[c.object_repr, c.changes] for c in AdminChange.objects.all()], ensure_ascii=False)
    assert raw not in written and raw.split("_", 2)[2] not in written and hash_key(raw) not in written


def test_create_records_the_new_key_by_the_command_line(frozen_now: datetime) -> None:
    raw = _apikey("create", "呼叫中心坐席系统", "--scope", "read", "--scope", "create",
                  "--scope", "phone").strip().splitlines()[-1]
    key = authenticate(raw)
    assert key is not None
    (record,) = _key_records()
    _assert_names_the_command_line_and_the_key(record, key, frozen_now)
    assert record.action == AdminAction.ADD
    assert record.changes["hashed_key"] == [None, MASK]
    assert record.changes["scopes"] == [None, ["read", "create", "phone"]]
    # Its service accounts are recorded too, by the same hand (as when the admin creates them).
    accounts = AdminChange.objects.filter(model="accounts.user", action=AdminAction.ADD)
    assert {c.object_pk for c in accounts} == {str(key.user_id), str(key.intake_user_id)} - {"None"}
    assert set(AdminChange.objects.values_list("username", flat=True)) == {WHO}
    _assert_no_secret(raw)


def test_a_refused_create_records_nothing() -> None:
    with pytest.raises(CommandError):
        _apikey("create", "无单位", "--scope", "act")
    assert not AdminChange.objects.exists()


@pytest.mark.parametrize("by", ["name", "prefix"])
def test_grant_and_withdraw_of_full_numbers_are_each_recorded_once(frozen_now: datetime, by: str) -> None:
    key, raw = create_key("微信公众号", ["read"])  # made by the service itself: no record
    named = key.name if by == "name" else key.prefix
    assert not AdminChange.objects.exists()

    _apikey("grant", named, "--scope", "phone")
    (granted,) = _key_records()
    _assert_names_the_command_line_and_the_key(granted, key, frozen_now)
    assert granted.action == AdminAction.CHANGE
    assert granted.changes == {"scopes": [["read"], ["read", "phone"]]}
    _apikey("grant", named, "--scope", "phone")  # granted twice: nothing changes, nothing more is recorded
    assert len(_key_records()) == 1

    _apikey("withdraw", named, "--scope", "phone")
    withdrawn = _key_records()[-1]
    assert len(_key_records()) == 2
    _assert_names_the_command_line_and_the_key(withdrawn, key, frozen_now)
    assert withdrawn.changes == {"scopes": [["read", "phone"], ["read"]]}
    assert ApiKey.objects.get(pk=key.pk).scopes == ["read"]
    _assert_no_secret(raw)


def test_revoke_records_the_key_and_its_accounts_once(frozen_now: datetime) -> None:
    key, raw = create_key("旧系统", ["read"])

    assert "revoked key" in _apikey("revoke", key.prefix)
    (revoked,) = _key_records()
    _assert_names_the_command_line_and_the_key(revoked, key, frozen_now)
    assert revoked.action == AdminAction.CHANGE and list(revoked.changes) == ["revoked_at"]
    account = AdminChange.objects.get(model="accounts.user", object_pk=str(key.user_id))
    assert account.username == WHO and account.changes == {"is_active": ["True", "False"]}
    assert "was already revoked" in _apikey("revoke", key.prefix)  # twice: nothing more is recorded
    assert AdminChange.objects.count() == 2
    _assert_no_secret(raw)


def test_listing_keys_records_nothing() -> None:
    create_key("门户", ["read"])
    assert "门户" in _apikey("list")
    assert not AdminChange.objects.exists()
