"""满意率 and 有效回访 on the dashboards follow the assessment's settings and definition (docs/kpis.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from hotline.dashboards import selectors
from hotline.kpis import engine, periods
from hotline.kpis.models import AssessmentSettings
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _visited(cast: Cast, satisfaction: str, on_commit: Any) -> None:
    with on_commit(execute=True):
        ticket = make_ticket(Status.AWAITING_VISIT, cast=cast)
        services.record_return_visit(ticket, actor=cast.inspector, contacted=True, resolved=True,
                                     satisfaction=satisfaction)


def test_dashboard_satisfaction_uses_the_configured_factor_and_the_kpis_valid_visits(
        frozen_now: datetime, django_capture_on_commit_callbacks: Any) -> None:
    cast = Cast.build()
    _visited(cast, Satisfaction.BASICALLY, django_capture_on_commit_callbacks)
    _visited(cast, Satisfaction.NO_OPINION, django_capture_on_commit_callbacks)  # reached, no answer: not valid
    settings = AssessmentSettings.current()
    settings.basic_factor = Decimal("0.5")
    settings.save()
    today = timezone.localdate(frozen_now)
    start, end = selectors.month_bounds(today)
    k = selectors.kpis(selectors.Scope(None, "全市"), start, end)
    assert (k["visits"], k["basically"]) == (1, 1)
    assert k["satisfaction_rate"] == 50.0
    kpi = engine.figure("satisfaction", engine.context(periods.month(today.year, today.month), as_of=frozen_now))
    assert (kpi.numerator, kpi.denominator) == (Decimal("0.5"), 1)
    trend = selectors.satisfaction_trend(selectors.Scope(None, "全市"), today)
    assert trend[-1]["satisfaction_rate"] == 50.0 and trend[-1]["visits"] == 1
    screen = selectors.screen_payload(selectors.Scope(None, "全市"), now=frozen_now)
    assert screen["month"]["satisfaction_rate"] == 50.0
