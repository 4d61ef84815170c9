"""An idempotent replay shows what the caller may see now: a withdrawn `phone` scope masks the stored answer's numbers."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from hotline.api.keys import create_key
from hotline.api.models import IdempotencyRecord
from hotline.ops.models import AccessRecord
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PHONE = "13900001111"
MASKED = "139****1111"
TYPED = "13800002222"  # a second number typed into the description (请回电 …)
BODY = {"request_type": "help", "description": f"独居老人家中停水两天，请帮忙联系，请回电{TYPED}", "caller_phone": PHONE}


def _withdraw_phone() -> None:
    call_command("apikey", "withdraw", "坐席系统", "--scope", "phone", stdout=io.StringIO())


def test_idempotent_replay_does_not_show_a_full_number_after_phone_is_withdrawn(frozen_now, api_client) -> None:  # noqa: ANN001
    """(R1 review) The centre withdrew the key's `phone`: a retry with an old Idempotency-Key used to replay the
    stored answer with the caller's full number, although the key now reads every number masked."""
    _key, raw = create_key("坐席系统", ["create", "read", "phone"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "k-1"})
    assert first.status_code == 201 and first.json()["caller_phone"] == PHONE
    assert TYPED in first.json()["description"]
    _withdraw_phone()
    number = first.json()["number"]
    assert client.get(f"/orders/{number}").json()["caller_phone"] == MASKED  # masked for a read now
    views = AccessRecord.objects.count()

    again = client.post("/orders", BODY, **{"Idempotency-Key": "k-1"})

    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    replayed = again.json()
    assert replayed["caller_phone"] == MASKED
    assert PHONE not in again.content.decode() and TYPED not in again.content.decode()  # the typed number too
    assert replayed["number"] == number and Ticket.objects.count() == 1  # still the first answer's order
    # Everything that does not depend on who asks is the first answer as stored.
    assert {k: v for k, v in replayed.items() if k not in ("caller_phone", "description")} == {
        k: v for k, v in first.json().items() if k not in ("caller_phone", "description")}
    assert AccessRecord.objects.count() == views  # nothing shown in full: no view recorded
    # The stored record is unchanged: granted `phone` again, the retry shows the number again.
    assert IdempotencyRecord.objects.get(key="k-1").response_body == first.content.decode()


def test_a_replay_with_the_scope_still_granted_shows_the_number_and_is_the_first_answer(frozen_now, api_client) -> None:  # noqa: ANN001
    _key, raw = create_key("坐席系统", ["create", "phone"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "k-2"})
    again = client.post("/orders", BODY, **{"Idempotency-Key": "k-2"})
    assert again["Idempotent-Replayed"] == "true" and again.json()["caller_phone"] == PHONE
    assert again.content == first.content  # byte for byte
    assert Ticket.objects.count() == 1


def test_a_replay_still_returns_the_same_order_number_and_makes_no_order(frozen_now, api_client) -> None:  # noqa: ANN001
    _key, raw = create_key("坐席系统", ["create", "phone"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "k-3"})
    _withdraw_phone()
    replies = [client.post("/orders", BODY, **{"Idempotency-Key": "k-3"}) for _ in range(2)]
    assert {r.json()["number"] for r in replies} == {first.json()["number"]}
    assert all(r.status_code == 201 and r["Idempotent-Replayed"] == "true" for r in replies)
    assert Ticket.objects.count() == 1 and IdempotencyRecord.objects.count() == 1


def test_a_replay_after_phone_is_granted_shows_what_the_key_may_see_now(frozen_now, api_client) -> None:  # noqa: ANN001
    """The same rule the other way: the first answer masked, the key granted `phone` since, a retry reads as a GET would."""
    key, raw = create_key("坐席系统", ["create"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "k-4"})
    assert first.json()["caller_phone"] == MASKED
    call_command("apikey", "grant", key.prefix, "--scope", "phone", stdout=io.StringIO())
    again = client.post("/orders", BODY, **{"Idempotency-Key": "k-4"})
    assert again.json()["caller_phone"] == PHONE and again.json()["number"] == first.json()["number"]
    assert list(AccessRecord.objects.values_list("subject", flat=True)) == [first.json()["number"]]  # recorded


def test_an_answer_naming_no_readable_order_is_replayed_as_stored() -> None:
    """`as_seen_now` leaves alone what it cannot read again (an unknown order, an unknown caller, not JSON)."""
    from hotline.api.idempotency import as_seen_now

    key, _raw = create_key("坐席系统", ["create"])
    body = json.dumps({"number": "209901019999999", "caller_phone": PHONE})
    assert as_seen_now(f"key:{key.pk}", body) is None
    assert as_seen_now("key:999999999", json.dumps({"number": "x"})) is None
    assert as_seen_now(f"key:{key.pk}", "not json") is None
