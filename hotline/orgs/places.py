"""The gazetteer (地名库) of the active districts, streets and communities, cached per process.

`gazetteer()` costs a dictionary look-up on almost every call: the matcher is rebuilt (about 1 ms for
the demo city) when a HandlingUnit is saved or deleted in this process (the signal bumps `_version`),
and when another process added or removed units, which a look at count and max(id) shows; that look
is taken at most every `RECHECK_SECONDS`, so a rename made in another process shows within that time.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.db.models import Count, Max

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


def _stamp() -> tuple[int, int | None]:
    row = HandlingUnit.objects.filter(kind__in=KINDS, is_active=True).aggregate(n=Count("id"), top=Max("id"))
    return row["n"], row["top"]


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
