"""The language switch (includes/language_switch.html) brings you back to the same page, query string included."""

from __future__ import annotations

import pytest
from django.test import Client


@pytest.mark.django_db
def test_switching_language_keeps_the_query_string(client: Client) -> None:
    page = client.get("/portal/?kpi=sign_timely&month=2026-10")
    assert 'name="next" value="/portal/?kpi=sign_timely&amp;month=2026-10"' in page.content.decode()

    switched = client.post("/i18n/setlang/", {"language": "en", "next": "/portal/?kpi=sign_timely&month=2026-10"})
    assert switched.status_code == 302
    assert switched["Location"] == "/portal/?kpi=sign_timely&month=2026-10"
