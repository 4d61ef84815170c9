"""A recommendation made before the catalogue (派单目录) changed is made again before anyone acts on it."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.test import RequestFactory

from hotline.orgs.choices import UnitKind
from hotline.routing import services
from hotline.routing.evaluation import _first_recommendations
from hotline.routing.models import DispatchRecommendation, DispatchRule, DispatchSettings
from hotline.routing.panels import recommendation_panel
from hotline.taxonomy.models import Category
from hotline.tickets import services as tickets
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

PROPERTY = "小区物业不作为，楼道垃圾堆积一个月无人清理，物业费照收"


@pytest.fixture
def world(org):  # noqa: ANN001, ANN201
    """A property-matters entry for street A, led by street A with the district assisting."""
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    mid = Category.objects.create(name="住房保障与房地产", level=2, parent=top, full_name="城乡建设/住房保障与房地产")
    leaf = Category.objects.create(name="物业服务", level=3, parent=mid, full_name="城乡建设/住房保障与房地产/物业服务")
    housing = HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市住建局", parent=org.centre)
    rule = DispatchRule.objects.create(category=leaf, area=org.street_a, lead_unit=org.street_a,
                                       legal_basis="街乡镇履职清单")
    rule.assisting_units.add(org.district)
    return {"leaf": leaf, "housing": housing, "rule": rule}


@pytest.fixture
def auto(db) -> None:  # noqa: ANN001
    DispatchSettings.objects.update_or_create(pk=1, defaults={"auto_dispatch": True, "threshold": 0.3})


def _registered(org, world, capture):  # noqa: ANN001, ANN202
    cast = Cast.build(lead=org.street_a)
    with capture(execute=True):
        ticket = make_ticket(Status.REGISTERED, cast=cast, category=world["leaf"], district=org.district,
                             street=org.street_a, community=org.community_a, description=PROPERTY)
    assert services.latest(ticket).top_unit == org.street_a
    return ticket, cast


def _send(ticket, cast, capture):  # noqa: ANN001, ANN202
    with capture(execute=True):
        tickets.send_to_dispatch(ticket, actor=cast.intake)
    ticket.refresh_from_db()
    return ticket


def test_auto_dispatch_follows_the_entry_as_corrected_and_stores_the_new_recommendation(
        org, world, auto, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ticket, cast = _registered(org, world, django_capture_on_commit_callbacks)
    rule = world["rule"]
    rule.lead_unit = org.street_b
    rule.save()
    ticket = _send(ticket, cast, django_capture_on_commit_callbacks)
    assert ticket.status == Status.DISPATCHED and ticket.lead_assignment.unit == org.street_b
    first, refreshed = DispatchRecommendation.objects.filter(ticket=ticket).order_by("created_at", "id")
    assert (first.trigger, first.top_unit, first.auto_dispatched) == ("register", org.street_a, False)
    assert (refreshed.trigger, refreshed.top_unit, refreshed.auto_dispatched) == (
        services.REFRESH_TRIGGER, org.street_b, True)
    # evaluate-dispatch still judges the first one (made before anyone chose); the auto line the refreshed one
    assert next(r for r in _first_recommendations(None) if r.ticket_id == ticket.pk) == first


def test_an_entry_switched_off_since_registration_leaves_the_order_to_a_person(
        org, world, auto, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ticket, cast = _registered(org, world, django_capture_on_commit_callbacks)
    rule = world["rule"]
    rule.is_active = False
    rule.save()
    ticket = _send(ticket, cast, django_capture_on_commit_callbacks)
    assert ticket.status == Status.PENDING_DISPATCH
    latest = services.latest(ticket)
    assert latest.trigger == services.REFRESH_TRIGGER and latest.rule_id is None and not latest.auto_dispatched


def test_an_unchanged_catalogue_keeps_the_registration_recommendation(
        org, world, auto, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ticket, cast = _registered(org, world, django_capture_on_commit_callbacks)
    ticket = _send(ticket, cast, django_capture_on_commit_callbacks)
    assert ticket.status == Status.DISPATCHED and ticket.lead_assignment.unit == org.street_a
    rec = DispatchRecommendation.objects.get(ticket=ticket)
    assert rec.trigger == "register" and rec.auto_dispatched


def test_an_edit_another_process_made_is_checked_in_the_database(
        org, world, auto, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """This process's snapshot still shows the old entry (no signal reached it): the database has the last word."""
    ticket, cast = _registered(org, world, django_capture_on_commit_callbacks)
    services.catalogue()  # the snapshot as it stands
    DispatchRule.objects.filter(pk=world["rule"].pk).update(lead_unit=org.street_b)  # no signal: another process
    ticket = _send(ticket, cast, django_capture_on_commit_callbacks)
    assert ticket.status == Status.PENDING_DISPATCH


@pytest.mark.parametrize("change", ["lead", "off", "assisting", "unit_off", "category", "new_entry"])
def test_what_makes_a_recommendation_stale(org, world, django_capture_on_commit_callbacks, change) -> None:  # noqa: ANN001
    ticket, _cast = _registered(org, world, django_capture_on_commit_callbacks)
    rec = services.latest(ticket)
    assert not services.is_stale(rec, ticket)
    rule = world["rule"]
    if change == "lead":
        rule.lead_unit = org.street_b
        rule.save()
    elif change == "off":
        rule.is_active = False
        rule.save()
    elif change == "assisting":
        rule.assisting_units.add(org.street_b)
    elif change == "unit_off":
        org.district.is_active = False  # an assisting unit the recommendation offers
        org.district.save()
    elif change == "category":
        ticket.category = Category.objects.get(name="城乡建设")
    elif change == "new_entry":  # a more specific entry for the order's community
        DispatchRule.objects.create(category=world["leaf"], area=org.community_a, lead_unit=org.community_a)
    assert services.is_stale(rec, ticket)


def test_a_recommendation_stored_before_its_reads_were_recorded_is_still_checked(
        org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ticket, _cast = _registered(org, world, django_capture_on_commit_callbacks)
    rec = services.latest(ticket)
    del rec.scores["reads"]
    assert not services.is_stale(rec, ticket)
    rule = world["rule"]
    rule.lead_unit = org.street_b
    rule.save()
    assert services.is_stale(rec, ticket)


def test_the_panel_shows_the_catalogue_as_it_stands(org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ticket, cast = _registered(org, world, django_capture_on_commit_callbacks)
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, category=world["leaf"], district=org.district,
                         street=org.street_a, community=org.community_a, description=PROPERTY)
    services.recommend(ticket, trigger="register")
    request = RequestFactory().get("/")
    request.user = cast.dispatcher
    assert recommendation_panel(request, ticket).context["rec"].top_unit_id == org.street_a.pk
    rule = world["rule"]
    rule.lead_unit = org.street_b
    rule.save()
    shown = recommendation_panel(request, ticket).context["rec"]
    assert shown.top_unit_id == org.street_b.pk and shown.pk is None  # made again for the page, not stored
    assert org.street_a.pk not in [row["unit_id"] for row in shown.top3 if row["parts"].get("rule")]
    assert DispatchRecommendation.objects.filter(ticket=ticket).count() == 1


def test_an_area_unit_leads_only_in_its_own_area(org, world) -> None:  # noqa: ANN001
    leaf = world["leaf"]
    with pytest.raises(ValidationError) as refused:  # a street of another district for this district's entry
        DispatchRule(category=leaf, area=org.district, lead_unit=org.other_street).full_clean()
    assert "lead_unit" in refused.value.message_dict
    with pytest.raises(ValidationError):  # a sibling street
        DispatchRule(category=leaf, area=org.street_b, lead_unit=org.community_a).full_clean()
    with pytest.raises(ValidationError):  # another district's government
        DispatchRule(category=leaf, area=org.street_b, lead_unit=org.other_district).full_clean()
    DispatchRule(category=leaf, area=org.district, lead_unit=org.street_b).full_clean()  # a street inside
    DispatchRule(category=leaf, area=org.street_b, lead_unit=org.district).full_clean()  # the district above
    DispatchRule(category=leaf, area=org.other_street, lead_unit=world["housing"]).full_clean()  # a city department
    DispatchRule(category=leaf, lead_unit=org.street_b).full_clean()  # city-wide: not an area question
