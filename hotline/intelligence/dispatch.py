"""Dispatch recommendation (派单推荐): the catalogue, the classifier and history combined into a top 3.

Plain Python, no Django. Three sources vote for units, each with a weight:

* the dispatch catalogue (派单目录) for the order's own category and area — the legal responsibility;
* the classifier's level-1 category probabilities, each mapped through the catalogue to its lead unit;
* the history of similar orders: where the nearest closed orders (same level-1 category) finally ended,
  weighted by their text similarity.

score(u) = Σ_source weight · share(u), divided by the weights of the sources that had something to say,
so a unit every source agrees on scores 1.0 and the scores of a source that is silent do not dilute the
others. The model's share of a unit is the probability of the classes mapped to it over *all* the
probability (not only the mapped part), so a faint guess stays faint: when the classifier alone speaks,
the confidence is its probability. Legal responsibility comes first: when the catalogue names a functional department or utility
as lead, communities are struck out and streets may not lead (they may still assist); a community is
never recommended as lead unless the catalogue itself names it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from hotline.intelligence.reasons import Reason

#: Version of the recommendation formula, stored with every recommendation.
FORMULA_VERSION = "dispatch-2"  # 2: the model share over all probability; excluded units
WEIGHT_RULE = 0.5
WEIGHT_MODEL = 0.2
WEIGHT_HISTORY = 0.3
#: History counts fully from this many similar orders on; fewer neighbours weigh proportionally less.
HISTORY_FULL_AT = 5
FUNCTIONAL = frozenset({"department", "utility"})
GRASSROOTS = frozenset({"street", "community"})


@dataclass(frozen=True)
class Unit:
    """A handling unit as the recommender sees it."""

    id: int
    name: str
    kind: str


@dataclass(frozen=True)
class RuleHit:
    """A catalogue entry that applies: its category, lead and assisting units, and legal basis."""

    rule_id: int
    category: str
    lead: Unit
    assisting: tuple[Unit, ...] = ()
    legal_basis: str = ""
    area: str = ""


@dataclass(frozen=True)
class ModelVote:
    """One level-1 class of the classifier, its probability and the catalogue entry it maps to (if any)."""

    label: str
    probability: float
    rule: RuleHit | None = None


@dataclass(frozen=True)
class Neighbour:
    """A similar earlier order and the unit that finally handled it."""

    ticket_id: int
    similarity: float
    final: Unit


@dataclass(frozen=True)
class Candidate:
    """One recommended lead unit, its confidence, its assisting units and its reasons (none: 无依据)."""

    unit: Unit
    confidence: float
    parts: dict[str, float]
    reasons: tuple[Reason, ...]
    assisting: tuple[Unit, ...] = ()


@dataclass
class Recommendation:
    """The top candidates (best first) and everything needed to audit them."""

    candidates: list[Candidate] = field(default_factory=list)
    rule: RuleHit | None = None
    weights: dict[str, float] = field(default_factory=dict)
    version: str = FORMULA_VERSION

    @property
    def top(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def _allowed(unit: Unit, rule: RuleHit | None) -> bool:
    """Legal responsibility first: no pushing a functional department's matter down to the grassroots."""
    if rule is not None and unit.id == rule.lead.id:
        return True
    if unit.kind == "community":
        return False
    return not (rule is not None and rule.lead.kind in FUNCTIONAL and unit.kind in GRASSROOTS)


def recommend(*, rule: RuleHit | None, votes: Sequence[ModelVote], neighbours: Sequence[Neighbour],
              k: int = 3, excluded: frozenset[int] = frozenset()) -> Recommendation:
    """Combine the three sources into the top `k` lead units with confidences and reasons.

    `excluded` names units that may not be offered (inactive, or an area unit of another district): their
    votes still count in the sources' totals, so what they took is not handed to the others.
    """
    units: dict[int, Unit] = {}
    parts: dict[int, dict[str, float]] = defaultdict(dict)
    weights: dict[str, float] = {}
    assisting: dict[int, tuple[Unit, ...]] = {}

    if rule is not None:
        weights["rule"] = WEIGHT_RULE
        units[rule.lead.id] = rule.lead
        parts[rule.lead.id]["rule"] = 1.0
        assisting[rule.lead.id] = rule.assisting

    model_share: dict[int, float] = defaultdict(float)
    mapped = [v for v in votes if v.rule is not None]
    if mapped:
        # over all the probability the classifier gave (≥ 1 guards a model whose outputs do not sum to 1)
        total = max(1.0, sum(v.probability for v in votes))
        for v in mapped:
            assert v.rule is not None
            units.setdefault(v.rule.lead.id, v.rule.lead)
            assisting.setdefault(v.rule.lead.id, v.rule.assisting)
            model_share[v.rule.lead.id] += v.probability / total
        weights["model"] = WEIGHT_MODEL
        for unit_id, share in model_share.items():
            parts[unit_id]["model"] = share

    history: dict[int, float] = defaultdict(float)
    counts: dict[int, int] = defaultdict(int)
    if neighbours:
        total = sum(n.similarity for n in neighbours) or 1.0
        for n in neighbours:
            units.setdefault(n.final.id, n.final)
            history[n.final.id] += n.similarity / total
            counts[n.final.id] += 1
        weights["history"] = WEIGHT_HISTORY * min(1.0, len(neighbours) / HISTORY_FULL_AT)
        for unit_id, share in history.items():
            parts[unit_id]["history"] = share

    denominator = sum(weights.values())
    if not denominator:
        return Recommendation(weights=weights)
    scored = []
    for unit_id, unit in units.items():
        if unit_id in excluded or not _allowed(unit, rule):
            continue
        value = sum(weights[source] * share for source, share in parts[unit_id].items()) / denominator
        scored.append((value, unit))
    scored.sort(key=lambda pair: (-pair[0], pair[1].id))
    candidates = [
        Candidate(unit=unit, confidence=round(value, 3), parts={s: round(v, 3) for s, v in parts[unit.id].items()},
                  reasons=_reasons(unit, rule, votes, counts.get(unit.id, 0), len(neighbours)),
                  assisting=assisting.get(unit.id, ()))
        for value, unit in scored[:k]
    ]
    return Recommendation(candidates=candidates, rule=rule, weights={s: round(w, 3) for s, w in weights.items()})


def _reasons(unit: Unit, rule: RuleHit | None, votes: Sequence[ModelVote], similar: int,
             neighbours: int) -> tuple[Reason, ...]:
    """Why this unit, one reason per source that names it: the catalogue entry (category, area, unit, legal
    basis), the classifier's classes (at most two, ≥ 5 %), the similar orders it finally handled.

    Worded as 「派单目录：城乡建设/物业管理 @ A2区 → A2区桂花坪街道（街乡镇履职清单）；模型分类：城乡建设 92%；
    相似工单 14/16 最终由该单位办理」, or 「无依据」 when there is none.
    """
    found = []
    if rule is not None and rule.lead.id == unit.id:
        found.append(Reason.of("dispatch.catalogue", category=rule.category, area=rule.area, unit=unit.name,
                               basis=rule.legal_basis))
    model = [v for v in votes if v.rule is not None and v.rule.lead.id == unit.id and v.probability >= 0.05]
    if model:
        found.append(Reason.of("dispatch.model", classes=[(v.label, v.probability) for v in model[:2]]))
    if neighbours:
        found.append(Reason.of("dispatch.history", similar=similar, neighbours=neighbours))
    return tuple(found)
