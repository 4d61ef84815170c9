"""The gazetteer (地名库) of the active districts, streets and communities, cached per process.

`gazetteer()` costs a dictionary look-up on almost every call: the matcher is rebuilt (about 1 ms for
the demo city) when a HandlingUnit is saved or deleted in this process (the signal bumps `_version`),
and when another process changed the units, which one aggregate query shows (`_stamp`): above all the sum of
their `version`, which every save raises by one, with how many there are and the largest id — so a unit added,
removed, renamed, moved to another parent, switched off or on elsewhere is seen. That look is taken at most every
`RECHECK_SECONDS`, so a change made in another process shows within that time. (A bulk `update()` of units
that does not raise `version` is seen when it switches units off or on or moves them, not when it renames
one; the code makes none.)
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db.models import Count, Max, Q, Sum

from hotline.intelligence.places import CENTRE, KINDS, Gazetteer, Place
from hotline.orgs.models import HandlingUnit

#: Seconds between two looks at the units table for changes made by other processes.
RECHECK_SECONDS = 30.0

_lock = threading.Lock()
_state: dict[str, Any] = {"gazetteer": None, "stamp": None, "checked": 0.0, "version": 0, "built_for": -1}


def invalidate(*args: Any, **kwargs: Any) -> None:
    """Forget the gazetteer (connected to HandlingUnit's post_save and post_delete)."""
    with _lock:
        _state["version"] += 1


def _stamp() -> tuple[int | None, ...]:
    """What changes with any change to the units the gazetteer is built from, in one aggregate query: the sum
    of `version` with every save; how many units there are and the largest id with every one added or
    deleted. The active units' count and ids and the parents' ids change too with most bulk `update()`s
    (switched off, moved), which raise no `version`."""
    active = Q(is_active=True)
    row = HandlingUnit.objects.filter(kind__in=(*KINDS, CENTRE)).aggregate(
        saves=Sum("version"), n=Count("id"), top=Max("id"), on=Count("id", filter=active),
        on_ids=Sum("id", filter=active), parents=Sum("parent_id"))
    return row["saves"], row["n"], row["top"], row["on"], row["on_ids"], row["parents"]


def gazetteer() -> Gazetteer:
    """The matcher over the active area units, rebuilt only when they changed."""
    now = time.monotonic()
    with _lock:
        current, version = _state["gazetteer"], _state["version"]
        fresh = current is not None and _state["built_for"] == version
        if fresh and now - _state["checked"] < RECHECK_SECONDS:
            return current
    stamp = _stamp()
    if fresh and stamp == _state["stamp"]:
        with _lock:
            _state["checked"] = now
        return current
    rows = HandlingUnit.objects.filter(kind__in=(*KINDS, CENTRE), is_active=True).values_list(
        "pk", "kind", "name", "parent_id")  # the centre's name says the city (「A市12345热线中心」)
    built = Gazetteer(rows)
    with _lock:
        _state.update(gazetteer=built, stamp=stamp, checked=now, built_for=version)
    return built


def recognise(address: str) -> Place | None:
    """The place an address names (地址识别), or None."""
    return gazetteer().match(address) if address.strip() else None
