"""API keys: hashed storage, scopes, service accounts, revocation, the header forms, and the apikey command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.api.keys import InvalidKeyRequest, authenticate, create_key, find_key, hash_key, revoke_key
from hotline.api.models import ApiKey
from hotline.tickets.tests.factories import HandlingUnitFactory

pytestmark = pytest.mark.django_db


def test_a_key_is_stored_only_as_its_hash_and_authenticates() -> None:
    key, raw = create_key("门户", ["read"])
    assert raw.startswith(f"hk_{key.prefix}_") and len(raw) > 40
    stored = ApiKey.objects.get(pk=key.pk)
    assert stored.hashed_key == hash_key(raw) and raw not in str(stored.__dict__)
    found = authenticate(raw)
    assert found == key and found.last_used_at is not None
    assert authenticate(raw[:-1] + ("A" if raw[-1] != "A" else "B")) is None
    assert authenticate("hk_nothere_x") is None and authenticate("") is None and authenticate("garbage") is None


def test_each_key_gets_a_service_account_fitting_its_scopes() -> None:
    street = HandlingUnitFactory()
    reader, _ = create_key("读", ["read"])
    creator, _ = create_key("建", ["read", "create"])
    unit_key, _ = create_key("办", ["read", "act", "create"], unit=street)
    assert reader.user.role == Role.LEADER and not reader.user.has_usable_password()
    assert creator.user.role == Role.INTAKE and creator.intake_user is None
    assert unit_key.user.role == Role.UNIT_HANDLER and list(unit_key.user.units.all()) == [street]
    assert unit_key.intake_user.role == Role.INTAKE  # registering needs an intake account
    assert unit_key.actor_for("create") == unit_key.intake_user and unit_key.actor_for("act") == unit_key.user
    assert unit_key.allows("act") and not reader.allows("create")
    partner, _ = create_key("专业热线", ["read", "transfer", "act"], unit=HandlingUnitFactory())
    assert partner.actor_for("transfer").role == Role.INTAKE and partner.actor_for("act").role == Role.UNIT_HANDLER


@pytest.mark.parametrize(("name", "scopes", "unit"), [
    ("", ["read"], False), ("x", [], False), ("x", ["fly"], False), ("x", ["act"], False),
])
def test_a_key_that_cannot_work_is_refused(name: str, scopes: list[str], unit: bool) -> None:
    with pytest.raises(InvalidKeyRequest):
        create_key(name, scopes, unit=HandlingUnitFactory() if unit else None)
    assert not ApiKey.objects.exists()


def test_names_are_unique() -> None:
    create_key("同名", ["read"])
    with pytest.raises(InvalidKeyRequest):
        create_key("同名", ["read"])


def test_a_revoked_key_no_longer_authenticates_and_its_accounts_are_disabled() -> None:
    key, raw = create_key("撤", ["read", "act"], unit=HandlingUnitFactory())
    revoke_key(key)
    key.refresh_from_db()
    assert authenticate(raw) is None and not key.allows("read")
    assert not key.user.is_active


def test_find_key_by_name_or_prefix() -> None:
    key, raw = create_key("查找", ["read"])
    assert find_key("查找") == key and find_key(key.prefix) == key and find_key(raw) == key
    assert find_key("none") is None


def test_revoked_key_is_401_on_the_api(api_client) -> None:  # noqa: ANN001
    key, raw = create_key("撤销后", ["read"])
    assert api_client(raw).get("/units").status_code == 200
    revoke_key(key)
    response = api_client(raw).get("/units")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


def test_both_header_forms_work_and_no_key_is_401(api_client) -> None:  # noqa: ANN001
    _, raw = create_key("头", ["read"])
    assert api_client(raw, header="bearer").get("/categories").status_code == 200
    assert api_client(raw, header="x-api-key").get("/categories").status_code == 200
    response = api_client().get("/categories")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"


def test_the_command_prints_the_raw_key_on_its_last_line(api_client) -> None:  # noqa: ANN001
    unit = HandlingUnitFactory(code="WATER")
    out = io.StringIO()
    call_command("apikey", "create", "水务对接", "--scope", "read", "--scope", "act", "--unit", "WATER", stdout=out)
    raw = out.getvalue().strip().splitlines()[-1]
    key = authenticate(raw)
    assert key is not None and key.name == "水务对接" and key.unit == unit and key.scopes == ["read", "act"]
    assert api_client(raw).get("/units").status_code == 200

    listing = io.StringIO()
    call_command("apikey", "list", stdout=listing)
    assert key.prefix in listing.getvalue() and raw not in listing.getvalue()

    call_command("apikey", "revoke", key.prefix, stdout=io.StringIO())
    assert authenticate(raw) is None
    with pytest.raises(CommandError):
        call_command("apikey", "revoke", "不存在", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("apikey", "create", "无单位", "--scope", "act", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("apikey", "create", "错单位", "--scope", "act", "--unit", "NOPE", stdout=io.StringIO())


def test_admins_see_and_revoke_keys_in_the_admin(admin_client) -> None:  # noqa: ANN001
    key, raw = create_key("后台", ["read"])
    page = admin_client.get("/admin/api/apikey/")
    assert page.status_code == 200 and key.prefix in page.content.decode() and raw not in page.content.decode()
    admin_client.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert authenticate(raw) is None


def test_errors_speak_english_when_asked(api_client) -> None:  # noqa: ANN001
    response = api_client("hk_aaaaaaaa_wrong").get("/units", **{"Accept-Language": "en"})
    assert response.json()["error"]["message"] == "The API key is unknown or revoked"
    response = api_client("hk_aaaaaaaa_wrong").get("/units", **{"Accept-Language": "zh-hans"})
    assert response.json()["error"]["message"] == "接口密钥无效或已吊销"


def test_a_centre_key_names_its_role(frozen_now, org, api_client) -> None:  # noqa: ANN001
    from hotline.tickets.choices import Status
    from hotline.tickets.tests.factories import ensure_default_policies, make_ticket

    with pytest.raises(InvalidKeyRequest):
        create_key("中心无角色", ["act"], unit=org.centre)
    with pytest.raises(InvalidKeyRequest):
        create_key("街道当派单员", ["act"], unit=org.street_a, role="dispatcher")
    key, raw = create_key("中心派单", ["read", "act"], unit=org.centre, role="dispatcher")
    assert key.user.role == Role.DISPATCHER and not key.user.units.exists()
    ensure_default_policies()
    ticket = make_ticket(Status.PENDING_DISPATCH)
    response = api_client(raw).post(f"/orders/{ticket.number}/actions/dispatch",
                                    {"version": ticket.version, "lead": org.street_a.code})
    assert response.status_code == 200, response.content
    assert response.json()["lead_unit"]["code"] == org.street_a.code


@pytest.mark.django_db
def test_authentication_sees_every_change_to_a_key_at_once() -> None:
    """The process reuses the objects it built for a key only while the key's rows are unchanged."""
    key, raw = create_key("变更即时生效", ["read"])
    first, second = authenticate(raw), authenticate(raw)
    assert first is not None and second is not None and first.pk == second.pk == key.pk
    assert first is not second and first.user is not second.user  # fresh copies for each call
    first.user.first_name = "改动不外泄"
    assert authenticate(raw).user.first_name != "改动不外泄"

    ApiKey.objects.filter(pk=key.pk).update(scopes=["read", "create"])
    assert authenticate(raw).allows("create")
    User.objects.filter(pk=key.user_id).update(is_active=False)  # the account, not the key row
    assert authenticate(raw) is None
    User.objects.filter(pk=key.user_id).update(is_active=True)
    assert authenticate(raw) is not None
    revoke_key(ApiKey.objects.get(pk=key.pk))
    assert authenticate(raw) is None


@pytest.mark.django_db
def test_idempotency_sql_names_the_records_table() -> None:
    from hotline.api import idempotency
    from hotline.api.models import IdempotencyRecord

    table = IdempotencyRecord._meta.db_table
    assert all(f" {table} " in sql for sql in (idempotency._LOOKUP, idempotency._RECORD))


def test_a_unit_role_key_needs_a_handling_unit(org) -> None:  # noqa: ANN001
    """The same rule as the user admin's memberships (accounts.choices.unit_fits_role)."""
    from hotline.accounts.choices import unit_fits_role

    for unit in (None, org.centre):
        with pytest.raises(InvalidKeyRequest, match="--unit"):
            create_key(f"单位角色{unit}", ["act"], unit=unit, role="unit_handler")
    assert unit_fits_role(Role.UNIT_ADMIN, org.street_a.kind) and not unit_fits_role(Role.UNIT_ADMIN, org.centre.kind)
    assert unit_fits_role(Role.DISPATCHER, org.centre.kind) and not unit_fits_role(Role.DISPATCHER, org.street_a.kind)
