"""Browser-walk fixes on the intake caller pop-up: other steps' typing survives a swap, the wording of too long
a text, the success note, the history table that scrolls."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse

from hotline.tickets.choices import Action
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast
from hotline.workbench.forms import ChaseForm, SupplementForm
from hotline.workbench.tests.followup_support import HTMX, PHONE, open_order_of
from hotline.workbench.tests.followup_support import client_for as _client

pytestmark = pytest.mark.django_db



@pytest.fixture
def cast(frozen_now: datetime) -> Cast:
    return Cast.build()


@pytest.fixture
def open_order(cast: Cast) -> Ticket:
    return open_order_of(cast)


def _details(html: str, action: str, number: str) -> str:
    """The opening tag of one step's <details> in the pop-up."""
    match = re.search(rf'<details class="step" id="fu-step-{action}-{number}"[^>]*>', html)
    assert match, f"no {action} step"
    return match.group(0)


def _chase(client: Client, ticket: Ticket, note: str, **extra: str):  # noqa: ANN202
    return client.post(reverse("intake-follow-up", args=[ticket.number, Action.CHASE]),
                       {"note": note, "history_phone": PHONE, "version": ticket.version}, **extra)


def test_a_swap_keeps_the_other_steps_as_typed_and_the_posted_one_is_fresh(cast: Cast, open_order: Ticket) -> None:
    pop = _client(cast.intake).get(reverse("intake-caller"), {"phone": PHONE}).content.decode()
    assert "hx-preserve" in _details(pop, "chase", open_order.number)  # a lookup keeps whatever was typed
    assert "{#" not in pop and pop.count("<details") == pop.count("</details>")

    text = _chase(_client(cast.intake), open_order, "群众询问进度", **HTMX).content.decode()

    assert "hx-preserve" not in _details(text, "chase", open_order.number)  # the posted step comes back empty
    assert "hx-preserve" in _details(text, "supplement", open_order.number)  # the other step keeps its text
    version = Ticket.objects.get(pk=open_order.pk).version
    # the preserved step's form posts the order's new version: the hidden field sits outside <details>
    assert (f'<input type="hidden" name="version" value="{version}" form="fu-form-supplement-{open_order.number}">'
            in text)
    assert re.search(rf'<input type="hidden" name="version" value="{version}" form="fu-form-supplement-'
                     rf'{open_order.number}">\s*<input[^>]*>\s*<details class="step" id="fu-step-supplement', text)


def test_a_refused_step_comes_back_open_and_the_others_are_kept(cast: Cast, open_order: Ticket) -> None:
    text = _chase(_client(cast.intake), open_order, "长" * 501, **HTMX).content.decode()
    chase = _details(text, "chase", open_order.number)
    assert " open" in chase and "hx-preserve" not in chase
    assert "hx-preserve" in _details(text, "supplement", open_order.number)


def test_a_preserved_step_posts_the_new_version(cast: Cast, open_order: Ticket) -> None:
    """After a chase the other step, posted with the version the swap gave it, is recorded."""
    client = _client(cast.intake)
    _chase(client, open_order, "群众询问进度", **HTMX)
    version = Ticket.objects.get(pk=open_order.pk).version
    response = client.post(reverse("intake-follow-up", args=[open_order.number, Action.SUPPLEMENT]),
                           {"text": "楼下又开始漏水了", "history_phone": PHONE, "version": version}, **HTMX)
    assert "已记录" in response.content.decode()
    assert open_order.timeline.order_by("seq").last().note == "楼下又开始漏水了"


@pytest.mark.parametrize(("form", "field", "limit"), [(ChaseForm, "note", 500), (SupplementForm, "text", 2000)])
def test_too_long_a_text_is_said_in_the_services_words(form: type, field: str, limit: int) -> None:
    bound = form({field: "字" * (limit + 3)})
    assert not bound.is_valid()
    assert bound.errors[field] == [f"内容不能超过 {limit} 个字（现有 {limit + 3} 个字）"]
    assert f'maxlength="{limit}"' in str(bound[field])
    assert form({field: "字" * limit}).is_valid()


def test_the_pop_up_says_too_long_in_english_too(cast: Cast, open_order: Ticket) -> None:
    text = _chase(_client(cast.intake, "en"), open_order, "x" * 501, **HTMX).content.decode()
    assert "at most 500 characters (it has 501)" in text and "Ensure this value" not in text


def test_the_success_note_stands_apart_and_the_history_scrolls(cast: Cast, open_order: Ticket) -> None:
    text = _chase(_client(cast.intake), open_order, "群众询问进度", **HTMX).content.decode()
    note = text.index('<p class="ok" role="status">')
    assert note < text.index('<div class="open-warn">')  # not run on after the warning
    assert '<div class="table-scroll"><table class="grid history">' in text
