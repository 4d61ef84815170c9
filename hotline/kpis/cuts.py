"""Cuts (维度筛选) of an indicator: unit (exact or with the units below), tier, district, category, channel, type."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from hotline.kpis.choices import TIER_OF_KIND, Tier
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel


def kinds_of(tier: str) -> list[str]:
    """The unit kinds ranked in a tier."""
    return [kind for kind, t in TIER_OF_KIND.items() if t == tier]


@dataclass(frozen=True)
class Cut:
    """A slice of the figures; empty fields do not narrow anything."""

    unit: HandlingUnit | None = None
    subtree: bool = True  # the unit and every unit below it (区 → its streets and communities)
    tier: str = ""
    district: HandlingUnit | None = None
    category: Category | None = None
    channel: str = ""
    request_type: str = ""

    @property
    def is_empty(self) -> bool:
        """No cut at all: the whole city."""
        return not (self.unit or self.tier or self.district or self.category or self.channel or self.request_type)

    @property
    def has_units(self) -> bool:
        return self.unit is not None or bool(self.tier)

    def ticket_q(self, prefix: str) -> Q:
        """Conditions on the order's own fields (district, category, channel, type)."""
        q = Q()
        if self.district is not None:
            q &= Q(**{f"{prefix}district": self.district})
        if self.category is not None:
            c = self.category
            q &= Q(**{f"{prefix}category": c}) | Q(**{f"{prefix}category__parent": c}) | Q(
                **{f"{prefix}category__parent__parent": c})
        if self.channel:
            q &= Q(**{f"{prefix}channel": self.channel})
        if self.request_type:
            q &= Q(**{f"{prefix}request_type": self.request_type})
        return q

    def units(self) -> QuerySet[HandlingUnit] | None:
        """The units whose rows are kept (None: every unit and rows with none)."""
        qs = None
        if self.unit is not None:
            qs = (HandlingUnit.objects.subtree_of([self.unit]) if self.subtree
                  else HandlingUnit.objects.filter(pk=self.unit.pk))
        if self.tier:
            qs = (qs if qs is not None else HandlingUnit.objects.all()).filter(kind__in=kinds_of(self.tier))
        return qs

    def params(self) -> dict[str, Any]:
        """The query-string form of this cut (for links)."""
        out: dict[str, Any] = {}
        if self.unit is not None:
            out["unit"] = self.unit.pk
            if not self.subtree:
                out["exact"] = "1"
        for name in ("tier", "channel", "request_type"):
            if getattr(self, name):
                out[name] = getattr(self, name)
        if self.district is not None:
            out["district"] = self.district.pk
        if self.category is not None:
            out["category"] = self.category.pk
        return out

    def describe(self) -> list[str]:
        """Human words for the cut, for headings."""
        words = []
        if self.unit is not None:
            words.append(str(self.unit))
        if self.tier:
            words.append(str(Tier(self.tier).label))
        if self.district is not None:
            words.append(str(self.district))
        if self.category is not None:
            words.append(self.category.full_name)
        if self.channel:
            words.append(str(Channel(self.channel).label))
        if self.request_type:
            words.append(str(RequestType(self.request_type).label))
        return words
