"""Reads the indicator pages need besides the figures: labels of breakdown keys."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

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
