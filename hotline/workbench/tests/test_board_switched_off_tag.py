"""督办看板: a switched-off unit (停用) still holding orders is tagged 已停用 next to its name, so the centre sees
whose orders are to be reassigned (改派); an active unit's row carries no tag."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from hotline.orgs.models import HandlingUnit
from hotline.sla.sweep import sweep
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    """The labels below are the Chinese ones, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield


def _row(html: str, name: str) -> str:
    """The board row (its header cell) of the unit named `name`."""
    found = re.search(rf'<th scope="row">{re.escape(name)}.*?</th>', html)
    assert found, name
    return found.group(0)


def test_the_board_tags_a_switched_off_unit(frozen_now: datetime) -> None:
    old = Cast.build(lead=HandlingUnitFactory(name="撤并前街道"))
    live = Cast.build(lead=HandlingUnitFactory(name="在岗街道"))
    for cast in (old, live):
        make_ticket(Status.IN_PROGRESS, cast=cast, at=frozen_now - timedelta(days=20))  # red by now
    HandlingUnit.objects.filter(pk=old.lead.pk).update(is_active=False)
    sweep(frozen_now)
    client = Client()
    client.force_login(old.supervisor)
    response = client.get(reverse("supervision"))
    rows = {r["unit_id"]: r for r in response.context["board"]}
    assert rows[old.lead.pk]["unit__is_active"] is False and rows[live.lead.pk]["unit__is_active"] is True
    html = response.content.decode()
    assert '<span class="tag inactive">已停用</span>' in _row(html, "撤并前街道")
    assert "已停用" not in _row(html, "在岗街道")
