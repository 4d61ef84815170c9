"""Changes through the admin site: Django's LogEntry plus our before/after record."""

from __future__ import annotations

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.urls import reverse

from hotline.ops.models import AdminAction, AdminChange
from hotline.taxonomy.models import Category
from hotline.webhooks.models import Subscription

pytestmark = pytest.mark.django_db


def _category() -> Category:
    return Category.objects.create(name="路灯", level=1, full_name="路灯", is_utility=False, is_active=True)


def test_a_change_records_each_field_before_and_after(admin_client) -> None:
    category = _category()
    url = reverse("admin:taxonomy_category_change", args=[category.pk])
    data = {"name": "路灯照明", "parent": "", "level": "1", "full_name": "路灯照明", "is_utility": "on",
            "is_active": "on", "_save": "1"}
    response = admin_client.post(url, data, REMOTE_ADDR="10.1.1.1", HTTP_X_REQUEST_ID="admin-req-0001")
    assert response.status_code == 302, response.content.decode()[:2000]
    change = AdminChange.objects.get()
    assert (change.action, change.model, change.object_pk) == (AdminAction.CHANGE, "taxonomy.category",
                                                              str(category.pk))
    assert change.changes["name"] == ["路灯", "路灯照明"]
    assert change.changes["is_utility"] == ["False", "True"]
    assert "level" not in change.changes
    assert (change.username, change.ip, change.request_id) == ("root", "10.1.1.1", "admin-req-0001")
    assert LogEntry.objects.filter(object_id=str(category.pk), action_flag=CHANGE).exists()


def test_an_addition_and_a_deletion_are_recorded_with_secrets_hidden(admin_client) -> None:
    subscription = Subscription.objects.create(name="区平台", url="https://example.invalid/h", secret="topsecret")
    url = reverse("admin:webhooks_subscription_delete", args=[subscription.pk])
    assert admin_client.post(url, {"post": "yes"}).status_code == 302
    deleted = AdminChange.objects.get(action=AdminAction.DELETE)
    assert deleted.changes["name"] == ["区平台", None]
    assert deleted.changes["secret"] == ["***", None]
    assert "topsecret" not in str(deleted.changes)


def test_changes_outside_the_admin_are_not_audited_here(admin_client) -> None:
    category = _category()
    category.name = "改名"
    category.save()
    admin_client.get(reverse("admin:taxonomy_category_change", args=[category.pk]))  # a GET changes nothing
    assert not AdminChange.objects.exists()
