"""Limits have a maximum per unit (时限上限): the admin refuses a typo'd limit, and a limit above it (saved
before the check) makes dispatch fail with a clear `RuleViolation`, not an OverflowError."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.core import workcalendar
from hotline.sla.choices import LimitUnit
from hotline.sla.models import AcceptanceSettings, SlaPolicy
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

START = datetime(2026, 3, 3, 10, tzinfo=ZoneInfo("Asia/Shanghai"))


def _form(policy: SlaPolicy, **changes: Any) -> dict[str, Any]:
    data = {"name": policy.name, "is_active": "on" if policy.is_active else "", "priority": policy.priority,
            "urgency": policy.urgency, "category": policy.category_id or "",
            "utility_only": "on" if policy.utility_only else "", "difficult_only": "on" if policy.difficult_only else "",
            "sign_amount": policy.sign_amount, "sign_unit": policy.sign_unit,
            "reply_amount": policy.reply_amount, "reply_unit": policy.reply_unit,
            "close_amount": policy.close_amount, "close_unit": policy.close_unit,
            "return_amount": policy.return_amount, "return_unit": policy.return_unit,
            "yellow_ratio": str(policy.yellow_ratio), "_save": "1"}
    data.update(changes)
    return {k: v for k, v in data.items() if v != ""}


def test_the_admin_refuses_a_close_limit_of_three_million_days(admin_client) -> None:  # noqa: ANN001
    policy = SlaPolicy.objects.get(name="一般")
    response = admin_client.post(reverse("admin:sla_slapolicy_change", args=[policy.pk]),
                                 _form(policy, close_amount=3_000_000, close_unit=LimitUnit.DAYS))
    assert response.status_code == 200
    assert "最多为 730" in response.content.decode()
    assert SlaPolicy.objects.get(pk=policy.pk).close_amount == policy.close_amount


@pytest.mark.parametrize("unit", list(LimitUnit))
def test_each_unit_has_a_maximum_that_clean_enforces(unit: LimitUnit) -> None:
    maximum = workcalendar.LIMIT_MAXIMUMS[unit]
    policy = SlaPolicy.objects.get(name="一般")
    policy.close_amount, policy.close_unit = maximum, unit
    policy.reply_amount, policy.reply_unit = 1, unit
    policy.sign_amount, policy.sign_unit = 1, unit
    policy.full_clean()  # the maximum itself is fine
    assert workcalendar.add_limit(START, maximum, unit) > START
    policy.close_amount = maximum + 1
    with pytest.raises(ValidationError) as refused:
        policy.full_clean()
    assert "close_amount" in refused.value.message_dict


def test_the_acceptance_limit_has_the_same_maximum() -> None:
    settings = AcceptanceSettings(pk=1, amount=2401, unit=LimitUnit.HOURS)
    with pytest.raises(ValidationError):
        settings.full_clean()


def test_add_limit_refuses_a_limit_above_the_maximum_clearly() -> None:
    with pytest.raises(RuleViolation, match="超过上限"):
        workcalendar.add_limit(START, 3_000_000, LimitUnit.DAYS)
    with pytest.raises(RuleViolation):
        workcalendar.add_limit(START, 3_000_000, LimitUnit.WORKING_DAYS)


def test_dispatch_under_an_absurd_stored_limit_is_refused_not_crashed(frozen_now) -> None:  # noqa: ANN001
    SlaPolicy.objects.filter(name="一般").update(close_amount=3_000_000, close_unit=LimitUnit.DAYS)
    cast = Cast.build()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    with pytest.raises(RuleViolation):
        services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_DISPATCH
