"""The 发起会商 form starts from the dispatch recommendation as the order page's panel shows it (派单推荐).

A stored recommendation made before the catalogue (派单目录) changed is not offered: the form, like the panel
(`routing.panels`), reads one made again for the page, which is not stored (a page view only reads).
"""

from __future__ import annotations

import pytest

from hotline.orgs.choices import UnitKind
from hotline.routing import services as routing
from hotline.routing.models import DispatchRecommendation, DispatchRule
from hotline.routing.panels import recommendation_panel
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket
from hotline.workbench import consulting
from hotline.workbench.actions import STEPS
from hotline.workbench.views import bind

pytestmark = pytest.mark.django_db

PROPERTY = "小区物业不作为，楼道垃圾堆积一个月无人清理，物业费照收"


@pytest.fixture
def world(org):  # noqa: ANN001, ANN201
    """A property-matters entry for street A, led by street A with the district assisting."""
    top = Category.objects.create(name="城乡建设", level=1, full_name="城乡建设")
    mid = Category.objects.create(name="住房保障与房地产", level=2, parent=top, full_name="城乡建设/住房保障与房地产")
    leaf = Category.objects.create(name="物业服务", level=3, parent=mid, full_name="城乡建设/住房保障与房地产/物业服务")
    HandlingUnitFactory(kind=UnitKind.DEPARTMENT, name="市住建局", parent=org.centre)
    rule = DispatchRule.objects.create(category=leaf, area=org.street_a, lead_unit=org.street_a,
                                       legal_basis="街乡镇履职清单")
    rule.assisting_units.add(org.district)
    return {"leaf": leaf, "rule": rule}


def _pending(org, world, capture, **draft) -> tuple[Ticket, Cast]:  # noqa: ANN001
    cast = Cast.build(lead=org.street_a)
    with capture(execute=True):
        ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, category=world["leaf"], district=org.district,
                             street=org.street_a, community=org.community_a, description=PROPERTY, **draft)
    return ticket, cast


def _consult_units(cast: Cast, ticket: Ticket) -> list[int]:
    form = bind(STEPS[Action.CONSULT], cast.dispatcher, ticket)
    return list(form.initial.get("units", []))


def test_a_fresh_recommendation_is_read_as_stored(org, world, django_capture_on_commit_callbacks,  # noqa: ANN001
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    ticket, cast = _pending(org, world, django_capture_on_commit_callbacks)
    stored = routing.latest(ticket)
    assert stored is not None and stored.top_unit == org.street_a
    monkeypatch.setattr(routing, "build", lambda *a, **k: pytest.fail("a fresh recommendation is not made again"))

    units = _consult_units(cast, ticket)

    assert units == [row["unit_id"] for row in stored.top3[:3]] and units[0] == org.street_a.pk


def test_a_stale_recommendation_is_made_again_for_the_page_and_not_stored(
        org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    """The entry now names street B: the form offers street B first, as the panel's buttons do."""
    ticket, cast = _pending(org, world, django_capture_on_commit_callbacks)
    rule = world["rule"]
    rule.lead_unit = org.street_b
    rule.save()
    stored = routing.latest(ticket)
    assert routing.is_stale(stored, ticket)
    count = DispatchRecommendation.objects.filter(ticket=ticket).count()

    units = _consult_units(cast, ticket)

    assert units[0] == org.street_b.pk and org.street_a.pk != units[0]
    assert DispatchRecommendation.objects.filter(ticket=ticket).count() == count  # a page view only reads
    panel = recommendation_panel(type("Request", (), {"user": cast.dispatcher})(), ticket)
    assert panel is not None and [row["unit_id"] for row in panel.context["rec"].top3[:3]] == units


def test_an_order_without_a_recommendation_gets_one_for_the_page(
        org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ticket, cast = _pending(org, world, django_capture_on_commit_callbacks)
    DispatchRecommendation.objects.filter(ticket=ticket).delete()

    assert consulting.initial_values(Action.CONSULT, cast.dispatcher, ticket) == {"units": _consult_units(cast, ticket)}
    assert _consult_units(cast, ticket)[0] == org.street_a.pk
    assert not DispatchRecommendation.objects.filter(ticket=ticket).exists()


def test_a_confidential_order_gets_no_suggestion(org, world, django_capture_on_commit_callbacks) -> None:  # noqa: ANN001
    ticket, cast = _pending(org, world, django_capture_on_commit_callbacks)
    Ticket.objects.filter(pk=ticket.pk).update(is_confidential=True)
    ticket.refresh_from_db()
    assert consulting.initial_values(Action.CONSULT, cast.dispatcher, ticket) == {}
