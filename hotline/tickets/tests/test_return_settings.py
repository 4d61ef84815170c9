"""退单设置: after how many accepted returns only a designation (指定派单) may send the order on — the centre's
number (default 3, the Tianjin draft's), edited in the admin."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Action, AssignmentRole, ReturnReason, Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Assignment, ReturnSettings, Ticket
from hotline.tickets.services.dispatching import returns_before_designation
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db


def _set(n: int) -> None:
    ReturnSettings.objects.update_or_create(pk=1, defaults={"max_returns": n})


def _round(t: Ticket, cast: Cast) -> Ticket:
    """The lead returns the order and the centre agrees (the order waits for dispatch again)."""
    t = services.return_order(t, actor=cast.lead_handler, unit=cast.lead, reason_code=ReturnReason.NOT_OUR_DUTY,
                              reason="非本单位职责")
    return services.accept_return(t, actor=cast.dispatcher, note="同意")


def test_the_default_is_three() -> None:
    assert ReturnSettings.current().max_returns == 3 == returns_before_designation()


def test_fewer_returns_when_the_centre_says_so(frozen_now: datetime, cast: Cast) -> None:
    _set(2)
    t = make_ticket(Status.DISPATCHED, cast=cast)
    t = _round(t, cast)
    t = services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)  # one accepted return: plain dispatch
    t = _round(t, cast)
    with pytest.raises(RuleViolation, match="已退单2次"):
        services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    t = services.dispatch(t, actor=cast.dispatcher, lead=cast.lead, designate=True)
    assert t.timeline.last().action == Action.DESIGNATE


def test_more_returns_when_the_centre_says_so(frozen_now: datetime, cast: Cast) -> None:
    _set(4)
    t = make_ticket(Status.DISPATCHED, cast=cast)
    for _ in range(3):
        t = _round(t, cast)
        t = services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)
    assert t.return_count == 3 and t.status == Status.DISPATCHED
    t = _round(t, cast)
    with pytest.raises(RuleViolation, match="已退单4次"):
        services.dispatch(t, actor=cast.dispatcher, lead=cast.lead)


def test_a_consultation_after_the_last_return_designates(frozen_now: datetime, cast: Cast) -> None:
    _set(1)
    t = _round(make_ticket(Status.DISPATCHED, cast=cast), cast)
    other = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    third = HandlingUnitFactory(kind=UnitKind.DEPARTMENT)
    services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, other], question="谁主办")
    t = services.conclude_consultation(t, actor=cast.dispatcher, lead=third, note="按权责清单由第三方主办")
    lead = Assignment.objects.filter(ticket=t, role=AssignmentRole.LEAD).latest("id")
    assert lead.unit == third and lead.is_designated


@pytest.mark.parametrize("n", [0, 11])
def test_the_number_stays_between_one_and_ten(n: int) -> None:
    row = ReturnSettings.current()
    row.max_returns = n
    with pytest.raises(ValidationError):
        row.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        row.save()


def test_the_centre_edits_it_in_the_admin(admin_client) -> None:  # noqa: ANN001
    listing = admin_client.get(reverse("admin:tickets_returnsettings_changelist"))
    assert listing.status_code == 302
    url = listing["Location"]
    page = admin_client.get(url).content.decode()
    assert "退单几次后须指定派单" in page
    refused = admin_client.post(url, {"max_returns": "11"})
    assert refused.status_code == 200 and ReturnSettings.current().max_returns == 3
    assert admin_client.post(url, {"max_returns": "5"}).status_code == 302
    assert ReturnSettings.current().max_returns == 5
