"""Fixtures of the inspection tests: the seeded checklist (made here: a `transaction=True` test elsewhere may have
flushed the seeds), orders registered in February 2025, and a sample ready to be scored."""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import Any

import pytest

from hotline.inspection.models import Criterion, Inspection, InspectionSettings
from hotline.inspection.sampling import draw_sample
from hotline.kpis.periods import month
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import SHANGHAI, Cast, make_ticket

#: A day of the month the tests sample (the clock is frozen in March 2025 by `frozen_now`).
IN_FEBRUARY = datetime(2025, 2, 12, 10, 0, tzinfo=SHANGHAI)
FEBRUARY = month(2025, 2)


@pytest.fixture
def criteria(db: None) -> dict[str, Criterion]:
    """The checklist as the data migration seeds it, by code."""
    for code, name, guidance, points, scope, fatal, order in import_module(
            "hotline.inspection.migrations.0002_seed_criteria").CRITERIA:
        Criterion.objects.get_or_create(code=code, defaults={
            "name": name, "guidance": guidance, "max_points": points, "applies_to": scope, "is_fatal": fatal,
            "sort_order": order})
    return {c.code: c for c in Criterion.objects.all()}


def order(cast: Cast, status: str = Status.PENDING_DISPATCH, *, at: datetime = IN_FEBRUARY, **draft: Any):  # noqa: ANN201
    """An order the cast's intake agent registered at `at` and took to `status`."""
    return make_ticket(status, cast=cast, at=at, **draft)


@pytest.fixture
def sampled(criteria: dict[str, Criterion], cast: Cast, frozen_now: datetime) -> Inspection:
    """One order sent on to dispatch in February, sampled (the agent's only order, so it is picked)."""
    order(cast, Status.PENDING_DISPATCH)
    InspectionSettings.current()
    draw_sample(FEBRUARY, actor=cast.inspector)
    inspection = Inspection.objects.get()
    inspection.cast = cast  # type: ignore[attr-defined]
    return inspection
