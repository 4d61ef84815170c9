"""The dispatch form on the order page: a street chosen over the catalogue's department is refused (400) until
the 派单说明 says why; a community as lead only as 下派设置 allows."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from conftest import Org
from hotline.routing.models import DispatchRule
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, make_ticket

pytestmark = pytest.mark.django_db


def _post(cast: Cast, ticket: Ticket, **fields: str):  # noqa: ANN202
    client = Client()
    client.force_login(cast.dispatcher)
    body = {f"dispatch-{k}": v for k, v in fields.items()} | {"version": str(ticket.version)}
    return client.post(reverse("order-act", args=[ticket.number, Action.DISPATCH]), body)


def test_a_street_over_the_catalogues_department_needs_the_dispatch_note(frozen_now: datetime, org: Org) -> None:
    top = Category.objects.create(name="市容环境", level=1, full_name="市容环境")
    DispatchRule.objects.create(category=top, lead_unit=org.department)
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, category=top, district=org.district, street=org.street_a)
    refused = _post(cast, t, lead=str(org.street_a.pk), note="")
    assert refused.status_code == 400
    page = refused.content.decode()
    assert "派单目录规定此类诉求由「市城管委」主办" in page and "派单说明" in page
    t.refresh_from_db()
    assert t.status == Status.PENDING_DISPATCH

    assert _post(cast, t, lead=str(org.street_a.pk), note="街道临时市场内摊点，由街道处置").status_code == 302
    t.refresh_from_db()
    assert t.status == Status.DISPATCHED and t.timeline.last().note == "街道临时市场内摊点，由街道处置"


def test_a_community_as_lead_is_refused_on_the_page(frozen_now: datetime, org: Org) -> None:
    cast = Cast.build(lead=org.street_a)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast, district=org.district, street=org.street_a)
    refused = _post(cast, t, lead=str(org.community_a.pk), note="社区熟悉情况")
    assert refused.status_code == 400 and "工单不派至社区（村）主办" in refused.content.decode()


def test_the_dispatch_note_says_when_it_is_required(frozen_now: datetime, cast: Cast) -> None:
    client = Client()
    client.force_login(cast.dispatcher)
    t = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    page = client.get(reverse("order-detail", args=[t.number])).content.decode()
    assert "须在派单说明中写明理由" in page
