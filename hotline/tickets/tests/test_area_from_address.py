"""Intake fills the area from the address (地址识别) when no one picked one: API, portal, Open311, interop."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.orgs.choices import UnitKind
from hotline.routing.models import DispatchRecommendation, DispatchRule
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action, Channel
from hotline.tickets.models import TimelineEvent
from hotline.tickets.services import TicketDraft, register
from hotline.tickets.tests.factories import HandlingUnitFactory, UserFactory, ensure_default_policies

pytestmark = pytest.mark.django_db

LAMP = "小区门口路灯坏了一个月，晚上出行不便"


def _draft(**fields) -> TicketDraft:  # noqa: ANN003
    return TicketDraft(**{"request_type": RequestType.COMPLAINT, "title": "", "description": LAMP,
                          "channel": Channel.WEB} | fields)


def _registration(ticket) -> TimelineEvent:  # noqa: ANN001
    return TimelineEvent.objects.get(ticket=ticket, action=Action.REGISTER)


def test_an_address_alone_gives_the_area_and_says_so(org, frozen_now) -> None:  # noqa: ANN001
    ticket = register(_draft(address="东城区东华门街道多福巷社区5号楼"), actor=UserFactory(role="intake"))
    ticket.refresh_from_db()
    assert (ticket.district, ticket.street, ticket.community) == (org.district, org.street_a, org.community_a)
    assert _registration(ticket).data == {"area_from_address": True}
    short = register(_draft(address="景山街道"), actor=None)
    assert (short.district, short.street, short.community) == (org.district, org.street_b, None)


def test_a_given_area_is_never_overridden(org, frozen_now) -> None:  # noqa: ANN001
    ticket = register(_draft(address="东华门街道多福巷社区", district=org.other_district), actor=None)
    ticket.refresh_from_db()
    assert (ticket.district, ticket.street, ticket.community) == (org.other_district, None, None)
    assert "area_from_address" not in _registration(ticket).data


def test_an_ambiguous_or_conflicting_address_leaves_the_area_empty(org, frozen_now) -> None:  # noqa: ANN001
    HandlingUnitFactory(kind=UnitKind.COMMUNITY, name="多福巷社区", parent=org.street_b)  # the same name twice
    for address in ("多福巷社区", "西城区东华门街道", "东城区和西城区交界"):
        ticket = register(_draft(address=address), actor=None)
        assert (ticket.district, ticket.street, ticket.community) == (None, None, None), address
        assert _registration(ticket).data == {}


def test_only_the_address_is_read_not_the_description(org, frozen_now) -> None:  # noqa: ANN001
    ticket = register(_draft(description="东华门街道的路灯坏了", address="某路12号"), actor=None)
    assert ticket.street is None and _registration(ticket).data == {}


def test_an_api_order_with_only_an_address_gets_the_streets_catalogue_entry(
        org, frozen_now, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ensure_default_policies()
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    mid = Category.objects.create(name="市政设施", level=2, parent=top, full_name="城乡建设/市政设施")
    leaf = Category.objects.create(name="路灯", level=3, parent=mid, full_name="城乡建设/市政设施/路灯")
    city = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市城管局", parent=org.centre)
    DispatchRule.objects.create(category=leaf, lead_unit=city, legal_basis="三定方案")
    DispatchRule.objects.create(category=leaf, area=org.street_a, lead_unit=org.street_a, legal_basis="属地管理")
    _, raw = create_key("公众号", ["read", "create"])
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post("/api/v1/orders", data=json.dumps({
            "request_type": "complaint", "description": LAMP, "category": leaf.pk,
            "address": "东华门街道多福巷社区3栋", "decision": "dispatch"}),
            content_type="application/json", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 201, response.content
    rec = DispatchRecommendation.objects.get(ticket__number=response.json()["number"])
    assert rec.top_unit == org.street_a and rec.rule.area == org.street_a


@pytest.mark.parametrize("address", [
    "湖南省株洲市芦淞区建设中路多福巷社区", "长沙市天心区多福巷社区12栋", "F市F1区多福巷社区3栋2单元",
    "西地省L市多福巷社区", "B市东华门街道",
])
def test_an_address_of_another_city_leaves_the_area_empty(org, frozen_now, address: str) -> None:  # noqa: ANN001
    ticket = register(_draft(address=address), actor=None)
    assert (ticket.district, ticket.street, ticket.community) == (None, None, None), address
    assert _registration(ticket).data == {}


def test_a_community_name_alone_is_left_to_the_dispatcher(org, frozen_now) -> None:  # noqa: ANN001
    """Many cities have a 多福巷社区: without a district or street of ours it is not taken at registration."""
    ticket = register(_draft(address="多福巷社区5号楼"), actor=None)
    assert (ticket.district, ticket.street, ticket.community) == (None, None, None)
    named = register(_draft(address="东城区多福巷社区5号楼"), actor=None)
    assert (named.district, named.street, named.community) == (org.district, org.street_a, org.community_a)
