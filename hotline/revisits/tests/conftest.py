"""Fixtures of the second-visit tests: one known rule, and orders closed with their signals delivered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hotline.revisits.models import RevisitRule
from hotline.tickets.choices import Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import make_ticket


@pytest.fixture
def rule(db: None) -> RevisitRule:
    """The only active rule: complaints about noise, street markets or water cuts, 30 days after closing."""
    RevisitRule.objects.update(is_active=False)
    return RevisitRule.objects.create(name="反复性投诉", request_type="complaint",
                                      keywords="噪音，占道经营 停水", delay_days=30)


@pytest.fixture
def close(django_capture_on_commit_callbacks: Any) -> Callable[..., Ticket]:
    """Drive an order to CLOSED (satisfied return visit) and run the after-commit receivers."""

    def make(**draft: Any) -> Ticket:
        with django_capture_on_commit_callbacks(execute=True):
            return make_ticket(Status.CLOSED, **draft)

    return make
