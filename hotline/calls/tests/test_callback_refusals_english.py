"""A callback step refused on the English page is explained in English (the agent's name stays as it is)."""
from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.contrib.messages import get_messages
from django.test import Client

from hotline.calls.ingest import ingest
from hotline.calls.models import Callback, PbxSource
from hotline.calls.tests.conftest import at, ev
from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db
CJK = re.compile(r"[\u4e00-\u9fff]")


def english_client(user) -> Client:
    c = Client()
    c.cookies["django_language"] = "en"
    c.force_login(user)
    return c


@pytest.fixture
def callback(db: None, frozen_now: datetime) -> Callback:
    pbx = PbxSource.objects.create(key="pbx", name="pbx", secret="x")
    ingest(pbx, [ev("c1q", "call.queued", at(0), call_id="c1", caller="13912345678"),
                 ev("c1x", "call.abandoned", at(0, 40), call_id="c1")])
    return Callback.objects.get()


def _flash(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


@pytest.mark.parametrize("step", ["claim_taken", "outcome_unclaimed", "bad_outcome", "release_unclaimed"])
def test_callback_refusals_are_english_on_the_english_page(callback: Callback, step: str) -> None:
    agent_a = UserFactory(role="intake", display_name="Agent A")
    agent_b = UserFactory(role="intake", display_name="Agent B")
    url = f"/calls/callbacks/{callback.pk}/"
    if step == "claim_taken":
        english_client(agent_a).post(url, {"step": "claim"})
        response = english_client(agent_b).post(url, {"step": "claim"})
    elif step == "outcome_unclaimed":
        response = english_client(agent_a).post(url, {"step": "outcome", "outcome": "reached"})
    elif step == "bad_outcome":
        c = english_client(agent_a)
        c.post(url, {"step": "claim"})
        response = c.post(url, {"step": "outcome", "outcome": "nonsense"})
    else:
        response = english_client(agent_a).post(url, {"step": "release"})
    assert response.status_code == 409
    shown = _flash(response)
    assert shown, "a refusal message is shown"
    leaks = [m for m in shown if CJK.search(m.replace("Agent A", ""))]
    assert not leaks, f"Chinese refusal on the English callback page: {leaks}"
