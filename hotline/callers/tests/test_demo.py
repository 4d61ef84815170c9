"""The demo tags a handful of its callers through the service, repeat callers first, once."""

from __future__ import annotations

from importlib import import_module

import pytest

from hotline.accounts.choices import Role
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.demo.callers import TAGGINGS, load_callers
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def test_the_demo_tags_repeat_callers_once_and_leaves_confidential_ones_alone() -> None:
    for order, (name, description, sensitive) in enumerate(import_module(
            "hotline.callers.migrations.0002_seed_tags").TAGS):
        CallerTag.objects.get_or_create(name=name, defaults={"description": description, "is_sensitive": sensitive,
                                                             "sort_order": order})
    supervisor = UserFactory(role=Role.SUPERVISOR, username="supervisor")
    cast = Cast.build()
    for _ in range(3):
        make_ticket(Status.REGISTERED, cast=cast, caller_phone="13900000001")
    make_ticket(Status.REGISTERED, cast=cast, caller_phone="13900000002", caller_company="A市鑫源商贸有限公司")
    make_ticket(Status.ANSWERED, cast=cast, caller_phone="13900000003", is_confidential=True)
    make_ticket(Status.REGISTERED, cast=cast, caller_phone="13900000004")

    assert load_callers() == 3
    first = CallerProfile.objects.get(phone="13900000001")
    assert {t.name for t in first.tags.all()} == set(TAGGINGS[0].tags) and first.updated_by == supervisor
    assert [t.name for t in CallerProfile.objects.get(phone="13900000002").tags.all()] == ["企业"]
    assert not CallerProfile.objects.filter(phone="13900000003").exists()
    assert CallerProfileChange.objects.count() == 3
    assert load_callers() == 0 and CallerProfileChange.objects.count() == 3
