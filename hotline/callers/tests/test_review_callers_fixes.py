"""Review fixes of caller profiles: a NUL is refused, and a form without a readable version is stale."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.callers.services import ProfileRefused, update_profile
from hotline.callers.tests.conftest import PHONE
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PAGE = reverse("caller-profile", args=[PHONE])


def _client(role: str = Role.INTAKE) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(role=role))
    return client


def test_the_service_refuses_a_nul_in_the_note_or_a_tag_name(tags: dict[str, CallerTag]) -> None:
    agent = UserFactory(role=Role.INTAKE)
    with pytest.raises(ProfileRefused, match="NUL"):
        update_profile(PHONE, tags=[], note="耳背\x00请大声", actor=agent)
    with pytest.raises(ProfileRefused, match="NUL"):
        update_profile(PHONE, tags=["老年人\x00"], note="", actor=agent)
    assert not CallerProfile.objects.exists() and not CallerProfileChange.objects.exists()


def test_the_page_answers_a_nul_with_400_the_form_kept_and_nothing_stored(tags: dict[str, CallerTag]) -> None:
    client = _client()
    answer = client.post(PAGE, {"tags": ["老年人"], "note": "耳背\x00请大声", "version": "0"})
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "NUL" in html and 'name="note"' in html
    assert 'name="tags" value="老年人" checked' in html  # what was ticked is shown again
    answer = client.post(PAGE, {"tags": ["老年人\x00"], "note": "耳背", "version": "0"})
    assert answer.status_code == 400 and "NUL" in answer.content.decode()
    assert not CallerProfile.objects.exists() and not CallerProfileChange.objects.exists()


@pytest.mark.parametrize("version", [None, "", "abc", "-1", "１", "1" * 5000])
def test_a_form_without_a_readable_version_is_stale(tags: dict[str, CallerTag], version: str | None) -> None:
    update_profile(PHONE, tags=["老年人"], note="耳背", actor=UserFactory(role=Role.INTAKE))
    posted = {"tags": ["多次来电"], "note": "覆盖了别人的修改"} | ({} if version is None else {"version": version})
    client = _client(Role.DISPATCHER)
    answer = client.post(PAGE, posted)
    assert answer.status_code == 400
    html = answer.content.decode()
    assert "页面已过期，请刷新后重试" in html and "覆盖了别人的修改" in html  # the typed note is kept
    htmx = client.post(PAGE, posted, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and "页面已过期，请刷新后重试" in htmx.content.decode()
    profile = CallerProfile.objects.get()
    assert profile.version == 1 and profile.note == "耳背" and [t.name for t in profile.tags.all()] == ["老年人"]
    assert CallerProfileChange.objects.count() == 1


def test_a_form_with_the_current_version_is_saved(tags: dict[str, CallerTag]) -> None:
    update_profile(PHONE, tags=["老年人"], note="耳背", actor=UserFactory(role=Role.INTAKE))
    answer = _client().post(PAGE, {"tags": ["老年人"], "note": "耳背，请大声", "version": " 1 "})
    assert answer.status_code == 302
    assert CallerProfile.objects.get().version == 2
