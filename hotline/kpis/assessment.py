"""The monthly assessment (月度考核): units ranked within their tier by the composite score (综合得分).

Figures are the assessment ones (考核口径): orders with an approved unreasonable claim or an upheld
appeal are left out, so deciding an appeal in a unit's favour changes its figures and its place.
Each unit is judged on the orders it held itself (exact unit, not its sub-tree).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from hotline.kpis import engine
from hotline.kpis.choices import TIER_OF_KIND, Indicator, Tier
from hotline.kpis.constants import LOWER_IS_BETTER
from hotline.kpis.definitions import UNIT_INDICATORS
from hotline.kpis.engine import Figure
from hotline.kpis.models import AssessmentSettings
from hotline.kpis.periods import Period
from hotline.orgs.models import HandlingUnit


@dataclass
class UnitResult:
    """One unit's month: its figures, its composite score and its place in the tier."""

    unit: HandlingUnit
    tier: str
    volume: int
    figures: dict[str, Figure]
    score: float | None = None
    rank: int | None = None
    ranked: bool = False
    reason: str = ""  # why it is listed but not ranked


@dataclass
class TierRanking:
    tier: str
    results: list[UnitResult] = field(default_factory=list)

    @property
    def label(self) -> str:
        return str(Tier(self.tier).label)

    @property
    def ranked(self) -> list[UnitResult]:
        return [r for r in self.results if r.ranked]


def composite(figures: dict[str, Figure], weights: dict[str, Decimal]) -> float | None:
    """Σ weight × score ÷ Σ weight over the weighted indicators the unit has figures for (0–100).

    A lower-is-better indicator (退单率, 重办率, 延期率) scores 100 % − rate. An indicator with no
    population this month (e.g. no valid return visit) drops out and the other weights are rescaled.
    """
    total = Decimal(0)
    score = 0.0
    for code, weight in weights.items():
        found = figures.get(code)
        value = found.value if found is not None else None
        if value is None:
            continue
        score += float(weight) * (1 - value if code in LOWER_IS_BETTER else value)
        total += weight
    return None if not total else round(score / float(total) * 100, 2)


def assess(period: Period, *, settings: AssessmentSettings | None = None, as_of: datetime | None = None,
           tiers: list[str] | None = None) -> list[TierRanking]:
    """Rank every unit with orders in the period within its tier; small units are listed, not ranked."""
    settings = settings or AssessmentSettings.current()
    weights = settings.weights()
    ctx = engine.context(period, assessment=True, as_of=as_of, settings=settings)
    per_unit: dict[int, dict[str, Figure]] = {}
    for kpi in UNIT_INDICATORS:
        for unit_id, fig in engine.by_unit(kpi, ctx).items():
            per_unit.setdefault(unit_id, {})[kpi.code] = fig
    units = HandlingUnit.objects.in_bulk(list(per_unit))
    rankings = {t: TierRanking(t) for t in (tiers or Tier.values)}
    for unit_id, figures in per_unit.items():
        unit = units.get(unit_id)
        tier = TIER_OF_KIND.get(unit.kind) if unit else None
        if tier not in rankings:
            continue
        volume = figures[Indicator.COMPLETION].denominator if Indicator.COMPLETION in figures else 0
        result = UnitResult(unit=unit, tier=tier, volume=volume, figures=figures,
                            score=composite(figures, weights))
        if volume < settings.min_volume:
            result.reason = _("工单量 %(volume)s 件，少于 %(minimum)s 件，不参与排名") % {
                "volume": volume, "minimum": settings.min_volume}
        elif result.score is None:
            result.reason = _("没有可计分的指标")
        else:
            result.ranked = True
        rankings[tier].results.append(result)
    for ranking in rankings.values():
        _place(ranking)
    return [r for r in rankings.values() if r.results]


def _place(ranking: TierRanking) -> None:
    """Order by score (ties share a place, 1-2-2-4), then the unranked by volume."""
    ranking.results.sort(key=lambda r: (not r.ranked, -(r.score or 0), -r.volume, r.unit.name))
    previous: float | None = None
    for position, result in enumerate(ranking.ranked, start=1):
        result.rank = ranking.ranked[position - 2].rank if position > 1 and result.score == previous else position
        previous = result.score


def result_for(rankings: list[TierRanking], unit: HandlingUnit) -> UnitResult | None:
    """The unit's line in the rankings (None when it had no orders)."""
    for ranking in rankings:
        for result in ranking.results:
            if result.unit.pk == unit.pk:
                return result
    return None
