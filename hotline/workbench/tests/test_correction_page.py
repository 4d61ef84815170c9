"""工单更正 on the order page and over the API: the form starts from the order, blanks keep values, refusals keep
what was typed, the recommendation and the duplicate index follow a corrected category or place."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.orgs.choices import UnitKind
from hotline.routing.models import DispatchRecommendation
from hotline.taxonomy.choices import Urgency
from hotline.tickets.choices import Action, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, CategoryFactory, HandlingUnitFactory, make_ticket, stored
from hotline.triage.models import DuplicateKey

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(frozen_now: Any) -> Cast:
    return Cast.build()


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _leaf(name: str = "物业管理") -> Any:
    top = CategoryFactory(name="城乡建设")
    return CategoryFactory(name=name, parent=CategoryFactory(name="住房", parent=top))


def _posted(ticket: Ticket, **values: Any) -> dict[str, Any]:
    """The form as the page posts it: the order's own values, with `values` changed."""
    data = {"request_type": ticket.request_type, "category": ticket.category_id or "", "urgency": ticket.urgency,
            "is_difficult": "true" if ticket.is_difficult else "false", "title": ticket.title,
            "district": ticket.district_id or "", "street": ticket.street_id or "",
            "community": ticket.community_id or "", "address": ticket.address, "reason": ""}
    data.update(values)
    return {"version": ticket.version, **{f"correct-{k}": "" if v is None else v for k, v in data.items()}}


def test_the_form_starts_from_the_order_and_is_offered_to_the_centre_only(cast: Cast) -> None:
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    page = _client(cast.dispatcher).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert 'id="step-correct"' in page
    assert f'name="correct-title" value="{ticket.title}"' in page
    assert '<option value="false" selected>' in page  # 疑难: the order's 否 is the selected option
    assert 'data-area-param="parent"' in page and "area_select.js" in page
    unit_page = _client(cast.lead_handler).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert 'id="step-correct"' not in unit_page
    response = _client(cast.lead_handler).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                               _posted(ticket, urgency=Urgency.URGENT, reason="改"))
    assert response.status_code == 403


def test_posting_the_page_corrects_only_what_changed(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    leaf = _leaf()
    response = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                             _posted(ticket, category=leaf.pk, reason="与来电人核实为物业问题"))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert ticket.category == leaf
    event = ticket.timeline.order_by("seq").last()
    assert [c["field"] for c in event.data["changes"]] == ["category"]
    # A second click on the same button (the page's version is now stale) is answered as done, nothing twice.
    again = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                          {**_posted(ticket, category=leaf.pk, reason="与来电人核实为物业问题"),
                                           "version": ticket.version - 1})
    assert again.status_code == 302
    assert ticket.timeline.filter(action=Action.CORRECT).count() == 1


def test_a_refused_correction_keeps_what_was_typed(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    other = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    before = stored(ticket)
    response = _client(cast.dispatcher).post(
        reverse("order-act", args=[ticket.number, Action.CORRECT]),
        _posted(ticket, district=other.pk, street=street.pk, reason="核实地址后更正为另一个街道"))
    assert response.status_code == 400
    assert "不属于" in response.content.decode() and "核实地址后更正为另一个街道" in response.content.decode()
    assert stored(ticket) == before
    nothing = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                            _posted(ticket, reason="没改什么"))
    assert nothing.status_code == 400 and "没有需要更正的内容" in nothing.content.decode()
    no_reason = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                              _posted(ticket, urgency=Urgency.URGENT))
    assert no_reason.status_code == 400
    assert stored(ticket) == before


def test_the_area_lookup_serves_supervisors_too(cast: Cast) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    HandlingUnitFactory(kind=UnitKind.STREET, parent=district, name="东风街道")
    for person in (cast.supervisor, cast.dispatcher, cast.intake):
        response = _client(person).get(reverse("intake-areas"), {"parent": district.pk})
        assert response.status_code == 200 and "东风街道" in response.content.decode()
    assert _client(cast.lead_handler).get(reverse("intake-areas"), {"parent": district.pk}).status_code == 403


def test_a_corrected_category_before_dispatch_gets_a_new_recommendation_and_index(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    from hotline.triage import services as triage

    triage.on_registered(ticket.pk)
    leaf = _leaf("供水")
    before = DispatchRecommendation.objects.filter(ticket=ticket).count()
    from hotline.tickets import services

    with _on_commit():
        services.correct(ticket, actor=cast.dispatcher, reason="实为供水问题", category=leaf)
    recs = DispatchRecommendation.objects.filter(ticket=ticket).order_by("-created_at", "-id")
    assert recs.count() == before + 1 and recs.first().trigger == "correct"
    assert DuplicateKey.objects.get(ticket=ticket).category1 == leaf.parent.parent_id
    # The address text: routing does not read it (no new recommendation); the duplicate index does.
    with _on_commit():
        services.correct(ticket, actor=cast.dispatcher, reason="门牌号", address="东风路18号")
    assert DispatchRecommendation.objects.filter(ticket=ticket).count() == before + 1
    assert DuplicateKey.objects.get(ticket=ticket).place != ""
    # The title: both read it.
    with _on_commit():
        services.correct(ticket, actor=cast.dispatcher, reason="标题更准确", title="自来水停水三天")
    assert DispatchRecommendation.objects.filter(ticket=ticket).count() == before + 2


def test_garbage_ids_are_refused_without_a_500(cast: Cast) -> None:
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast)
    huge = "9" * 5000
    for field in ("district", "street", "community", "category"):
        response = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                                 _posted(ticket, **{field: huge, "reason": "核实"}))
        assert response.status_code == 400, field
    assert _client(cast.dispatcher).get(reverse("intake-areas"), {"parent": huge}).status_code == 200


def test_a_community_switched_off_since_registration_is_kept_by_an_unrelated_correction(cast: Cast) -> None:
    district = HandlingUnitFactory(kind=UnitKind.DISTRICT)
    street = HandlingUnitFactory(kind=UnitKind.STREET, parent=district)
    community = HandlingUnitFactory(kind=UnitKind.COMMUNITY, parent=street, name="已撤并社区")
    ticket = make_ticket(Status.PENDING_DISPATCH, cast=cast, district=district, street=street, community=community)
    community.is_active = False
    community.save()
    page = _client(cast.dispatcher).get(reverse("order-detail", args=[ticket.number])).content.decode()
    assert f'<option value="{community.pk}" selected>已撤并社区</option>' in page
    response = _client(cast.dispatcher).post(reverse("order-act", args=[ticket.number, Action.CORRECT]),
                                             _posted(ticket, urgency=Urgency.URGENT, reason="涉及老人安全"))
    assert response.status_code == 302
    ticket.refresh_from_db()
    assert (ticket.urgency, ticket.community) == (Urgency.URGENT, community)


def _on_commit() -> Any:
    """Run the follow-ups of the steps inside as they commit (the receivers: routing, triage)."""
    from django.test import TestCase

    return TestCase.captureOnCommitCallbacks(execute=True)
