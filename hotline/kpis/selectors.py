"""Reads the indicator pages need besides the figures: labels of breakdown keys, the published bulletins."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from hotline.kpis.models import PublishedBulletin
from hotline.kpis.periods import Period
from hotline.orgs.models import HandlingUnit
from hotline.taxonomy.choices import RequestType
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel


def dimension_labels(dim: str, keys: Iterable[Any]) -> dict[Any, str]:
    """Human labels of the keys of a breakdown (one query for units, districts or categories)."""
    keys = [k for k in keys if k is not None]
    if dim in ("unit", "district"):
        return {pk: u.name for pk, u in HandlingUnit.objects.in_bulk(keys).items()}
    if dim == "category":
        return {pk: c.full_name for pk, c in Category.objects.in_bulk(keys).items()}
    if dim == "channel":
        return {k: str(Channel(k).label) for k in keys if k in Channel.values}
    if dim == "request_type":
        return {k: str(RequestType(k).label) for k in keys if k in RequestType.values}
    return {k: str(k) for k in keys}


def published_bulletins() -> QuerySet[PublishedBulletin]:
    """Every published edition, newest month and edition first, without the files themselves; `corrected`
    says whether a later edition replaced it."""
    return (PublishedBulletin.objects.select_related("published_by").defer("pdf", "xlsx")
            .annotate(corrected=Exists(PublishedBulletin.objects.filter(replaces=OuterRef("pk"))))
            .order_by("-month", "-edition"))


def published_edition(period: Period, edition: int | None = None) -> PublishedBulletin | None:
    """The stored edition `edition` of the month (the latest one when None), files included, or None."""
    found = PublishedBulletin.objects.select_related("published_by").filter(month=period.first_day)
    if edition is not None:
        return found.filter(edition=edition).first()
    return found.order_by("-edition").first()
