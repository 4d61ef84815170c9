"""The caller profile page (by id, and the old /callers/<phone>/ that redirects to it), the intake pop-up and the
order page: who sees what, the no-JS page and its htmx twin, the full-number access record."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from hotline.accounts.choices import Role
from hotline.accounts.models import User
from hotline.callers.models import CallerProfile, CallerProfileChange, CallerTag
from hotline.callers.selectors import order_card
from hotline.callers.services import update_profile
from hotline.callers.tests.conftest import PHONE
from hotline.ops.models import AccessKind, AccessRecord
from hotline.tickets.choices import Status
from hotline.tickets.tests.factories import Cast, UserFactory, make_ticket

pytestmark = pytest.mark.django_db

PAGE = reverse("caller-profile", args=[PHONE])  # the old address, redirected to the profile's id
SAVE = reverse("caller-save")
MASKED = "138****5678"


def _login(client: Client, role: str, **extra: Any) -> User:
    user = UserFactory(role=role, **extra)
    client.force_login(user)
    return user


@pytest.fixture
def tagged(tags: dict[str, CallerTag]) -> CallerProfile:
    """The caller is 老年人 and 恶意骚扰 (sensitive), with a note; one order of theirs exists."""
    make_ticket(Status.ANSWERED, caller_phone=PHONE, title="咨询养老金发放")
    return update_profile(PHONE, tags=["老年人", "恶意骚扰"], note="耳背，请大声慢讲",
                          actor=UserFactory(role=Role.SUPERVISOR))


def _text(response: Any) -> str:
    return response.content.decode()


# --- who may open the page -----------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.UNIT_HANDLER, Role.UNIT_ADMIN])
def test_unit_staff_get_a_403_and_see_nothing(client: Client, tagged: CallerProfile, role: str) -> None:
    _login(client, role)
    for response in (client.get(PAGE), client.post(PAGE, {"tags": ["老年人"], "note": "x"})):
        assert response.status_code == 403
        assert "耳背" not in _text(response) and "老年人" not in _text(response)
    assert CallerProfileChange.objects.count() == 1
    assert not AccessRecord.objects.exists()


def test_signed_out_people_are_sent_to_sign_in(client: Client, tagged: CallerProfile) -> None:
    response = client.get(PAGE)
    assert response.status_code == 302 and "耳背" not in _text(response)


def test_a_partial_number_is_a_404_and_a_typed_one_is_redirected(client: Client, tags: dict[str, CallerTag]) -> None:
    _login(client, Role.INTAKE)
    assert client.get(reverse("caller-profile", args=["138123"])).status_code == 404
    response = client.get(reverse("caller-profile", args=["+86 138-1234-5678"]))
    assert response.status_code == 302 and response["Location"] == PAGE


# --- the page ----------------------------------------------------------------------------------------


def test_the_page_shows_profile_log_and_orders_and_records_the_full_number(client: Client,
                                                                         tagged: CallerProfile) -> None:
    agent = _login(client, Role.INTAKE)
    response = client.get(PAGE, follow=True)
    html = _text(response)
    assert response.status_code == 200 and response.redirect_chain == [
        (reverse("caller-profile-id", args=[tagged.pk]), 302)]
    assert PHONE in html and "耳背，请大声慢讲" in html and "咨询养老金发放" in html
    assert re.search(r'class="tag warn sensitive"[^>]*>恶意骚扰', html)  # marked as sensitive
    assert 'name="tags" value="老年人" checked' in html and 'name="tags" value="多次来电">' in html
    assert 'value="旧标签"' not in html  # switched off and not on the profile: not offered
    assert "<title>" in html and MASKED in html.split("</title>")[0]  # the tab title keeps it masked
    record = AccessRecord.objects.get()
    assert (record.kind, record.subject_type, record.subject, record.user_id) == (
        AccessKind.FULL_PHONE, "phone", MASKED, agent.pk)


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.LEADER])
def test_inspectors_and_leaders_read_without_sensitive_tags_or_form(client: Client, tagged: CallerProfile,
                                                                   role: str) -> None:
    _login(client, role)
    html = _text(client.get(PAGE, follow=True))
    assert "老年人" in html and "耳背" in html
    assert "恶意骚扰" not in html  # neither on the profile nor in the change log
    assert "<form class=\"caller-form\"" not in html
    assert client.post(PAGE, {"tags": ["老年人"], "note": ""}).status_code == 403
    assert CallerProfileChange.objects.count() == 1


def test_a_change_that_touched_only_a_sensitive_tag_is_not_listed_to_those_who_may_not_see_it(
        client: Client, tagged: CallerProfile) -> None:
    update_profile(PHONE, tags=["老年人"], note="耳背，请大声慢讲", actor=UserFactory(role=Role.INTAKE))
    _login(client, Role.LEADER)
    assert _text(client.get(PAGE, follow=True)).count("<time datetime=") == 2  # the first change and the order; not the second


def test_posting_without_javascript_saves_and_comes_back_to_the_page(client: Client, tagged: CallerProfile) -> None:
    agent = _login(client, Role.DISPATCHER)
    response = client.post(SAVE, {"phone": PHONE, "tags": ["多次来电", "恶意骚扰"], "note": "又来电催办",
                                  "version": "1"})
    by_id = reverse("caller-profile-id", args=[tagged.pk])
    assert response.status_code == 302 and response["Location"] == by_id
    profile = CallerProfile.objects.get()
    assert {t.name for t in profile.tags.all()} == {"多次来电", "恶意骚扰"} and profile.updated_by == agent
    html = _text(client.get(by_id))
    assert "来电人档案已保存" in html and "又来电催办" in html
    assert CallerProfileChange.objects.count() == 2


def test_a_refused_post_changes_nothing_keeps_what_was_typed_and_says_why(client: Client,
                                                                       tagged: CallerProfile) -> None:
    _login(client, Role.INTAKE)
    response = client.post(PAGE, {"tags": ["多次来电"], "note": "长" * 201, "version": "1"})
    html = _text(response)
    assert response.status_code == 400
    assert "备注最多 200 个字" in html and "长" * 201 in html
    assert 'name="tags" value="多次来电" checked' in html and 'name="tags" value="老年人">' in html
    stale = client.post(PAGE, {"tags": ["多次来电"], "note": "", "version": "0"})
    assert stale.status_code == 400 and "刚被他人修改" in _text(stale)
    profile = CallerProfile.objects.get()
    assert profile.version == 1 and profile.note == "耳背，请大声慢讲"
    assert CallerProfileChange.objects.count() == 1


def test_the_htmx_post_gets_the_pop_up_block_back(client: Client, tagged: CallerProfile) -> None:
    _login(client, Role.INTAKE)
    htmx = {"HTTP_HX_REQUEST": "true"}
    response = client.post(PAGE, {"tags": ["老年人"], "note": "", "version": "1"}, **htmx)
    html = _text(response)
    assert response.status_code == 200 and html.lstrip().startswith("<section class=\"caller-profile\"")
    assert "来电人档案已保存" in html and "<html" not in html
    assert "sensitive" not in html.split("<details")[0]  # 恶意骚扰 is off the profile (still offered below)
    refused = client.post(PAGE, {"tags": ["不存在"], "note": "", "version": "2"}, **htmx)
    assert refused.status_code == 200 and "没有这个来电人标签：不存在" in _text(refused)
    assert "<details open>" in _text(refused)
    assert CallerProfileChange.objects.count() == 2
    assert not AccessRecord.objects.exists()  # the block shows no number


# --- the intake pop-up (来电弹屏) -------------------------------------------------------------------------


def test_the_pop_up_shows_tags_note_and_the_form(client: Client, tagged: CallerProfile) -> None:
    _login(client, Role.INTAKE)
    html = _text(client.get(reverse("intake-caller"), {"phone": "138 1234 5678"}))
    assert "咨询养老金发放" in html  # the earlier orders are still there
    assert re.search(r'class="tag warn sensitive"[^>]*>恶意骚扰', html) and "耳背，请大声慢讲" in html
    assert f'hx-post="{SAVE}"' in html and f'action="{SAVE}"' in html and 'target="_blank"' in html
    assert f'href="{reverse("caller-profile-id", args=[tagged.pk])}"' in html  # the no-JS page, by id


def test_the_pop_up_of_a_number_being_typed_or_unknown(client: Client, tags: dict[str, CallerTag]) -> None:
    _login(client, Role.INTAKE)
    assert "caller-profile" not in _text(client.get(reverse("intake-caller"), {"phone": "13812"}))
    html = _text(client.get(reverse("intake-caller"), {"phone": PHONE}))
    assert "暂无来电人标签" in html and 'name="tags" value="老年人">' in html


def test_the_intake_page_opened_with_a_number_shows_the_profile(client: Client, tagged: CallerProfile) -> None:
    _login(client, Role.INTAKE)
    html = _text(client.get(reverse("intake"), {"phone": PHONE}))
    assert "耳背，请大声慢讲" in html and "caller-profile" in html


# --- the order page ---------------------------------------------------------------------------------------


def test_the_order_page_shows_the_tags_to_centre_staff_only(client: Client, tags: dict[str, CallerTag]) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE)
    update_profile(PHONE, tags=["老年人", "恶意骚扰"], note="耳背", actor=cast.dispatcher)
    url = reverse("order-detail", args=[ticket.number])

    client.force_login(cast.dispatcher)
    html = _text(client.get(url))
    profile_id = CallerProfile.objects.get().pk
    assert "老年人" in html and "恶意骚扰" in html and "耳背" in html
    assert f'href="{reverse("caller-profile-id", args=[profile_id])}"' in html
    assert "<form class=\"caller-form\"" not in html  # read-only here

    client.force_login(cast.inspector)
    html = _text(client.get(url))
    assert "老年人" in html and "恶意骚扰" not in html

    client.force_login(cast.lead_handler)  # the unit handling it
    html = _text(client.get(url))
    assert client.get(url).status_code == 200
    assert "老年人" not in html and "耳背" not in html and "/callers/" not in html


def test_an_anonymous_callers_profile_stays_hidden_from_the_unit(client: Client, tags: dict[str, CallerTag]) -> None:
    cast = Cast.build()
    ticket = make_ticket(Status.IN_PROGRESS, cast=cast, caller_phone=PHONE, is_anonymous=True)
    update_profile(PHONE, tags=["老年人"], note="", actor=cast.dispatcher)
    client.force_login(cast.lead_handler)
    assert "老年人" not in _text(client.get(reverse("order-detail", args=[ticket.number])))
    client.force_login(cast.dispatcher)
    assert "老年人" in _text(client.get(reverse("order-detail", args=[ticket.number])))


def test_no_profile_where_the_page_does_not_show_the_full_number(tags: dict[str, CallerTag]) -> None:
    ticket = make_ticket(Status.ANSWERED, caller_phone=PHONE, is_confidential=True)
    dispatcher = ticket.cast.dispatcher
    update_profile(PHONE, tags=["老年人"], note="", actor=dispatcher)
    assert order_card(dispatcher, ticket, PHONE).tags[0].name == "老年人"
    assert order_card(dispatcher, ticket, MASKED) is None  # masked for this person: no profile either
    assert order_card(dispatcher, ticket, "") is None
    assert order_card(ticket.cast.lead_handler, ticket, PHONE) is None
