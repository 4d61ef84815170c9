"""A description made only of invisible characters (zero-width space, joiners, BOM, word joiner, control
characters) is empty to every reader: the portal asks for the description and registers nothing."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from hotline.portal.forms import SubmitForm
from hotline.tickets.models import Ticket

pytestmark = pytest.mark.django_db

FORM = {"request_type": "complaint", "title": "", "description": "", "phone": "13812345678"}


@pytest.mark.parametrize("description", [
    "\u200b\u200c\u200d\ufeff\u2060",
    " \u200b\n\t\u2060 ",
    "\u200e\u200f\u202a\u202c\u00ad",  # bidi marks and embeddings, soft hyphen (all Cf)
    "\x01\x1f\x7f",  # other control characters (Cc)
])
def test_an_invisible_description_is_required_and_registers_nothing(client: Client, frozen_now,  # noqa: ANN001
                                                                    description: str) -> None:
    response = client.post(reverse("portal:submit"), {**FORM, "description": description})
    assert response.status_code == 400  # the form again, with its errors
    assert response.context["form"].errors["description"] == ["请填写诉求内容"]
    assert not Ticket.objects.exists()


def test_a_visible_description_is_kept_as_entered() -> None:
    text = "路灯\u200b不亮"  # a zero-width space among visible words stays
    form = SubmitForm({**FORM, "description": f"  {text}\n"})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["description"] == text
