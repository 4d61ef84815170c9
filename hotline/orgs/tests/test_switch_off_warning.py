"""Switching a unit off (停用) in the admin while it still holds unfinished orders: the unit is switched off all the
same (it keeps its orders until the centre reassigns them, docs/lifecycle.md), with a warning counting them, the
assisting ones too, and linking to its orders in the order list."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest
from django.conf import settings
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from hotline.orgs.models import HandlingUnit
from hotline.orgs.selectors import holds_open_orders, open_orders_held
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _chinese() -> Iterator[None]:
    """The texts below are the Chinese ones, whatever language an earlier request left active."""
    with translation.override("zh-hans"):
        yield


def _unit_form(unit: HandlingUnit, **changes: Any) -> dict[str, Any]:
    """The unit page's POST: the unit's fields as they are (its members kept, none added), then `changes`."""
    data = {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent_id or "",
            "phone": unit.phone, "is_active": "on" if unit.is_active else "", "_save": "1",
            "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0"}
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def _warnings(response: Any) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request) if m.level_tag == "warning"]


@pytest.fixture
def holder(frozen_now: datetime) -> HandlingUnit:
    """A street leading one order in progress and one awaiting its visit, assisting on a third, and leading a
    closed one (finished: not counted)."""
    cast = Cast.build()
    make_ticket(Status.IN_PROGRESS, cast=cast)
    make_ticket(Status.AWAITING_VISIT, cast=cast)
    make_ticket(Status.CLOSED, cast=cast)
    make_ticket(Status.IN_PROGRESS, cast=Cast.build(assisting=[cast.lead]))
    return cast.lead


def test_switching_off_a_unit_holding_orders_warns_and_links_to_them(admin_client: Any,
                                                                      holder: HandlingUnit) -> None:
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[holder.pk]),
                                 _unit_form(holder, is_active=""))
    assert response.status_code == 302  # nothing is refused
    holder.refresh_from_db()
    assert holder.is_active is False
    [warning] = _warnings(response)
    assert warning.startswith("该单位仍有 3 张未办结工单（含协办），请在督办看板改派：")
    assert f'href="{reverse("orders")}?lead_unit={holder.pk}&amp;state=open"' in warning


def test_the_warning_shows_on_the_page_after_the_save(admin_client: Any, holder: HandlingUnit) -> None:
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[holder.pk]),
                                 _unit_form(holder, is_active=""), follow=True)
    text = response.content.decode()
    assert "该单位仍有 3 张未办结工单（含协办）" in text
    assert f'<a href="/orders/?lead_unit={holder.pk}&amp;state=open">' in text  # a link, not escaped text


def test_the_warning_is_in_english_for_an_english_admin(admin_client: Any, holder: HandlingUnit) -> None:
    admin_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[holder.pk]),
                                 _unit_form(holder, is_active=""))
    [warning] = _warnings(response)
    assert "Unfinished orders this unit still holds (assisting ones included): 3" in warning
    assert "open orders led by" in warning
    assert not any("\u4e00" <= ch <= "\u9fff" for ch in warning.replace(holder.name, ""))


def test_no_warning_for_a_unit_holding_nothing(admin_client: Any, frozen_now: datetime) -> None:
    cast = Cast.build()
    make_ticket(Status.CLOSED, cast=cast)
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[cast.lead.pk]),
                                 _unit_form(cast.lead, is_active=""))
    assert response.status_code == 302
    assert _warnings(response) == []
    assert HandlingUnit.objects.get(pk=cast.lead.pk).is_active is False


def test_no_warning_when_the_unit_is_not_switched_off_by_this_save(admin_client: Any, holder: HandlingUnit) -> None:
    url = reverse("admin:orgs_handlingunit_change", args=[holder.pk])
    assert _warnings(admin_client.post(url, _unit_form(holder, phone="13800000000"))) == []  # still active
    HandlingUnit.objects.filter(pk=holder.pk).update(is_active=False)
    holder.refresh_from_db()
    assert _warnings(admin_client.post(url, _unit_form(holder, phone="13900000000"))) == []  # already off


def test_the_count_is_one_query_and_counts_each_order_once(holder: HandlingUnit,
                                                           django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        assert open_orders_held(holder) == 3
    assert HandlingUnit.objects.filter(holds_open_orders(), pk=holder.pk).exists()


def test_a_unit_whose_orders_were_reassigned_holds_none(frozen_now: datetime) -> None:
    cast = Cast.build(assisting=1)
    order = make_ticket(Status.IN_PROGRESS, cast=cast)
    old_lead, old_assisting = cast.lead, cast.assisting[0]
    assert (open_orders_held(old_lead), open_orders_held(old_assisting)) == (1, 1)
    HandlingUnit.objects.filter(pk=old_lead.pk).update(is_active=False)
    services.reassign(order, actor=cast.dispatcher, reason="单位撤并，改派新单位", lead=Cast.build().lead)
    assert (open_orders_held(old_lead), open_orders_held(old_assisting)) == (0, 0)
    assert not HandlingUnit.objects.filter(holds_open_orders(), pk__in=[old_lead.pk, old_assisting.pk]).exists()
