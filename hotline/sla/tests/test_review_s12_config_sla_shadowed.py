"""时限规则: a catch-all (no conditions) ranked above a policy with conditions silences it for every order
(a gas leak would get 2 working days to sign instead of 15 minutes). docs/sla.md §5: the catch-all has the
lowest priority, so `SlaPolicy.clean` refuses such a ranking, naming the policies concerned.

Adapted from the reviewer's /tmp/rv6/test_sla_shadowed.py."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.sla import services as sla
from hotline.sla.choices import LimitUnit
from hotline.sla.constants import DEFAULT_POLICIES
from hotline.sla.models import SlaPolicy
from hotline.taxonomy.choices import Urgency
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db

FORM = {"name": "春节期间", "is_active": "on", "priority": "50", "urgency": "",
        "sign_amount": "2", "sign_unit": LimitUnit.WORKING_DAYS, "reply_amount": "5",
        "reply_unit": LimitUnit.WORKING_DAYS, "close_amount": "7", "close_unit": LimitUnit.WORKING_DAYS,
        "return_amount": "1", "return_unit": LimitUnit.WORKING_DAYS, "yellow_ratio": "0.8", "_save": "1"}


def _policy(name: str, priority: int, **conditions: object) -> SlaPolicy:
    """An unsaved policy with 一般's limits."""
    return SlaPolicy(name=name, priority=priority, sign_amount=1, sign_unit=LimitUnit.WORKING_DAYS, reply_amount=5,
                     reply_unit=LimitUnit.WORKING_DAYS, close_amount=7, close_unit=LimitUnit.WORKING_DAYS,
                     **conditions)


def test_a_catch_all_above_the_urgent_policy_is_refused_in_the_admin(admin_client) -> None:  # noqa: ANN001
    response = admin_client.post(reverse("admin:sla_slapolicy_add"), FORM)
    assert response.status_code == 200, "saved a catch-all that silences every conditional policy"
    assert not SlaPolicy.objects.filter(name="春节期间").exists()
    page = response.content.decode()
    assert "「春节期间」不设适用条件（兜底规则）" in page and "「疑难复杂」" in page  # the lowest it would silence


def test_a_catch_all_at_or_below_every_conditional_policy_is_accepted(admin_client) -> None:  # noqa: ANN001
    response = admin_client.post(reverse("admin:sla_slapolicy_add"), {**FORM, "priority": "10"})
    assert response.status_code == 302  # 疑难复杂 (10) still wins: at an equal priority the more specific wins
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=Cast.build(), urgency=Urgency.URGENT)
    assert sla.policy_for(ticket).urgency == Urgency.URGENT


def test_the_shipped_policies_are_valid() -> None:
    for row in DEFAULT_POLICIES:
        SlaPolicy.objects.get(name=row["name"]).full_clean()


def test_a_conditional_policy_below_a_catch_all_is_refused() -> None:
    """The other way round: a policy with conditions ranked under 一般 (0) would never apply."""
    with pytest.raises(ValidationError) as refused:
        _policy("夜间噪音", -1, urgency=Urgency.PRESSING).full_clean()
    assert "「夜间噪音」的优先级 -1 低于兜底规则「一般」" in str(refused.value.message_dict["priority"])
    _policy("夜间噪音", 0, urgency=Urgency.PRESSING).full_clean()  # equal: the more specific wins


def test_switching_a_shadowed_policy_back_on_is_refused() -> None:
    """A policy switched off may sit anywhere; switched back on it must rank above every catch-all."""
    _policy("春节期间", 5).save()  # a second catch-all at 5
    urgent = SlaPolicy.objects.get(urgency=Urgency.URGENT)
    urgent.priority, urgent.is_active = 3, False
    urgent.full_clean()  # switched off: nothing to check
    urgent.save()
    urgent.is_active = True
    with pytest.raises(ValidationError, match="低于兜底规则「春节期间」"):
        urgent.full_clean()


def test_context_what_such_a_policy_does_to_an_urgent_order(frozen_now) -> None:  # noqa: ANN001
    """Why: saved past the admin, such a policy wins for an urgent order (紧急 can no longer apply)."""
    _policy("春节期间", 50).save()
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=Cast.build(), urgency=Urgency.URGENT)
    assert sla.policy_for(ticket).name == "春节期间"
