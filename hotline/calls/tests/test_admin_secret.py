"""A PBX source's shared secret is write-only in the admin: typed in a password box, never shown back, kept
when the box is left blank."""

from __future__ import annotations

import json

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client

from hotline.calls.models import PbxSource

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]  # the admin signs in at the frozen moment

SECRET = "pbx-shared-secret-0123456789abcdef"


def test_the_secret_is_never_shown_and_kept_when_left_blank(admin_client: Client) -> None:
    source = PbxSource.objects.create(key="pbx", name="主交换机", secret=SECRET)
    change = f"/admin/calls/pbxsource/{source.pk}/change/"
    for path in ("/admin/calls/pbxsource/", change):
        page = admin_client.get(path)
        assert page.status_code == 200, path
        assert SECRET not in page.content.decode(), path
    assert 'type="password"' in admin_client.get(change).content.decode()

    form = {"key": "pbx", "name": "主交换机（新）", "secret": "", "is_active": "on"}
    assert admin_client.post(change, form).status_code == 302
    source.refresh_from_db()
    assert (source.name, source.secret) == ("主交换机（新）", SECRET)  # left blank: kept
    changed = json.loads(LogEntry.objects.get().change_message)
    assert changed == [{"changed": {"fields": ["名称"]}}]  # the secret is not recorded as changed

    assert admin_client.post(change, {**form, "secret": "rotated-secret"}).status_code == 302
    source.refresh_from_db()
    assert source.secret == "rotated-secret"


def test_a_new_source_needs_its_secret(admin_client: Client) -> None:
    form = {"key": "pbx-2", "name": "备用交换机", "secret": "", "is_active": "on"}
    page = admin_client.post("/admin/calls/pbxsource/add/", form)
    assert page.status_code == 200 and not PbxSource.objects.exists()  # the form again, with the error
    assert page.context["adminform"].form.errors["secret"]
    assert admin_client.post("/admin/calls/pbxsource/add/", {**form, "secret": SECRET}).status_code == 302
    assert PbxSource.objects.get(key="pbx-2").secret == SECRET
