"""Tags of the caller-profile tests, made here: a `transaction=True` test elsewhere may have flushed the seeds."""

from __future__ import annotations

import pytest

from hotline.callers.models import CallerTag

PHONE = "13812345678"


@pytest.fixture
def tags(db: None) -> dict[str, CallerTag]:
    """老年人 and 多次来电 (ordinary), 恶意骚扰 (sensitive), 旧标签 (switched off)."""
    specs = {"老年人": (False, True, 10), "多次来电": (False, True, 20), "恶意骚扰": (True, True, 30),
             "旧标签": (False, False, 40)}
    found = {}
    for name, (sensitive, active, order) in specs.items():
        found[name], _ = CallerTag.objects.update_or_create(
            name=name, defaults={"is_sensitive": sensitive, "is_active": active, "sort_order": order})
    return found
