"""A refused 发布通报 re-renders the bulletin page at /kpis/bulletin/publish/ (POST only): the language switch
there goes back to the bulletin page (`switch_next`), never to the publish address (a 405)."""

from __future__ import annotations

import html
import re

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _switch_next(body: str) -> str:
    return html.unescape(re.search(r'name="next" value="([^"]*)"', body).group(1))


def test_switching_language_on_a_refused_publish_comes_back_to_the_bulletin() -> None:
    client = Client()
    client.force_login(UserFactory(role="supervisor"))
    refused = client.post(reverse("kpis-bulletin-publish"), {"publish-month": "not-a-month"})
    assert refused.status_code == 400
    target = _switch_next(refused.content.decode())
    assert target == reverse("kpis-bulletin")
    switched = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert switched.status_code == 302 and switched["Location"] == target
    landing = client.get(switched["Location"])
    assert landing.status_code == 200 and landing.wsgi_request.LANGUAGE_CODE == "en"


def test_the_bulletin_page_itself_keeps_its_own_address_and_query() -> None:
    client = Client()
    client.force_login(UserFactory(role="supervisor"))
    page = client.get(reverse("kpis-bulletin"), {"page": "1"})
    assert _switch_next(page.content.decode()) == f"{reverse('kpis-bulletin')}?page=1"
