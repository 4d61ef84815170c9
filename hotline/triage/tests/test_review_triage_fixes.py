"""Review fixes: `TriageSettings` refuses thresholds that make no sense, in the model and in the admin."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hotline.triage.models import TriageSettings

pytestmark = pytest.mark.django_db

VALID = {"repeat_days": 30, "repeat_similarity": 0.35, "cluster_hours": 24, "cluster_similarity": 0.3,
         "cluster_min_callers": 5, "repeat_caller_alert_at": 3}


def test_the_defaults_are_valid() -> None:
    TriageSettings.current().full_clean()


@pytest.mark.parametrize(("field", "value"), [
    ("cluster_min_callers", 1), ("cluster_min_callers", 0), ("repeat_caller_alert_at", 1),
    ("repeat_caller_alert_at", 0), ("repeat_similarity", 0), ("repeat_similarity", 1.2),
    ("cluster_similarity", 0), ("cluster_similarity", -0.1), ("repeat_days", 0), ("cluster_hours", 0),
])
def test_out_of_range_values_are_refused(field: str, value: float) -> None:
    settings = TriageSettings(**(VALID | {field: value}))
    with pytest.raises(ValidationError) as refused:
        settings.full_clean()
    assert set(refused.value.message_dict) == {field}


@pytest.mark.parametrize(("field", "value"), [
    ("cluster_min_callers", 2), ("repeat_caller_alert_at", 2), ("repeat_similarity", 1), ("cluster_similarity", 0.01),
    ("repeat_days", 1), ("cluster_hours", 1),
])
def test_the_edges_are_accepted(field: str, value: float) -> None:
    TriageSettings(**(VALID | {field: value})).full_clean()


def test_the_admin_shows_the_error_on_the_field(admin_client) -> None:  # noqa: ANN001
    settings = TriageSettings.current()
    url = reverse("admin:triage_triagesettings_change", args=[settings.pk])
    response = admin_client.post(url, VALID | {"cluster_min_callers": 1})
    assert response.status_code == 200  # the form again, not a redirect
    assert response.context["adminform"].form.errors == {"cluster_min_callers": ["批量诉求至少需要 2 位来电人"]}
    settings.refresh_from_db()
    assert settings.cluster_min_callers == 5
    assert admin_client.post(url, VALID | {"cluster_min_callers": 2}).status_code == 302
    settings.refresh_from_db()
    assert settings.cluster_min_callers == 2
