"""A catalogue entry (派单目录) whose lead unit is switched off (撤并) binds no dispatch: `rule_for`, which
`catalogue_passed_over` reads, passes it over as the recommender's snapshot does, so sending the order where the
live catalogue says is not refused for passing over a unit nobody may dispatch to."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import Org
from hotline.orgs.models import HandlingUnit
from hotline.routing.models import DispatchRule
from hotline.routing.selectors import invalidate, rule_for
from hotline.routing.services import recommend
from hotline.taxonomy.models import Category
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.services.dispatching import catalogue_passed_over
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def leaf(org: Org) -> Category:
    """流动摊贩: city-wide to 市城管委 (the leaf's entry); in 东城区 the category's top entry names 东华门街道."""
    top = Category.objects.create(name="市容环境", level=1, full_name="市容环境")
    mid = Category.objects.create(name="占道经营", level=2, parent=top, full_name="市容环境/占道经营")
    leaf = Category.objects.create(name="流动摊贩", level=3, parent=mid, full_name="市容环境/占道经营/流动摊贩")
    DispatchRule.objects.create(category=leaf, lead_unit=org.department)
    DispatchRule.objects.create(category=top, area=org.district, lead_unit=org.street_a)
    return leaf


def test_an_entry_whose_lead_is_switched_off_is_passed_over(org: Org, leaf: Category) -> None:
    assert rule_for(leaf, org.street_a).lead_unit_id == org.department.pk
    HandlingUnit.objects.filter(pk=org.department.pk).update(is_active=False)  # 市城管委 dissolved
    assert rule_for(leaf, org.street_a).lead_unit_id == org.street_a.pk  # the next entry that applies
    assert rule_for(leaf, org.other_street) is None  # no other entry outside 东城区


def test_dispatch_to_the_live_catalogues_unit_is_not_refused(frozen_now: datetime, org: Org, leaf: Category) -> None:
    cast = Cast.build(lead=org.street_a)
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, category=leaf, district=org.district,
                         street=org.street_a)
    assert catalogue_passed_over(ticket, org.street_a) is not None  # while 市城管委 is on, the street passes it over
    HandlingUnit.objects.filter(pk=org.department.pk).update(is_active=False)
    invalidate()
    assert recommend(ticket).top_unit_id == org.street_a.pk
    assert catalogue_passed_over(ticket, org.street_a) is None
    services.dispatch(ticket, actor=cast.dispatcher, lead=org.street_a)  # no reason asked for passing it over
    ticket.refresh_from_db()
    assert ticket.status == Status.DISPATCHED
    assert "catalogue_lead" not in ticket.timeline.last().data
