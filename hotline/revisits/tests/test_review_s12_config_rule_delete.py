"""二次回访规则 in the admin: switched off, never deleted (as 质检项 and 来电人标签), so the visits a rule planned
keep its number of calls and their spacing (a deleted rule would leave them on the fallback: 3 calls a day apart)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse

from hotline.revisits import services
from hotline.revisits.choices import Outcome, VisitState
from hotline.revisits.models import RevisitRule, SecondVisit
from hotline.revisits.tests.conftest import close, rule  # noqa: F401

pytestmark = pytest.mark.django_db
NOISE = "楼下广场舞噪音很大，晚上十点后还在跳"


def test_deleting_a_rule_is_refused_and_its_pending_visits_keep_it(rule, close, traveller, admin_client) -> None:  # noqa: ANN001, F811
    rule.max_attempts, rule.retry_days = 5, 3  # the centre tries five times, three days apart
    rule.save()
    ticket = close(description=NOISE)
    response = admin_client.post(reverse("admin:revisits_revisitrule_delete", args=[rule.pk]), {"post": "yes"})
    assert response.status_code == 403 and RevisitRule.objects.filter(pk=rule.pk).exists()
    visit = SecondVisit.objects.get()
    assert visit.rule_id == rule.pk
    due = visit.due_at
    for _ in range(3):  # each call made when the visit is due
        traveller.move_to(visit.due_at)
        visit = services.record(visit, actor=ticket.cast.inspector, outcome=Outcome.UNREACHABLE)
    assert visit.state == VisitState.PENDING, "given up after 3 calls although the rule said 5"
    assert visit.due_at == due + timedelta(days=9), "retried a day apart although the rule said 3 days"


def test_the_rule_list_offers_no_deletion_and_switches_rules_off(rule, admin_client) -> None:  # noqa: ANN001, F811
    page = admin_client.get(reverse("admin:revisits_revisitrule_changelist")).content.decode()
    assert "delete_selected" not in page
    change = admin_client.get(reverse("admin:revisits_revisitrule_change", args=[rule.pk])).content.decode()
    assert "deletelink" not in change
    assert 'name="form-0-is_active"' in page  # switched off from the list, as 质检项 and 来电人标签
