"""A revoked key's or a deactivated owner's subscriptions hear nothing more; revocation in the admin is audited."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import CHANGE, LogEntry

from hotline.accounts.choices import Role
from hotline.api.keys import create_key, revoke_key
from hotline.api.models import ApiKey
from hotline.ops.models import AdminAction, AdminChange
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import UserFactory, make_ticket
from hotline.webhooks.models import Delivery, Subscription

pytestmark = pytest.mark.django_db


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):  # noqa: ANN001, ANN201
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _subscribe(client, raw: str) -> Subscription:  # noqa: ANN001
    created = client.post("/webhooks/v1/subscriptions", json.dumps(
        {"name": "x", "url": "https://example.com/hook", "event_types": ["order.*"]}),
        content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert created.status_code == 201
    return Subscription.objects.get(pk=created.json()["id"])


def test_a_revoked_keys_subscription_is_switched_off_and_hears_nothing(client, on_commit) -> None:
    key, raw = create_key("partner-x", ["webhooks", "read"])
    subscription = _subscribe(client, raw)
    revoke_key(key)
    subscription.refresh_from_db()
    assert subscription.is_active is False
    with on_commit():
        make_ticket(Status.DISPATCHED)
    assert not Delivery.objects.filter(subscription=subscription).exists()


def test_a_deactivated_owner_hears_nothing_even_while_the_subscription_is_on(on_commit) -> None:
    owner = UserFactory(role=Role.LEADER, is_active=False)
    subscription = Subscription.objects.create(name="离职", url="http://127.0.0.1:9/a", owner=owner)
    heard = Subscription.objects.create(name="中心", url="http://127.0.0.1:9/b")
    with on_commit():
        make_ticket(Status.DISPATCHED)
    assert not Delivery.objects.filter(subscription=subscription).exists()
    assert Delivery.objects.filter(subscription=heard).exists()


def test_revoking_in_the_admin_leaves_a_record_per_key_account_and_subscription(client) -> None:
    key, raw = create_key("partner-y", ["webhooks", "read"])
    subscription = _subscribe(client, raw)
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True, username="root"))
    response = client.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})
    assert response.status_code == 302
    assert ApiKey.objects.get(pk=key.pk).revoked_at is not None
    changed = set(AdminChange.objects.filter(action=AdminAction.CHANGE).values_list("model", "object_pk"))
    assert {("api.apikey", str(key.pk)), ("accounts.user", str(key.user_id)),
            ("webhooks.subscription", str(subscription.pk))} <= changed
    user_change = AdminChange.objects.get(model="accounts.user", object_pk=str(key.user_id))
    assert user_change.changes["is_active"] == ["True", "False"]
    assert LogEntry.objects.filter(object_id=str(key.pk), action_flag=CHANGE).count() == 1
    client.post("/admin/api/apikey/", {"action": "revoke", "_selected_action": [key.pk]})  # again: nothing new
    assert LogEntry.objects.filter(object_id=str(key.pk), action_flag=CHANGE).count() == 1
