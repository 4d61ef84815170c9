"""The centre's dispatch and the grassroots (国办函〔2025〕66号: a functional department's matter is not pushed
down to the grassroots): a community leads only as 下派设置 allows, and a street or community chosen over
the department the dispatch catalogue names needs a recorded reason (派单说明)."""

from __future__ import annotations

from datetime import datetime

import pytest

from conftest import Org
from hotline.orgs.choices import UnitKind
from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentRole, Decision, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Assignment, ForwardSettings, ReturnRequest, Ticket
from hotline.tickets.services.dispatching import catalogue_passed_over
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db


def _allow_communities() -> None:
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})


def _lead(t: Ticket) -> Assignment:
    return Assignment.objects.filter(ticket=t, role=AssignmentRole.LEAD).latest("id")


@pytest.fixture
def category(org: Org) -> Category:
    """占道经营, the city department's duty city-wide (the catalogue's word)."""
    top = Category.objects.create(name="市容环境", level=1, full_name="市容环境")
    DispatchRule.objects.create(category=top, lead_unit=org.department, legal_basis="权责清单第12项")
    return top


def _order(org: Org, cast: Cast, category: Category | None, **place: object) -> Ticket:
    where = {"district": org.district, "street": org.street_a} | place
    return make_ticket(Status.PENDING_DISPATCH, cast=cast, category=category, **where)


# --- A community as lead follows 下派设置 ----------------------------------------------------------------------


def test_a_community_does_not_lead_by_default(frozen_now: datetime, org: Org) -> None:
    cast = Cast.build(lead=org.street_a)
    t = _order(org, cast, None)
    with pytest.raises(RuleViolation, match="社区"):
        services.dispatch(t, actor=cast.dispatcher, lead=org.community_a, note="社区网格员熟悉情况")
    with pytest.raises(RuleViolation, match="社区"):
        services.dispatch(t, actor=cast.dispatcher, lead=org.community_a, designate=True)
    t.refresh_from_db()
    assert t.status == Status.PENDING_DISPATCH and not t.assignments.exists()


def test_a_community_may_still_assist(frozen_now: datetime, org: Org) -> None:
    cast = Cast.build(lead=org.street_a)
    t = services.dispatch(_order(org, cast, None), actor=cast.dispatcher, lead=org.street_a,
                          assisting=[org.community_a])
    assert t.status == Status.DISPATCHED
    assert set(t.assignments.values_list("unit", "role")) == {
        (org.street_a.pk, AssignmentRole.LEAD), (org.community_a.pk, AssignmentRole.ASSIST)}


def test_a_community_leads_when_the_centre_allows_orders_down_to_communities(frozen_now: datetime,
                                                                            org: Org) -> None:
    _allow_communities()
    cast = Cast.build(lead=org.street_a)
    t = services.dispatch(_order(org, cast, None, community=org.community_a), actor=cast.dispatcher,
                          lead=org.community_a)
    assert t.status == Status.DISPATCHED and _lead(t).unit == org.community_a


def test_a_consultation_does_not_conclude_on_a_community(frozen_now: datetime, org: Org) -> None:
    cast = Cast.build(lead=org.street_a)
    t = _order(org, cast, None)
    services.start_consultation(t, actor=cast.dispatcher, units=[org.street_a, org.department], question="谁主办")
    with pytest.raises(RuleViolation, match="社区"):
        services.conclude_consultation(t, actor=cast.dispatcher, lead=org.community_a, note="由社区主办")
    t.refresh_from_db()
    assert t.status == Status.PENDING_DISPATCH


# --- A street or community over the catalogue's department: a recorded reason ---------------------------------


def test_a_street_over_the_catalogues_department_needs_a_reason(frozen_now: datetime, org: Org,
                                                                category: Category) -> None:
    cast = Cast.build(lead=org.street_a)
    t = _order(org, cast, category)
    with pytest.raises(RuleViolation, match="市城管委") as refused:
        services.dispatch(t, actor=cast.dispatcher, lead=org.street_a, note="  ")
    assert "派单说明" in str(refused.value) and "东华门街道" in str(refused.value)
    with pytest.raises(RuleViolation, match="派单说明"):
        services.dispatch(t, actor=cast.dispatcher, lead=org.street_a, designate=True)
    t.refresh_from_db()
    assert t.status == Status.PENDING_DISPATCH and not t.assignments.exists()

    reason = "摊点位于街道管理的临时市场内，由街道综合执法队处置"
    t = services.dispatch(t, actor=cast.dispatcher, lead=org.street_a, note=reason)
    event = t.timeline.last()
    assert event.action == Action.DISPATCH and event.note == reason
    rule = DispatchRule.objects.get(category=category)
    assert event.data["catalogue_rule"] == rule.pk and event.data["catalogue_lead"] == org.department.pk
    assert _lead(t).unit == org.street_a


def test_a_community_over_the_catalogues_department_needs_a_reason_too(frozen_now: datetime, org: Org,
                                                                      category: Category) -> None:
    _allow_communities()
    cast = Cast.build(lead=org.street_a)
    t = _order(org, cast, category, community=org.community_a)
    with pytest.raises(RuleViolation, match="派单说明"):
        services.dispatch(t, actor=cast.dispatcher, lead=org.community_a)
    t = services.dispatch(t, actor=cast.dispatcher, lead=org.community_a, note="社区物业管理范围内，社区先行协调")
    assert t.timeline.last().data["catalogue_lead"] == org.department.pk


@pytest.mark.parametrize("who", ["department", "district", "other_department"])
def test_no_reason_is_asked_when_no_area_unit_is_chosen_over_the_department(frozen_now: datetime, org: Org,
                                                                           category: Category, who: str) -> None:
    """The catalogue's own lead, a district government or another department: not pushed down to the grassroots."""
    lead = (HandlingUnitFactory(kind=UnitKind.DEPARTMENT, parent=org.centre) if who == "other_department"
            else getattr(org, who))
    cast = Cast.build(lead=lead)
    t = services.dispatch(_order(org, cast, category), actor=cast.dispatcher, lead=lead)
    assert t.status == Status.DISPATCHED
    assert "catalogue_rule" not in t.timeline.last().data


def test_no_reason_is_asked_for_a_local_matter_or_without_an_entry(frozen_now: datetime, org: Org) -> None:
    """An entry that names an area unit (属地管理), or no entry at all: the street leads as before."""
    local = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    DispatchRule.objects.create(category=local, area=org.district, lead_unit=org.district, legal_basis="属地兜底")
    cast = Cast.build(lead=org.street_a)
    for category in (local, None):
        t = services.dispatch(_order(org, cast, category), actor=cast.dispatcher, lead=org.street_a)
        assert t.status == Status.DISPATCHED and "catalogue_rule" not in t.timeline.last().data


def test_the_most_specific_entry_decides(frozen_now: datetime, org: Org, category: Category) -> None:
    """The department leads city-wide, but the district's own entry names the street: no reason asked there."""
    DispatchRule.objects.create(category=category, area=org.district, lead_unit=org.street_a, legal_basis="履职清单")
    t = _order(org, Cast.build(lead=org.street_a), category)
    assert catalogue_passed_over(t, org.street_a) is None
    elsewhere = _order(org, Cast.build(lead=org.other_street), category, district=org.other_district,
                       street=org.other_street)
    assert catalogue_passed_over(elsewhere, org.other_street) == DispatchRule.objects.get(
        category=category, area__isnull=True)


def test_an_accepted_return_redispatched_to_a_street_takes_the_review_as_its_reason(
        frozen_now: datetime, org: Org, category: Category) -> None:
    cast = Cast.build(lead=org.department)
    t = make_ticket(Status.RETURNED, cast=cast, category=category, district=org.district, street=org.street_a)
    with pytest.raises(RuleViolation, match="派单说明"):
        services.accept_return(t, actor=cast.dispatcher, lead=org.street_a)
    t.refresh_from_db()
    assert t.status == Status.RETURNED  # the acceptance is rolled back with its dispatch
    assert ReturnRequest.objects.get(ticket=t).status == Decision.PENDING

    note = "经核实为街道临时市场内摊点，同意退单，由街道处置"
    t = services.accept_return(t, actor=cast.dispatcher, note=note, lead=org.street_a)
    accepted, dispatched = t.timeline.order_by("-seq")[1], t.timeline.order_by("-seq")[0]
    assert accepted.action == Action.ACCEPT_RETURN and dispatched.action == Action.DISPATCH
    assert dispatched.note == note and dispatched.data["catalogue_lead"] == org.department.pk


def test_an_accepted_return_redispatched_by_the_catalogue_keeps_its_plain_note(
        frozen_now: datetime, org: Org, category: Category) -> None:
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, district=org.district, street=org.street_a)
    t = services.dispatch(t, actor=cast.dispatcher, lead=org.street_a)
    t = services.return_order(t, actor=cast.lead_handler, unit=org.street_a, reason_code="not_our_duty",
                              reason="非本单位职责")
    t = services.accept_return(t, actor=cast.dispatcher, note="同意", lead=org.department)
    assert t.timeline.order_by("-seq")[0].note == f"主办：{org.department}"


def test_a_consultations_conclusion_is_the_reason(frozen_now: datetime, org: Org, category: Category) -> None:
    cast = Cast.build(lead=org.street_a)
    t = _order(org, cast, category)
    services.start_consultation(t, actor=cast.dispatcher, units=[org.street_a, org.department], question="谁主办")
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=org.street_a,
                                       note="依据街道履职清单第3项由街道主办")
    event = t.timeline.last()
    assert event.action == Action.CONCLUDE_CONSULTATION and event.data["catalogue_lead"] == org.department.pk
