"""The API's dispatch: the same refusals as the page — 400 `rule_violation` with the words, nothing changed."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client

from conftest import Org
from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _dispatcher(api_client, cast: Cast):  # noqa: ANN001, ANN202
    session = Client()
    session.force_login(cast.dispatcher)
    return api_client(client=session)


def test_a_street_over_the_catalogues_department_needs_a_note(frozen_now: datetime, org: Org, api_client) -> None:  # noqa: ANN001
    top = Category.objects.create(name="市容环境", level=1, full_name="市容环境")
    DispatchRule.objects.create(category=top, lead_unit=org.department)
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, category=top, district=org.district, street=org.street_a)
    api = _dispatcher(api_client, cast)
    r = api.post(f"/orders/{t.number}/actions/dispatch", {"version": t.version, "lead": org.street_a.code})
    assert r.status_code == 400, r.content
    assert r.json()["error"]["code"] == "rule_violation"
    assert "市城管委" in r.json()["error"]["message"] and "派单说明" in r.json()["error"]["message"]
    t.refresh_from_db()
    assert t.status == Status.PENDING_DISPATCH

    r = api.post(f"/orders/{t.number}/actions/dispatch", {"version": t.version, "lead": org.street_a.code,
                                                          "note": "街道临时市场内摊点，由街道处置"})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == Status.DISPATCHED


def test_a_community_as_lead_is_refused(frozen_now: datetime, org: Org, api_client) -> None:  # noqa: ANN001
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, district=org.district, street=org.street_a)
    r = _dispatcher(api_client, cast).post(f"/orders/{t.number}/actions/dispatch",
                                           {"version": t.version, "lead": org.community_a.code, "note": "社区熟悉"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "rule_violation"
    assert "社区" in r.json()["error"]["message"]
