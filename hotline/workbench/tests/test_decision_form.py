"""The 审定 forms (终止办理, 不合理诉求, 申诉) preselect nothing: a note alone decides nothing."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets import services
from hotline.tickets.choices import Action, Status, TerminationReason
from hotline.tickets.tests.factories import Cast, make_ticket
from hotline.workbench.forms import DecisionForm

pytestmark = pytest.mark.django_db


def test_the_decision_must_be_chosen() -> None:
    form = DecisionForm()
    assert form.fields["approve"].choices[0][0] == ""
    assert 'value="" selected' in str(form["approve"])
    form = DecisionForm({"approve": "", "note": "同意"})
    assert not form.is_valid() and "approve" in form.errors
    assert DecisionForm({"approve": "0", "note": "请继续联系"}).is_valid()


def test_a_note_alone_does_not_terminate(frozen_now: datetime, cast: Cast) -> None:
    t = make_ticket(Status.IN_PROGRESS, cast=cast)
    t = services.apply_termination(t, actor=cast.lead_handler, reason_code=TerminationReason.WITHDRAWN,
                                   reason="群众来电撤回")
    centre = Client()
    centre.force_login(cast.dispatcher)
    r = centre.post(reverse("order-act", args=[t.number, Action.DECIDE_TERMINATION]),
                    {"version": t.version, "decide_termination-note": "已核实"})
    assert r.status_code != 302
    t.refresh_from_db()
    assert t.status == Status.IN_PROGRESS
