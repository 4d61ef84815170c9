"""Editing time-limit policies in the admin: no zero limits, limits in order, the last catch-all stays."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.sla.choices import LimitUnit
from hotline.sla.models import SlaPolicy
from hotline.tickets import services
from hotline.tickets.choices import Status
from hotline.tickets.exceptions import RuleViolation
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


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


def _general() -> SlaPolicy:
    return SlaPolicy.objects.get(name="一般")


def test_the_last_catch_all_cannot_be_disabled_or_narrowed(admin_client) -> None:
    policy = _general()
    url = reverse("admin:sla_slapolicy_change", args=[policy.pk])
    for change in ({"is_active": ""}, {"urgency": "normal"}, {"difficult_only": "on"}):
        response = admin_client.post(url, _form(policy, **change))
        assert response.status_code == 200
        assert "唯一启用的兜底时限规则" in response.content.decode()
        assert SlaPolicy.objects.get(pk=policy.pk).is_catch_all
    spare = SlaPolicy.objects.create(name="兜底二", sign_amount=1, sign_unit=LimitUnit.WORKING_DAYS, reply_amount=5,
                                     reply_unit=LimitUnit.WORKING_DAYS, close_amount=7,
                                     close_unit=LimitUnit.WORKING_DAYS)
    assert admin_client.post(url, _form(policy, is_active="")).status_code == 302  # another catch-all remains
    assert SlaPolicy.objects.get(pk=policy.pk).is_active is False
    spare.is_active = False
    with pytest.raises(ValidationError):
        spare.full_clean()


def test_the_last_catch_all_cannot_be_deleted(admin_client) -> None:
    policy = _general()
    response = admin_client.post(reverse("admin:sla_slapolicy_delete", args=[policy.pk]), {"post": "yes"})
    assert response.status_code == 200 and "唯一启用的兜底时限规则" in response.content.decode()
    response = admin_client.post(reverse("admin:sla_slapolicy_changelist"),
                                 {"action": "delete_selected", "_selected_action": [policy.pk], "post": "yes"})
    assert "唯一启用的兜底时限规则" in response.content.decode()
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()
    other = SlaPolicy.objects.get(name="疑难复杂")
    response = admin_client.post(reverse("admin:sla_slapolicy_delete", args=[other.pk]), {"post": "yes"})
    assert response.status_code == 302 and not SlaPolicy.objects.filter(pk=other.pk).exists()


def test_a_zero_limit_and_limits_out_of_order_are_refused(admin_client) -> None:
    policy = _general()
    url = reverse("admin:sla_slapolicy_change", args=[policy.pk])
    response = admin_client.post(url, _form(policy, sign_amount=0))
    assert response.status_code == 200 and SlaPolicy.objects.get(pk=policy.pk).sign_amount == 1
    response = admin_client.post(url, _form(policy, reply_amount=8))  # reply 8 working days > close 7
    assert response.status_code == 200 and "办结时限不能短于答复时限" in response.content.decode()
    response = admin_client.post(url, _form(policy, sign_amount=121, sign_unit=LimitUnit.WORKING_HOURS))
    assert response.status_code == 200 and "答复时限不能短于签收时限" in response.content.decode()
    # different axes (wall clock against working time) are not compared; same axis, different units are
    assert admin_client.post(url, _form(policy, sign_amount=3, sign_unit=LimitUnit.DAYS)).status_code == 302
    assert admin_client.post(url, _form(policy, sign_amount=2, sign_unit=LimitUnit.WORKING_HOURS)).status_code == 302


def test_dispatch_without_any_applicable_policy_is_refused_cleanly(frozen_now) -> None:  # noqa: ANN001
    """With every policy disabled (by hand, past the admin's guard) a dispatch is a RuleViolation, not a 500."""
    cast = Cast.build()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    SlaPolicy.objects.update(is_active=False)
    with pytest.raises(RuleViolation, match="没有适用于该工单的启用时限规则"):
        services.dispatch(ticket, actor=cast.dispatcher, lead=cast.lead)
    assert Ticket.objects.get(pk=ticket.pk).status == Status.PENDING_DISPATCH


def test_the_seeded_difficult_policy_gives_two_working_days_to_return() -> None:
    """domain.md: a unit may return an order within 1 working day of dispatch, a complex one within 2."""
    from hotline.sla.choices import LimitUnit
    from hotline.sla.models import SlaPolicy

    difficult = SlaPolicy.objects.get(name="疑难复杂", difficult_only=True)
    ordinary = SlaPolicy.objects.get(name="一般")
    assert (difficult.return_amount, difficult.return_unit) == (2, LimitUnit.WORKING_DAYS)
    assert (ordinary.return_amount, ordinary.return_unit) == (1, LimitUnit.WORKING_DAYS)
