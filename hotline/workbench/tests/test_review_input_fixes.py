"""A description made only of invisible characters is no description at intake, on the page and in the
REST API (which checks with the same form): the required error, nothing registered."""

from __future__ import annotations

import pytest
from django.test import Client

from hotline.api.keys import create_key
from hotline.api.tests.conftest import ApiClient
from hotline.core.entered import visible
from hotline.tickets.models import Ticket
from hotline.workbench.intake.forms import IntakeCheck
from hotline.workbench.tests.test_intake import URL, _media, agent, categories, post_data  # noqa: F401

pytestmark = pytest.mark.django_db

INVISIBLE = "\u200b\u200c\u200d\ufeff\u2060"


def test_the_intake_page_refuses_an_invisible_description(client: Client, agent, categories,  # noqa: ANN001, F811
                                                          frozen_now) -> None:
    client.force_login(agent)
    response = client.post(URL, post_data(description=INVISIBLE, title=""))
    assert response.status_code == 400  # the form again, with its errors
    assert response.context["form"].errors["description"] == ["这个字段是必填项。"]
    assert not Ticket.objects.exists()


def test_the_api_refuses_an_invisible_description(frozen_now, org) -> None:  # noqa: ANN001
    client = ApiClient(create_key("创建", ["read", "create"])[1])
    response = client.post("/orders", {"request_type": "complaint", "description": f" {INVISIBLE}\u00ad "})
    assert response.status_code == 400, response.content
    assert "description" in response.json()["error"]["details"]
    assert not Ticket.objects.exists()


def test_a_description_with_visible_words_is_kept_as_entered() -> None:
    form = IntakeCheck(post_data(description="路灯\u200b不亮"))
    form.is_valid()
    assert "description" not in form.errors
    assert form.cleaned_data["description"] == "路灯\u200b不亮"


@pytest.mark.parametrize(("text", "seen"), [
    ("", ""), (None, ""), (INVISIBLE, ""), ("\n\t \u3000\x00\x7f", ""),
    ("a\u200b", "a\u200b"), (" 路灯 ", " 路灯 "), ("\u200b!", "\u200b!"),
])
def test_visible_is_the_text_unchanged_or_empty(text: str | None, seen: str) -> None:
    assert visible(text) == seen
