"""The unit page's members (单位成员) follow the same rule as the user page's: unit staff never belong to
the centre, centre roles only to it, also when the unit's kind changes (`accounts.choices.unit_fits_role`)."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import Membership
from hotline.orgs.choices import UnitKind
from hotline.orgs.models import HandlingUnit
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db


def _unit_form(unit: HandlingUnit, memberships: list[Membership] = (), new_users: list[Any] = (),
               **changes: Any) -> dict[str, Any]:
    """The unit page's POST: the unit's fields, its kept memberships and new members."""
    data = {"code": unit.code, "name": unit.name, "kind": unit.kind, "parent": unit.parent_id or "",
            "phone": unit.phone, "is_active": "on" if unit.is_active else "", "_save": "1",
            "memberships-TOTAL_FORMS": str(len(memberships) + len(new_users)),
            "memberships-INITIAL_FORMS": str(len(memberships))}
    for i, membership in enumerate(memberships):
        data.update({f"memberships-{i}-id": membership.pk, f"memberships-{i}-user": membership.user_id,
                     f"memberships-{i}-unit": unit.pk})
    for i, user in enumerate(new_users, start=len(memberships)):
        data.update({f"memberships-{i}-user": user.pk, f"memberships-{i}-unit": unit.pk})
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def _centre_of(cast: Cast) -> HandlingUnit:
    centre = cast.lead
    while centre.parent_id is not None:
        centre = centre.parent
    if centre.kind != UnitKind.CENTRE:
        centre.kind = UnitKind.CENTRE
        centre.save()
    return centre


def test_a_unit_handler_cannot_join_the_centre_from_the_unit_page(admin_client, frozen_now) -> None:  # noqa: ANN001
    cast = Cast.build()
    other = make_ticket(Status.DISPATCHED, cast=cast)
    handler = UserFactory(role=Role.UNIT_HANDLER)
    centre = _centre_of(cast)
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[centre.pk]),
                                 _unit_form(centre, new_users=[handler]))
    assert response.status_code == 200
    assert "承办人和单位管理员不能属于热线中心" in response.content.decode()
    assert not Membership.objects.filter(user=handler, unit=centre).exists()
    assert not Ticket.objects.visible_to(handler).filter(pk=other.pk).exists()


def test_a_centre_role_cannot_join_a_street_from_the_unit_page(admin_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    dispatcher = UserFactory(role=Role.DISPATCHER)
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[cast.lead.pk]),
                                 _unit_form(cast.lead, new_users=[dispatcher]))
    assert response.status_code == 200
    assert "中心角色的用户只能属于热线中心" in response.content.decode()
    assert not Membership.objects.filter(user=dispatcher, unit=cast.lead).exists()


def test_fitting_members_are_still_added(admin_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    handler = UserFactory(role=Role.UNIT_HANDLER)
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[cast.lead.pk]),
                                 _unit_form(cast.lead, list(Membership.objects.filter(unit=cast.lead)), [handler]))
    assert response.status_code == 302
    assert Membership.objects.filter(user=handler, unit=cast.lead).exists()


def test_a_kind_change_its_members_do_not_fit_is_refused(admin_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    handler = cast.handler_of(cast.lead)
    memberships = list(Membership.objects.filter(unit=cast.lead))
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[cast.lead.pk]),
                                 _unit_form(cast.lead, memberships, kind=UnitKind.CENTRE))
    assert response.status_code == 200
    assert "承办人和单位管理员不能属于热线中心" in response.content.decode()
    cast.lead.refresh_from_db()
    assert cast.lead.kind != UnitKind.CENTRE
    assert Membership.objects.filter(user=handler, unit=cast.lead).exists()


def test_a_kind_change_is_checked_against_members_left_out_of_the_form(admin_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    assert Membership.objects.filter(unit=cast.lead).exists()
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[cast.lead.pk]),
                                 _unit_form(cast.lead, kind=UnitKind.CENTRE))
    assert response.status_code == 200
    cast.lead.refresh_from_db()
    assert cast.lead.kind != UnitKind.CENTRE


def test_a_kind_change_goes_through_once_the_unfit_members_are_removed(admin_client) -> None:  # noqa: ANN001
    cast = Cast.build()
    memberships = list(Membership.objects.filter(unit=cast.lead))
    data = _unit_form(cast.lead, memberships, kind=UnitKind.DEPARTMENT)
    assert admin_client.post(reverse("admin:orgs_handlingunit_change", args=[cast.lead.pk]), data).status_code == 302
    data = _unit_form(cast.lead, memberships, kind=UnitKind.CENTRE)
    data.update({f"memberships-{i}-DELETE": "on" for i in range(len(memberships))})
    response = admin_client.post(reverse("admin:orgs_handlingunit_change", args=[cast.lead.pk]), data)
    assert response.status_code == 302
    cast.lead.refresh_from_db()
    assert cast.lead.kind == UnitKind.CENTRE
    assert not Membership.objects.filter(unit=cast.lead).exists()
