"""The monthly ranking within tiers: composite, ties, minimum volume, weights, and appeals that change it."""

from __future__ import annotations

from decimal import Decimal

import pytest

from hotline.core import clock
from hotline.kpis import periods
from hotline.kpis.assessment import assess, composite, result_for
from hotline.kpis.engine import Figure
from hotline.kpis.models import AssessmentSettings, IndicatorWeight
from hotline.kpis.tests.scenario import AS_OF, at
from hotline.orgs.choices import UnitKind
from hotline.tickets import services
from hotline.tickets.choices import Satisfaction, Status
from hotline.tickets.tests.factories import Cast, HandlingUnitFactory, make_ticket

pytestmark = pytest.mark.django_db

MARCH = periods.month(2025, 3)


def _late_basic(cast: Cast):  # noqa: ANN202
    """Signed on time, replied late, visited 基本满意: closed."""
    t = make_ticket(Status.IN_PROGRESS, cast=cast, at=at(4))
    with clock.frozen(at(20)):
        t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已处理", contacted=True,
                           resolved=True)
        t = services.approve_reply(t, actor=cast.inspector)
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction=Satisfaction.BASICALLY)
    return t


def _late_sign(cast: Cast):  # noqa: ANN202
    """Signed late, otherwise perfect."""
    t = make_ticket(Status.DISPATCHED, cast=cast, at=at(4))
    with clock.frozen(at(7)):
        t = services.sign(t, actor=cast.lead_handler, unit=cast.lead)
        t = services.reply(t, actor=cast.lead_handler, unit=cast.lead, content="已处理", contacted=True,
                           resolved=True)
        t = services.approve_reply(t, actor=cast.inspector)
        t = services.record_return_visit(t, actor=cast.inspector, contacted=True, resolved=True,
                                         satisfaction=Satisfaction.SATISFIED)
    return t


@pytest.fixture
def two_streets():  # noqa: ANN201
    """Street A: one perfect order and one late, 基本满意 order. Street B: one perfect, one signed late."""
    settings = AssessmentSettings.current()
    settings.min_volume = 1
    settings.save()
    a, b = Cast.build(), Cast.build()
    make_ticket(Status.CLOSED, cast=a, at=at(4))
    bad = _late_basic(a)
    make_ticket(Status.CLOSED, cast=b, at=at(4))
    _late_sign(b)
    return a, b, bad


def _line(cast: Cast):  # noqa: ANN202
    return result_for(assess(MARCH, as_of=AS_OF), cast.lead)


def test_default_weights_are_created_once() -> None:
    settings = AssessmentSettings.current()
    assert settings.weights() == {"response": Decimal("0.070"), "resolution": Decimal("0.350"),
                                  "satisfaction": Decimal("0.280"), "on_time": Decimal("0.200"),
                                  "sign_timely": Decimal("0.100")}
    AssessmentSettings.current()
    assert IndicatorWeight.objects.count() == 7  # the five above, 会商意见及时率 and 首次解决率 listed at 0
    assert IndicatorWeight.objects.get(indicator="opinion_timely").weight == 0
    assert IndicatorWeight.objects.get(indicator="first_resolution").weight == 0


def test_composite_rescales_missing_indicators_and_inverts_lower_is_better() -> None:
    weights = {"satisfaction": Decimal("0.5"), "on_time": Decimal("0.5"), "return": Decimal("1")}
    figures = {"satisfaction": Figure(Decimal("0.9"), 1), "on_time": Figure(Decimal(0), 0),
               "return": Figure(Decimal(1), 4)}
    # on_time has no population: (0.5 × 90 + 1 × 75) / 1.5 = 80
    assert composite(figures, weights) == 80.0
    assert composite({}, weights) is None


def test_ranking_within_the_tier(two_streets) -> None:  # noqa: ANN001
    a, b, _bad = two_streets
    # A: on time 1/2 (−0.20 × 50), satisfaction (1 + 0.9)/2 (−0.28 × 5) → 88.6. B: signed 1/2 on time → 95.
    line_a, line_b = _line(a), _line(b)
    assert line_a.score == 88.6 and line_b.score == 95.0
    assert (line_b.rank, line_a.rank) == (1, 2)
    assert line_a.tier == "streets" and line_a.volume == 2


def test_an_upheld_appeal_changes_the_ranking(two_streets) -> None:  # noqa: ANN001
    a, b, bad = two_streets
    bad = services.appeal(bad, actor=a.lead_handler, unit=a.lead, reason="已按政策答复，群众诉求超出职责")
    assert _line(a).rank == 2  # pending appeal: no change
    services.decide_appeal(bad, actor=a.supervisor, uphold=True, note="申诉成立")
    line_a, line_b = _line(a), _line(b)
    assert line_a.score == 100.0 and line_a.volume == 1
    assert (line_a.rank, line_b.rank) == (1, 2)


def test_an_approved_unreasonable_claim_changes_the_ranking(two_streets) -> None:  # noqa: ANN001
    a, b, _bad = two_streets
    t = make_ticket(Status.IN_PROGRESS, cast=a, at=at(4))  # never replied: overdue, drags A down
    assert _line(a).score < 88.6
    t = services.apply_unreasonable(t, actor=a.lead_handler, unit=a.lead, reason="要求政府赔偿个人投资损失")
    services.decide_unreasonable(t, actor=a.supervisor, approve=True, note="属不合理诉求")
    assert _line(a).score == 88.6


def test_minimum_volume_lists_without_ranking(two_streets) -> None:  # noqa: ANN001
    a, _b, _bad = two_streets
    settings = AssessmentSettings.current()
    settings.min_volume = 3
    settings.save()
    line = _line(a)
    assert not line.ranked and line.rank is None and "少于 3 件" in line.reason


def test_weights_are_configurable(two_streets) -> None:  # noqa: ANN001
    a, b, _bad = two_streets
    settings = AssessmentSettings.current()
    settings.weight_rows.exclude(indicator="sign_timely").delete()
    assert (_line(a).score, _line(b).score) == (100.0, 50.0)
    assert (_line(a).rank, _line(b).rank) == (1, 2)


def test_ties_share_a_place_and_tiers_are_separate() -> None:
    settings = AssessmentSettings.current()
    settings.min_volume = 1
    settings.save()
    a, b = Cast.build(), Cast.build()
    department = Cast.build(lead=HandlingUnitFactory(kind=UnitKind.DEPARTMENT))
    for cast in (a, b, department):
        make_ticket(Status.CLOSED, cast=cast, at=at(4))
    rankings = {r.tier: r for r in assess(MARCH, as_of=AS_OF)}
    assert [r.rank for r in rankings["streets"].results] == [1, 1]
    assert [r.unit for r in rankings["departments"].results] == [department.lead]
    assert rankings["departments"].results[0].rank == 1
