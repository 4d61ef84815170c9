"""会商意见及时率 in the composite (weightable, 0 by default) and in the breakdown by unit of the KPI page."""

from __future__ import annotations

from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.core import clock
from hotline.kpis import periods
from hotline.kpis.assessment import assess, result_for
from hotline.kpis.constants import WEIGHTABLE
from hotline.kpis.models import AssessmentSettings, IndicatorWeight
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Stance, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)


@pytest.fixture
def late_opinion(cast: Cast) -> Cast:
    """The lead: one perfect order (100 on every default indicator) and one consultation answered late."""
    settings = AssessmentSettings.current()
    settings.min_volume = 1
    settings.save()
    make_ticket(Status.CLOSED, cast=cast, at=at(4))
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, at=at(4))
    with clock.frozen(at(4)):
        t = services.start_consultation(t, actor=cast.dispatcher, units=[cast.lead, HandlingUnitFactory(kind=UnitKind.DEPARTMENT)],
                                         question="职责不清")
    with clock.frozen(at(20)):
        services.give_opinion(t, actor=cast.lead_handler, stance=Stance.LEAD, basis="权责清单第3项")
    return cast


def _line(cast: Cast):  # noqa: ANN202
    return result_for(assess(MARCH, as_of=AS_OF), cast.lead)


def test_weight_zero_by_default_leaves_the_composite_unchanged(late_opinion: Cast) -> None:
    line = _line(late_opinion)
    assert line.figures["opinion_timely"].value == 0  # ranked as a figure …
    assert "opinion_timely" not in AssessmentSettings.current().weights()  # … not weighed
    assert line.score == 100.0


def test_a_weight_counts_it_in_the_composite(late_opinion: Cast) -> None:
    IndicatorWeight.objects.filter(indicator="opinion_timely").update(weight=Decimal("0.25"))
    assert AssessmentSettings.current().weights()["opinion_timely"] == Decimal("0.25")
    # (1.00 × 100 + 0.25 × 0) ÷ 1.25
    assert _line(late_opinion).score == 80.0


def test_it_is_offered_and_listed_in_the_settings() -> None:
    assert "opinion_timely" in WEIGHTABLE
    field = IndicatorWeight._meta.get_field("indicator")
    assert "opinion_timely" in dict(field.choices)
    client = Client()
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    settings = AssessmentSettings.current()
    page = client.get(reverse("admin:kpis_assessmentsettings_change", args=[settings.pk])).content.decode()
    assert '<option value="opinion_timely" selected>会商意见及时率</option>' in page


def test_the_migration_lists_it_for_an_existing_centre() -> None:
    settings = AssessmentSettings.current()
    settings.weight_rows.filter(indicator="opinion_timely").delete()
    before = settings.weights()
    migration = import_module("hotline.kpis.migrations.0002_opinion_timely_weight")
    for _twice in range(2):
        migration.list_opinion_timely(apps, None)
    assert settings.weight_rows.get(indicator="opinion_timely").weight == 0
    assert settings.weights() == before


def test_the_breakdown_by_unit_shows_it(late_opinion: Cast) -> None:
    client = Client()
    client.force_login(UserFactory(role=Role.LEADER))
    response = client.get(reverse("kpis"), {"month": "2025-03", "by": "unit"})
    table = response.context["table"]
    codes = [k.code for k in table["columns"]]
    assert "opinion_timely" in codes
    row = next(r for r in table["rows"] if r["label"] == late_opinion.lead.name)
    cell = row["cells"][codes.index("opinion_timely")]
    assert (cell["figure"].numerator, cell["figure"].denominator) == (0, 1)
    assert "kpi=opinion_timely" in cell["den_url"] and f"unit={late_opinion.lead.pk}" in cell["den_url"]
    assert "会商意见及时率" in response.content.decode()
