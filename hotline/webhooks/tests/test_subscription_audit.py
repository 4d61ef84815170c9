"""Where order data is sent is recorded: a subscription an integration creates or deactivates through
`/webhooks/v1/subscriptions` leaves its record in the admin change trail (管理后台变更记录) by the API key's
account, in the request's id, the signing secret masked and the raw key never written."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.ops import context
from hotline.ops.admin_audit import MASK
from hotline.ops.models import AdminAction, AdminChange
from hotline.webhooks.models import Subscription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]

REQUEST_ID = "subscribe-0001"


def _post(client: Client, raw: str, body: dict) -> object:
    return client.post("/webhooks/v1/subscriptions", json.dumps(body), content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_REQUEST_ID=REQUEST_ID)


def _written() -> str:
    return json.dumps([[c.object_repr, c.changes] for c in AdminChange.objects.all()], ensure_ascii=False)


def test_a_subscription_created_through_the_api_is_recorded_by_the_keys_account(
        client: Client, frozen_now: datetime) -> None:
    key, raw = create_key("数据中台", ["read", "webhooks"])
    answer = _post(client, raw, {"name": "数据中台推送", "url": "https://example.com/hook",
                                 "event_types": ["order.*"]})
    assert answer.status_code == 201, answer.content
    secret = answer.json()["secret"]
    subscription = Subscription.objects.get(pk=answer.json()["id"])
    assert subscription.owner == key.user and subscription.secret == secret

    (record,) = AdminChange.objects.all()
    assert (record.action, record.model, record.object_pk) == (AdminAction.ADD, "webhooks.subscription",
                                                              str(subscription.pk))
    assert (record.user_id, record.username) == (key.user.pk, key.user.username)
    assert record.at == frozen_now and record.request_id == REQUEST_ID and record.object_repr == "数据中台推送"
    assert record.changes["url"] == [None, "https://example.com/hook"]
    assert record.changes["event_types"] == [None, ["order.*"]]
    assert record.changes["owner"] == [None, str(key.user.pk)]
    assert record.changes["secret"] == [None, MASK]
    assert secret not in _written() and raw not in _written()
    assert context.current() is None  # the trail is closed with the request


def test_a_refused_subscription_records_nothing(client: Client) -> None:
    raw = create_key("数据中台", ["read", "webhooks"])[1]
    assert _post(client, raw, {"name": "内网", "url": "ftp://example.com/hook"}).status_code == 400
    reader_only = create_key("只订阅", ["webhooks"])[1]  # without `read`: refused (403)
    assert _post(client, reader_only, {"name": "x", "url": "https://example.com/hook"}).status_code == 403
    assert not Subscription.objects.exists() and not AdminChange.objects.exists()


def test_listing_subscriptions_records_nothing(client: Client) -> None:
    key, raw = create_key("数据中台", ["read", "webhooks"])
    Subscription.objects.create(name="已有", url="https://example.com/hook", owner=key.user)
    answer = client.get("/webhooks/v1/subscriptions", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert answer.status_code == 200 and len(answer.json()["results"]) == 1
    assert not AdminChange.objects.exists()


def test_deactivating_through_the_api_is_recorded_once_by_the_keys_account(
        client: Client, frozen_now: datetime) -> None:
    key, raw = create_key("数据中台", ["read", "webhooks"])
    subscription = Subscription.objects.create(name="数据中台推送", url="https://example.com/hook", owner=key.user)
    path = f"/webhooks/v1/subscriptions/{subscription.pk}"

    answer = client.delete(path, HTTP_AUTHORIZATION=f"Bearer {raw}", HTTP_X_REQUEST_ID=REQUEST_ID)
    assert answer.status_code == 200 and answer.json()["active"] is False
    (record,) = AdminChange.objects.all()
    assert (record.action, record.model, record.object_pk) == (AdminAction.CHANGE, "webhooks.subscription",
                                                              str(subscription.pk))
    assert (record.user_id, record.username, record.request_id) == (key.user.pk, key.user.username, REQUEST_ID)
    assert record.at == frozen_now and record.changes == {"is_active": ["True", "False"]}
    assert subscription.secret not in _written() and raw not in _written()

    again = client.delete(path, HTTP_AUTHORIZATION=f"Bearer {raw}")  # already off: nothing more is recorded
    assert again.status_code == 200 and again.json()["active"] is False
    assert AdminChange.objects.count() == 1


def test_another_keys_subscription_is_neither_deactivated_nor_recorded(client: Client) -> None:
    owner = create_key("数据中台", ["read", "webhooks"])[0]
    other_raw = create_key("别的系统", ["read", "webhooks"])[1]
    subscription = Subscription.objects.create(name="数据中台推送", url="https://example.com/hook", owner=owner.user)
    answer = client.delete(f"/webhooks/v1/subscriptions/{subscription.pk}", HTTP_AUTHORIZATION=f"Bearer {other_raw}")
    assert answer.status_code == 404
    assert Subscription.objects.get(pk=subscription.pk).is_active is True and not AdminChange.objects.exists()
