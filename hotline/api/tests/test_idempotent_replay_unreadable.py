"""An idempotent replay answers as a read would: an order the caller may no longer read is a 404, not the stored answer."""

from __future__ import annotations

import pytest

from hotline.api.idempotency import as_seen_now
from hotline.api.keys import create_key
from hotline.api.models import IdempotencyRecord
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

PHONE = "13900001111"
BODY = {"request_type": "help", "description": "独居老人家中停水两天，请帮忙联系", "caller_phone": PHONE,
        "caller_name": "王秀英", "address": "幸福路12号3单元501"}


def test_a_replay_of_an_order_made_confidential_since_answers_not_found(frozen_now, api_client) -> None:  # noqa: ANN001
    """(R7 review) The centre marks the order 保密 after the key created it: a read answers 404, and so does a
    retry with the old Idempotency-Key (it used to replay the caller's number, name and address)."""
    _key, raw = create_key("坐席系统", ["create", "read", "phone"])
    client = api_client(raw)
    first = client.post("/orders", BODY, **{"Idempotency-Key": "k-c"})
    assert first.status_code == 201
    number = first.json()["number"]
    Ticket.objects.filter(number=number).update(is_confidential=True)
    read = client.get(f"/orders/{number}")
    assert read.status_code == 404

    again = client.post("/orders", BODY, **{"Idempotency-Key": "k-c"})

    assert again.status_code == 404 and again.json()["error"]["code"] == "not_found"
    assert again.json() == read.json()  # word for word what the read says
    text = again.content.decode()
    assert PHONE not in text and "王秀英" not in text and "幸福路12号" not in text and number not in text
    assert Ticket.objects.count() == 1 and IdempotencyRecord.objects.count() == 1  # nothing registered anew
    # Readable again (保密 lifted): the retry shows the first answer again.
    Ticket.objects.filter(number=number).update(is_confidential=False)
    replayed = client.post("/orders", BODY, **{"Idempotency-Key": "k-c"})
    assert replayed.status_code == 201 and replayed.content == first.content


def test_a_replay_of_an_order_registered_confidential_by_the_caller_still_names_it(frozen_now, api_client) -> None:  # noqa: ANN001
    """A key that registers a 保密 order never reads it, but a retry after a lost answer must still learn that
    the order exists (else the client registers it again under a new key): it was 保密 from the start."""
    _key, raw = create_key("坐席系统", ["create", "read"])
    client = api_client(raw)
    first = client.post("/orders", {**BODY, "is_confidential": True}, **{"Idempotency-Key": "k-s"})
    assert first.status_code == 201
    assert client.get(f"/orders/{first.json()['number']}").status_code == 404
    again = client.post("/orders", {**BODY, "is_confidential": True}, **{"Idempotency-Key": "k-s"})
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["number"] == first.json()["number"] and Ticket.objects.count() == 1


def test_as_seen_now_refuses_an_order_the_caller_cannot_read(frozen_now, api_client) -> None:  # noqa: ANN001
    from hotline.api.errors import ApiError

    key, raw = create_key("坐席系统", ["create", "read"])
    first = api_client(raw).post("/orders", BODY, **{"Idempotency-Key": "k-r"})
    Ticket.objects.filter(number=first.json()["number"]).update(is_confidential=True)
    with pytest.raises(ApiError) as refused:
        as_seen_now(f"key:{key.pk}", first.content.decode())
    assert refused.value.status == 404
    # A stored answer that recorded no view of a confidential order does not count as 保密 from the start.
    with pytest.raises(ApiError):
        as_seen_now(f"key:{key.pk}", first.content.decode(), '[{"kind": "full_phone", "subject": "x"}]')
