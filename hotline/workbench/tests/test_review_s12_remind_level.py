"""Second clicks (docs/lifecycle.md): a double click with the words typed once is 「已完成」, never
「工单已被他人处理」 (409). Steps whose note wraps the typed text but do not keep it whole in their data."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Action, Status
from hotline.tickets.models import TimelineEvent
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _client(user) -> Client:  # noqa: ANN001
    client = Client()
    client.force_login(user)
    return client


def test_double_click_on_remind_with_a_level_chosen_is_answered_done(frozen_now: datetime) -> None:
    """催办 ignores a level (docs/lifecycle.md); the same post twice is still a double click."""
    cast = Cast.build()
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    client = _client(cast.supervisor)
    url = reverse("order-act", args=[t.number, Action.SUPERVISE])
    data = {"version": t.version, "supervise-kind": "remind", "supervise-level": "2",
            "supervise-note": "请尽快处理，群众多次来电"}
    assert client.post(url, data).status_code == 302
    again = client.post(url, data)
    assert TimelineEvent.objects.filter(ticket=t, action=Action.SUPERVISE).count() == 1
    assert again.status_code == 302, "a double click on 催办 answered 409 「工单已被他人处理」"
