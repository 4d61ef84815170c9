"""The dispatch recommendations are an audit trail (docs/triage.md): the admin shows them, never adds, changes
or deletes one — neither from its page nor with the list's delete action."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.routing.models import DispatchRecommendation
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import make_ticket

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen_now")]


@pytest.fixture
def recommendation(cast) -> DispatchRecommendation:  # noqa: ANN001
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast)
    return DispatchRecommendation.objects.create(
        ticket=ticket, created_at=ticket.registered_at, formula_version="dispatch-2", top_unit=cast.lead,
        confidence=0.95, auto_dispatched=True, top3=[{"unit_id": cast.lead.pk}])


def test_a_recommendation_cannot_be_deleted_from_its_page(admin_client: Client, recommendation) -> None:  # noqa: ANN001
    url = reverse("admin:routing_dispatchrecommendation_delete", args=[recommendation.pk])
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"post": "yes"}).status_code == 403
    assert DispatchRecommendation.objects.filter(pk=recommendation.pk).exists()


def test_the_list_offers_no_delete_action(admin_client: Client, recommendation) -> None:  # noqa: ANN001
    url = reverse("admin:routing_dispatchrecommendation_changelist")
    assert "delete_selected" not in admin_client.get(url).content.decode()
    admin_client.post(url, {"action": "delete_selected", "_selected_action": [recommendation.pk], "post": "yes"})
    assert DispatchRecommendation.objects.filter(pk=recommendation.pk).exists()


def test_its_page_shows_it_read_only(admin_client: Client, recommendation) -> None:  # noqa: ANN001
    page = admin_client.get(reverse("admin:routing_dispatchrecommendation_change", args=[recommendation.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html
