"""No switched-off partner keeps an endpoint on (docs/interop.md), however the rows were written: the queryset's
`bulk_update(…, ["is_active"])`, and `update` with any value for 启用 that is not a literal True (an expression,
`Case`/`When`, `Value`, 0), switch off the endpoints of the rows that are off afterwards, each endpoint saved on its
own as `update(is_active=False)` does (the admin change trail records it). (R7 review.)"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import Case, Value, When

from hotline.interop import services
from hotline.interop.choices import PartnerKind
from hotline.interop.models import Partner
from hotline.ops import context
from hotline.ops.models import AdminAction, AdminChange
from hotline.tickets.choices import EmergencyService
from hotline.webhooks.models import Subscription

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


def _partner(code: str, service: str) -> Partner:
    partner, _raw = services.add_partner(code=code, name=f"{code} 指挥中心", kind=PartnerKind.EMERGENCY,
                                         emergency_service=service)
    services.set_endpoint(partner, f"https://example.com/{code}", secret="whsec_" + "k" * 40)
    return Partner.objects.select_related("endpoint").get(pk=partner.pk)


@pytest.fixture
def police() -> Partner:
    return _partner("110", EmergencyService.POLICE)


@pytest.fixture
def fire() -> Partner:
    return _partner("119", EmergencyService.FIRE)


def _endpoint_on(partner: Partner) -> bool:
    return Subscription.objects.get(pk=partner.endpoint_id).is_active


def test_bulk_update_switching_a_partner_off_turns_its_endpoint_off(police: Partner) -> None:
    partner = Partner.objects.get(pk=police.pk)
    assert _endpoint_on(partner) is True
    partner.is_active = False
    Partner.objects.bulk_update([partner], ["is_active"])
    assert Partner.objects.get(pk=partner.pk).is_active is False
    # docs/interop.md: "no switched-off partner keeps an endpoint on"
    assert _endpoint_on(partner) is False


def test_bulk_update_switches_off_only_the_endpoints_of_the_partners_it_leaves_off(police: Partner,
                                                                                  fire: Partner) -> None:
    police.is_active = False
    fire.name = "市消防救援支队119"  # still on
    assert Partner.objects.bulk_update([police, fire], ["is_active", "name"]) == 2
    assert (_endpoint_on(police), _endpoint_on(fire)) == (False, True)
    assert police.endpoint.is_active is False  # the caller's copy says so too
    assert fire.endpoint.is_active is True


def test_bulk_update_leaves_endpoints_alone_without_is_active_and_never_switches_one_on(police: Partner) -> None:
    services.switch_off(police)
    services.set_endpoint(police, "https://example.com/110-v2")  # entered while off: stays off
    police.refresh_from_db()
    police.name = "市公安局110指挥中心"
    Partner.objects.bulk_update([police], ["name"])
    police.is_active = True
    Partner.objects.bulk_update([police], ["is_active"])  # on again: its endpoint waits for its address
    assert Partner.objects.get(pk=police.pk).is_active is True and _endpoint_on(police) is False


@pytest.mark.parametrize("value", [
    pytest.param(lambda: Case(When(code="110", then=Value(False)), default=Value(True)), id="case"),
    pytest.param(lambda: Value(False), id="value"),
    pytest.param(lambda: 0, id="zero"),
])
def test_update_with_any_value_that_leaves_rows_off_switches_their_endpoints_off(
        police: Partner, fire: Partner, value: Callable[[], object]) -> None:
    Partner.objects.filter(code__in=["110", "119"]).update(is_active=value())
    off = set(Partner.objects.filter(is_active=False).values_list("code", flat=True))
    assert "110" in off
    assert {p.code for p in (police, fire) if not _endpoint_on(p)} == off  # exactly the rows left off


def test_update_switching_rows_on_leaves_the_endpoints_as_they_are(police: Partner) -> None:
    services.switch_off(police)
    Partner.objects.filter(pk=police.pk).update(is_active=Value(True))
    assert Partner.objects.get(pk=police.pk).is_active is True and _endpoint_on(police) is False


@pytest.mark.parametrize("switch_off", [
    pytest.param(lambda p: Partner.objects.filter(pk=p.pk).update(is_active=False), id="update"),
    pytest.param(lambda p: (setattr(p, "is_active", False), Partner.objects.bulk_update([p], ["is_active"])),
                 id="bulk_update"),
])
def test_bulk_update_leaves_the_same_trail_as_update(police: Partner, switch_off: Callable[[Partner], object]) -> None:
    token = context.activate(context.RequestContext(request_id="r7-bulk-update", admin=True, username="ops-admin"))
    try:
        switch_off(police)
    finally:
        context.deactivate(token)
    recorded = AdminChange.objects.filter(model="webhooks.subscription", object_pk=str(police.endpoint_id),
                                          action=AdminAction.CHANGE)
    assert [(c.username, c.changes) for c in recorded] == [("ops-admin", {"is_active": ["True", "False"]})]
