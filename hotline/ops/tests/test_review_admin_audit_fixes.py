"""A password reset through the admin leaves an AdminChange, showing that the password changed but never
the password or its hash (secrets are compared by their real values and masked only when written)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.ops.admin_audit import MASK, MASK_CHANGED
from hotline.ops.models import AdminAction, AdminChange
from hotline.webhooks.models import Subscription

pytestmark = pytest.mark.django_db

NEW = "New-passw0rd-77"


def _agent() -> User:
    user = User.objects.create(username="agent7", role=Role.INTAKE)
    user.set_password("old-password-1")
    user.save()
    return user


def _changes_of(obj: Any, model: str) -> AdminChange:
    return AdminChange.objects.get(model=model, object_pk=str(obj.pk))


def test_an_administrator_resetting_a_password_is_recorded_without_the_secret(admin_client: Client) -> None:
    user = _agent()
    old_hash = user.password
    response = admin_client.post(reverse("admin:auth_user_password_change", args=[user.pk]),
                                 {"password1": NEW, "password2": NEW, "usable_password": "true"})
    assert response.status_code == 302, response.content.decode()[:1500]
    user.refresh_from_db()
    assert user.check_password(NEW)
    change = _changes_of(user, "accounts.user")
    assert change.action == AdminAction.CHANGE and change.username == "root"
    assert change.changes == {"password": [MASK, MASK_CHANGED]}
    assert MASK != MASK_CHANGED  # the record says it changed
    for secret in (NEW, old_hash, user.password, old_hash.split("$")[-1], user.password.split("$")[-1]):
        assert secret not in str(change.changes)
    page = admin_client.get(reverse("admin:ops_adminchange_change", args=[change.pk])).content.decode()
    assert MASK_CHANGED in page
    for secret in (NEW, old_hash, user.password):
        assert secret not in page


def test_disabling_a_password_shows_it_went_from_set_to_unusable_without_the_hash(admin_client: Client) -> None:
    user = _agent()
    response = admin_client.post(reverse("admin:auth_user_password_change", args=[user.pk]),
                                 {"usable_password": "false", "unset-password": "1"})
    assert response.status_code == 302, response.content.decode()[:1500]
    user.refresh_from_db()
    assert not user.has_usable_password()
    change = _changes_of(user, "accounts.user")
    # an unusable password is still a stored value ("!" + random): both sides are masked
    assert change.changes == {"password": [MASK, MASK_CHANGED]}
    assert user.password not in str(change.changes)


def test_saving_a_user_without_touching_the_password_records_no_password_change(admin_client: Client) -> None:
    user = _agent()
    url = reverse("admin:accounts_user_change", args=[user.pk])
    data = {"username": "agent7", "first_name": "", "last_name": "", "email": "", "is_active": "on",
            "role": Role.INTAKE, "display_name": "王五", "date_joined_0": "2026-03-02", "date_joined_1": "09:00:00",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000", "_save": "1"}
    response = admin_client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:3000]
    change = _changes_of(user, "accounts.user")
    assert change.changes["display_name"] == ["", "王五"]
    assert "password" not in change.changes


def test_a_new_users_password_is_shown_only_as_set(admin_client: Client) -> None:
    response = admin_client.post(reverse("admin:accounts_user_add"), {
        "username": "agent8", "password1": NEW, "password2": NEW, "usable_password": "true",
        "role": Role.INTAKE, "display_name": "赵六",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0", "memberships-MIN_NUM_FORMS": "0",
        "memberships-MAX_NUM_FORMS": "1000", "_save": "1"})
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="agent8")
    added = AdminChange.objects.get(model="accounts.user", object_pk=str(user.pk), action=AdminAction.ADD)
    assert added.changes["password"] == [None, MASK]
    assert user.password not in str(AdminChange.objects.filter(object_pk=str(user.pk)).values_list("changes"))


@pytest.mark.parametrize("typed", ["new-secret-2", ""], ids=["replaced", "kept"])
def test_a_webhook_secret_replaced_in_the_admin_is_recorded_masked(admin_client: Client, typed: str) -> None:
    """The same rule for every secret field: the real values are compared, only the masks are written."""
    subscription = Subscription.objects.create(name="区平台", url="https://example.invalid/h", secret="old-secret-1")
    response = admin_client.post(reverse("admin:webhooks_subscription_change", args=[subscription.pk]), {
        "name": "区平台", "url": "https://example.invalid/h", "secret": typed, "is_active": "on", "owner": ""})
    assert response.status_code == 302, response.content.decode()[:3000]
    subscription.refresh_from_db()
    assert subscription.secret == (typed or "old-secret-1")
    changes = AdminChange.objects.filter(model="webhooks.subscription", object_pk=str(subscription.pk))
    if typed:
        assert changes.get().changes["secret"] == [MASK, MASK_CHANGED]
        assert "old-secret-1" not in str(changes.get().changes) and typed not in str(changes.get().changes)
    else:
        assert not changes.exists() or "secret" not in changes.get().changes


@pytest.fixture
def admin_request() -> Any:
    """An admin POST being handled (what the request-id middleware opens for /admin/ changes)."""
    from hotline.ops import context

    token = context.activate(context.RequestContext(request_id="r" * 32, path="/admin/", method="POST",
                                                    username="root", admin=True))
    yield
    context.deactivate(token)


def test_an_api_keys_hash_is_recorded_only_as_set_when_a_key_is_added_or_deleted(admin_request: None) -> None:
    """A key made or removed while an admin change is handled (a cascade): its `hashed_key` is a secret too."""
    from hotline.api.keys import create_key

    key, raw = create_key("统计系统", ["read"])
    hashed = key.hashed_key
    pk = key.pk
    key.delete()
    added = AdminChange.objects.get(model="api.apikey", object_pk=str(pk), action=AdminAction.ADD)
    deleted = AdminChange.objects.get(model="api.apikey", object_pk=str(pk), action=AdminAction.DELETE)
    assert added.changes["hashed_key"] == [None, MASK]
    assert deleted.changes["hashed_key"] == [MASK, None]
    assert deleted.changes["name"] == ["统计系统", None]  # the rest as it was
    for change in (added, deleted):
        assert hashed not in str(change.changes) and raw not in str(change.changes)
