"""Who sees which orders (`Ticket.objects.visible_to`) and who may act on them — trying the forbidden ids.

The org tree (conftest `org`): centre → 东城区 (district) → 东华门街道 (street_a) → 多福巷社区 (community_a),
景山街道 (street_b); 西城区 (other_district) → 西长安街街道 (other_street); 市城管委 (department).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from hotline.accounts.choices import CENTRE_ROLES, Role
from hotline.accounts.models import User
from hotline.orgs.models import HandlingUnit
from hotline.tickets import services
from hotline.tickets.choices import ReturnReason, Status
from hotline.tickets.exceptions import NotPermitted, RuleViolation
from hotline.tickets.models import ForwardSettings, Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket, stored

pytestmark = pytest.mark.usefixtures("frozen_now")


@dataclass
class Scene:
    """One order sent to each unit of the tree, a confidential one, one never dispatched, and their staff."""

    orders: dict[str, Ticket]
    staff: dict[str, User]
    casts: dict[str, Cast]


UNITS = ["street_a", "street_b", "community_a", "district", "department", "other_street"]


@pytest.fixture
def scene(org: Any) -> Scene:
    ForwardSettings.objects.update_or_create(pk=1, defaults={"to_communities": True})  # community_a leads an order
    centre = Cast.build(lead=org.street_a)  # centre staff shared by every order
    people = {"intake": centre.intake, "dispatcher": centre.dispatcher, "inspector": centre.inspector,
              "supervisor": centre.supervisor}
    casts, orders = {}, {}
    for name in UNITS:
        unit: HandlingUnit = getattr(org, name)
        casts[name] = Cast.build(lead=unit, **people)
        orders[name] = make_ticket(Status.IN_PROGRESS, cast=casts[name])
    orders["confidential"] = make_ticket(Status.PENDING_DISPATCH, cast=casts["street_a"], is_confidential=True,
                                         caller_name="举报人")
    orders["undispatched"] = make_ticket(Status.PENDING_DISPATCH, cast=casts["street_a"])
    staff = {name: casts[name].lead_handler for name in UNITS}
    staff["district_admin"] = UserFactory(role=Role.UNIT_ADMIN, units=[org.district])
    return Scene(orders=orders, staff=staff, casts=casts)


def visible(scene: Scene, user: object, *, one: bool = False) -> set[str]:
    """The scene's orders this person finds by id (`one`: as a caller picking one order asks)."""
    return {name for name, t in scene.orders.items()
            if Ticket.objects.visible_to(user, one=one).filter(pk=t.pk).exists()}


# --- What each person sees -------------------------------------------------------------------------------------

EXPECTED = {
    # a street sees its own orders and those of the units below it (its communities)
    "street_a": {"street_a", "community_a"},
    "street_b": {"street_b"},
    # a community sees only its own: not its street's orders
    "community_a": {"community_a"},
    # the district sees every order of its streets and communities, not another district's
    "district": {"district", "street_a", "street_b", "community_a"},
    "district_admin": {"district", "street_a", "street_b", "community_a"},
    "department": {"department"},
    "other_street": {"other_street"},
}


@pytest.mark.parametrize("one", [False, True], ids=["list", "one"])
@pytest.mark.parametrize(("who", "expected"), sorted(EXPECTED.items()))
def test_unit_staff_see_only_their_units_and_below(scene: Scene, who: str, expected: set[str], one: bool) -> None:
    """The same rule whichever way it is asked: for a list (an IN list) or for one order (EXISTS)."""
    user = scene.staff[who]
    assert visible(scene, user, one=one) == expected
    # the queryset agrees with the per-id probes (no extra rows from joins)
    qs = Ticket.objects.visible_to(user, one=one)
    assert qs.count() == len(expected) == len(set(qs.values_list("pk", flat=True)))


@pytest.mark.parametrize("one", [False, True], ids=["list", "one"])
@pytest.mark.parametrize("who", sorted(EXPECTED))
def test_forbidden_ids_are_not_found(scene: Scene, who: str, one: bool) -> None:
    user = scene.staff[who]
    forbidden = set(scene.orders) - EXPECTED[who]
    assert forbidden >= {"confidential", "undispatched"}
    missing = Ticket.objects.order_by("-pk").values_list("pk", flat=True).first() + 1000
    for name in forbidden:
        pk = scene.orders[name].pk
        assert not Ticket.objects.visible_to(user, one=one).filter(pk=pk).exists(), name
        with pytest.raises(Ticket.DoesNotExist):
            Ticket.objects.visible_to(user, one=one).get(pk=pk)
        assert not Ticket.objects.visible_to(user, one=one).filter(number=scene.orders[name].number).exists()
    assert not Ticket.objects.visible_to(user, one=one).filter(pk=missing).exists()


def test_confidential_order_never_leaves_the_centre(scene: Scene) -> None:
    order = scene.orders["confidential"]
    cast = scene.casts["street_a"]
    for who in ("street_a", "district", "district_admin"):
        assert not Ticket.objects.visible_to(scene.staff[who]).filter(pk=order.pk).exists()
    assert Ticket.objects.visible_to(cast.dispatcher).filter(pk=order.pk).exists()
    before = stored(order)
    with pytest.raises(RuleViolation, match="保密"):
        services.dispatch(order, actor=cast.dispatcher, lead=cast.lead)
    assert stored(order) == before
    assert not order.assignments.exists()
    services.answer_directly(order, actor=cast.dispatcher, answer="已由中心直接答复")
    assert order.status == Status.ANSWERED


@pytest.mark.parametrize("role", sorted(CENTRE_ROLES))
def test_centre_roles_see_everything(scene: Scene, role: str) -> None:
    assert visible(scene, UserFactory(role=role)) == set(scene.orders)
    assert Ticket.objects.visible_to(UserFactory(role=role)).count() == Ticket.objects.count()


@pytest.mark.parametrize("who", ["anonymous", "none", "inactive centre", "inactive unit", "unit without units"])
def test_nobody_sees_nothing(scene: Scene, org: Any, who: str) -> None:
    user = {
        "anonymous": AnonymousUser(),
        "none": None,
        "inactive centre": UserFactory(role=Role.ADMIN, is_active=False),
        "inactive unit": UserFactory(role=Role.UNIT_HANDLER, units=[org.district], is_active=False),
        "unit without units": UserFactory(role=Role.UNIT_HANDLER),
    }[who]
    assert not Ticket.objects.visible_to(user).exists()


def test_member_of_two_units_sees_both(scene: Scene, org: Any) -> None:
    user = UserFactory(role=Role.UNIT_HANDLER, units=[org.street_b, org.department])
    assert visible(scene, user) == {"street_b", "department"}


def test_a_unit_keeps_seeing_an_order_it_returned(frozen_now: object, org: Any) -> None:
    """Orders *ever* assigned stay visible (their history is the unit's too); the new unit sees it as well."""
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(Status.DISPATCHED, cast=cast)
    services.return_order(t, actor=cast.lead_handler, reason_code=ReturnReason.NOT_OUR_AREA, reason="属景山街道")
    services.accept_return(t, actor=cast.dispatcher, lead=org.street_b)
    street_b_handler = UserFactory(role=Role.UNIT_HANDLER, units=[org.street_b])
    for user in (cast.lead_handler, street_b_handler):
        assert Ticket.objects.visible_to(user).filter(pk=t.pk).exists()
    other = UserFactory(role=Role.UNIT_HANDLER, units=[org.other_street])
    assert not Ticket.objects.visible_to(other).filter(pk=t.pk).exists()


# --- Acting on a forbidden order -------------------------------------------------------------------------------


def _unit_steps(t: Ticket, actor: User) -> dict[str, object]:
    return {
        "sign": lambda: services.sign(t, actor=actor),
        "return": lambda: services.return_order(t, actor=actor, reason_code=ReturnReason.OTHER, reason="x"),
        "reply": lambda: services.reply(t, actor=actor, content="x", contacted=True, resolved=True),
        "request_info": lambda: services.request_info(t, actor=actor, question="x"),
        "request_extension": lambda: services.request_extension(t, actor=actor, days=2, reason="x"),
        "apply_unreasonable": lambda: services.apply_unreasonable(t, actor=actor, reason="x"),
    }


STEP_STATUS = {"sign": Status.DISPATCHED, "return": Status.IN_PROGRESS, "reply": Status.IN_PROGRESS,
               "request_info": Status.IN_PROGRESS, "request_extension": Status.IN_PROGRESS,
               "apply_unreasonable": Status.IN_PROGRESS}


@pytest.mark.parametrize("step", sorted(STEP_STATUS))
@pytest.mark.parametrize("who", ["street_b", "other_street", "community_a", "district_admin"])
def test_services_refuse_another_units_order(org: Any, step: str, who: str) -> None:
    """Staff of another unit — even the district above, which sees the order — cannot act for street_a."""
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(STEP_STATUS[step], cast=cast)
    actor = UserFactory(role=Role.UNIT_ADMIN if who == "district_admin" else Role.UNIT_HANDLER,
                        units=[org.district if who == "district_admin" else getattr(org, who)])
    before = stored(t)
    with pytest.raises(NotPermitted):
        _unit_steps(t, actor)[step]()
    assert stored(t) == before


def test_services_refuse_the_unit_a_forbidden_id_it_names(org: Any) -> None:
    """Naming its own unit does not help a handler act on an order that unit does not hold."""
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(Status.DISPATCHED, cast=cast)
    intruder = UserFactory(role=Role.UNIT_HANDLER, units=[org.street_b])
    with pytest.raises(NotPermitted):
        services.sign(t, actor=intruder, unit=org.street_b)
    with pytest.raises(NotPermitted):  # nor naming the unit that does hold it
        services.sign(t, actor=intruder, unit=org.street_a)
    assert stored(t)["status"] == Status.DISPATCHED


@pytest.mark.parametrize("status", [Status.IN_PROGRESS, Status.PENDING_DISPATCH])
def test_another_unit_cannot_attach_files_to_an_order(org: Any, status: str) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hotline.attachments.services import attach

    cast = Cast.build(lead=org.street_a)
    t = make_ticket(status, cast=cast)
    intruder = UserFactory(role=Role.UNIT_HANDLER, units=[org.other_street])
    assert not Ticket.objects.visible_to(intruder).filter(pk=t.pk).exists()
    before = stored(t)
    with pytest.raises(NotPermitted):
        attach(t, actor=intruder, upload=SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + bytes(56)))
    assert stored(t) == before
