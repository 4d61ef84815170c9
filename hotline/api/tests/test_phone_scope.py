"""The `phone` scope (完整号码): without it a key reads callers' numbers masked, records no view, and may not
look orders up by a caller's number; with it a centre key reads them in full, each view recorded."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from hotline.api.keys import InvalidKeyRequest, change_scope, create_key, revoke_key
from hotline.api.models import IdempotencyRecord
from hotline.interop.services import add_partner, record_acknowledgement
from hotline.ops.models import AccessKind, AccessRecord
from hotline.orgs.choices import UnitKind
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, ensure_default_policies, make_ticket

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
MASKED = "139****5678"
NEW_ORDER = {"request_type": "help", "description": "独居老人家中停水两天，请帮忙联系", "caller_phone": PHONE,
             "decision": "dispatch"}


@pytest.fixture
def cast(frozen_now) -> Cast:  # noqa: ANN001
    ensure_default_policies()
    return Cast.build()


@pytest.fixture
def order(cast):  # noqa: ANN001, ANN201
    return make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, caller_name="王建国")


def test_a_centre_key_without_phone_reads_every_number_masked_and_records_nothing(order, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("统计报表", ["read"])  # a read-only reporting key: a 领导 account, a centre role
    client = api_client(raw)
    detail = client.get(f"/orders/{order.number}")
    listed = client.get("/orders")
    assert detail.status_code == listed.status_code == 200
    assert detail.json()["caller_phone"] == MASKED and detail.json()["caller_name"] == "王建国"
    assert order.number in listed.content.decode()
    for response in (detail, listed, client.get(f"/orders/{order.number}/timeline")):
        assert PHONE not in response.content.decode()
    assert not AccessRecord.objects.exists()  # nothing full was shown


def test_a_centre_key_with_phone_reads_the_full_number_and_the_view_is_recorded(order, api_client) -> None:  # noqa: ANN001
    key, raw = create_key("坐席系统", ["read", "phone"])
    detail = api_client(raw).get(f"/orders/{order.number}")
    assert detail.json()["caller_phone"] == PHONE
    record = AccessRecord.objects.get()
    assert (record.kind, record.subject_type, record.subject) == (AccessKind.FULL_PHONE, "ticket", order.number)
    assert record.username == key.user.username


def test_a_unit_key_reads_masked_numbers_even_with_phone(order, cast, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("街道对接", ["read", "phone"], unit=cast.lead)
    assert api_client(raw).get(f"/orders/{order.number}").json()["caller_phone"] == MASKED
    assert not AccessRecord.objects.exists()


def test_a_creation_answers_with_the_number_masked_unless_the_key_has_phone(cast, api_client) -> None:  # noqa: ANN001
    _, masked_raw = create_key("公众号", ["create"])
    created = api_client(masked_raw).post("/orders", NEW_ORDER, **{"Idempotency-Key": "masked-1"})
    assert created.status_code == 201, created.content
    assert created.json()["caller_phone"] == MASKED
    assert not AccessRecord.objects.exists()
    assert IdempotencyRecord.objects.get(key="masked-1").shown == ""  # a replay shows nothing full either

    _, full_raw = create_key("坐席系统", ["create", "phone"])
    created = api_client(full_raw).post("/orders", NEW_ORDER)
    assert created.status_code == 201, created.content
    assert created.json()["caller_phone"] == PHONE
    assert list(AccessRecord.objects.values_list("kind", "subject")) == [
        (AccessKind.FULL_PHONE, created.json()["number"])]


def test_a_steps_answer_masks_the_number_for_a_centre_key_without_phone(cast, api_client) -> None:  # noqa: ANN001
    pending = make_ticket(Status.PENDING_DISPATCH, cast=cast, caller_phone=PHONE)
    _, raw = create_key("中心派单", ["read", "act"], unit=HandlingUnitFactory(kind=UnitKind.CENTRE),
                        role="dispatcher")
    response = api_client(raw).post(f"/orders/{pending.number}/actions/dispatch",
                                    {"version": pending.version, "lead": cast.lead.code})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == Status.DISPATCHED and response.json()["caller_phone"] == MASKED
    assert not AccessRecord.objects.exists()


def test_looking_orders_up_by_a_callers_number_needs_phone(order, api_client) -> None:  # noqa: ANN001
    _, raw = create_key("统计报表", ["read"])
    client = api_client(raw)
    for typed in (PHONE, "139 1234 5678", "+86-139-1234-5678"):
        refused = client.get("/orders", {"q": typed})
        assert refused.status_code == 403, typed
        assert refused.json()["error"]["code"] == "insufficient_scope"
        assert refused.json()["error"]["details"] == {"required_scope": "phone"}
    # The order number, shaped like a phone number too, is still found; text searches are untouched.
    assert client.get("/orders", {"q": order.number}).json()["count"] == 1
    assert client.get("/orders", {"q": "路灯"}).status_code == 200

    _, full_raw = create_key("坐席系统", ["read", "phone"])
    found = api_client(full_raw).get("/orders", {"q": PHONE}).json()
    assert [o["number"] for o in found["results"]] == [order.number]


def test_a_number_shaped_like_an_order_number_never_matches_a_callers_number(cast, api_client) -> None:  # noqa: ANN001
    """A local number without its area code may look like the start of an order number (20…)."""
    local = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone="20881234")
    _, raw = create_key("统计报表", ["read"])
    assert api_client(raw).get("/orders", {"q": "20881234"}).json()["count"] == 0
    _, full_raw = create_key("坐席系统", ["read", "phone"])
    assert [o["number"] for o in api_client(full_raw).get("/orders", {"q": "20881234"}).json()["results"]] == [
        local.number]


def test_a_unit_key_searches_as_before(order, cast, api_client) -> None:  # noqa: ANN001
    """A unit's search is never compared with callers' numbers: a number-shaped search finds only text."""
    _, raw = create_key("街道对接", ["read"], unit=cast.lead)
    assert api_client(raw).get("/orders", {"q": PHONE}).json()["count"] == 0


def test_a_person_signed_in_keeps_the_full_number_by_role(order, cast, api_client) -> None:  # noqa: ANN001
    from django.test import Client

    session = Client()
    session.force_login(cast.dispatcher)
    client = api_client(client=session)
    assert client.get(f"/orders/{order.number}").json()["caller_phone"] == PHONE
    assert client.get("/orders", {"q": PHONE}).json()["count"] == 1


def test_the_110_partner_key_reads_callers_numbers_masked(order, api_client) -> None:  # noqa: ANN001
    """A partner's key (read + transfer, an intake account) has no `phone`: it cannot page through the
    hotline's orders collecting callers' full numbers (the transfers pushed to it are another path)."""
    partner, raw = add_partner(code="110", name="市公安局110指挥中心", kind="emergency", emergency_service="110")
    assert "phone" not in partner.api_key.scopes
    record_acknowledgement(partner, order, "JQ-1")  # an order exchanged with it: the only kind it reads
    client = api_client(raw)
    detail = client.get(f"/orders/{order.number}")
    assert detail.status_code == 200 and detail.json()["caller_phone"] == MASKED
    assert PHONE not in client.get("/orders").content.decode()
    assert client.get("/orders", {"q": PHONE}).status_code == 403
    assert not AccessRecord.objects.exists()


def test_the_command_grants_phone_by_name() -> None:
    out = io.StringIO()
    call_command("apikey", "create", "坐席系统", "--scope", "read", "--scope", "phone", stdout=out)
    assert "scopes=read,phone" in out.getvalue()


def test_an_existing_key_is_granted_phone_and_it_is_withdrawn_again(order, api_client) -> None:  # noqa: ANN001
    """After the upgrade a centre system's key reads masked numbers until it is granted `phone`."""
    key, raw = create_key("坐席系统", ["read"])
    client = api_client(raw)
    assert client.get(f"/orders/{order.number}").json()["caller_phone"] == MASKED
    out = io.StringIO()
    call_command("apikey", "grant", key.prefix, "--scope", "phone", stdout=out)
    assert "scopes=read,phone" in out.getvalue()
    assert client.get(f"/orders/{order.number}").json()["caller_phone"] == PHONE  # the very next call
    call_command("apikey", "grant", "坐席系统", "--scope", "phone", stdout=io.StringIO())  # twice: no change
    key.refresh_from_db()
    assert key.scopes == ["read", "phone"]
    call_command("apikey", "withdraw", "坐席系统", "--scope", "phone", stdout=io.StringIO())
    assert client.get(f"/orders/{order.number}").json()["caller_phone"] == MASKED


def test_only_phone_changes_on_a_live_key() -> None:
    key, _raw = create_key("统计报表", ["read"])
    with pytest.raises(InvalidKeyRequest):
        change_scope(key, "create", granted=True)  # it would need an intake account: a new key
    with pytest.raises(CommandError):
        call_command("apikey", "grant", "统计报表", "--scope", "act", stdout=io.StringIO(), stderr=io.StringIO())
    revoke_key(key)
    with pytest.raises(InvalidKeyRequest):
        change_scope(key, "phone", granted=True)
    key.refresh_from_db()
    assert key.scopes == ["read"]
