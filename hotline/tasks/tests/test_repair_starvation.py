"""Steps that keep failing hog the repair's per-run LIMIT (oldest first) for 2 days: a step lost later is
never followed up meanwhile."""
from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest

from hotline import celery_app
from hotline.dashboards import receivers as dash_receivers
from hotline.tasks import repair, tasks
from hotline.tickets.choices import Status
from hotline.tickets.models import FollowUpReceipt, TimelineEvent
from hotline.tickets.tests.factories import make_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _eager() -> Iterator[None]:
    before = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = before


def test_a_lost_step_is_repaired_even_while_older_steps_keep_failing(traveller, monkeypatch) -> None:  # noqa: ANN001
    broken = [make_ticket(Status.PENDING_DISPATCH), make_ticket(Status.PENDING_DISPATCH)]
    traveller.shift(timedelta(minutes=1))
    lost = make_ticket(Status.PENDING_DISPATCH)
    FollowUpReceipt.objects.all().delete()  # nothing was followed up (say the worker was down)
    bad_ids = {t.pk for t in broken}
    real = dash_receivers.refresh_ticket

    def refresh(ticket_id: int) -> None:  # a receiver bug hitting these orders every time
        if ticket_id in bad_ids:
            raise ValueError("bug")
        real(ticket_id)

    monkeypatch.setattr(dash_receivers, "refresh_ticket", refresh)
    n_broken = TimelineEvent.objects.filter(ticket__in=broken).count()
    # Stand-in for LIMIT = 500 with 500 permanently failing steps: the limit equals the failing steps.
    monkeypatch.setattr(repair.steps_missing_follow_up, "__kwdefaults__", {"limit": n_broken})

    for _ in range(6):  # half an hour of runs
        traveller.shift(repair.SETTLE + timedelta(minutes=5))
        tasks.repair_follow_ups()
    lost_events = set(lost.timeline.values_list("pk", flat=True))
    done = set(FollowUpReceipt.objects.filter(event_id__in=lost_events).values_list("event_id", flat=True))
    assert done == lost_events, "the lost order's steps were never followed up: failing ones took every run"
