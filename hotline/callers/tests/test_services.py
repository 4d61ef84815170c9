"""Changing a caller profile: one service, its change log in the same transaction, refusals that change nothing."""

from __future__ import annotations

from datetime import datetime

import pytest

from hotline.accounts.choices import Role
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.callers.services import ProfileRefused, profile_number, update_profile
from hotline.callers.tests.conftest import PHONE
from hotline.tickets.exceptions import ConflictError, NotPermitted
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _nothing_stored() -> bool:
    return not CallerProfile.objects.exists() and not CallerProfileChange.objects.exists()


def test_a_change_sets_tags_and_note_and_logs_before_and_after(tags: dict[str, CallerTag],
                                                               frozen_now: datetime) -> None:
    agent, supervisor = UserFactory(role=Role.INTAKE), UserFactory(role=Role.SUPERVISOR)
    update_profile("+86 138-1234-5678", tags=["多次来电", "老年人"], note=" 耳背，请大声慢讲 ", actor=agent)
    profile = update_profile(PHONE, tags=["老年人"], note="耳背", actor=supervisor, expected_version=1)

    assert profile.phone == PHONE  # normalised as orders store it
    assert [t.name for t in profile.tags.all()] == ["老年人"]
    assert (profile.note, profile.version, profile.updated_by, profile.updated_at) == ("耳背", 2, supervisor, frozen_now)
    first, second = CallerProfileChange.objects.order_by("version")
    assert (first.actor, first.tags_before, first.tags_after, first.note_before, first.note_after) == (
        agent, [], ["老年人", "多次来电"], "", "耳背，请大声慢讲")  # the tags' own order
    assert (second.actor, second.tags_before, second.tags_after, second.note_after) == (
        supervisor, ["老年人", "多次来电"], ["老年人"], "耳背")
    assert second.at == frozen_now


def test_setting_what_is_there_writes_nothing(tags: dict[str, CallerTag]) -> None:
    agent = UserFactory(role=Role.DISPATCHER)
    update_profile(PHONE, tags=["老年人"], note="", actor=agent)
    update_profile(PHONE, tags=["老年人", "老年人"], note=" ", actor=agent)
    assert CallerProfileChange.objects.count() == 1
    assert CallerProfile.objects.get().version == 1


def test_saving_an_empty_form_for_a_number_only_looked_at_keeps_nothing(tags: dict[str, CallerTag]) -> None:
    update_profile(PHONE, tags=[], note=" ", actor=UserFactory(role=Role.INTAKE))
    assert _nothing_stored()  # no row recording that this number was looked at


def test_a_tags_name_is_fixed_once_it_exists_in_the_admin(tags: dict[str, CallerTag], rf: object) -> None:
    """The log keeps names and hides a sensitive tag by its name: a rename would show its old name."""
    from django.contrib.admin.sites import site

    admin = site._registry[CallerTag]
    request = rf.get("/")
    assert admin.get_readonly_fields(request, tags["老年人"]) == ("name",)
    assert admin.get_readonly_fields(request, None) == ()


@pytest.mark.parametrize(("phone", "tag_names", "note", "error", "says"), [
    (PHONE, ["老年人", "没有的标签"], "", ProfileRefused, "没有的标签"),
    (PHONE, ["旧标签"], "", ProfileRefused, "已停用"),
    (PHONE, ["老年人"], "字" * 201, ProfileRefused, "201"),
    ("1381234", ["老年人"], "", ProfileRefused, "不完整"),  # a mobile still being typed
    ("abc12345678", ["老年人"], "", ProfileRefused, "不完整"),
])
def test_a_refused_change_stores_nothing_and_says_why(tags: dict[str, CallerTag], phone: str, tag_names: list[str],
                                                      note: str, error: type[Exception], says: str) -> None:
    with pytest.raises(error) as refused:
        update_profile(phone, tags=tag_names, note=note, actor=UserFactory(role=Role.INTAKE))
    assert says in refused.value.message
    assert _nothing_stored()


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN, Role.INSPECTOR, Role.LEADER])
def test_only_the_staff_on_the_calls_may_change_a_profile(tags: dict[str, CallerTag], role: str) -> None:
    with pytest.raises(NotPermitted):
        update_profile(PHONE, tags=["老年人"], note="", actor=UserFactory(role=role))
    assert _nothing_stored()


def test_an_inactive_person_may_not_change_a_profile(tags: dict[str, CallerTag]) -> None:
    with pytest.raises(NotPermitted):
        update_profile(PHONE, tags=["老年人"], note="", actor=UserFactory(role=Role.ADMIN, is_active=False))
    assert _nothing_stored()


def test_a_refusal_after_the_profile_exists_changes_nothing(tags: dict[str, CallerTag]) -> None:
    agent = UserFactory(role=Role.INTAKE)
    update_profile(PHONE, tags=["老年人"], note="第一次", actor=agent)
    with pytest.raises(ConflictError):  # someone changed it since the form was shown
        update_profile(PHONE, tags=["多次来电"], note="第二次", actor=agent, expected_version=0)
    tags["多次来电"].is_active = False
    tags["多次来电"].save()
    with pytest.raises(ProfileRefused):
        update_profile(PHONE, tags=["老年人", "多次来电"], note="第三次", actor=agent)
    profile = CallerProfile.objects.get()
    assert (profile.note, profile.version, [t.name for t in profile.tags.all()]) == ("第一次", 1, ["老年人"])
    assert CallerProfileChange.objects.count() == 1


def test_a_switched_off_tag_already_given_may_stay(tags: dict[str, CallerTag]) -> None:
    agent = UserFactory(role=Role.INTAKE)
    update_profile(PHONE, tags=["多次来电"], note="", actor=agent)
    CallerTag.objects.filter(name="多次来电").update(is_active=False)
    profile = update_profile(PHONE, tags=["多次来电", "老年人"], note="", actor=agent)
    assert {t.name for t in profile.tags.all()} == {"多次来电", "老年人"}


def test_the_log_is_append_only(tags: dict[str, CallerTag]) -> None:
    update_profile(PHONE, tags=["老年人"], note="", actor=UserFactory(role=Role.INTAKE))
    change = CallerProfileChange.objects.get()
    change.note_after = "改写"
    with pytest.raises(ValueError):
        change.save()
    with pytest.raises(ValueError):
        change.delete()


@pytest.mark.parametrize(("typed", "number"), [
    ("138 1234 5678", PHONE), ("+8613812345678", PHONE), ("０７３１－８８８８６６６６", "073188886666"),
    ("8888666", "8888666"), ("138123", ""), ("12345", ""), ("", ""), ("1" * 21, ""),
])
def test_profile_numbers(typed: str, number: str) -> None:
    assert profile_number(typed) == number


def test_the_seeded_tags_include_a_sensitive_one(django_db_setup: None) -> None:
    from importlib import import_module

    seeds = import_module("hotline.callers.migrations.0002_seed_tags").TAGS
    names = {name for name, _description, _sensitive in seeds}
    assert {"老年人", "听障（请用短信）", "人大代表、政协委员", "多次来电", "情绪激动（注意安抚）"} <= names
    assert [name for name, _description, sensitive in seeds if sensitive] == ["恶意骚扰", "辱骂坐席"]
