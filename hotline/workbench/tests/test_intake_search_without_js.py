"""The intake page's category search without JavaScript: Enter in a single-line box presses the form's first
button, 搜索, so it searches and never registers a half-typed order; the page comes back as typed with the
matching categories, one of which can be chosen and then registered with the order."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from hotline.accounts.choices import Role
from hotline.attachments.models import Attachment
from hotline.governance import services as governance
from hotline.governance.models import Theme
from hotline.taxonomy.models import Category
from hotline.tickets.choices import Channel, Status
from hotline.tickets.models import Ticket
from hotline.tickets.tests.factories import Cast, CategoryFactory, UserFactory
from hotline.workbench.intake.forms import PICK_CATEGORY, SEARCH_CATEGORY
from hotline.workbench.tests.test_intake import PNG, URL, post_data

pytestmark = pytest.mark.django_db

SCRIPT = Path(__file__).resolve().parents[2] / "static" / "hotline" / "intake.js"


@pytest.fixture
def client_agent(client: Client) -> Client:
    client.force_login(UserFactory(role=Role.INTAKE))
    return client


@pytest.fixture
def lamp() -> Category:
    """城乡建设 → 市政设施 → 路灯不亮 (and 井盖缺失 beside it, which 路灯 does not find)."""
    roads = CategoryFactory(name="市政设施", parent=CategoryFactory(name="城乡建设"))
    CategoryFactory(name="井盖缺失", parent=roads)
    return CategoryFactory(name="路灯不亮", parent=roads)


def _intake_form(page: str) -> str:
    return page.split('<form id="intake-form"', 1)[1].split("</form>", 1)[0]


def _submit_buttons(page: str) -> list[str]:
    """The submit buttons of the order form, in the order the browser sees them."""
    return re.findall(r'<button type="submit"[^>]*>', _intake_form(page))


def _attr(tag: str, name: str) -> str:
    return re.search(rf'{name}="([^"]*)"', tag).group(1)


def test_the_first_button_of_the_order_form_is_the_search(client_agent: Client) -> None:
    """Without JavaScript, Enter in a single-line box presses the first submit button: it must register nothing."""
    page = client_agent.get(URL).content.decode()
    first = _submit_buttons(page)[0]
    assert _attr(first, "name") == "decision" and _attr(first, "value") == SEARCH_CATEGORY
    assert "formnovalidate" in first  # the half-typed form is not checked by the browser either
    form = _intake_form(page)
    assert form.index('id="category-search"') < form.index(first)  # beside the search box it serves


def test_enter_in_the_search_box_lists_the_categories_and_registers_nothing(client_agent: Client,
                                                                           lamp: Category) -> None:
    # What the browser sends on Enter: every field of the form, half typed, and its first submit button.
    response = client_agent.post(URL, post_data(q="路灯", decision=SEARCH_CATEGORY, request_type=None))
    assert response.status_code == 200
    assert Ticket.objects.count() == 0
    page = response.content.decode()
    picks = re.findall(rf'<button type="submit" name="{PICK_CATEGORY}" value="(\d+)"[^>]*>', page)
    assert picks == [str(lamp.pk)]
    assert re.search(rf'<button type="submit" name="{PICK_CATEGORY}" value="{lamp.pk}"[^>]*formnovalidate[^>]*autofocus',
                     page)  # the first result takes the focus
    # The page as typed, the search words kept, nothing refused (the order was not submitted).
    assert 'value="张先生"' in page and "小区门口路灯不亮，晚上出行不便</textarea>" in page
    assert 'id="category-search" name="q" value="路灯"' in page
    assert 'id="error-summary"' not in page and 'class="ferr"' not in page


def test_a_search_keeps_the_page_token(client_agent: Client, lamp: Category) -> None:
    token = re.search(r'name="submission" value="([0-9a-f]{32})"', client_agent.get(URL).content.decode()).group(1)
    response = client_agent.post(URL, post_data(submission=token, q="路灯", decision=SEARCH_CATEGORY))
    assert response.status_code == 200 and f'name="submission" value="{token}"' in response.content.decode()
    assert client_agent.post(URL, post_data(submission=token)).status_code == 302  # then registered, once
    assert client_agent.post(URL, post_data(submission=token)).status_code == 302
    assert Ticket.objects.count() == 1


def test_a_search_without_a_match_says_so(client_agent: Client, lamp: Category) -> None:
    page = client_agent.post(URL, post_data(q="不存在的词", decision=SEARCH_CATEGORY)).content.decode()
    assert "没有匹配「不存在的词」的三级分类" in page
    assert re.search(r'<input type="search" id="category-search"[^>]*autofocus', page)
    assert Ticket.objects.count() == 0


def test_the_chosen_category_comes_back_chosen_and_is_registered(client_agent: Client, lamp: Category) -> None:
    searched = client_agent.post(URL, post_data(q="路灯", decision=SEARCH_CATEGORY)).content.decode()
    pick = re.search(rf'name="{PICK_CATEGORY}" value="(\d+)"', searched).group(1)
    # The pick button is the submitter: the browser sends the form and the button, no decision.
    chosen = client_agent.post(URL, post_data(q="路灯", decision=None, **{PICK_CATEGORY: pick}))
    assert chosen.status_code == 200 and Ticket.objects.count() == 0
    page = chosen.content.decode()
    assert re.search(rf'<option value="{lamp.pk}" selected>', page)
    assert '<span class="picked" id="category-picked">城乡建设/市政设施/路灯不亮</span>' in page
    assert re.search(r'<select name="category"[^>]*autofocus', page)
    assert f'name="{PICK_CATEGORY}"' not in page  # the list is done with
    # Then 登记并转派单, with the category as the page now has it.
    registered = client_agent.post(URL, post_data(q="路灯", category=pick))
    assert registered.status_code == 302
    ticket = Ticket.objects.get()
    assert ticket.category == lamp and ticket.status == Status.PENDING_DISPATCH


def test_files_chosen_before_a_search_are_not_kept_and_the_page_says_so(client_agent: Client,
                                                                       lamp: Category) -> None:
    response = client_agent.post(URL, post_data(q="路灯", decision=SEARCH_CATEGORY, attachments=[
        SimpleUploadedFile("现场.png", PNG, content_type="image/png")]))
    assert response.status_code == 200 and Ticket.objects.count() == Attachment.objects.count() == 0
    assert "请重新选择附件" in response.content.decode()


def test_a_search_keeps_the_theme_the_order_is_raised_for(client_agent: Client, frozen_now: datetime,
                                                          cast: Cast) -> None:
    today = timezone.localdate(frozen_now)
    theme: Theme = governance.adopt(actor=UserFactory(role=Role.LEADER), title="路灯整治", problem="夜间路灯成片不亮",
                                    month=today.replace(day=1), lead=cast.lead, due_date=today + timedelta(days=30),
                                    keywords="路灯")
    response = client_agent.post(URL, post_data(phone="", caller_name="", caller_sex=None, channel=Channel.PROACTIVE,
                                                theme=theme.pk, q="路灯", decision=SEARCH_CATEGORY))
    assert response.status_code == 200 and Ticket.objects.count() == 0
    page = response.content.decode()
    assert f'name="theme" value="{theme.pk}"' in page and "为每月一题「路灯整治」派发" in page


def test_with_the_script_enter_still_registers_and_the_search_stays_in_place() -> None:
    """intake.js searches in place (htmx), picks without a submit, and keeps Enter = 登记并转派单."""
    script = SCRIPT.read_text()
    assert 'getElementById("category-search-button")' in script and 'new Event("search")' in script
    assert 'form.requestSubmit(enterButton)' in script and "e.isComposing" in script
    assert 'querySelector("button[type=submit][data-enter]")' in script


def test_the_dispatch_button_is_the_one_the_script_presses_on_enter(client_agent: Client) -> None:
    page = client_agent.get(URL).content.decode()
    entered = [b for b in _submit_buttons(page) if "data-enter" in b]
    assert len(entered) == 1 and _attr(entered[0], "value") == "dispatch"


def test_an_empty_search_lists_nothing_and_returns_to_the_search_box(client_agent: Client, lamp: Category) -> None:
    response = client_agent.post(URL, post_data(q="  ", decision=SEARCH_CATEGORY))
    assert response.status_code == 200 and Ticket.objects.count() == 0
    page = response.content.decode()
    assert '<div id="category-results" class="picker-results" aria-live="polite"></div>' in page  # :empty, hidden
    assert re.search(r'<input type="search" id="category-search"[^>]*autofocus', page)
